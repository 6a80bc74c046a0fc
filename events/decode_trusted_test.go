package events

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestValidateRecordsTheReading: an event that validation accepts from a
// request carries this version's reading, for the log to record; a
// refused one, and an envelope built in code (its Raw never read by the
// strict reading), carry none.
func TestValidateRecordsTheReading(t *testing.T) {
	v := testValidator(t)
	envs, err := DecodeRequest([]byte(`[`+strictEvent("", "")+`,`+strictEvent("", `,"extra":1`)+`]`), ContentTypeBatch)
	if err != nil {
		t.Fatal(err)
	}
	evs, _ := v.ValidateAll(envs)
	if evs[0] == nil || evs[1] != nil {
		t.Fatalf("validated %v, want the first event only", evs)
	}
	if got, want := envs[0].Reading, ReadingVersion; got != want {
		t.Errorf("accepted event: reading %d, want %d", got, want)
	}
	if got := envs[1].Reading; got != 0 {
		t.Errorf("refused event: reading %d, want 0", got)
	}
	built := Envelope{SpecVersion: "1.0", ID: envs[0].ID, Source: envs[0].Source, Type: envs[0].Type, Time: envs[0].Time,
		Data: envs[0].Data, Raw: envs[0].Raw}
	if ev, ps := v.Validate(0, &built); ev == nil || built.Reading != 0 {
		t.Errorf("envelope built in code: %v %v, reading %d, want accepted with reading 0", ev, ps, built.Reading)
	}
}

// TestDecodeRecordedReadsOtherReadingsInFull: an envelope the strict
// reading refuses (a name twice) is refused when the log recorded no
// reading or another one for it, whatever this version's light reading
// would make of it.
func TestDecodeRecordedReadsOtherReadingsInFull(t *testing.T) {
	raw := []byte(strictEvent("", `,"district":"laoshan"`))
	for _, reading := range []int{0, ReadingVersion + 1} {
		_, err := DecodeRecorded(TypeCaseFinished, reading, raw)
		if se := (*StoredEventError)(nil); !errors.As(err, &se) {
			t.Errorf("reading %d: %v, want a *StoredEventError", reading, err)
		}
	}
	ok := []byte(strictEvent("", ""))
	want, err := DecodeStored(TypeCaseFinished, ok)
	if err != nil {
		t.Fatal(err)
	}
	if _, trusted := decodeTrusted(TypeCaseFinished, ok); !trusted {
		t.Error("a plain stored event did not take the light reading")
	}
	got, err := DecodeRecorded(TypeCaseFinished, ReadingVersion, ok)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeRecorded = %#v, %v; want %#v", got, err, want)
	}
}

// FuzzTrustedReadingAgrees: on every envelope whose JSON the strict
// reading accepts, the light scan records the members the strict check
// records; on every one DecodeStored accepts, DecodeRecorded under this
// version's reading reads the same payload; on any other bytes the light
// reading neither panics nor reads past them.
func FuzzTrustedReadingAgrees(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	for _, s := range []string{
		strictEvent(`"data_base64":"AA==",`, ""), strictEvent(`"":1,`, ""), strictEvent(`"typ\u0065":"x",`, ""),
		strictEvent(`"x":{"type":"y"},`, ""), strictEvent(`"dat\u0061":{},`, ""), strictEvent(`"x":"\"\\",`, `,"q":"\\\""`),
		strictEvent("", `,"district":"laoshan"`), `{"type":"govpulse.case.finished.v1","data":"\`,
		`{"specversion":"1.0","id":"v-1","source":"govpulse-portal","type":"govpulse.policy.viewed.v1","time":"2025-01-01T03:07:52+08:00","datacontenttype":"application/json","data":{"policy_id":"qd-sfj-2024-fl18","origin":"direct"}}`,
		`{"specversion":"1.0","id":"s-1","source":"govpulse-portal","type":"govpulse.portal.searched.v1","time":"2025-01-01T03:46:44+08:00","datacontenttype":"application/json","data":{"query":"信用修复","results":34}}`,
	} {
		f.Add([]byte(s))
	}
	// Times in every shape the quick reading of a timestamp meets.
	for _, at := range []string{"2024-03-01T01:00:00.123456789+00:00", "2024-03-01t09:00:00Z", "2024-03-01T09:00:00.5z", "2024-02-29T23:59:59-11:30"} {
		f.Add([]byte(strings.Replace(strictEvent("", ""), "2024-03-01T09:00:00+08:00", at, 1)))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, typ := range KnownTypes() {
			_, _ = decodeTrusted(typ, body)
		}
		raws, err := readEvents(body, len(body) > 0 && body[0] == '[')
		if err != nil {
			return
		}
		for _, raw := range raws {
			c := strictChecker{b: raw, record: true}
			if value, v := c.check(); v == strictAccepted {
				var s trustedSplit
				got, ok := s.split(raw)
				if isObject := value[0] == '{'; ok != isObject {
					t.Fatalf("light scan of an accepted value: %v, want %v\n%s", ok, isObject, raw)
				}
				if ok && (!bytes.Equal(got, value) || !sameRecorded(&s.top, &c.top) || !sameRecorded(&s.data, &c.data)) {
					t.Fatalf("light scan %q %+v %+v, strict check %q %+v %+v", got, s.top, s.data, value, c.top, c.data)
				}
			}
			for _, typ := range KnownTypes() {
				want, err := DecodeStored(typ, raw)
				if err != nil {
					// Ingest would not have recorded this version's reading
					// for it: the light reading may read it as it likes.
					continue
				}
				got, err := DecodeRecorded(typ, ReadingVersion, raw)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: DecodeRecorded %#v, %v; DecodeStored %#v\n%s", typ, got, err, want, raw)
				}
			}
		}
	})
}

// sameRecorded reports whether two recorded objects hold the same members.
func sameRecorded(a, b *recordedObject) bool {
	if a.whole != b.whole {
		return false
	}
	if !a.whole {
		return true
	}
	if a.n != b.n {
		return false
	}
	for i := range a.n {
		if !bytes.Equal(a.names[i], b.names[i]) || !bytes.Equal(a.values[i], b.values[i]) || a.escaped[i] != b.escaped[i] {
			return false
		}
	}
	return true
}

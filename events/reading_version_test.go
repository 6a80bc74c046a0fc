package events

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"testing"
)

// readingDigests holds, for each ReadingVersion, the digest of what the
// strict reading makes of readingCorpus: at ingest (DecodeRequest, then
// ValidateAll at testNow over the test catalogue) and from the log
// (DecodeStored as each type): which events it accepts and the payload
// it reads from each.
var readingDigests = map[int]string{
	1: "368081d3380a2a93e997d696bfb824efee8fb70883e28110a8d197e9cf85b04d",
}

// readingCorpus is the bodies TestReadingVersionNamesThisReading reads:
// the fuzz seeds (every example event, and the ambiguous JSON the strict
// reading refuses) and the variations of TestStrictReadingRefusesAmbiguousJSON.
func readingCorpus(t testing.TB) [][]byte {
	corpus := fuzzSeeds(t)
	for _, s := range []string{
		strictEvent(`"source":"/qd-bdc/x",`, ""), strictEvent(`"ext":{"a":{"b":1,"b":2}},`, ""),
		strictEvent("", `,"note":"`+"\xff"+`"`), strictEvent("", `,"`+"\xc3\x28"+`":1`),
		strictEvent("", `,"x":"a\udc00b"`), strictEvent("", `,"x":"\ude00\ud83d"`),
		strictEvent(`"subject":"\ud83d\ude00 ok",`, ""), strictEvent(`"Type":"x",`, ""),
		strictEvent("", `,"District":"laoshan"`), strictEvent(`"dat\u0061":{},`, ""),
	} {
		corpus = append(corpus, []byte(s))
	}
	return corpus
}

// TestReadingVersionNamesThisReading: ReadingVersion must be raised
// whenever the strict reading changes what it accepts or reads, because a
// rebuild trusts the rows recorded under this version (DecodeRecorded).
// This test is the tripwire: a change of what the reading makes of its
// corpus changes the digest, and the test asks for the version to be
// raised with it.
func TestReadingVersionNamesThisReading(t *testing.T) {
	h := sha256.New()
	v := testValidator(t)
	for i, body := range readingCorpus(t) {
		for _, ct := range []string{ContentTypeSingle, ContentTypeBatch} {
			envs, err := DecodeRequest(body, ct)
			if err != nil {
				fmt.Fprintf(h, "%d %s refused\n", i, ct)
				continue
			}
			evs, problems := v.ValidateAll(envs)
			fmt.Fprintf(h, "%d %s %d problems\n", i, ct, len(problems))
			for j, ev := range evs {
				writeReading(t, h, fmt.Sprintf("%d %s %d", i, ct, j), ev, nil)
			}
		}
		raws, err := readEvents(body, len(body) > 0 && body[0] == '[')
		if err != nil {
			continue
		}
		for j, raw := range raws {
			for _, typ := range KnownTypes() {
				ev, err := DecodeStored(typ, raw)
				writeReading(t, h, fmt.Sprintf("%d stored %d %s", i, j, typ), ev, err)
			}
		}
	}
	got := hex.EncodeToString(h.Sum(nil))
	want, known := readingDigests[ReadingVersion]
	if !known || got != want {
		t.Fatalf("the strict reading makes of its corpus something else than ReadingVersion %d names (digest %s, recorded %q).\n"+
			"If the change of what it accepts or reads is meant, raise events.ReadingVersion (a rebuild then reads the rows "+
			"recorded under the old version in full) and record the digest under the new version in readingDigests; "+
			"if only the corpus changed, record the new digest under this version.", ReadingVersion, got, want)
	}
}

// writeReading writes one reading's outcome: accepted with the payload
// as JSON, or refused.
func writeReading(t *testing.T, w io.Writer, at string, ev Event, err error) {
	t.Helper()
	if err != nil || ev == nil {
		fmt.Fprintf(w, "%s refused\n", at)
		return
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatalf("%s: %v", at, err)
	}
	fmt.Fprintf(w, "%s %T %s\n", at, ev, b)
}

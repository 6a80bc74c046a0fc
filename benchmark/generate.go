package benchmark

import (
	"encoding/json"
	"fmt"
	"time"
)

// CaseEvents returns n valid govpulse.case.finished.v1 events from source,
// as JSON objects, finished over the few days before now.
func CaseEvents(source, runID string, n int, now time.Time) []json.RawMessage {
	districts := []string{"shinan", "shibei", "licang", "laoshan", "huangdao", "chengyang", "jimo", "jiaozhou", "pingdu", "laixi"}
	channels := []string{"window", "self_service", "online", "mobile"}
	out := make([]json.RawMessage, n)
	for i := range out {
		finished := now.Add(-time.Duration(i%5000+60) * time.Minute).Truncate(time.Second)
		accepted := finished.Add(-time.Duration(i%72) * time.Hour)
		out[i] = json.RawMessage(fmt.Sprintf(`{"specversion":"1.0","id":"%s-%d","source":%q,"type":"govpulse.case.finished.v1","time":%q,"datacontenttype":"application/json","data":{"case_id":"BENCH-%s-%d","item_code":"enterprise_establishment","department":"qd-xzsp","district":%q,"channel":%q,"mode":"standard","accepted_at":%q,"finished_at":%q,"promised_working_days":1,"result":"approved","assisted":false}}`,
			runID, i, source, finished.Format(time.RFC3339), runID, i, districts[i%len(districts)], channels[i%len(channels)],
			accepted.Format(time.RFC3339), finished.Format(time.RFC3339)))
	}
	return out
}

// Batches joins events into JSON array bodies of at most size events.
func Batches(evs []json.RawMessage, size int) [][]byte {
	var out [][]byte
	for i := 0; i < len(evs); i += size {
		end := min(i+size, len(evs))
		b := []byte{'['}
		for j, e := range evs[i:end] {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, e...)
		}
		out = append(out, append(b, ']'))
	}
	return out
}

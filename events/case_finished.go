package events

import (
	"fmt"
	"time"
)

// TypeCaseFinished is the type of CaseFinished events.
const TypeCaseFinished = "govpulse.case.finished.v1"

// CaseFinished says an administrative case (办件) was concluded: which item,
// handled by which department in which district, through which channel and
// mode, how long it took against its promised limit, and how it ended.
type CaseFinished struct {
	CaseID              string    `json:"case_id"`
	ItemCode            string    `json:"item_code"`
	DepartmentCode      string    `json:"department"`
	District            string    `json:"district"`
	Channel             string    `json:"channel"`
	Mode                string    `json:"mode"`
	AcceptedAt          time.Time `json:"accepted_at"`
	FinishedAt          time.Time `json:"finished_at"`
	PromisedWorkingDays int       `json:"promised_working_days"`
	Result              string    `json:"result"`
	Assisted            bool      `json:"assisted"`
}

// EventType returns TypeCaseFinished.
func (CaseFinished) EventType() string { return TypeCaseFinished }

// Department returns the handling department's catalogue code.
func (c CaseFinished) Department() string { return c.DepartmentCode }

// OccurredAt returns FinishedAt.
func (c CaseFinished) OccurredAt() time.Time { return c.FinishedAt }

// decodeCaseFinished reads and checks a CaseFinished payload. When the
// catalogue item names a department, the event's department must be it, so
// per-department figures never count another department's items.
func decodeCaseFinished(r *fieldReader) Event {
	var c CaseFinished
	c.CaseID = r.String("case_id", 100)
	c.ItemCode = r.Code("item_code", "item", r.catalog.HasItem)
	c.DepartmentCode = r.Code("department", "department", r.catalog.HasDepartment)
	c.District = r.Code("district", "district", r.catalog.HasDistrict)
	c.Channel = r.Enum(Channel)
	c.Mode = r.Enum(Mode)
	accepted, acceptedRaw, okAccepted := r.Time("accepted_at")
	finished, finishedRaw, okFinished := r.Time("finished_at")
	c.AcceptedAt, c.FinishedAt = accepted, finished
	c.PromisedWorkingDays = r.Int("promised_working_days", 0, 365)
	c.Result = r.Enum(Result)
	c.Assisted = r.Bool("assisted")

	if okAccepted && okFinished && finished.Before(accepted) {
		r.fail("finished_at", fmt.Sprintf("finished_at (%s) is before accepted_at (%s)", finishedRaw, acceptedRaw))
	}
	if item, ok := r.catalog.Item(c.ItemCode); ok && item.Department != "" && c.DepartmentCode != "" && item.Department != c.DepartmentCode {
		r.fail("department", fmt.Sprintf("is %q but item %q (%s) belongs to department %q in the catalogue",
			c.DepartmentCode, item.Code, item.Name, item.Department))
	}
	return c
}

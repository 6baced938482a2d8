package apply

import "time"

// Status is where a step is.
type Status string

// Step statuses.
const (
	Started Status = "started"
	Done    Status = "done"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// Event reports one step of an apply.
type Event struct {
	Time   time.Time
	Tenant string
	Host   string
	// Step says what is done, e.g. "create container app" or
	// "wait for app healthy".
	Step    string
	Status  Status
	Elapsed time.Duration
	// Err is set when Status is Failed.
	Err error
	// Last is set on the tenant's final event.
	Last bool
}

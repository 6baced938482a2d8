package edge

import (
	"errors"
	"fmt"
)

// Kinds of errors of the Router's changes; test with errors.Is. The admin
// API maps them to its error codes.
var (
	// ErrInvalid: the change asked for is not valid (a bad name or address).
	ErrInvalid = errors.New("invalid")
	// ErrNotFound: the tenant has no route.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a host name or backend is routed to another tenant.
	ErrConflict = errors.New("conflict")
)

// kindError is an error of a known kind with its own message.
type kindError struct {
	kind error
	msg  string
}

// Error returns the message, without the kind.
func (e *kindError) Error() string { return e.msg }

// Unwrap returns the kind.
func (e *kindError) Unwrap() error { return e.kind }

// errorf makes an error of kind with a formatted message.
func errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// invalid wraps a validation error as ErrInvalid.
func invalid(err error) error {
	return &kindError{kind: ErrInvalid, msg: err.Error()}
}

package engine

import (
	"errors"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
)

// ErrContainerExists is wrapped by CreateContainer when a container with
// the name already exists. The caller decides whether to remove it.
var ErrContainerExists = errors.New("container name already in use")

// The engine reports these conditions only as text; the phrases cover
// Docker 20.10 through 28 ("Pool overlaps with other one on this address
// space", "invalid pool request: ...", "networks have overlapping IPv4").
var (
	poolOverlapPhrases = []string{"pool overlaps", "overlapping"}
	portTakenPhrases   = []string{"port is already allocated", "address already in use"}
)

func containsAny(err error, phrases []string) bool {
	if err == nil {
		return false
	}
	msg := strings.ToLower(err.Error())
	for _, p := range phrases {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// isPoolOverlap reports whether a network create failed because its subnet
// overlaps one in use.
func isPoolOverlap(err error) bool { return containsAny(err, poolOverlapPhrases) }

// isPortTaken reports whether a create or start failed on a host port.
func isPortTaken(err error) bool { return containsAny(err, portTakenPhrases) }

// isNameConflict reports whether a create failed because the name exists.
func isNameConflict(err error) bool {
	return cerrdefs.IsConflict(err) || containsAny(err, []string{"already exists", "is already in use by container"})
}

// portTaken wraps err in ErrPortTaken, keeping the engine's message (which
// names the port) and the original error for errors.Is/As.
func portTaken(err error) error {
	return fmt.Errorf("%w: %w", ErrPortTaken, err)
}

// isStaleTask reports the engine's refusal to start a container whose
// containerd task survived an engine restart ("task <id>: already exists").
func isStaleTask(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "task ") && strings.Contains(msg, "already exists")
}

package sshx_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/testenv"
	"github.com/tenantctl/tenantctl/provisioner/testpeer"
)

// The peer is started once for the package's integration tests and
// stopped in TestMain.
var (
	peerOnce sync.Once
	peer     *testpeer.Peer
	peerErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if peer != nil {
		if err := peer.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the test peer:", err)
		}
	}
	os.Exit(code)
}

// requirePeer skips under -short and returns the shared SSH peer; it
// fails when the peer cannot start here.
func requirePeer(t *testing.T) *testpeer.Peer {
	t.Helper()
	testenv.Peer(t)
	peerOnce.Do(func() { peer, peerErr = testpeer.Start(context.Background()) })
	if peerErr != nil {
		t.Fatal(peerErr)
	}
	return peer
}

package testpebble

import (
	"context"
	"encoding/json"
	"os"
	"testing"
)

// TestIntegrationStartServesDirectoryAndRoot starts the real programs and
// checks what the certificate tests rely on: an ACME directory reachable
// with CAFile trusted, an issuing root, no orders yet, and Stop cleaning up.
func TestIntegrationStartServesDirectoryAndRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Pebble")
	}
	t.Parallel()
	ctx := context.Background()
	s, err := Start(ctx, Options{HTTPPort: 1, TLSPort: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	res, err := s.client.Get(s.DirectoryURL)
	if err != nil {
		t.Fatal(err)
	}
	var dir map[string]any
	err = json.NewDecoder(res.Body).Decode(&dir)
	res.Body.Close()
	if err != nil || dir["newOrder"] == nil {
		t.Fatalf("directory %v: %v, want a newOrder URL", dir, err)
	}
	if _, err := s.RootPool(ctx); err != nil {
		t.Fatal(err)
	}
	if n := s.Orders(); n != 0 {
		t.Errorf("Orders() = %d before any client, want 0", n)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Errorf("Stop left %s: %v", s.Dir, err)
	}
	if _, err := s.client.Get(s.DirectoryURL); err == nil {
		t.Error("directory still answers after Stop")
	}
}

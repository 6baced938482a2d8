package sshx_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoInsecureHostKeyCallback: host keys are never ignored, anywhere in
// the repository's Go code (tests included).
func TestNoInsecureHostKeyCallback(t *testing.T) {
	needle := "Insecure" + "IgnoreHostKey" // split so this file does not match
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "vendor" || d.Name() == ".cache") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		if strings.Contains(string(b), needle) {
			t.Errorf("%s uses %s: host keys must be verified against known_hosts", path, needle)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d Go files checked: wrong root?", checked)
	}
}

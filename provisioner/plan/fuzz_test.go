package plan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// FuzzParseSavedPlan feeds arbitrary bytes to the plan-file reader: it must
// refuse or accept, never panic, and whatever it accepts has a checksum
// that matches its content.
func FuzzParseSavedPlan(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.tfplan")
	p, err := Reconcile(project(), map[string]*resource.Observed{"local": base()}, Options{})
	if err != nil {
		f.Fatal(err)
	}
	if err := Save(path, p, Options{}); err != nil {
		f.Fatal(err)
	}
	seed, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte(`{"format_version":"1"}`))
	f.Add([]byte("not json"))
	f.Fuzz(func(t *testing.T, b []byte) {
		saved, err := Parse("fuzz.tfplan", b)
		if err == nil && saved.Checksum != saved.checksum() {
			t.Fatal("accepted a plan whose checksum does not match")
		}
	})
}

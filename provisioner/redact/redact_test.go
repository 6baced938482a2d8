package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

const secret = "6f27c0ffee5e5e5e1234567890abcdef"

func TestStringMasksEveryValueLongestFirst(t *testing.T) {
	r := New(secret, "postgres://app:"+secret+"@db/app", "short")
	got := r.String("url=postgres://app:" + secret + "@db/app pw=" + secret + " short")
	want := "url=" + Mask + " pw=" + Mask + " short"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestNilAndEmptyRedactNothing(t *testing.T) {
	var r *Redactor
	if r.String(secret) != secret || New().String(secret) != secret {
		t.Fatal("an empty redactor changed the text")
	}
	var b bytes.Buffer
	if w := r.Writer(&b); w != &b {
		t.Fatal("a nil redactor wrapped the writer")
	}
}

func TestErrorKeepsTheChain(t *testing.T) {
	err := New(secret).Error(fmt.Errorf("auth failed for %s: %w", secret, fs.ErrPermission))
	if got := err.Error(); got != "auth failed for "+Mask+": permission denied" {
		t.Fatalf("message %q", got)
	}
	if !errors.Is(err, fs.ErrPermission) {
		t.Fatal("errors.Is lost the wrapped error")
	}
}

func TestWriterMasksAndReportsTheInputLength(t *testing.T) {
	var b bytes.Buffer
	w := New(secret).Writer(&b)
	in := "password=" + secret + "\n"
	n, err := w.Write([]byte(in))
	if err != nil || n != len(in) {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(in))
	}
	if b.String() != "password="+Mask+"\n" {
		t.Fatalf("wrote %q", b.String())
	}
}

func TestWithAddsValues(t *testing.T) {
	r := New("aaaaaaaa").With("bbbbbbbb")
	if got := r.String("aaaaaaaa bbbbbbbb"); got != Mask+" "+Mask {
		t.Fatalf("got %q", got)
	}
}

func TestEscapedFormsAreMasked(t *testing.T) {
	v := `pa"ss<word>&\x`
	r := New(v)
	for _, out := range []string{fmt.Sprintf("%q", v), mustJSON(v)} {
		if got := r.String(out); strings.Contains(got, "ss") {
			t.Errorf("%s printed as %s", out, got)
		}
	}
}

func mustJSON(v string) string {
	b, _ := json.Marshal(v)
	return string(b)
}

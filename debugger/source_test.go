package debugger

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSourceLinesWindow(t *testing.T) {
	// testdata/source/five.txt holds the words one to five, a line each.
	cases := []struct {
		line, context int
		want          []string
		first         int
	}{
		{3, 1, []string{"two", "three", "four"}, 2},
		{1, 2, []string{"one", "two", "three"}, 1},
		{5, 2, []string{"three", "four", "five"}, 3},
		{2, 0, []string{"two"}, 2},
		{4, -3, []string{"four"}, 4},
		{3, 100, []string{"one", "two", "three", "four", "five"}, 1},
	}
	for _, c := range cases {
		got, first, err := SourceLines("testdata/source", "five.txt", c.line, c.context)
		if err != nil || first != c.first || !reflect.DeepEqual(got, c.want) {
			t.Errorf("line %d ±%d: %q from %d, %v; want %q from %d", c.line, c.context, got,
				first, err, c.want, c.first)
		}
	}
}

func TestSourceLinesErrors(t *testing.T) {
	if _, _, err := SourceLines("testdata/source", "five.txt", 6, 1); err == nil ||
		!strings.Contains(err.Error(), "has 5 lines") {
		t.Errorf("line past the end: err = %v", err)
	}
	if _, _, err := SourceLines("testdata/source", "five.txt", 0, 1); err == nil {
		t.Error("line 0: no error")
	}
	if _, _, err := SourceLines("testdata/source", "absent.c", 1, 1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
	abs, _ := filepath.Abs("testdata/source/five.txt")
	if got, _, err := SourceLines("/nonexistent", abs, 1, 0); err != nil || len(got) != 1 {
		t.Errorf("absolute path: %q, %v", got, err)
	}
}

func TestSourceLinesOfGetpid(t *testing.T) {
	s := testSymbols(t)
	addr, err := s.Addr("sys_getpid")
	if err != nil {
		t.Fatal(err)
	}
	file, line, ok := s.Line(addr)
	if !ok {
		t.Fatal("no line for sys_getpid")
	}
	got, first, err := SourceLines(s.Tree(), file, line, 2)
	if err != nil {
		t.Fatal(err)
	}
	if first != line-2 || len(got) != 5 || !strings.Contains(strings.Join(got, "\n"),
		"SYSCALL_DEFINE0(getpid)") {
		t.Errorf("%s:%d ±2 = %q from %d; want five lines with SYSCALL_DEFINE0(getpid)", file,
			line, got, first)
	}
}

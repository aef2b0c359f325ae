package debugger

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLineOfSymbols(t *testing.T) {
	s := testSymbols(t)
	for _, c := range readSymbolCases(t) {
		addr, err := s.Addr(c.name)
		if err != nil {
			t.Fatal(err)
		}
		file, line, ok := s.Line(addr)
		if !ok || file != c.file || line <= 0 {
			t.Errorf("Line(%s) = %q, %d, %v; want a line of %s", c.name, file, line, ok, c.file)
		}
	}
}

// getpidBodyLine finds, in the kernel tree, the body of sys_getpid: the
// return statement after SYSCALL_DEFINE0(getpid).
func getpidBodyLine(t *testing.T, s *Symbols) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.Tree(), "kernel", "sys.c"))
	if err != nil {
		t.Fatalf("the kernel tree that the DWARF names: %v", err)
	}
	in := false
	for i, l := range strings.Split(string(b), "\n") {
		in = in || strings.HasPrefix(l, "SYSCALL_DEFINE0(getpid)")
		if in && strings.HasPrefix(strings.TrimSpace(l), "return ") {
			return i + 1
		}
	}
	t.Fatal("kernel/sys.c has no SYSCALL_DEFINE0(getpid) with a return")
	return 0
}

func TestLineAddrsOfGetpidBody(t *testing.T) {
	s := testSymbols(t)
	lo, err := s.Addr("sys_getpid")
	if err != nil {
		t.Fatal(err)
	}
	_, hi, _ := s.FuncRange(lo)
	line := getpidBodyLine(t, s)
	// Of the lines starting at its first instruction, the function's own
	// statement wins over the opening line and the inlined pid.h.
	if file, got, _ := s.Line(lo); file != "kernel/sys.c" || got != line {
		t.Errorf("Line(sys_getpid) = %s:%d, want kernel/sys.c:%d", file, got, line)
	}
	for _, file := range []string{"kernel/sys.c", filepath.Join(s.Tree(), "kernel/sys.c")} {
		addrs, err := s.LineAddrs(file, line)
		if err != nil {
			t.Fatalf("LineAddrs(%s, %d): %v", file, line, err)
		}
		inside := false
		for _, a := range addrs {
			inside = inside || lo <= a && a < hi
			if !s.InText(a) {
				t.Errorf("LineAddrs(%s, %d) gave %#x, not in text", file, line, a)
			}
		}
		if !inside {
			t.Errorf("LineAddrs(%s, %d) = %#x, none in sys_getpid [%#x, %#x)", file, line,
				addrs, lo, hi)
		}
	}
}

func TestLineAddrsErrors(t *testing.T) {
	s := testSymbols(t)
	cases := []struct {
		file string
		line int
		want error
	}{
		{"no/such/file.c", 10, ErrNoFile},
		{"kernel/sys.c", 9999999, ErrNoLine},
		{"kernel/sys.c", 0, ErrNoLine},
		{"main.c", 10, ErrAmbiguousFile}, // init/, kernel/power/, ...
	}
	for _, c := range cases {
		_, err := s.LineAddrs(c.file, c.line)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.file) {
			t.Errorf("LineAddrs(%q, %d): err = %v, want %v naming the file", c.file, c.line,
				err, c.want)
		}
	}
}

func TestLineFilesRelativeToTree(t *testing.T) {
	s := testSymbols(t)
	if _, err := os.Stat(filepath.Join(s.Tree(), "init", "main.c")); err != nil {
		t.Fatalf("Tree() = %q, which has no init/main.c: %v", s.Tree(), err)
	}
	tb, _ := s.lineTable()
	for _, f := range tb.files {
		if strings.HasPrefix(f, s.Tree()+"/") {
			t.Fatalf("file %q is inside the tree but not made relative", f)
		}
	}
}

func TestLineOutsideText(t *testing.T) {
	s := testSymbols(t)
	for _, a := range []uint64{0, 0x1000, ^uint64(0)} {
		if f, l, ok := s.Line(a); ok {
			t.Errorf("Line(%#x) = %s:%d", a, f, l)
		}
	}
}

// TestLineWhileLoading asks for lines from several goroutines while the
// table is still loading: they wait for it and agree (run with -race).
func TestLineWhileLoading(t *testing.T) {
	want := testSymbols(t) // a kernel is there
	s, err := LoadSymbols(testKernelPath())
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := want.Addr("kernel_clone")
	wantFile, wantLine, _ := want.Line(addr)
	errs := make(chan string, 4)
	for range 4 {
		go func() {
			file, line, ok := s.Line(addr)
			_, _, found := s.Lookup(addr)
			if !ok || file != wantFile || line != wantLine || !found {
				errs <- fmt.Sprintf("Line = %s:%d %v, Lookup %v", file, line, ok, found)
				return
			}
			errs <- ""
		}()
	}
	for range 4 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

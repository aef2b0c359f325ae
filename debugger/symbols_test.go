package debugger

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	kernelOnce sync.Once
	kernelSyms *Symbols
	kernelErr  error
)

// testKernelPath is the UML kernel that `make kernel` builds.
func testKernelPath() string {
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "umwb", "linux")
}

// testSymbols loads the real kernel's symbols once for all tests, with
// the line table.
func testSymbols(t testing.TB) *Symbols {
	t.Helper()
	kernelOnce.Do(func() {
		path := testKernelPath()
		if _, err := os.Stat(path); err != nil {
			kernelErr = errors.New("no kernel at " + path + ": run `make kernel` first")
			return
		}
		kernelSyms, kernelErr = LoadSymbols(path)
		if kernelErr == nil {
			kernelErr = kernelSyms.WaitLines()
		}
	})
	if kernelErr != nil {
		t.Fatal(kernelErr)
	}
	return kernelSyms
}

// symbolCase is one line of testdata/symbols.txt.
type symbolCase struct{ name, file string }

func readSymbolCases(t *testing.T) []symbolCase {
	t.Helper()
	f, err := os.Open("testdata/symbols.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []symbolCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) != 2 {
			t.Fatalf("testdata/symbols.txt: bad line %q", sc.Text())
		}
		cases = append(cases, symbolCase{fields[0], fields[1]})
	}
	if len(cases) == 0 {
		t.Fatal("testdata/symbols.txt: no cases")
	}
	return cases
}

func TestSymbolsResolveAndRoundTrip(t *testing.T) {
	s := testSymbols(t)
	for _, c := range readSymbolCases(t) {
		addr, err := s.Addr(c.name)
		if err != nil {
			t.Errorf("Addr(%q): %v", c.name, err)
			continue
		}
		sym, off, ok := s.Lookup(addr)
		if !ok || sym.Name != c.name || off != 0 || sym.Addr != addr || !sym.Text || sym.Size == 0 {
			t.Errorf("Lookup(%#x) = %+v, %d, %v; want %s+0 in text", addr, sym, off, ok, c.name)
		}
		if got := s.Format(addr); got != c.name {
			t.Errorf("Format(%#x) = %q, want %q", addr, got, c.name)
		}
		if got, want := s.Format(addr+4), c.name+"+0x4"; got != want {
			t.Errorf("Format(%#x) = %q, want %q", addr+4, got, want)
		}
		lo, hi, ok := s.FuncRange(addr + 4)
		if !ok || lo != addr || hi != addr+sym.Size {
			t.Errorf("FuncRange(%s+4) = %#x, %#x, %v; want %#x, %#x", c.name, lo, hi, ok,
				addr, addr+sym.Size)
		}
		if !s.InText(addr) {
			t.Errorf("InText(%s) = false", c.name)
		}
	}
}

func TestSymbolsUnknownName(t *testing.T) {
	s := testSymbols(t)
	_, err := s.Addr("no_such_symbol_in_any_kernel")
	if !errors.Is(err, ErrNoSymbol) {
		t.Fatalf("Addr of an unknown name: err = %v, want ErrNoSymbol", err)
	}
	if !strings.Contains(err.Error(), "no_such_symbol_in_any_kernel") {
		t.Errorf("error %q does not name the symbol", err)
	}
}

func TestSymbolsSharedNames(t *testing.T) {
	s := testSymbols(t)
	// Find a name that several text symbols share (static inlines
	// emitted out of line: there are hundreds).
	var shared string
	for i := 1; i < len(s.byName) && shared == ""; i++ {
		a, b := s.byName[i-1], s.byName[i]
		if a.Name == b.Name && a.Text && b.Text {
			shared = a.Name
		}
	}
	if shared == "" {
		t.Fatal("no two text symbols share a name in this kernel")
	}
	_, err := s.Addr(shared)
	if !errors.Is(err, ErrAmbiguousSymbol) || !strings.Contains(err.Error(), shared) {
		t.Errorf("Addr(%q) = %v, want ErrAmbiguousSymbol naming it", shared, err)
	}
	if got := s.Search(shared, 0); len(got) < 2 || got[0].Name != shared || got[1].Name != shared {
		t.Errorf("Search(%q) does not list the copies first: %v", shared, got)
	}
}

func TestSymbolsSearch(t *testing.T) {
	s := testSymbols(t)
	got := s.Search("getpid", 0)
	if len(got) == 0 {
		t.Fatal(`Search("getpid") found nothing`)
	}
	for _, sym := range got {
		if !strings.Contains(sym.Name, "getpid") {
			t.Errorf("Search(getpid) gave %q", sym.Name)
		}
	}
	if got := s.Search("sys_getpid", 1); len(got) != 1 || got[0].Name != "sys_getpid" {
		t.Errorf(`Search("sys_getpid", 1) = %v, want the exact match`, got)
	}
	if got := s.Search("_", 5); len(got) != 5 {
		t.Errorf(`Search("_", 5) gave %d symbols`, len(got))
	}
}

func TestSymbolsDataAndOutside(t *testing.T) {
	s := testSymbols(t)
	addr, err := s.Addr("jiffies_64")
	if err != nil {
		t.Fatal(err)
	}
	sym, _, ok := s.Lookup(addr)
	if !ok || sym.Text || s.InText(addr) {
		t.Errorf("jiffies_64: Lookup = %+v, %v; InText = %v; want a data object", sym, ok,
			s.InText(addr))
	}
	if _, _, ok := s.FuncRange(addr); ok {
		t.Error("FuncRange of a data object succeeded")
	}
	for _, a := range []uint64{0, 0x1000, ^uint64(0)} {
		if _, _, ok := s.Lookup(a); ok || s.InText(a) {
			t.Errorf("address %#x: found a symbol or text", a)
		}
		if got, want := s.Format(a), fmt.Sprintf("%#x", a); got != want {
			t.Errorf("Format(%#x) = %q, want %q", a, got, want)
		}
	}
}

func TestSymbolsPLT(t *testing.T) {
	s := testSymbols(t)
	plt := s.Search("@plt", 0)
	if len(plt) == 0 {
		t.Fatal("no name@plt symbols: the kernel links the C library dynamically")
	}
	sym, off, ok := s.Lookup(plt[0].Addr + 2)
	if !ok || sym.Name != plt[0].Name || off != 2 || !s.InText(sym.Addr) {
		t.Errorf("Lookup in %s = %+v, %d, %v", plt[0].Name, sym, off, ok)
	}
}

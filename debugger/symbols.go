package debugger

import (
	"debug/elf"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Symbol errors, for callers to test with errors.Is.
var (
	ErrNoSymbol        = errors.New("no such symbol")
	ErrAmbiguousSymbol = errors.New("several symbols share the name")
)

// Symbol is a function or data object of the kernel.
type Symbol struct {
	Name string
	Addr uint64
	Size uint64 // 0 for a label, which marks a place but covers nothing
	Text bool   // in an executable section
}

// Symbols is one kernel's symbols and line table, loaded once and shared;
// safe for concurrent use after LoadSymbols. The line table loads in the
// background: the methods about lines wait for it (see WaitLines).
type Symbols struct {
	path   string
	sized  []Symbol // Size > 0, by address then rank: what Lookup finds
	labels []Symbol // Size == 0, by address: Lookup's fallback in text
	byName []Symbol // every symbol, by name
	text   []textSection

	lines *lineLoad
}

// textSection is an executable section and its bytes as in the file.
type textSection struct {
	lo, hi uint64
	code   []byte
}

// LoadSymbols reads the symbol table and text of the kernel executable at
// path, and starts loading its DWARF line table in the background.
func LoadSymbols(path string) (*Symbols, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load symbols: %w", err)
	}
	s, err := newSymbols(path, f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("load symbols of %s: %w", path, err)
	}
	// The loader owns f from here and closes it when done.
	s.lines = startLineLoad(f, s.InText)
	return s, nil
}

func newSymbols(path string, f *elf.File) (*Symbols, error) {
	if f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("machine %v is not x86-64", f.Machine)
	}
	s := &Symbols{path: path}
	for _, sec := range f.Sections {
		const want = elf.SHF_ALLOC | elf.SHF_EXECINSTR
		if sec.Flags&want != want || sec.Type != elf.SHT_PROGBITS || sec.Size == 0 {
			continue
		}
		code, err := sec.Data()
		if err != nil {
			return nil, fmt.Errorf("read section %s: %w", sec.Name, err)
		}
		s.text = append(s.text, textSection{sec.Addr, sec.Addr + uint64(len(code)), code})
	}
	sort.Slice(s.text, func(i, j int) bool { return s.text[i].lo < s.text[j].lo })

	raw, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	for _, es := range raw {
		if sym, ok := s.convert(f, es); ok {
			if sym.Size > 0 {
				s.sized = append(s.sized, sym)
			} else {
				s.labels = append(s.labels, sym)
			}
		}
	}
	s.index()
	return s, nil
}

// convert keeps functions, objects and labels that have an address, and
// names the procedure linkage table's entries for the C library's
// functions "name@plt", the way objdump does.
func (s *Symbols) convert(f *elf.File, es elf.Symbol) (Symbol, bool) {
	typ := elf.ST_TYPE(es.Info)
	switch typ {
	case elf.STT_FUNC, elf.STT_GNU_IFUNC, elf.STT_OBJECT, elf.STT_NOTYPE:
	default:
		return Symbol{}, false
	}
	if es.Name == "" || strings.HasPrefix(es.Name, "$") {
		return Symbol{}, false
	}
	if es.Section == elf.SHN_UNDEF {
		if typ != elf.STT_FUNC || es.Value == 0 || !s.InText(es.Value) {
			return Symbol{}, false
		}
		name, _, _ := strings.Cut(es.Name, "@")
		return Symbol{Name: name + "@plt", Addr: es.Value, Size: 16, Text: true}, true
	}
	if es.Section >= elf.SHN_LORESERVE || int(es.Section) >= len(f.Sections) {
		return Symbol{}, false // absolute values and commons are not places
	}
	sec := f.Sections[es.Section]
	if sec.Flags&elf.SHF_ALLOC == 0 {
		return Symbol{}, false
	}
	sym := Symbol{
		Name: es.Name,
		Addr: es.Value,
		Size: es.Size,
		Text: sec.Flags&elf.SHF_EXECINSTR != 0,
	}
	if sym.Size == 0 && sym.Text && typ == elf.STT_FUNC {
		// A function without a size (crt code such as _init): it runs
		// to the next symbol, see index.
		sym.Size = ^uint64(0)
	}
	return sym, true
}

// index sorts the symbol lists and gives sizeless functions their extent.
func (s *Symbols) index() {
	s.sized = sortDedup(s.sized)
	s.labels = sortDedup(s.labels)
	for i := range s.sized {
		sym := &s.sized[i]
		if sym.Size != ^uint64(0) {
			continue
		}
		end := s.sectionEnd(sym.Addr)
		for j := i + 1; j < len(s.sized); j++ {
			if s.sized[j].Addr > sym.Addr {
				end = min(end, s.sized[j].Addr)
				break
			}
		}
		sym.Size = max(end-sym.Addr, 1)
	}

	s.byName = make([]Symbol, 0, len(s.sized)+len(s.labels))
	s.byName = append(append(s.byName, s.sized...), s.labels...)
	sort.SliceStable(s.byName, func(i, j int) bool {
		a, b := s.byName[i], s.byName[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Addr < b.Addr
	})
}

// sortDedup sorts by address, text before data and larger before smaller
// at one address (so an alias with the longer extent wins), then by name;
// and drops repeated (name, address) pairs.
func sortDedup(list []Symbol) []Symbol {
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		switch {
		case a.Addr != b.Addr:
			return a.Addr < b.Addr
		case a.Text != b.Text:
			return a.Text
		case a.Size != b.Size:
			return a.Size > b.Size
		}
		return a.Name < b.Name
	})
	out := list[:0]
	for i, sym := range list {
		if i > 0 && sym.Addr == list[i-1].Addr && sym.Name == list[i-1].Name {
			continue
		}
		out = append(out, sym)
	}
	return out
}

// sectionEnd is the end of the text section holding addr, or addr+1.
func (s *Symbols) sectionEnd(addr uint64) uint64 {
	if t := s.textAt(addr); t != nil {
		return t.hi
	}
	return addr + 1
}

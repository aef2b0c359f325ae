package debugger

import (
	"fmt"
	"sort"
	"strings"
)

// maxAliasScan bounds how far Lookup walks back over symbols that start
// below addr but may still cover it (aliases and nested objects).
const maxAliasScan = 16

// Lookup finds the function or object containing addr and the offset of
// addr in it. In text, an address that no sized symbol covers (an
// assembly label's code) falls back to the nearest label below it in the
// same section.
func (s *Symbols) Lookup(addr uint64) (Symbol, uint64, bool) {
	i := sort.Search(len(s.sized), func(i int) bool { return s.sized[i].Addr > addr })
	for j := i - 1; j >= 0 && j >= i-maxAliasScan; j-- {
		sym := s.sized[j]
		if addr-sym.Addr < sym.Size {
			// Prefer the first entry at this address: sortDedup ranked it.
			for j > 0 && s.sized[j-1].Addr == sym.Addr && addr-sym.Addr < s.sized[j-1].Size {
				j--
				sym = s.sized[j]
			}
			return sym, addr - sym.Addr, true
		}
	}

	t := s.textAt(addr)
	if t == nil {
		return Symbol{}, 0, false
	}
	i = sort.Search(len(s.labels), func(i int) bool { return s.labels[i].Addr > addr })
	if i == 0 || s.labels[i-1].Addr < t.lo {
		return Symbol{}, 0, false
	}
	sym := s.labels[i-1]
	return sym, addr - sym.Addr, true
}

// Format writes addr as "name+0xoff", "name" at offset 0, or "0xaddr"
// when no symbol contains it.
func (s *Symbols) Format(addr uint64) string {
	sym, off, ok := s.Lookup(addr)
	switch {
	case !ok:
		return fmt.Sprintf("%#x", addr)
	case off == 0:
		return sym.Name
	}
	return fmt.Sprintf("%s+%#x", sym.Name, off)
}

// FuncRange gives the extent [lo, hi) of the function containing addr.
func (s *Symbols) FuncRange(addr uint64) (lo, hi uint64, ok bool) {
	sym, _, ok := s.Lookup(addr)
	if !ok || !sym.Text || sym.Size == 0 {
		return 0, 0, false
	}
	return sym.Addr, sym.Addr + sym.Size, true
}

// Addr finds a symbol's address by its exact name. Many static functions
// of the kernel exist in several copies under one name: when exactly one
// of the symbols with the name is in text, Addr picks that one; when more
// are, it fails with ErrAmbiguousSymbol and lists their addresses (Search
// gives them all).
func (s *Symbols) Addr(name string) (uint64, error) {
	lo := sort.Search(len(s.byName), func(i int) bool { return s.byName[i].Name >= name })
	hi := lo
	for hi < len(s.byName) && s.byName[hi].Name == name {
		hi++
	}
	found := s.byName[lo:hi]
	switch len(found) {
	case 0:
		return 0, fmt.Errorf("look up symbol %q: %w", name, ErrNoSymbol)
	case 1:
		return found[0].Addr, nil
	}

	var text []string
	var pick uint64
	for _, sym := range found {
		if sym.Text {
			text = append(text, fmt.Sprintf("%#x", sym.Addr))
			pick = sym.Addr
		}
	}
	switch len(text) {
	case 0:
		return 0, fmt.Errorf("look up symbol %q: %w: %d data objects",
			name, ErrAmbiguousSymbol, len(found))
	case 1:
		return pick, nil
	}
	if len(text) > 8 {
		text = append(text[:8], "...")
	}
	return 0, fmt.Errorf("look up symbol %q: %w: %d functions, at %s",
		name, ErrAmbiguousSymbol, len(found), strings.Join(text, " "))
}

// Search lists the symbols whose name contains substr: the exact match
// first, then names starting with it, then the rest, each group by name.
// It gives at most max symbols; max <= 0 means no limit.
func (s *Symbols) Search(substr string, max int) []Symbol {
	var exact, prefix, other []Symbol
	for _, sym := range s.byName {
		switch {
		case sym.Name == substr:
			exact = append(exact, sym)
		case strings.HasPrefix(sym.Name, substr):
			prefix = append(prefix, sym)
		case strings.Contains(sym.Name, substr):
			other = append(other, sym)
		}
	}
	out := append(append(exact, prefix...), other...)
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}

// InText says whether addr is inside the kernel's executable text.
func (s *Symbols) InText(addr uint64) bool { return s.textAt(addr) != nil }

// Code gives up to n bytes of the kernel's text at addr as they are in the
// file (so without any breakpoint a debugger wrote into the live kernel),
// stopping at the end of the section; nil when addr is not in text.
func (s *Symbols) Code(addr uint64, n int) []byte {
	t := s.textAt(addr)
	if t == nil || n <= 0 {
		return nil
	}
	off := addr - t.lo
	end := min(off+uint64(n), uint64(len(t.code)))
	return t.code[off:end]
}

func (s *Symbols) textAt(addr uint64) *textSection {
	i := sort.Search(len(s.text), func(i int) bool { return s.text[i].hi > addr })
	if i < len(s.text) && s.text[i].lo <= addr {
		return &s.text[i]
	}
	return nil
}

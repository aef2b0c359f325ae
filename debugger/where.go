package debugger

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadWhere means a place to break or look at could not be understood.
var ErrBadWhere = errors.New("cannot resolve")

// Resolve turns what a user names as a place into an address:
//
//	sys_getpid         a symbol
//	sys_getpid+0x10    a symbol and an offset
//	kernel/sys.c:1005  a source line (the first address of its statements)
//	0x6003a2c0, *0x... an address
//
// It also returns how to name the place in listings.
func Resolve(syms *Symbols, where string) (uint64, string, error) {
	w := strings.TrimSpace(where)
	if w == "" {
		return 0, "", fmt.Errorf("%w an empty place", ErrBadWhere)
	}
	if a, ok := strings.CutPrefix(w, "*"); ok {
		w = a
	}
	if strings.HasPrefix(w, "0x") || strings.HasPrefix(w, "0X") {
		addr, err := strconv.ParseUint(w[2:], 16, 64)
		if err != nil {
			return 0, "", fmt.Errorf("%w %q: not a hex address", ErrBadWhere, where)
		}
		return addr, syms.Format(addr), nil
	}
	if addr, err := strconv.ParseUint(w, 10, 64); err == nil {
		return addr, syms.Format(addr), nil
	}
	if file, line, ok := strings.Cut(w, ":"); ok {
		n, err := strconv.Atoi(line)
		if err != nil || n < 1 {
			return 0, "", fmt.Errorf("%w %q: %q is not a line number", ErrBadWhere, where, line)
		}
		addrs, err := syms.LineAddrs(file, n)
		if err != nil {
			return 0, "", err
		}
		return addrs[0], w, nil
	}
	name, off := w, uint64(0)
	if i := strings.LastIndexByte(w, '+'); i > 0 {
		o, err := strconv.ParseUint(w[i+1:], 0, 64)
		if err != nil {
			return 0, "", fmt.Errorf("%w %q: bad offset %q", ErrBadWhere, where, w[i+1:])
		}
		name, off = w[:i], o
	}
	addr, err := syms.Addr(name)
	if err != nil {
		return 0, "", err
	}
	return addr + off, w, nil
}

// Location is an address as the views show it.
type Location struct {
	PC   uint64 `json:"pc"`
	Func string `json:"func"` // symbol+offset
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Inst string `json:"inst,omitempty"` // the instruction there
}

func (l Location) String() string {
	s := fmt.Sprintf("%#x <%s>", l.PC, l.Func)
	if l.Inst != "" {
		s += "  " + l.Inst
	}
	if l.File != "" {
		s += fmt.Sprintf("  at %s:%d", l.File, l.Line)
	}
	return s
}

// Locate describes pc: its symbol, source line and instruction.
func Locate(mem Memory, syms *Symbols, pc uint64) Location {
	loc := Location{PC: pc, Func: syms.Format(pc)}
	if f, l, ok := syms.Line(pc); ok {
		loc.File, loc.Line = f, l
	}
	code := make([]byte, 16)
	if n, _ := mem.ReadAt(code, pc); n > 0 {
		if insts := Disassemble(code[:n], pc, syms.SymbolizeFunc()); len(insts) > 0 {
			loc.Inst = insts[0].Text
		}
	}
	return loc
}

// HexDump shows memory as gdb's x/b does, 16 bytes a line with ASCII.
func HexDump(addr uint64, b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i += 16 {
		end := min(i+16, len(b))
		fmt.Fprintf(&sb, "%#016x:", addr+uint64(i))
		for j := i; j < i+16; j++ {
			if j < end {
				fmt.Fprintf(&sb, " %02x", b[j])
			} else {
				sb.WriteString("   ")
			}
		}
		sb.WriteString("  ")
		for _, c := range b[i:end] {
			if c < 32 || c > 126 {
				c = '.'
			}
			sb.WriteByte(c)
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

// SymbolizeFunc names addresses for the disassembler.
func (s *Symbols) SymbolizeFunc() SymFunc {
	return func(addr uint64) (string, uint64, bool) {
		sym, off, ok := s.Lookup(addr)
		return sym.Name, off, ok
	}
}

package debugger

import (
	"bufio"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// instCase is one line of testdata/insts.txt.
type instCase struct {
	line   int
	code   []byte // the instruction and what follows it
	length string // a number, "bad" or "truncated"
	text   string
}

func readInstCases(t *testing.T) []instCase {
	t.Helper()
	f, err := os.Open("testdata/insts.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []instCase
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		cols := strings.Split(l, "|")
		if len(cols) != 3 {
			t.Fatalf("testdata/insts.txt:%d: want 3 columns", n)
		}
		code, err := hex.DecodeString(strings.NewReplacer(" ", "", "/", "").Replace(cols[0]))
		if err != nil {
			t.Fatalf("testdata/insts.txt:%d: %v", n, err)
		}
		cases = append(cases, instCase{n, code, strings.TrimSpace(cols[1]), strings.TrimSpace(cols[2])})
	}
	return cases
}

func TestDisassembleInstLenCases(t *testing.T) {
	for _, c := range readInstCases(t) {
		n, err := InstLen(c.code)
		want, convErr := strconv.Atoi(c.length)
		switch {
		case convErr == nil:
			if err != nil || n != want {
				t.Errorf("line %d: InstLen(% x) = %d, %v; want %d", c.line, c.code, n, err, want)
			}
		case c.length == "truncated":
			if !errors.Is(err, ErrBadInstruction) || !errors.Is(err, x86asm.ErrTruncated) {
				t.Errorf("line %d: InstLen(% x) = %d, %v; want truncated", c.line, c.code, n, err)
			}
		default:
			if !errors.Is(err, ErrBadInstruction) {
				t.Errorf("line %d: InstLen(% x) = %d, %v; want bad", c.line, c.code, n, err)
			}
		}
	}
}

func TestDisassembleTextCases(t *testing.T) {
	const at = 0x60000000
	for _, c := range readInstCases(t) {
		want, err := strconv.Atoi(c.length)
		if err != nil {
			want = 0
		}
		code := c.code
		if want > 0 {
			code = code[:want]
		}
		insts := Disassemble(code, at, nil)
		switch {
		case want > 0:
			if len(insts) != 1 || insts[0].Text != c.text || insts[0].Len != want ||
				insts[0].Addr != at || string(insts[0].Bytes) != string(code) {
				t.Errorf("line %d: Disassemble(% x) = %+v; want one %q", c.line, code, insts, c.text)
			}
		case c.length == "truncated":
			if len(insts) != 0 {
				t.Errorf("line %d: Disassemble(% x) = %+v; want nothing", c.line, code, insts)
			}
		default:
			if len(insts) == 0 || insts[0].Text != "(bad)" || insts[0].Len != 1 {
				t.Errorf("line %d: Disassemble(% x) = %+v; want (bad)", c.line, code, insts)
			}
		}
	}
}

// symbolize is the Disassemble callback over the real kernel.
func symbolize(s *Symbols) SymFunc {
	return func(addr uint64) (string, uint64, bool) {
		sym, off, ok := s.Lookup(addr)
		return sym.Name, off, ok
	}
}

func TestDisassembleGetpid(t *testing.T) {
	s := testSymbols(t)
	lo, err := s.Addr("sys_getpid")
	if err != nil {
		t.Fatal(err)
	}
	insts := Disassemble(s.Code(lo, 32), lo, symbolize(s))
	if len(insts) < 4 {
		t.Fatalf("the first 32 bytes of sys_getpid gave %d instructions", len(insts))
	}
	if first := insts[0].Text; first != "push %rbp" && first != "endbr64" {
		t.Errorf("sys_getpid starts with %q, want push %%rbp (or endbr64)", first)
	}
	next := lo
	for _, in := range insts {
		if in.Addr != next || in.Len != len(in.Bytes) || strings.HasPrefix(in.Text, "(bad)") {
			t.Errorf("instruction %+v: want a valid one at %#x", in, next)
		}
		next += uint64(in.Len)
	}
	if next > lo+32 {
		t.Errorf("the listing of 32 bytes runs to +%d", next-lo)
	}

	// The whole function sets up its frame, calls one function through a
	// register loaded with its address (the large code model), and returns.
	_, hi, _ := s.FuncRange(lo)
	insts = Disassemble(s.Code(lo, int(hi-lo)), lo, symbolize(s))
	var frame, ret bool
	var call string
	for _, in := range insts {
		frame = frame || in.Text == "mov %rsp,%rbp"
		ret = ret || in.Text == "retq"
		if in.IsCall {
			call = in.Text
		}
	}
	if !frame || !ret || call == "" {
		t.Fatalf("sys_getpid: frame %v, ret %v, call %q", frame, ret, call)
	}
	_, note, ok := strings.Cut(call, "# <")
	name := strings.TrimSuffix(note, ">")
	if !ok || strings.Contains(name, "+") {
		t.Fatalf("the call %q names no function", call)
	}
	if addr, err := s.Addr(name); err != nil || !s.InText(addr) {
		t.Errorf("the call %q names %q, not a function: %v", call, name, err)
	}
}

func TestDisassembleDirectCallNamesTarget(t *testing.T) {
	s := testSymbols(t)
	target, err := s.Addr("schedule")
	if err != nil {
		t.Fatal(err)
	}
	const at = 0x60010000 // rel32 reaches all of the kernel's text from here
	rel := int32(int64(target) - int64(at+5))
	code := []byte{0xe8, byte(rel), byte(rel >> 8), byte(rel >> 16), byte(rel >> 24)}
	insts := Disassemble(code, at, symbolize(s))
	if len(insts) != 1 || !insts[0].IsCall || insts[0].Target != target ||
		!strings.HasSuffix(insts[0].Text, " <schedule>") {
		t.Errorf("call to schedule: %+v", insts)
	}
}

package debugger

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// The kernel is built with -fasynchronous-unwind-tables: its .eh_frame
// says, for every instruction, where the frame's return address (the
// CFA, less 8) and the caller's rbp are. readelf prints those tables; the
// rules the unwinder draws from the code must agree with them.

// cfiRange is one row of an FDE: from lo to hi, CFA is cfa ("rsp+8",
// "rbp+16") and the caller's rbp is at rbp ("c-16", or "u" when not saved).
type cfiRange struct {
	lo, hi   uint64
	cfa, rbp string
}

// readCFI runs readelf --debug-dump=frames-interp on the kernel.
func readCFI(t *testing.T) [][]cfiRange {
	t.Helper()
	out, err := exec.Command("readelf", "--debug-dump=frames-interp", testKernelPath()).Output()
	if err != nil {
		t.Fatalf("readelf (binutils) is the oracle for this test: %v", err)
	}
	var fdes [][]cfiRange
	var cur []cfiRange
	var hi uint64
	rbpCol := -1
	end := func() {
		for i := range cur {
			cur[i].hi = hi
			if i+1 < len(cur) {
				cur[i].hi = cur[i+1].lo
			}
		}
		if len(cur) > 0 {
			fdes = append(fdes, cur)
		}
		cur = nil
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		switch {
		case strings.Contains(line, " FDE "):
			end()
			_, r, _ := strings.Cut(line, "..")
			hi, _ = strconv.ParseUint(r, 16, 64)
		case len(fields) > 0 && fields[0] == "LOC":
			rbpCol = -1
			for i, f := range fields {
				if f == "rbp" {
					rbpCol = i
				}
			}
		case len(fields) >= 2 && len(fields[0]) == 16:
			lo, err := strconv.ParseUint(fields[0], 16, 64)
			if err != nil {
				continue
			}
			r := cfiRange{lo: lo, cfa: fields[1], rbp: "u"}
			if rbpCol > 0 && rbpCol < len(fields) {
				r.rbp = fields[rbpCol]
			}
			cur = append(cur, r)
		}
	}
	end()
	if len(fdes) < 1000 {
		t.Fatalf("readelf gave %d FDEs; is the kernel built with unwind tables?", len(fdes))
	}
	return fdes
}

// TestBacktraceRulesMatchCFI compares, on a sample of the kernel's
// functions, the rule the unwinder draws from the code at each
// instruction with the kernel's unwind tables. They may disagree on a
// handful of instructions in the whole kernel (see the TODO of
// walkPaths), never on more than one in a thousand.
func TestBacktraceRulesMatchCFI(t *testing.T) {
	s := testSymbols(t)
	fdes := readCFI(t)
	const every = 40 // a sample of the functions keeps the test short
	checked, differ := 0, 0
	for n := 0; n < len(fdes); n += every {
		fde := fdes[n]
		lo, hi, ok := s.FuncRange(fde[0].lo)
		if !ok || lo != fde[0].lo {
			continue // no symbol starts there (the PLT, crt code)
		}
		row := 0
		for _, in := range Disassemble(s.Code(lo, int(hi-lo)), lo, nil) {
			for row < len(fde) && fde[row].hi <= in.Addr {
				row++
			}
			if row == len(fde) {
				break
			}
			if in.Addr < fde[row].lo {
				continue
			}
			checked++
			cfa, rbp := "error", "error"
			if rule, err := findRule(s, in.Addr, true); err == nil {
				cfa, rbp = cfiOf(rule)
			}
			// After pop %rbp, GCC's tables still say where rbp was saved;
			// the unwinder rightly takes rbp as it is.
			if want := fde[row]; cfa != want.cfa || rbp != want.rbp && rbp != "u" {
				if differ++; differ <= 10 {
					t.Logf("%s (%s): CFA %s, rbp %s; the tables say %s, %s",
						s.Format(in.Addr), in.Text, cfa, rbp, want.cfa, want.rbp)
				}
			}
		}
	}
	if checked < 10000 {
		t.Errorf("checked only %d instructions", checked)
	}
	if differ*1000 > checked {
		t.Errorf("%d of %d instructions disagree with .eh_frame", differ, checked)
	}
	t.Logf("%d of %d instructions agree with .eh_frame", checked-differ, checked)
}

// cfiOf writes a rule the way readelf does.
func cfiOf(r frameRule) (cfa, rbp string) {
	base := "rsp"
	if r.ret.fromFP {
		base = "rbp"
	}
	rbp = "u"
	if r.rbpSaved {
		rbp = fmt.Sprintf("c%d", r.rbp.off-r.ret.off-8)
	}
	return fmt.Sprintf("%s+%d", base, r.ret.off+8), rbp
}

package debugger

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

type cfiRow struct {
	lo, hi uint64
	cfa    string
	rbp    string
}

func TestScratchCFI(t *testing.T) {
	s, err := LoadSymbols(os.Getenv("HOME") + "/.cache/umwb/linux")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open("/tmp/frames.txt")
	sc := bufio.NewScanner(f)
	var rows []cfiRow
	var fdeHi uint64
	var cur []cfiRow
	rbpCol := -1
	flush := func() {
		for i := range cur {
			if i+1 < len(cur) {
				cur[i].hi = cur[i+1].lo
			} else {
				cur[i].hi = fdeHi
			}
		}
		rows = append(rows, cur...)
		cur = nil
	}
	for sc.Scan() {
		l := sc.Text()
		if strings.Contains(l, " FDE ") {
			flush()
			i := strings.Index(l, "..")
			fdeHi, _ = strconv.ParseUint(l[i+2:], 16, 64)
			continue
		}
		fs := strings.Fields(l)
		if len(fs) > 0 && fs[0] == "LOC" {
			rbpCol = -1
			for i, c := range fs {
				if c == "rbp" {
					rbpCol = i
				}
			}
			continue
		}
		if len(fs) >= 3 && len(fs[0]) == 16 {
			rb := "u"
			if rbpCol > 0 && rbpCol < len(fs) {
				rb = fs[rbpCol]
			}
			lo, err := strconv.ParseUint(fs[0], 16, 64)
			if err != nil {
				continue
			}
			cur = append(cur, cfiRow{lo: lo, cfa: fs[1], rbp: rb})
		}
	}
	flush()
	cats := map[string]int{}
	ex := map[string]string{}
	total := 0
	for _, r := range rows {
		lo, hi, ok := s.FuncRange(r.lo)
		if !ok {
			cats["nofunc"]++
			continue
		}
		code := s.Code(lo, int(hi-lo))
		for off := 0; off < len(code); {
			in, err := x86asm.Decode(code[off:], 64)
			if err != nil {
				break
			}
			pc := lo + uint64(off)
			off += in.Len
			if pc < r.lo || pc >= r.hi {
				continue
			}
			total++
			rule, err := findRule(s, pc, true)
			var cat string
			if err != nil {
				cat = "err"
			} else {
				base := "rsp"
				if rule.ret.fromFP {
					base = "rbp"
				}
				mine := fmt.Sprintf("%s+%d", base, rule.ret.off+8)
				rb := "u"
				if rule.rbpSaved {
					rb = fmt.Sprintf("c%d", rule.rbp.off-rule.ret.off-8)
				}
				switch {
				case mine == r.cfa && rb == r.rbp:
					cat = "same"
				case mine == r.cfa:
					cat = "cfa ok, rbp " + rb + " vs " + r.rbp
				default:
					cat = "DIFF cfa"
				}
				if cat != "same" && ex[cat] == "" {
					ex[cat] = fmt.Sprintf("%s mine %s %s cfi %s %s", s.Format(pc), mine, rb, r.cfa, r.rbp)
				}
			}
			cats[cat]++
		}
	}
	t.Log("total", total)
	for k, v := range cats {
		t.Log(v, k, ex[k])
	}
}

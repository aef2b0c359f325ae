package debugger

import (
	"os"
	"testing"
	"time"

	"golang.org/x/arch/x86/x86asm"
)

func TestScratch(t *testing.T) {
	t0 := time.Now()
	s, err := LoadSymbols(os.Getenv("HOME") + "/.cache/umwb/linux")
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	err = s.WaitLines()
	t.Log("load", t1.Sub(t0), "lines", time.Since(t1), err, "tree", s.Tree())
	tb, _ := s.lineTable()
	t.Log("rows", len(tb.addrs), "files", len(tb.files), "sized", len(s.sized), "labels", len(s.labels))
	for _, n := range []string{"sys_getpid", "start_kernel", "schedule", "kernel_clone", "arch_local_irq_save", "nosuch", "_stext", "jiffies"} {
		a, err := s.Addr(n)
		f, l, ok := s.Line(a)
		t.Logf("%s %#x %v %s %s:%d %v", n, a, err, s.Format(a+4), f, l, ok)
	}
	a, _ := s.Addr("sys_getpid")
	for _, in := range Disassemble(s.Code(a, 40), a, s.SymbolizeFunc()) {
		t.Logf("%#x % x\t%s", in.Addr, in.Bytes, in.Text)
	}
	a, _ = s.Addr("schedule")
	for _, in := range Disassemble(s.Code(a, 95), a, s.SymbolizeFunc()) {
		t.Logf("%#x % x\t%s", in.Addr, in.Bytes, in.Text)
	}
	for _, q := range []string{"kernel/sys.c", "sys.c", "nosuch.c", "main.c"} {
		_, err := s.LineAddrs(q, 1000)
		t.Log(q, err)
	}
	// Survey the unwinder on every instruction of every function.
	var total, fail int
	reasons := map[string]int{}
	for _, sym := range s.sized {
		if !sym.Text || sym.Size > maxFuncCode {
			continue
		}
		code := s.Code(sym.Addr, int(sym.Size))
		for off := 0; off < len(code); {
			in, err := x86asm.Decode(code[off:], 64)
			if err != nil {
				break
			}
			pc := sym.Addr + uint64(off)
			total++
			if _, err := findRule(s, pc, true); err != nil {
				fail++
				reasons[err.Error()[:min(60, len(err.Error()))]]++
			}
			off += in.Len
		}
	}
	t.Log("instructions", total, "fail", fail)
	n := 0
	for k, v := range reasons {
		if v > 20 || n < 10 {
			t.Log(v, k)
			n++
		}
	}
}

package debugger

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

var errFakeUnmapped = errors.New("fake memory: unmapped")

// fakeStack is a stack for the unwinder: size bytes at base, zero unless
// put; reads elsewhere fail.
type fakeStack struct {
	base uint64
	data []byte
}

func newFakeStack(base uint64, size int) *fakeStack {
	return &fakeStack{base: base, data: make([]byte, size)}
}

func (m *fakeStack) ReadAt(p []byte, addr uint64) (int, error) {
	if addr < m.base || addr-m.base >= uint64(len(m.data)) {
		return 0, errFakeUnmapped
	}
	n := copy(p, m.data[addr-m.base:])
	if n < len(p) {
		return n, errFakeUnmapped
	}
	return n, nil
}

func (m *fakeStack) put(addr, v uint64) {
	for i := range 8 {
		m.data[addr-m.base+uint64(i)] = byte(v >> (8 * i))
	}
}

// listing disassembles a kernel function.
func funcListing(t testing.TB, s *Symbols, name string) []Inst {
	t.Helper()
	lo, err := s.Addr(name)
	if err != nil {
		t.Fatal(err)
	}
	_, hi, _ := s.FuncRange(lo)
	return Disassemble(s.Code(lo, int(hi-lo)), lo, nil)
}

// callSite gives the return address of the first call that fn makes with
// its frame set up.
func callSite(t testing.TB, s *Symbols, fn string) uint64 {
	t.Helper()
	framed := false
	for _, in := range funcListing(t, s, fn) {
		framed = framed || in.Text == "mov %rsp,%rbp"
		if framed && in.IsCall {
			return in.Addr + uint64(in.Len)
		}
	}
	t.Fatalf("%s makes no call after setting up its frame", fn)
	return 0
}

// The fake stack: sys_getpid called from schedule (frame at fp1), called
// from kernel_clone (frame at fp2), whose saved return address is 0: the
// end of the chain.
const (
	fakeStackBase = 0x7f0000000000
	entrySP       = fakeStackBase + 0x800 // sys_getpid's rsp at its first instruction
	fp1           = fakeStackBase + 0xa00
	fp2           = fakeStackBase + 0xc00
)

type fakeChain struct {
	mem            *fakeStack
	retSchedule    uint64 // in schedule, after its call
	retKernelClone uint64
}

func newFakeChain(t testing.TB, s *Symbols) fakeChain {
	c := fakeChain{
		mem:            newFakeStack(fakeStackBase, 0x1000),
		retSchedule:    callSite(t, s, "schedule"),
		retKernelClone: callSite(t, s, "kernel_clone"),
	}
	c.mem.put(entrySP, c.retSchedule)
	c.mem.put(entrySP-8, fp1) // where push %rbp puts it
	c.mem.put(fp1, fp2)
	c.mem.put(fp1+8, c.retKernelClone)
	return c
}

// getpidStop is a place in sys_getpid and the registers there.
type getpidStop struct {
	what       string
	pc, sp, fp uint64
}

// getpidStops walks sys_getpid's prologue and epilogue. It expects the
// shape this kernel has (-Os): push %rbp first, mov %rsp,%rbp later,
// then pop %rbp and ret.
func getpidStops(t testing.TB, s *Symbols) []getpidStop {
	t.Helper()
	insts := funcListing(t, s, "sys_getpid")
	if insts[0].Text != "push %rbp" {
		t.Fatalf("sys_getpid starts with %q, not push %%rbp", insts[0].Text)
	}
	stops := []getpidStop{{"entry", insts[0].Addr, entrySP, fp1}}
	framed := false
	for i, in := range insts[1:] {
		prev := insts[i]
		switch {
		case !framed && in.Text == "mov %rsp,%rbp":
			stops = append(stops, getpidStop{"before mov %rsp,%rbp", in.Addr, entrySP - 8, fp1})
			framed = true
		case framed && prev.Text == "mov %rsp,%rbp":
			stops = append(stops, getpidStop{"framed", in.Addr, entrySP - 8, entrySP - 8})
		case framed && in.Text == "pop %rbp":
			stops = append(stops, getpidStop{"at pop %rbp", in.Addr, entrySP - 8, entrySP - 8})
		case framed && prev.Text == "pop %rbp":
			stops = append(stops, getpidStop{"after pop %rbp", in.Addr, entrySP, fp1})
		case framed && in.Text == "retq":
			stops = append(stops, getpidStop{"at ret", in.Addr, entrySP, fp1})
		case !framed && strings.HasPrefix(in.Text, "push") || framed && in.Text == "push %rbp":
			t.Fatalf("sys_getpid pushes more than %%rbp: %q", in.Text)
		}
	}
	if len(stops) != 6 {
		t.Fatalf("sys_getpid has not the expected shape: %+v", stops)
	}
	return stops
}

func TestBacktraceThroughGetpidPrologueAndEpilogue(t *testing.T) {
	s := testSymbols(t)
	c := newFakeChain(t, s)
	for _, st := range getpidStops(t, s) {
		frames := Backtrace(c.mem, st.pc, st.sp, st.fp, s, 16)
		if len(frames) != 3 {
			t.Errorf("%s: %d frames, want 3: %+v", st.what, len(frames), frames)
			continue
		}
		want := []Frame{
			{PC: st.pc, SP: st.sp, FP: st.fp, Func: "sys_getpid", File: "kernel/sys.c"},
			{PC: c.retSchedule, SP: entrySP + 8, FP: fp1, Func: "schedule",
				File: "kernel/sched/core.c"},
			{PC: c.retKernelClone, SP: fp1 + 16, FP: fp2, Func: "kernel_clone",
				File: "kernel/fork.c"},
		}
		for i, f := range frames {
			w := want[i]
			if f.PC != w.PC || f.SP != w.SP || f.FP != w.FP || f.Func != w.Func ||
				f.File != w.File || f.Line <= 0 || s.Format(f.PC) != formatAt(f) {
				t.Errorf("%s: frame %d = %+v, want %+v", st.what, i, f, w)
			}
		}
		ret, err := ReturnAddress(c.mem, st.pc, st.sp, st.fp, s)
		if err != nil || ret != c.retSchedule {
			t.Errorf("%s: ReturnAddress = %#x, %v; want %#x", st.what, ret, err, c.retSchedule)
		}
	}
}

// formatAt is what Format gives for f's pc when Func holds it.
func formatAt(f Frame) string {
	if f.Off == 0 {
		return f.Func
	}
	return fmt.Sprintf("%s+%#x", f.Func, f.Off)
}

func TestBacktraceEpilogueWithPops(t *testing.T) {
	s := testSymbols(t)
	c := newFakeChain(t, s)
	// schedule ends with pops of the registers it saved, then pop %rbp;
	// ret. Stop at the second of those pops: rbp still holds the frame.
	insts := funcListing(t, s, "schedule")
	var pops []Inst
	for _, in := range insts {
		if strings.HasPrefix(in.Text, "pop ") {
			pops = append(pops, in)
		}
	}
	if len(pops) < 3 || pops[len(pops)-1].Text != "pop %rbp" {
		t.Fatalf("schedule's epilogue is not pops ending in pop %%rbp: %v", pops)
	}
	at := pops[len(pops)-3]
	below := uint64(8 * 2) // the pops still to come before pop %rbp
	sp := fp1 - below
	frames := Backtrace(c.mem, at.Addr, sp, fp1, s, 16)
	if len(frames) != 2 || frames[1].PC != c.retKernelClone || frames[1].FP != fp2 {
		t.Errorf("backtrace from %s: %+v", s.Format(at.Addr), frames)
	}
	ret, err := ReturnAddress(c.mem, at.Addr, sp, fp1, s)
	if err != nil || ret != c.retKernelClone {
		t.Errorf("ReturnAddress at %s = %#x, %v", s.Format(at.Addr), ret, err)
	}
}

func TestBacktraceFramelessLeaf(t *testing.T) {
	s := testSymbols(t)
	c := newFakeChain(t, s)
	// A leaf function that saves nothing: its return address stays at [rsp].
	var leaf []Inst
	for _, sym := range s.sized {
		if !sym.Text || sym.Size < 8 || sym.Size > 64 || strings.HasSuffix(sym.Name, "@plt") {
			continue
		}
		insts := Disassemble(s.Code(sym.Addr, int(sym.Size)), sym.Addr, nil)
		plain := len(insts) >= 3 && insts[len(insts)-1].Text == "retq"
		for _, in := range insts {
			plain = plain && !strings.Contains(in.Text, "sp") && !strings.Contains(in.Text, "bp") &&
				!isBranchText(in.Text)
		}
		if plain {
			leaf = insts
			break
		}
	}
	if leaf == nil {
		t.Fatal("no frameless leaf function in this kernel")
	}
	pc := leaf[1].Addr
	ret, err := ReturnAddress(c.mem, pc, entrySP, fp1, s)
	if err != nil || ret != c.retSchedule {
		t.Errorf("ReturnAddress in %s = %#x, %v; want %#x", s.Format(pc), ret, err, c.retSchedule)
	}
	if frames := Backtrace(c.mem, pc, entrySP, fp1, s, 16); len(frames) != 3 {
		t.Errorf("backtrace from %s: %+v", s.Format(pc), frames)
	}
}

// isBranchText spots jumps and calls in a listing.
func isBranchText(text string) bool {
	return strings.HasPrefix(text, "j") || strings.HasPrefix(text, "call")
}

func TestBacktraceWithoutSymbolsFollowsFramePointers(t *testing.T) {
	s := testSymbols(t)
	c := newFakeChain(t, s)
	frames := Backtrace(c.mem, 0x1234, entrySP-8, entrySP-8, nil, 16)
	if len(frames) != 3 || frames[1].PC != c.retSchedule || frames[2].PC != c.retKernelClone ||
		frames[1].Func != "" {
		t.Errorf("frames = %+v", frames)
	}
	ret, err := ReturnAddress(c.mem, 0x1234, entrySP-8, entrySP-8, nil)
	if err != nil || ret != c.retSchedule {
		t.Errorf("ReturnAddress = %#x, %v", ret, err)
	}
}

func TestBacktraceStopsOnGarbage(t *testing.T) {
	s := testSymbols(t)
	stops := getpidStops(t, s)
	framed := stops[2] // rbp set, return address at [rbp+8]
	entry := stops[0]

	t.Run("loop", func(t *testing.T) {
		c := newFakeChain(t, s)
		c.mem.put(fp1, fp1) // the frame's saved rbp points to itself
		frames := Backtrace(c.mem, framed.pc, framed.sp, framed.fp, s, 64)
		checkFramesSane(t, frames, 64)
		if len(frames) != 3 {
			t.Errorf("a frame-pointer loop gave %d frames, want 3", len(frames))
		}
	})
	t.Run("fp below sp", func(t *testing.T) {
		c := newFakeChain(t, s)
		c.mem.put(fp1, entrySP-0x100)
		frames := Backtrace(c.mem, framed.pc, framed.sp, framed.fp, s, 64)
		checkFramesSane(t, frames, 64)
		if len(frames) != 3 {
			t.Errorf("%d frames, want 3 (stop after kernel_clone)", len(frames))
		}
	})
	t.Run("unreadable fp", func(t *testing.T) {
		c := newFakeChain(t, s)
		if frames := Backtrace(c.mem, framed.pc, framed.sp, 0, s, 64); len(frames) != 1 {
			t.Errorf("%d frames, want 1", len(frames))
		}
		_, err := ReturnAddress(c.mem, framed.pc, framed.sp, 0, s)
		if !errors.Is(err, errFakeUnmapped) {
			t.Errorf("ReturnAddress with rbp 0: err = %v, want the memory's error", err)
		}
	})
	t.Run("return address outside text", func(t *testing.T) {
		c := newFakeChain(t, s)
		c.mem.put(entrySP, 0x1234)
		if frames := Backtrace(c.mem, entry.pc, entry.sp, entry.fp, s, 64); len(frames) != 1 {
			t.Errorf("%d frames, want 1", len(frames))
		}
		_, err := ReturnAddress(c.mem, entry.pc, entry.sp, entry.fp, s)
		if !errors.Is(err, ErrUnwind) {
			t.Errorf("ReturnAddress to 0x1234: err = %v, want ErrUnwind", err)
		}
	})
	t.Run("max", func(t *testing.T) {
		c := newFakeChain(t, s)
		if frames := Backtrace(c.mem, entry.pc, entry.sp, entry.fp, s, 2); len(frames) != 2 {
			t.Errorf("max 2 gave %d frames", len(frames))
		}
		if frames := Backtrace(c.mem, entry.pc, entry.sp, entry.fp, s, 0); frames != nil {
			t.Errorf("max 0 gave %d frames", len(frames))
		}
	})
}

// checkFramesSane checks what must hold for any backtrace: at most max
// frames, each further up the stack than the one before.
func checkFramesSane(t testing.TB, frames []Frame, max int) {
	t.Helper()
	if len(frames) > max {
		t.Fatalf("%d frames, more than %d", len(frames), max)
	}
	for i := 1; i < len(frames); i++ {
		if frames[i].SP <= frames[i-1].SP {
			t.Fatalf("frame %d: sp %#x not above %#x", i, frames[i].SP, frames[i-1].SP)
		}
	}
}

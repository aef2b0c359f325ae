package debugger

import "fmt"

// The kernel has frame pointers, but a function sets rbp only somewhere
// in its prologue (with -Os, push %rbp and mov %rsp,%rbp may be several
// instructions apart), undoes it in its epilogue, and leaf functions
// have no frame at all. So the unwinder reads the function's code, taken
// from the ELF file so that breakpoints written into the live kernel do
// not get in the way, and follows it from the function's start to pc,
// keeping count of the pushes, pops and stack adjustments (stackState,
// walkPaths). Compiled code has one stack layout at each instruction,
// whatever the path to it, so one path to pc tells where the return
// address and the saved rbp are.
//
// If that fails (code the walk cannot follow), a scan forwards from pc to
// a ret through pops only (an epilogue), or else the straight line from
// the function's start, stands in. Without a symbol for pc the plain
// frame-pointer rule applies: saved rbp at [rbp], return address at
// [rbp+8].
//
// Checked against the kernel's own unwind tables (.eh_frame), which say
// the same for every instruction: see TestBacktraceRulesMatchCFI.

// maxFuncCode bounds the code read from a function's start.
const maxFuncCode = 64 << 10

// slot is a stack location: the value of rsp or rbp at pc, plus off.
type slot struct {
	fromFP bool
	off    int64
}

func (s slot) addr(r regs) (uint64, error) {
	base := r.sp
	if s.fromFP {
		base = r.fp
	}
	a := base + uint64(s.off)
	if s.off >= 0 && a < base || s.off < 0 && a > base {
		return 0, fmt.Errorf("%w: stack slot %#x%+d beyond the address space", ErrUnwind, base, s.off)
	}
	return a, nil
}

// frameRule says where a frame keeps its return address and, when it has
// saved it, its caller's rbp.
type frameRule struct {
	ret      slot
	rbp      slot
	rbpSaved bool
}

// unwindStep gives the caller's registers. innermost is false for frames
// whose pc is a return address, whose function is that of pc-1.
func unwindStep(mem Memory, syms *Symbols, r regs, innermost bool) (regs, error) {
	rule, err := findRule(syms, r.pc, innermost)
	if err != nil {
		return regs{}, err
	}
	at, err := rule.ret.addr(r)
	if err != nil {
		return regs{}, err
	}
	var caller regs
	if caller.pc, err = readWord(mem, at); err != nil {
		return regs{}, err
	}
	caller.sp = at + 8
	if caller.sp < at {
		return regs{}, fmt.Errorf("%w: stack at the end of the address space", ErrUnwind)
	}
	caller.fp = r.fp
	if rule.rbpSaved {
		if at, err = rule.rbp.addr(r); err == nil {
			caller.fp, err = readWord(mem, at)
		}
		if err != nil {
			return regs{}, err
		}
	}
	return caller, nil
}

// framePointerRule is the plain rule, for code the unwinder cannot read.
var framePointerRule = frameRule{
	ret:      slot{fromFP: true, off: 8},
	rbp:      slot{fromFP: true, off: 0},
	rbpSaved: true,
}

func findRule(syms *Symbols, pc uint64, innermost bool) (frameRule, error) {
	at := pc
	if !innermost && at > 0 {
		at--
	}
	if syms == nil {
		return framePointerRule, nil
	}
	lo, hi, ok := syms.FuncRange(at)
	if !ok || pc-lo > maxFuncCode {
		return framePointerRule, nil
	}
	code := syms.Code(lo, int(min(hi-lo, maxFuncCode)))
	if code == nil {
		return framePointerRule, nil
	}
	st, err := walkPaths(code, lo, pc)
	if err == nil {
		return st.rule()
	}
	// The walk failed: try the epilogue, then the straight line.
	if rule, ok := epilogueRule(code, lo, pc); ok {
		return rule, nil
	}
	if st, err = walkStraight(code, lo, pc); err != nil {
		return frameRule{}, err
	}
	return st.rule()
}

package debugger

import (
	"fmt"
)

// The kernel has frame pointers, but a function sets rbp only somewhere
// in its prologue (with -Os, push %rbp and mov %rsp,%rbp may be several
// instructions apart), undoes it in its epilogue, and leaf functions
// have no frame at all. So the unwinder reads the function's code, taken
// from the ELF file so that breakpoints written into the live kernel do
// not get in the way, and follows it from the function's start to pc
// along jumps and fall-throughs, keeping count of the pushes, pops and
// stack adjustments (see stackState). Compiled code has one stack layout
// at each instruction, whatever the path, so the first path found gives
// where the return address and the saved rbp are at pc.
//
// When no path reaches pc (it lies behind a jump through a table), a scan
// forwards from pc to a ret through pops only (an epilogue), or else the
// straight line from the start, stands in. Without a symbol for pc the
// plain frame-pointer rule applies: saved rbp at [rbp], return address
// at [rbp+8].

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
	st, err := walkTo(code, lo, pc, true)
	if err == nil {
		return st.rule()
	}
	// pc is out of reach of the walk (past a jump through a table, say):
	// try the epilogue, then the straight line from the start.
	if rule, ok := epilogueRule(code, lo, pc); ok {
		return rule, nil
	}
	if st, err = walkTo(code, lo, pc, false); err != nil {
		return frameRule{}, err
	}
	return st.rule()
}

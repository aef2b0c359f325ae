package debugger

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// stackState is what the unwinder knows of a frame at one instruction, as
// distances in bytes below the slot of the return address (the stack
// pointer at the function's entry).
type stackState struct {
	delta      int64 // rsp is this far below; meaningful when known
	known      bool  // false after rsp moved in a way not followed
	saved      bool  // the caller's rbp is on the stack...
	savedAt    int64 // ...this far below
	framed     bool  // rbp holds the frame...
	frameDelta int64 // ...this far below
}

var entryState = stackState{known: true}

// rule says where the return address and the caller's rbp are.
func (s stackState) rule() (frameRule, error) {
	var r frameRule
	switch {
	case s.framed:
		r.ret = slot{fromFP: true, off: s.frameDelta}
		r.rbp = slot{fromFP: true, off: s.frameDelta - s.savedAt}
	case s.known:
		r.ret = slot{off: s.delta}
		r.rbp = slot{off: s.delta - s.savedAt}
	default:
		return r, fmt.Errorf("%w: the stack pointer moved in a way not followed", ErrUnwind)
	}
	r.rbpSaved = s.saved
	return r, nil
}

// apply moves the state past in.
func (s *stackState) apply(in x86asm.Inst) error {
	if !usesStack(in) {
		return nil
	}
	dst, _ := in.Args[0].(x86asm.Reg)
	src, _ := in.Args[1].(x86asm.Reg)
	switch {
	case in.Op == x86asm.PUSH || in.Op == x86asm.PUSHF || in.Op == x86asm.PUSHFQ:
		s.delta += 8
		if dst == x86asm.RBP && !s.saved && !s.framed {
			s.saved, s.savedAt = true, s.delta
		}
	case in.Op == x86asm.POP || in.Op == x86asm.POPF || in.Op == x86asm.POPFQ:
		return s.pop(dst)
	case in.Op == x86asm.MOV && dst == x86asm.RBP && src == x86asm.RSP:
		if !s.known || !s.saved {
			return unfollowed(in)
		}
		s.framed, s.frameDelta = true, s.delta
	case in.Op == x86asm.MOV && dst == x86asm.RSP && src == x86asm.RBP:
		if !s.framed {
			return unfollowed(in)
		}
		s.delta, s.known = s.frameDelta, true
	case in.Op == x86asm.LEAVE:
		if !s.framed {
			return unfollowed(in)
		}
		s.delta, s.known = s.frameDelta, true
		return s.pop(x86asm.RBP)
	case isLeaFromFP(in):
		if !s.framed {
			return unfollowed(in)
		}
		s.delta, s.known = s.frameDelta-in.Args[1].(x86asm.Mem).Disp, true
	default:
		if off, ok := rspAdjust(in); ok {
			s.delta -= off
			break
		}
		if !writesFrameReg(in) {
			return nil // reads rsp or rbp, changes neither
		}
		f, _ := regFamily(dst)
		switch {
		case f == rspFamily && s.framed:
			s.known = false // realigned, say: rbp still finds the frame
		case f == rbpFamily && s.saved && !s.framed:
			// rbp used as a general register, the caller's being saved
		default:
			return unfollowed(in)
		}
	}
	return s.check(in.Op.String())
}

// pop pops into reg (0 for flags or memory).
func (s *stackState) pop(reg x86asm.Reg) error {
	if !s.known {
		return fmt.Errorf("%w: pop with the stack pointer not followed", ErrUnwind)
	}
	switch {
	case reg == x86asm.RSP:
		return fmt.Errorf("%w: pop %%rsp", ErrUnwind)
	case reg == x86asm.RBP && s.saved && s.delta == s.savedAt:
		s.saved, s.framed = false, false // the caller's rbp is back
	case reg == x86asm.RBP && (s.framed || !s.saved):
		return fmt.Errorf("%w: pop %%rbp from a slot that does not hold it", ErrUnwind)
	}
	s.delta -= 8
	return s.check("pop")
}

// check refuses a stack pointer above the return address or a frame
// larger than any real one.
func (s *stackState) check(op string) error {
	if s.known && (s.delta < 0 || s.delta > maxFrameSize) {
		return fmt.Errorf("%w: %s moves the stack pointer out of the frame", ErrUnwind, op)
	}
	return nil
}

func unfollowed(in x86asm.Inst) error {
	return fmt.Errorf("%w: cannot follow %s", ErrUnwind, x86asm.GNUSyntax(in, 0, nil))
}

// rspAdjust gives how far in moves rsp up for add and sub of a constant
// and lea off(%rsp),%rsp; false for anything else.
func rspAdjust(in x86asm.Inst) (int64, bool) {
	switch in.Op {
	case x86asm.ADD, x86asm.SUB:
		imm, ok := in.Args[1].(x86asm.Imm)
		if in.Args[0] != x86asm.RSP || !ok {
			return 0, false
		}
		if in.Op == x86asm.SUB {
			return -int64(imm), true
		}
		return int64(imm), true
	case x86asm.LEA:
		m, ok := in.Args[1].(x86asm.Mem)
		if in.Args[0] == x86asm.RSP && ok && m.Base == x86asm.RSP && m.Index == 0 {
			return m.Disp, true
		}
	}
	return 0, false
}

// isLeaFromFP matches lea off(%rbp),%rsp, an epilogue's way back.
func isLeaFromFP(in x86asm.Inst) bool {
	m, ok := in.Args[1].(x86asm.Mem)
	return in.Op == x86asm.LEA && in.Args[0] == x86asm.RSP && ok &&
		m.Base == x86asm.RBP && m.Index == 0
}

// writesFrameReg says whether in may write rsp or rbp: its destination is
// one of them, or it is leave or enter.
func writesFrameReg(in x86asm.Inst) bool {
	switch in.Op {
	case x86asm.LEAVE, x86asm.ENTER:
		return true
	case x86asm.CMP, x86asm.TEST, x86asm.PUSH, x86asm.CALL, x86asm.JMP, x86asm.BT:
		return false
	}
	reg, ok := in.Args[0].(x86asm.Reg)
	return ok && isStackReg(reg)
}

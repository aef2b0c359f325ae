package debugger

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// maxWalkInst bounds the instructions one walk decodes.
const maxWalkInst = 1 << 15

// walkPaths gives the stack state at pc, following the function's code
// (code, starting at lo) from its entry along both ways of conditional
// jumps and to the targets of direct jumps; a ret or an indirect jump
// ends a path. The code after a call is taken last, once no other path is
// left: a call that never returns (to panic, say) may be followed by code
// that other paths reach with another stack layout. The targets of an
// indirect jump (a switch's jump table) are unknown: when nothing else
// reaches pc, every block that no path entered and that nothing falls
// into is taken for one, with the stack as it was at that jump.
//
// TODO: a jump-table target that directly follows a call that never
// returns is reached from that call, with its stack, which is wrong when
// the two differ (ethtool_get_feature_mask in linux 7.3 has one); telling
// needs the DWARF's noreturn marks, which are not loaded.
func walkPaths(code []byte, lo, pc uint64) (stackState, error) {
	w := walker{code: code, lo: lo, seen: make([]bool, len(code))}
	w.todo = []walkPath{{lo, entryState}}
	var tableState stackState
	tableSeen, tableUsed := false, false
	for steps := 0; ; {
		var p walkPath
		switch {
		case len(w.todo) > 0:
			p, w.todo = w.todo[len(w.todo)-1], w.todo[:len(w.todo)-1]
		case len(w.afterCalls) > 0:
			p, w.afterCalls = w.afterCalls[0], w.afterCalls[1:]
		case tableSeen && !tableUsed:
			for _, at := range unentered(code, lo, w.seen) {
				w.todo = append(w.todo, walkPath{at, tableState})
			}
			tableUsed = true
			continue
		case w.err != nil:
			return stackState{}, w.err
		default:
			return stackState{}, fmt.Errorf("%w: no path from the function's start reaches %#x",
				ErrUnwind, pc)
		}
		for p.at != pc && w.enter(p.at) {
			if steps++; steps > maxWalkInst {
				return stackState{}, fmt.Errorf("%w: function too long to follow", ErrUnwind)
			}
			before := p.st
			in, next, ok := w.step(&p)
			if in.Op == x86asm.JMP && in.Args[0] != nil && !isRel(in.Args[0]) && !tableSeen {
				tableState, tableSeen = before, true
			}
			if !ok {
				break
			}
			p.at = next
		}
		if p.at == pc {
			return p.st, nil
		}
	}
}

// walker holds the paths walkPaths has yet to follow.
type walker struct {
	code       []byte
	lo         uint64
	seen       []bool // instructions entered, by offset
	todo       []walkPath
	afterCalls []walkPath
	err        error // the last error that ended a path
}

type walkPath struct {
	at uint64
	st stackState
}

// enter marks the instruction at at as walked; false when it was, or is
// outside the code.
func (w *walker) enter(at uint64) bool {
	if at < w.lo || at-w.lo >= uint64(len(w.code)) || w.seen[at-w.lo] {
		return false
	}
	w.seen[at-w.lo] = true
	return true
}

// step moves p's state past one instruction and gives where p goes next,
// queueing the other ways it may go; false when p ends there.
func (w *walker) step(p *walkPath) (x86asm.Inst, uint64, bool) {
	in, err := p.st.step(w.code[p.at-w.lo:], p.at)
	if err != nil {
		w.err = err
		return in, 0, false
	}
	next := p.at + uint64(in.Len)
	falls, target, jumps := flow(in, next)
	if jumps {
		w.todo = append(w.todo, walkPath{target, p.st})
	}
	if in.Op == x86asm.CALL || in.Op == x86asm.LCALL {
		w.afterCalls = append(w.afterCalls, walkPath{next, p.st})
		return in, 0, false
	}
	return in, next, falls
}

func isRel(a x86asm.Arg) bool {
	_, ok := a.(x86asm.Rel)
	return ok
}

// unentered lists the starts of the blocks that no path has entered and
// that no instruction falls into, in a straight sweep of the code.
func unentered(code []byte, lo uint64, seen []bool) []uint64 {
	var starts []uint64
	falls := true
	for off := 0; off < len(code); {
		d, err := decode(code[off:])
		if err != nil {
			break
		}
		if !falls && !seen[off] {
			starts = append(starts, lo+uint64(off))
		}
		off += d.Len
		falls, _, _ = flow(d.Inst, lo+uint64(off))
	}
	return starts
}

// walkStraight gives the stack state at pc, going down the function's
// code from its entry without regard to jumps: the last resort.
func walkStraight(code []byte, lo, pc uint64) (stackState, error) {
	st := entryState
	for at := lo; at != pc; {
		if at < lo || at-lo >= uint64(len(code)) {
			return stackState{}, fmt.Errorf("%w: %#x is not an instruction of its function",
				ErrUnwind, pc)
		}
		in, err := st.step(code[at-lo:], at)
		if err != nil {
			return stackState{}, err
		}
		at += uint64(in.Len)
	}
	return st, nil
}

// step decodes the instruction at the start of code, at address at, and
// moves the state past it.
func (s *stackState) step(code []byte, at uint64) (x86asm.Inst, error) {
	d, err := decode(code)
	if err != nil {
		return d.Inst, fmt.Errorf("%w: decode %#x: %w", ErrUnwind, at, err)
	}
	if err := s.apply(d.Inst); err != nil {
		return d.Inst, fmt.Errorf("%w (at %#x)", err, at)
	}
	return d.Inst, nil
}

// flow says where control goes after in, whose successor is at next:
// whether it falls through to next, and where it jumps, if it does to a
// known place.
func flow(in x86asm.Inst, next uint64) (falls bool, target uint64, jumps bool) {
	rel, direct := in.Args[0].(x86asm.Rel)
	if direct {
		target = next + uint64(int64(rel))
	}
	switch in.Op {
	case x86asm.RET, x86asm.LRET, x86asm.IRET, x86asm.IRETD, x86asm.IRETQ, x86asm.LJMP,
		x86asm.UD0, x86asm.UD1, x86asm.UD2, x86asm.HLT, x86asm.SYSRET, x86asm.SYSEXIT:
		return false, 0, false
	case x86asm.JMP:
		return false, target, direct
	case x86asm.CALL, x86asm.LCALL:
		return true, 0, false
	}
	return true, target, direct && isBranch(in.Op)
}

package debugger

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// maxWalkInst bounds the instructions one walk decodes.
const maxWalkInst = 1 << 15

// walkTo gives the stack state at pc, walking the function's code (code,
// starting at lo) from its entry. With follow it takes both ways of
// conditional jumps and the target of direct jumps, and ends a path at a
// ret or an indirect jump; without, it goes straight down the code.
func walkTo(code []byte, lo, pc uint64, follow bool) (stackState, error) {
	type path struct {
		at uint64
		st stackState
	}
	todo := []path{{lo, entryState}}
	seen := make(map[uint64]bool)
	var lastErr error
	for steps := 0; len(todo) > 0; {
		p := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for {
			if p.at == pc {
				return p.st, nil
			}
			if p.at < lo || p.at-lo >= uint64(len(code)) || seen[p.at] {
				break
			}
			seen[p.at] = true
			if steps++; steps > maxWalkInst {
				return stackState{}, fmt.Errorf("%w: function too long to follow", ErrUnwind)
			}
			in, err := x86asm.Decode(code[p.at-lo:], 64)
			if err != nil {
				lastErr = fmt.Errorf("%w: decode %#x: %w", ErrUnwind, p.at, err)
				break
			}
			if err := p.st.apply(in); err != nil {
				lastErr = fmt.Errorf("%w (at %#x)", err, p.at)
				break
			}
			next := p.at + uint64(in.Len)
			if follow {
				falls, target, jumps := flow(in, next)
				if jumps {
					todo = append(todo, path{target, p.st})
				}
				if !falls {
					break
				}
			}
			p.at = next
		}
		if !follow {
			break
		}
	}
	if lastErr != nil {
		return stackState{}, lastErr
	}
	return stackState{}, fmt.Errorf("%w: no path from the function's start reaches %#x", ErrUnwind, pc)
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

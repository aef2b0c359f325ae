package debugger

import "golang.org/x/arch/x86/x86asm"

// maxEpilogueInst bounds the instructions scanned forwards from pc.
const maxEpilogueInst = 32

// epilogueRule scans forwards from pc for a ret reached through pops and
// stack adjustments only, following direct jumps inside the function.
func epilogueRule(code []byte, lo, pc uint64) (frameRule, bool) {
	var rule frameRule
	cur := slot{} // where rsp points now, from the registers at pc
	popped := false
	for range maxEpilogueInst {
		if pc < lo || pc-lo >= uint64(len(code)) {
			return rule, false
		}
		d, err := decode(code[pc-lo:])
		if err != nil {
			return rule, false
		}
		in := d.Inst
		next := pc + uint64(in.Len)
		switch {
		case in.Op == x86asm.RET:
			rule.ret = cur
			return rule, true
		case in.Op == x86asm.POP:
			reg, ok := in.Args[0].(x86asm.Reg)
			if !ok || reg == x86asm.RSP {
				return rule, false
			}
			if reg == x86asm.RBP {
				rule.rbp, rule.rbpSaved, popped = cur, true, true
			}
			cur.off += 8
		case in.Op == x86asm.LEAVE:
			if popped {
				return rule, false // rbp no longer holds the frame
			}
			rule.rbp, rule.rbpSaved, popped = slot{fromFP: true}, true, true
			cur = slot{fromFP: true, off: 8}
		case in.Op == x86asm.JMP:
			rel, ok := in.Args[0].(x86asm.Rel)
			if !ok {
				return rule, false
			}
			next += uint64(int64(rel))
		case isBranch(in.Op):
			return rule, false
		case usesStack(in):
			off, ok := rspAdjust(in)
			switch {
			case ok && off >= 0 && off <= maxFrameSize:
				cur.off += off
			case ok:
				return rule, false // rsp going down: no epilogue
			case isLeaFromFP(in) && !popped && !cur.fromFP:
				m := in.Args[1].(x86asm.Mem)
				cur = slot{fromFP: true, off: m.Disp}
			default:
				return rule, false
			}
		}
		pc = next
	}
	return rule, false
}

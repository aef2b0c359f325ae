package debugger

import "golang.org/x/arch/x86/x86asm"

// Instruction classes that the listing notes and the unwinder need.

// isBranch says whether op may transfer control somewhere other than the
// next instruction (calls, jumps, returns, traps).
func isBranch(op x86asm.Op) bool {
	switch op {
	case x86asm.CALL, x86asm.LCALL, x86asm.JMP, x86asm.LJMP,
		x86asm.RET, x86asm.LRET, x86asm.IRET, x86asm.IRETD, x86asm.IRETQ,
		x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JCXZ, x86asm.JE,
		x86asm.JECXZ, x86asm.JG, x86asm.JGE, x86asm.JL, x86asm.JLE, x86asm.JNE,
		x86asm.JNO, x86asm.JNP, x86asm.JNS, x86asm.JO, x86asm.JP, x86asm.JRCXZ,
		x86asm.JS, x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE,
		x86asm.INT, x86asm.INTO, x86asm.SYSCALL, x86asm.SYSENTER, x86asm.SYSEXIT,
		x86asm.SYSRET, x86asm.UD0, x86asm.UD1, x86asm.UD2, x86asm.HLT:
		return true
	}
	return false
}

// isStringOp says whether op is a string instruction, which moves rsi,
// rdi (and rcx under a rep prefix) without naming them.
func isStringOp(op x86asm.Op) bool {
	switch op {
	case x86asm.LODSB, x86asm.LODSW, x86asm.LODSD, x86asm.LODSQ,
		x86asm.STOSB, x86asm.STOSW, x86asm.STOSD, x86asm.STOSQ,
		x86asm.MOVSB, x86asm.MOVSW, x86asm.MOVSD, x86asm.MOVSQ,
		x86asm.SCASB, x86asm.SCASW, x86asm.SCASD, x86asm.SCASQ,
		x86asm.CMPSB, x86asm.CMPSW, x86asm.CMPSD, x86asm.CMPSQ,
		x86asm.INSB, x86asm.INSW, x86asm.INSD, x86asm.OUTSB, x86asm.OUTSW, x86asm.OUTSD:
		return true
	}
	return false
}

// usesStack says whether in reads or writes rsp or rbp, by name or by
// its nature (push, pop, call, leave...). Memory operands count.
func usesStack(in x86asm.Inst) bool {
	switch in.Op {
	case x86asm.PUSH, x86asm.PUSHF, x86asm.PUSHFQ, x86asm.POP, x86asm.POPF,
		x86asm.POPFQ, x86asm.LEAVE, x86asm.ENTER:
		return true
	}
	for _, arg := range in.Args {
		switch a := arg.(type) {
		case x86asm.Reg:
			if isStackReg(a) {
				return true
			}
		case x86asm.Mem:
			if isStackReg(a.Base) || isStackReg(a.Index) {
				return true
			}
		}
	}
	return false
}

// The families (see regFamily) of rsp and rbp.
const (
	rspFamily = 4
	rbpFamily = 5
)

// isStackReg says whether r is some width of rsp or rbp.
func isStackReg(r x86asm.Reg) bool {
	f, ok := regFamily(r)
	return ok && (f == rspFamily || f == rbpFamily)
}

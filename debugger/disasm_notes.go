package debugger

import (
	"fmt"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// The kernel is built with -mcmodel=large: nearly every call is
//
//	movabs $0x60064daf,%rax
//	...
//	call   *%rax
//
// so a listing that named direct targets only would name almost none.
// regConsts remembers which registers a straight run of code has loaded
// with a constant, so the indirect call can be named too. It forgets all
// at a branch; a jump from elsewhere into the run, between the load and
// the call, is not seen (GCC does not emit one for these sequences).
type regConsts struct {
	val [16]uint64
	ok  [16]bool
}

// annotate formats in at pc and gives a direct branch's target.
func annotate(in decoded, pc uint64, sym SymFunc, loaded *regConsts) (string, uint64) {
	// x86asm names an absent SIB index %riz, as old objdumps did.
	text := strings.ReplaceAll(in.text(pc), ",%riz)", ")")
	var target uint64
	note := ""
	for _, arg := range in.Args {
		switch a := arg.(type) {
		case x86asm.Rel:
			target = pc + uint64(in.Len) + uint64(int64(a))
			if name := symNote(sym, target); name != "" {
				text += " " + name
			}
		case x86asm.Mem:
			if a.Base == x86asm.RIP && a.Index == 0 {
				ea := pc + uint64(in.Len) + uint64(a.Disp)
				note = fmt.Sprintf("%#x", ea)
				if name := symNote(sym, ea); name != "" {
					note += " " + name
				}
			}
		case x86asm.Imm:
			if in.Op == x86asm.MOV && in.DataSize == 64 {
				note = symNote(sym, uint64(a))
			}
		case x86asm.Reg:
			if f, ok := regFamily(a); ok && loaded.ok[f] && isIndirectBranch(in.Inst) {
				note = symNote(sym, loaded.val[f])
			}
		}
	}
	loaded.update(in.Inst)
	if note != "" {
		text += "  # " + note
	}
	return text, target
}

// symNote writes "<name+0xoff>", or "" when sym knows no symbol there.
func symNote(sym SymFunc, addr uint64) string {
	if sym == nil {
		return ""
	}
	name, off, ok := sym(addr)
	switch {
	case !ok || name == "":
		return ""
	case off == 0:
		return "<" + name + ">"
	}
	return fmt.Sprintf("<%s+%#x>", name, off)
}

func isIndirectBranch(in x86asm.Inst) bool {
	return in.Op == x86asm.CALL || in.Op == x86asm.JMP
}

// update forgets what in may change and learns what it loads.
func (r *regConsts) update(in x86asm.Inst) {
	switch in.Op {
	case x86asm.MOV:
		dst, okDst := in.Args[0].(x86asm.Reg)
		imm, okImm := in.Args[1].(x86asm.Imm)
		f, okF := regFamily(dst)
		if okDst && okImm && okF && (in.DataSize == 64 || in.DataSize == 32) {
			v := uint64(imm)
			if in.DataSize == 32 {
				v = uint64(uint32(v)) // a 32-bit move zero-extends
			}
			r.val[f], r.ok[f] = v, true
			return
		}
	case x86asm.XCHG, x86asm.XADD, x86asm.CMPXCHG, x86asm.CMPXCHG8B, x86asm.CMPXCHG16B,
		x86asm.MUL, x86asm.IMUL, x86asm.DIV, x86asm.IDIV, x86asm.CPUID, x86asm.RDTSC,
		x86asm.RDTSCP, x86asm.RDMSR, x86asm.SYSCALL, x86asm.CWD, x86asm.CDQ, x86asm.CQO,
		x86asm.CBW, x86asm.CWDE, x86asm.CDQE:
		*r = regConsts{} // writes registers it does not name
		return
	}
	if isBranch(in.Op) {
		*r = regConsts{}
		return
	}
	if dst, ok := in.Args[0].(x86asm.Reg); ok {
		if f, ok := regFamily(dst); ok {
			r.ok[f] = false
		}
	}
	if isStringOp(in.Op) {
		*r = regConsts{}
	}
}

// regFamily numbers a general register by its 64-bit whole: 0 for rax,
// al, ah, ax and eax, up to 15 for r15.
func regFamily(r x86asm.Reg) (int, bool) {
	switch {
	case r >= x86asm.AL && r <= x86asm.R15B:
		i := int(r - x86asm.AL)
		if i >= 4 {
			i -= 4 // ah..bh are rax..rbx; spb.. and r8b.. shift past them
		}
		return i, true
	case r >= x86asm.AX && r <= x86asm.R15W:
		return int(r - x86asm.AX), true
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return int(r - x86asm.EAX), true
	case r >= x86asm.RAX && r <= x86asm.R15:
		return int(r - x86asm.RAX), true
	}
	return 0, false
}

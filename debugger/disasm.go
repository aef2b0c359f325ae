package debugger

import (
	"bytes"
	"errors"

	"golang.org/x/arch/x86/x86asm"
)

// ErrBadInstruction is what InstLen reports for bytes that do not decode.
var ErrBadInstruction = errors.New("bad instruction")

// Inst is one decoded x86-64 instruction.
type Inst struct {
	Addr  uint64
	Len   int
	Bytes []byte
	// Text is GNU (AT&T) syntax, as x86asm writes it: much like an older
	// objdump (callq, retq, cdqe; movabs shows as mov). A direct call's
	// or jump's target reads "0x6005ae89 <sys_getpid>"; a RIP-relative
	// operand, a 64-bit constant that is a symbol's address, and an
	// indirect call through a register loaded with such a constant just
	// before get a note, "  # <name+0x10>". endbr64 and endbr32, which
	// x86asm does not know, are decoded here.
	Text   string
	IsCall bool
	Target uint64 // a direct call's or jump's destination, else 0
}

// SymFunc names the symbol containing an address and the offset in it.
type SymFunc func(addr uint64) (name string, off uint64, ok bool)

// Disassemble decodes code, whose first byte is at addr. A byte that
// starts no valid instruction becomes a one-byte "(bad)"; an instruction
// cut short by the end of code is left out. sym may be nil.
func Disassemble(code []byte, addr uint64, sym SymFunc) []Inst {
	var out []Inst
	var loaded regConsts
	for off := 0; off < len(code); {
		pc := addr + uint64(off)
		in, err := decode(code[off:])
		if errors.Is(err, x86asm.ErrTruncated) {
			break
		}
		if err != nil {
			out = append(out, Inst{Addr: pc, Len: 1, Bytes: []byte{code[off]}, Text: "(bad)"})
			loaded = regConsts{}
			off++
			continue
		}
		text, target := annotate(in, pc, sym, &loaded)
		out = append(out, Inst{
			Addr:   pc,
			Len:    in.Len,
			Bytes:  bytes.Clone(code[off : off+in.Len]),
			Text:   text,
			IsCall: in.Op == x86asm.CALL || in.Op == x86asm.LCALL,
			Target: target,
		})
		off += in.Len
	}
	return out
}

package debugger

import (
	"bytes"
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// maxInstLen is the longest x86 instruction.
const maxInstLen = 15

// decoded is an instruction as x86asm sees it, or one it does not know
// (then name holds its text).
type decoded struct {
	x86asm.Inst
	name string
}

// endbr are the CET landing pads, which x86asm does not decode; a kernel
// built with IBT starts every function with one.
var endbr = []struct {
	code []byte
	name string
}{
	{[]byte{0xf3, 0x0f, 0x1e, 0xfa}, "endbr64"},
	{[]byte{0xf3, 0x0f, 0x1e, 0xfb}, "endbr32"},
}

// decode decodes the instruction at the start of code in 64-bit mode.
// x86asm reports a cut-off or unknown instruction as a one-byte
// instruction without an opcode, holding its first byte as a prefix;
// decode makes that x86asm.ErrTruncated when more bytes would complete
// it, else x86asm.ErrUnrecognized.
func decode(code []byte) (decoded, error) {
	for _, e := range endbr {
		if bytes.HasPrefix(code, e.code) {
			return decoded{x86asm.Inst{Op: x86asm.NOP, Len: len(e.code)}, e.name}, nil
		}
	}
	in, err := x86asm.Decode(code, 64)
	if err == nil && in.Op != 0 {
		return decoded{Inst: in}, nil
	}
	if len(code) < maxInstLen {
		var long [maxInstLen]byte
		copy(long[:], code)
		if more, err := decode(long[:]); err == nil && more.Len > len(code) {
			return decoded{}, x86asm.ErrTruncated
		}
	}
	if err == nil {
		err = x86asm.ErrUnrecognized
	}
	return decoded{}, err
}

// text writes the instruction in GNU syntax, pc being its address.
func (d decoded) text(pc uint64) string {
	if d.name != "" {
		return d.name
	}
	return x86asm.GNUSyntax(d.Inst, pc, nil)
}

// InstLen gives the length of the instruction at the start of code.
func InstLen(code []byte) (int, error) {
	in, err := decode(code)
	if err != nil {
		return 0, fmt.Errorf("decode instruction % x: %w: %w", code[:min(len(code), maxInstLen)],
			ErrBadInstruction, err)
	}
	return in.Len, nil
}

package debugger

import (
	"errors"
	"fmt"
	"io"
)

// ErrUnwind means the unwinder could not find a caller's frame.
var ErrUnwind = errors.New("cannot unwind")

// Memory is the kernel process's memory as the unwinder and the views read
// it. A short read must return an error.
type Memory interface {
	ReadAt(p []byte, addr uint64) (int, error)
}

// Frame is one frame of a backtrace. For the innermost frame PC is where
// the kernel stopped; for the others it is the return address, and Func,
// Off, File and Line describe the call before it (the return address of a
// call that never returns may lie in the next function).
type Frame struct {
	PC, SP, FP uint64
	Func       string
	Off        uint64 // PC's offset in Func
	File       string
	Line       int
}

// maxFrameSize bounds one frame: a caller's stack pointer further up
// than this is taken for garbage.
const maxFrameSize = 1 << 20

// Backtrace walks the kernel's stack from the registers pc, sp and fp
// (rip, rsp, rbp), innermost frame first, for at most max frames. It
// stops, without error, at a frame it cannot unwind, a return address
// outside the kernel's text, a stack pointer that does not move up (a
// loop), or max. syms may be nil: the walk then follows the frame
// pointers only and names nothing.
func Backtrace(mem Memory, pc, sp, fp uint64, syms *Symbols, max int) []Frame {
	if max <= 0 {
		return nil
	}
	r := regs{pc, sp, fp}
	frames := []Frame{describeFrame(syms, r, true)}
	for len(frames) < max {
		caller, err := unwindStep(mem, syms, r, len(frames) == 1)
		if err != nil || caller.pc == 0 || caller.sp <= r.sp || caller.sp-r.sp > maxFrameSize {
			break
		}
		if syms != nil && !syms.InText(caller.pc) {
			break
		}
		frames = append(frames, describeFrame(syms, caller, false))
		r = caller
	}
	return frames
}

// ReturnAddress finds where the function executing at pc returns to, for
// "finish". Within the function's prologue and epilogue the return
// address is not at [fp+8] (the kernel, built with -Os, often sets rbp a
// few instructions after push %rbp), so it reads the function's code (see
// unwind_step.go). With syms nil it takes [fp+8].
func ReturnAddress(mem Memory, pc, sp, fp uint64, syms *Symbols) (uint64, error) {
	caller, err := unwindStep(mem, syms, regs{pc, sp, fp}, true)
	if err != nil {
		return 0, fmt.Errorf("find return address at %#x: %w", pc, err)
	}
	if syms != nil && !syms.InText(caller.pc) {
		return 0, fmt.Errorf("find return address at %#x: %w: %#x is not in the kernel's text",
			pc, ErrUnwind, caller.pc)
	}
	return caller.pc, nil
}

// regs are the registers an unwinder follows.
type regs struct{ pc, sp, fp uint64 }

func describeFrame(syms *Symbols, r regs, innermost bool) Frame {
	f := Frame{PC: r.pc, SP: r.sp, FP: r.fp}
	if syms == nil {
		return f
	}
	at := r.pc
	if !innermost && at > 0 {
		at-- // inside the call instruction
	}
	if sym, _, ok := syms.Lookup(at); ok {
		f.Func, f.Off = sym.Name, r.pc-sym.Addr
	}
	if file, line, ok := syms.Line(at); ok {
		f.File, f.Line = file, line
	}
	return f
}

// readWord reads the 8-byte little-endian word at addr.
func readWord(mem Memory, addr uint64) (uint64, error) {
	var b [8]byte
	n, err := mem.ReadAt(b[:], addr)
	if n < len(b) {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return 0, fmt.Errorf("read stack at %#x: %w", addr, err)
	}
	var w uint64
	for i := 7; i >= 0; i-- {
		w = w<<8 | uint64(b[i])
	}
	return w, nil
}

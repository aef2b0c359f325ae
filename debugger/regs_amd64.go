package debugger

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Reg is one register as the views show it.
type Reg struct {
	Name    string `json:"name"`
	Value   uint64 `json:"value"`
	Changed bool   `json:"changed"` // by the last step or run
}

// regList names the general registers in the order gdb shows them.
func regList(r *unix.PtraceRegs) []Reg {
	return []Reg{
		{Name: "rax", Value: r.Rax}, {Name: "rbx", Value: r.Rbx},
		{Name: "rcx", Value: r.Rcx}, {Name: "rdx", Value: r.Rdx},
		{Name: "rsi", Value: r.Rsi}, {Name: "rdi", Value: r.Rdi},
		{Name: "rbp", Value: r.Rbp}, {Name: "rsp", Value: r.Rsp},
		{Name: "r8", Value: r.R8}, {Name: "r9", Value: r.R9},
		{Name: "r10", Value: r.R10}, {Name: "r11", Value: r.R11},
		{Name: "r12", Value: r.R12}, {Name: "r13", Value: r.R13},
		{Name: "r14", Value: r.R14}, {Name: "r15", Value: r.R15},
		{Name: "rip", Value: r.Rip}, {Name: "eflags", Value: r.Eflags},
		{Name: "cs", Value: r.Cs}, {Name: "ss", Value: r.Ss},
		{Name: "ds", Value: r.Ds}, {Name: "es", Value: r.Es},
		{Name: "fs", Value: r.Fs}, {Name: "gs", Value: r.Gs},
		{Name: "fs_base", Value: r.Fs_base}, {Name: "gs_base", Value: r.Gs_base},
		{Name: "orig_rax", Value: r.Orig_rax},
	}
}

// Registers returns the current thread's registers, marking those the
// last step or run changed.
func (e *Engine) Registers() ([]Reg, error) {
	var out []Reg
	err := e.do(func() error {
		if !e.paused {
			return ErrNotPaused
		}
		regs, err := e.regsOf(e.cur)
		if err != nil {
			return err
		}
		out = regList(&regs)
		prev := regList(&e.prev)
		for i := range out {
			out[i].Changed = out[i].Value != prev[i].Value
		}
		return nil
	})
	return out, err
}

// Frame registers of the current thread: pc, sp, fp.
func (e *Engine) Frame() (pc, sp, fp uint64, err error) {
	err = e.do(func() error {
		if !e.paused {
			return ErrNotPaused
		}
		regs, err := e.regsOf(e.cur)
		pc, sp, fp = regs.Rip, regs.Rsp, regs.Rbp
		return err
	})
	return
}

func (e *Engine) regsOf(tid int) (unix.PtraceRegs, error) {
	var regs unix.PtraceRegs
	if err := unix.PtraceGetRegs(tid, &regs); err != nil {
		return regs, fmt.Errorf("read registers of thread %d: %w", tid, err)
	}
	return regs, nil
}

func (e *Engine) setRegsOf(tid int, regs *unix.PtraceRegs) error {
	if err := unix.PtraceSetRegs(tid, regs); err != nil {
		return fmt.Errorf("write registers of thread %d: %w", tid, err)
	}
	return nil
}

package debugger

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// BlockedStepTimeout is how long a single step may wait in a blocking
// system call (the instruction was a syscall into an idle poll, say)
// before the thread is stopped with SIGSTOP.
const BlockedStepTimeout = 2 * time.Second

// Step executes n instructions of the current thread, the others staying
// stopped. Timer and I/O signals that arrive meanwhile are held back and
// delivered on Continue, so that each step lands on the next kernel
// instruction rather than in a signal handler.
func (e *Engine) Step(n int) (Stop, error) {
	if n < 1 {
		n = 1
	}
	e.cancel.Store(false)
	var st Stop
	err := e.do(func() error {
		if !e.paused {
			return ErrNotPaused
		}
		th := e.threads[e.cur]
		if th == nil {
			return fmt.Errorf("step: thread %d is gone", e.cur)
		}
		regs, err := e.regsOf(th.tid)
		if err != nil {
			return err
		}
		e.prev = regs

		// One watchdog for the whole run: it stops the thread when no
		// step has finished for BlockedStepTimeout.
		var done, kicked atomic.Bool
		var steps atomic.Int64
		go e.watchSteps(th.tid, &steps, &done, &kicked)
		defer done.Store(true)

		pc := regs.Rip
		for i := 0; i < n; i++ {
			if st, err = e.stepOne(th, pc, &kicked); err != nil {
				return err
			}
			steps.Add(1)
			pc = st.PC
			if st.Reason == StopBlocked || e.cancel.Load() {
				break
			}
		}
		e.lastStop = st
		return nil
	})
	return st, err
}

// watchSteps sends SIGSTOP to a thread whose step has not finished within
// BlockedStepTimeout (it runs a blocking system call), until done.
func (e *Engine) watchSteps(tid int, steps *atomic.Int64, done, kicked *atomic.Bool) {
	last := int64(-1)
	for !done.Load() {
		time.Sleep(BlockedStepTimeout / 4)
		for i := 0; i < 3 && !done.Load(); i++ {
			if now := steps.Load(); now != last {
				last = now
				break
			}
			time.Sleep(BlockedStepTimeout / 4)
			if i == 2 && !done.Load() && steps.Load() == last {
				kicked.Store(true)
				tgkill(e.pid, tid, unix.SIGSTOP)
			}
		}
	}
}

// stepOne single-steps th from pc, over a breakpoint byte if it stands on
// one. Owner thread only.
func (e *Engine) stepOne(th *thread, pc uint64, kicked *atomic.Bool) (Stop, error) {
	if e.insertedAt(pc) != nil {
		if err := e.unpatch(&pc); err != nil {
			return Stop{}, err
		}
		defer e.patch(&pc)
	}
	if err := singlestep(th.tid, 0); err != nil {
		return Stop{}, fmt.Errorf("step thread %d: %w", th.tid, err)
	}
	stopped := func(reason StopReason) (Stop, error) {
		st := Stop{Reason: reason, Tid: th.tid}
		r, err := e.regsOf(th.tid)
		st.PC = r.Rip
		return st, err
	}
	for {
		_, ws, err := waitTid(th.tid, true)
		if err != nil {
			return Stop{}, fmt.Errorf("step thread %d: %w", th.tid, err)
		}
		if ws.Exited() || ws.Signaled() {
			return Stop{}, e.threadGone(th, ws)
		}
		sig := ws.StopSignal()
		switch {
		case isEventStop(ws):
			// A leftover interrupt stop: the step has not run yet.
		case isExecStop(ws):
			e.afterExec()
		case sig == unix.SIGTRAP:
			return stopped(StopStep)
		case sig == unix.SIGSTOP:
			// The watchdog's: UML never uses SIGSTOP itself, so one that
			// comes late from an earlier run counts the same way.
			if kicked != nil {
				kicked.Store(false)
			}
			return stopped(StopBlocked)
		default:
			th.hold(sig)
		}
		if err := singlestep(th.tid, 0); err != nil {
			return Stop{}, fmt.Errorf("step thread %d: %w", th.tid, err)
		}
	}
}

// stepOffBreakpoint moves the current thread past a breakpoint it stands
// on, so that continuing does not trap at once. Owner thread only.
func (e *Engine) stepOffBreakpoint() error {
	th := e.threads[e.cur]
	if th == nil || !th.stopped {
		return nil
	}
	regs, err := e.regsOf(th.tid)
	if err != nil {
		return err
	}
	if e.insertedAt(regs.Rip) == nil {
		return nil
	}
	_, err = e.stepOne(th, regs.Rip, nil)
	return err
}

// Next steps one instruction, but runs a call to its return as one step.
// It waits for the call to return until ctx ends; the kernel then keeps
// running and stops when the call returns or on Pause.
func (e *Engine) Next(ctx context.Context) (Stop, error) {
	var (
		st      Stop
		running bool
	)
	err := e.do(func() error {
		regs, err := e.startMove()
		if err != nil {
			return err
		}
		code := make([]byte, 16)
		e.readOrig(code, regs.Rip)
		n, isCall := callLen(code)
		if !isCall {
			th := e.threads[e.cur]
			if th == nil {
				return fmt.Errorf("next: thread %d is gone", e.cur)
			}
			st, err = e.stepOne(th, regs.Rip, nil)
			e.lastStop = st
			return err
		}
		running = true
		return e.runUntil(regs.Rip+uint64(n), regs.Rsp)
	})
	if err != nil || !running {
		return st, err
	}
	return e.WaitStop(ctx)
}

// Finish runs until the current function returns to its caller, found
// through the frame pointer.
func (e *Engine) Finish(ctx context.Context) (Stop, error) {
	err := e.do(func() error {
		regs, err := e.startMove()
		if err != nil {
			return err
		}
		ret, err := ReturnAddress(e.origMemory(), regs.Rip, regs.Rsp, regs.Rbp, e.syms)
		if err != nil {
			return fmt.Errorf("finish: %w", err)
		}
		return e.runUntil(ret, regs.Rsp+1)
	})
	if err != nil {
		return Stop{}, err
	}
	return e.WaitStop(ctx)
}

// runUntil plants an internal breakpoint at addr, taken only once the
// stack pointer is at or above sp (the frame returned), and lets the
// kernel run. Owner thread only.
func (e *Engine) runUntil(addr, sp uint64) error {
	if e.syms != nil && !e.syms.InText(addr) {
		return fmt.Errorf("return address %#x: %w", addr, ErrNotInText)
	}
	e.until = &until{addr: addr, sp: sp}
	if e.insertedAt(addr) == nil {
		if err := e.patchAddr(addr); err != nil {
			e.until = nil
			return err
		}
	}
	return e.resumeAll()
}

// removeUntil takes the internal breakpoint out again.
func (e *Engine) removeUntil() {
	u := e.until
	e.until = nil
	if u != nil && e.userBreakpointAt(u.addr) == nil {
		e.unpatchAddr(u.addr)
	}
}

// startMove checks the kernel is paused and notes the current thread's
// registers as the ones before the move, to mark what it changes. Owner
// thread only.
func (e *Engine) startMove() (unix.PtraceRegs, error) {
	if !e.paused {
		return unix.PtraceRegs{}, ErrNotPaused
	}
	regs, err := e.regsOf(e.cur)
	if err == nil {
		e.prev = regs
	}
	return regs, err
}

// callLen says whether code starts with a call and how long it is.
func callLen(code []byte) (int, bool) {
	n, err := InstLen(code)
	if err != nil || n == 0 {
		return 0, false
	}
	i := 0
	for i < n && isPrefix(code[i]) {
		i++
	}
	if i < n && code[i]&0xf0 == 0x40 { // REX
		i++
	}
	if i >= n {
		return n, false
	}
	switch code[i] {
	case 0xe8: // call rel32
		return n, true
	case 0xff: // call r/m: /2 (and far /3)
		if i+1 < n {
			reg := code[i+1] >> 3 & 7
			return n, reg == 2 || reg == 3
		}
	}
	return n, false
}

func isPrefix(b byte) bool {
	switch b {
	case 0xf0, 0xf2, 0xf3, 0x2e, 0x36, 0x3e, 0x26, 0x64, 0x65, 0x66, 0x67:
		return true
	}
	return false
}

var errNoThread = errors.New("no such thread")

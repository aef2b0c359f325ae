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
	var st Stop
	err := e.do(func() error {
		if !e.paused {
			return ErrNotPaused
		}
		if regs, err := e.regsOf(e.cur); err == nil {
			e.prev = regs
		}
		for i := 0; i < n; i++ {
			var err error
			if st, err = e.stepOne(); err != nil {
				return err
			}
			if st.Reason == StopBlocked {
				break
			}
		}
		e.lastStop = st
		return nil
	})
	return st, err
}

// stepOne single-steps the current thread, over a breakpoint byte if it
// stands on one. Owner thread only.
func (e *Engine) stepOne() (Stop, error) {
	th := e.threads[e.cur]
	if th == nil {
		return Stop{}, fmt.Errorf("step: thread %d is gone", e.cur)
	}
	regs, err := e.regsOf(th.tid)
	if err != nil {
		return Stop{}, err
	}
	if bp := e.insertedAt(regs.Rip); bp != nil {
		if err := e.unpatch(bp); err != nil {
			return Stop{}, err
		}
		defer e.patch(bp)
	}

	var kicked atomic.Bool
	watchdog := time.AfterFunc(BlockedStepTimeout, func() {
		kicked.Store(true)
		tgkill(e.pid, th.tid, unix.SIGSTOP)
	})
	defer watchdog.Stop()

	if err := singlestep(th.tid, 0); err != nil {
		return Stop{}, fmt.Errorf("step thread %d: %w", th.tid, err)
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
			st := Stop{Reason: StopStep, Tid: th.tid}
			if r, err := e.regsOf(th.tid); err == nil {
				st.PC = r.Rip
			}
			return st, nil
		case sig == unix.SIGSTOP && kicked.Load():
			st := Stop{Reason: StopBlocked, Tid: th.tid}
			if r, err := e.regsOf(th.tid); err == nil {
				st.PC = r.Rip
			}
			return st, nil
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
	_, err = e.stepOne()
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
		if !e.paused {
			return ErrNotPaused
		}
		regs, err := e.regsOf(e.cur)
		if err != nil {
			return err
		}
		e.prev = regs
		code := make([]byte, 16)
		e.readOrig(code, regs.Rip)
		n, isCall := callLen(code)
		if !isCall {
			st, err = e.stepOne()
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
		if !e.paused {
			return ErrNotPaused
		}
		regs, err := e.regsOf(e.cur)
		if err != nil {
			return err
		}
		e.prev = regs
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

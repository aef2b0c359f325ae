package debugger

import (
	"context"
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Continue lets the kernel run until it is paused again or hits a
// breakpoint. Signals held back while it was stopped are delivered.
func (e *Engine) Continue() error {
	return e.do(func() error {
		if !e.paused {
			return ErrNotPaused
		}
		return e.resumeAll()
	})
}

// resumeAll restarts every stopped thread. The current thread first
// steps off a breakpoint it stands on. Owner thread only.
func (e *Engine) resumeAll() error {
	if err := e.stepOffBreakpoint(); err != nil {
		return err
	}
	// Drain stale stops so a waiter sees only what comes after this.
	for len(e.stops) > 0 {
		<-e.stops
	}
	for _, th := range e.threads {
		if !th.stopped {
			continue
		}
		var sig unix.Signal
		if len(th.pending) > 0 {
			sig = th.pending[0]
			for _, s := range th.pending[1:] {
				tgkill(e.pid, th.tid, s)
			}
			th.pending = nil
		}
		if err := cont(th.tid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("continue thread %d: %w", th.tid, err)
		}
		th.stopped = false
	}
	e.paused = false
	return nil
}

// Poll handles what the traced threads report while the kernel runs:
// UML's own signals are passed straight back, breakpoint traps stop the
// kernel. It is the Tracer method the host calls on its thread.
func (e *Engine) Poll() (unix.WaitStatus, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.exited {
		return e.exitStatus, true
	}
	for _, th := range e.threads {
		for {
			got, ws, err := waitTid(th.tid, false)
			if err != nil || got == 0 {
				if err != nil {
					delete(e.threads, th.tid)
				}
				break
			}
			if ws.Exited() || ws.Signaled() {
				if e.threadGone(th, ws) != nil {
					return ws, true
				}
				break
			}
			e.handleStop(th, ws)
			if th.stopped {
				break
			}
		}
	}
	if e.exited {
		return e.exitStatus, true
	}
	return 0, false
}

// handleStop deals with one stop of a running thread. Owner thread, with
// e.mu held.
func (e *Engine) handleStop(th *thread, ws unix.WaitStatus) {
	th.stopped = true
	switch {
	case e.paused:
		// Stopped already as far as we are concerned; keep what it says.
		if isExecStop(ws) {
			e.afterExec()
		} else if !isEventStop(ws) {
			th.hold(ws.StopSignal())
		}
		return
	case isEventStop(ws):
		// The leftover of an interrupt that a signal overtook.
	case isExecStop(ws):
		e.afterExec()
	case ws.StopSignal() == unix.SIGTRAP && e.trapIsBreakpoint(th):
		e.breakpointStop(th)
		return
	default:
		sig := ws.StopSignal()
		if sig == unix.SIGSTOP {
			sig = 0 // a late watchdog's; it would stop the whole kernel
		}
		if err := cont(th.tid, sig); err == nil {
			th.stopped = false
		}
		return
	}
	if err := cont(th.tid, 0); err == nil {
		th.stopped = false
	}
}

// afterExec plants every breakpoint again in the new image: an exec
// replaced the text that held them, and every thread but this one.
func (e *Engine) afterExec() {
	for tid := range e.threads {
		if tid != e.pid {
			delete(e.threads, tid)
		}
	}
	// An open /proc/PID/mem stays with the address space it was opened
	// on; the new image needs a new one.
	if mem, err := os.OpenFile(fmt.Sprintf("/proc/%d/mem", e.pid), os.O_RDWR, 0); err == nil {
		e.mem.Close()
		e.mem = mem
	}
	addrs := make([]uint64, 0, len(e.patched))
	for a := range e.patched {
		addrs = append(addrs, a)
	}
	e.patched = patchSet{}
	for _, a := range addrs {
		e.patchAddr(a)
	}
}

// breakpointStop stops the whole kernel after th hit a breakpoint, unless
// the breakpoint is an internal target whose frame has not returned yet.
func (e *Engine) breakpointStop(th *thread) {
	regs, err := e.regsOf(th.tid)
	if err != nil {
		return
	}
	pc := regs.Rip
	st := Stop{Reason: StopBreakpoint, PC: pc, Tid: th.tid}
	user := e.userBreakpointAt(pc)
	if u := e.until; u != nil && u.addr == pc {
		if regs.Rsp >= u.sp {
			st.Reason = StopReturn
		} else if user == nil {
			// A deeper frame (recursion) passed the target: go on.
			e.resumeAfterTrap(th)
			return
		}
	}
	e.stopAll()
	e.removeUntil()
	if user != nil && st.Reason == StopBreakpoint {
		user.Hits++
		st.Breakpoint = user.ID
		if user.OneShot {
			e.deleteBreakpoint(user)
		}
	}
	e.paused, e.cur, e.lastStop = true, th.tid, st
	e.prev = regs
	select {
	case e.stops <- st:
	default:
	}
	if e.onStop != nil {
		e.onStop(st)
	}
}

// resumeAfterTrap lets th go on past the breakpoint it stands on.
func (e *Engine) resumeAfterTrap(th *thread) {
	saved := e.cur
	e.cur = th.tid
	err := e.stepOffBreakpoint()
	e.cur = saved
	if err == nil && cont(th.tid, 0) == nil {
		th.stopped = false
	}
}

// WaitStop waits until the running kernel stops by itself (a breakpoint,
// or the return of Next or Finish), or ctx ends.
func (e *Engine) WaitStop(ctx context.Context) (Stop, error) {
	e.mu.Lock()
	if e.paused {
		st := e.lastStop
		e.mu.Unlock()
		return st, nil
	}
	e.mu.Unlock()
	select {
	case st := <-e.stops:
		return st, nil
	case <-ctx.Done():
		return Stop{}, fmt.Errorf("kernel still running: %w", ctx.Err())
	}
}

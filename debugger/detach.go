package debugger

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Detach removes every breakpoint, lets go of every thread and gives
// the process's waits back to the host. The kernel runs on as before.
func (e *Engine) Detach() error {
	var err error
	ok := e.host.Do(func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.detached {
			return
		}
		if !e.exited {
			err = e.detachAll()
		}
		e.detached = true
		e.host.SetTracer(nil)
		e.mem.Close()
	})
	if !ok {
		e.mu.Lock()
		e.detached = true
		e.mu.Unlock()
		return nil
	}
	return err
}

// detachAll stops the kernel if it runs (text must not change under a
// running thread's feet), restores the text and detaches every thread
// with the signals it still has to receive. Owner thread only.
func (e *Engine) detachAll() error {
	var errs []error
	if !e.paused {
		if err := e.stopAll(); err != nil {
			return err
		}
	}
	e.until = nil
	// A thread stopped on one of our traps was already moved back onto
	// the breakpoint address, so it resumes on the restored instruction.
	for addr := range e.patched {
		if err := e.unpatchAddr(addr); err != nil {
			errs = append(errs, err)
		}
	}
	e.bps = map[int]*Breakpoint{}
	for _, th := range e.threads {
		var sig unix.Signal
		if len(th.pending) > 0 {
			sig = th.pending[0]
			for _, s := range th.pending[1:] {
				tgkill(e.pid, th.tid, s)
			}
		}
		if err := detach(th.tid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, err)
		}
	}
	e.threads = map[int]*thread{}
	e.paused = false
	return errors.Join(errs...)
}

// Detached reports whether the engine let go of the kernel.
func (e *Engine) Detached() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.detached || e.exited
}

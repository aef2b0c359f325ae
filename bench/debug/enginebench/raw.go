package main

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// rawOpts says what a raw step loop does besides PTRACE_SINGLESTEP and
// wait4: the per-step work of the engine, one piece at a time.
type rawOpts struct {
	regs  int  // PTRACE_GETREGS calls per step (the engine makes two)
	timer bool // a time.AfterFunc watchdog armed and stopped per step
	// bare makes the ptrace and wait4 calls with RawSyscall6, which
	// skips the Go scheduler's bookkeeping around a system call.
	bare bool
}

// rawResult is what a raw loop did.
type rawResult struct {
	steps   int
	secs    float64
	blocked bool
	held    []unix.Signal
}

// rawStep single-steps thread tid n times. It must run on the thread
// that traces tid, with tid in a ptrace stop. Signals that arrive are
// held back and returned; a step blocked for 2 s in a host system call
// is stopped with SIGSTOP by a watchdog that watches a progress counter.
func rawStep(pid, tid, n int, o rawOpts) (rawResult, error) {
	var (
		res      rawResult
		progress atomic.Int64
		kicked   atomic.Bool
		done     = make(chan struct{})
	)
	defer close(done)
	go func() {
		last, since := int64(-1), time.Now()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if p := progress.Load(); p != last {
				last, since = p, time.Now()
			} else if !kicked.Load() && time.Since(since) > 2*time.Second {
				kicked.Store(true)
				unix.Tgkill(pid, tid, unix.SIGSTOP)
			}
		}
	}()

	var regs unix.PtraceRegs
	start := time.Now()
	for res.steps < n {
		for i := 0; i < o.regs; i++ {
			if err := unix.PtraceGetRegs(tid, &regs); err != nil {
				return res, fmt.Errorf("raw step: read registers: %w", err)
			}
		}
		var wd *time.Timer
		if o.timer {
			wd = time.AfterFunc(2*time.Second, func() {})
		}
		ws, err := stepWait(tid, o.bare)
		if err != nil {
			return res, err
		}
		if wd != nil {
			wd.Stop()
		}
		if !ws.Stopped() {
			return res, fmt.Errorf("raw step: the kernel ended: %v", ws)
		}
		sig := ws.StopSignal()
		event := int(ws)>>16 != 0
		switch {
		case sig == unix.SIGTRAP && !event:
			res.steps++
			progress.Store(int64(res.steps))
		case sig == unix.SIGSTOP && kicked.Load():
			res.blocked = true
			res.secs = time.Since(start).Seconds()
			return res, nil
		case !event:
			res.held = appendOnce(res.held, sig)
		}
	}
	res.secs = time.Since(start).Seconds()
	return res, nil
}

// stepWait single-steps tid and waits for it to report.
func stepWait(tid int, bare bool) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	if !bare {
		if err := unix.PtraceSingleStep(tid); err != nil {
			return ws, fmt.Errorf("raw step: singlestep: %w", err)
		}
		for {
			_, err := unix.Wait4(tid, &ws, unix.WALL, nil)
			if !errors.Is(err, unix.EINTR) {
				if err != nil {
					return ws, fmt.Errorf("raw step: wait: %w", err)
				}
				return ws, nil
			}
		}
	}
	return bareStepWait(tid)
}

func appendOnce(list []unix.Signal, s unix.Signal) []unix.Signal {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

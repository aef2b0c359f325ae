package debugger

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Errors callers test for.
var (
	ErrNotPaused  = errors.New("the kernel is running: pause it first")
	ErrPaused     = errors.New("the kernel is already paused")
	ErrExited     = errors.New("the kernel process has exited")
	ErrDetached   = errors.New("the debugger is detached")
	ErrNotInText  = errors.New("address is not in the kernel's text")
	ErrBusyTraced = errors.New("the kernel is already traced by another debugger")
)

// StopReason says why the kernel stopped.
type StopReason int

const (
	StopPause      StopReason = iota // a pause request
	StopStep                         // a single step finished
	StopBreakpoint                   // a breakpoint was hit
	StopReturn                       // a step over a call or a finish returned
	StopBlocked                      // a step waited in a blocking system call and was stopped
	StopExec                         // stopped at the kernel's first instruction
)

var stopNames = [...]string{"paused", "stepped", "breakpoint", "returned", "blocked", "exec"}

func (r StopReason) String() string {
	if int(r) < len(stopNames) {
		return stopNames[r]
	}
	return "stopped"
}

// MarshalText makes reasons read as words in JSON.
func (r StopReason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Stop describes where and why the kernel stopped.
type Stop struct {
	Reason     StopReason `json:"reason"`
	PC         uint64     `json:"pc"`
	Tid        int        `json:"tid"`
	Breakpoint int        `json:"breakpoint,omitempty"` // its id, for StopBreakpoint
}

// thread is one traced thread of the kernel process.
type thread struct {
	tid     int
	stopped bool
	pending []unix.Signal // held back while paused or stepping
}

func (t *thread) hold(sig unix.Signal) {
	if sig == unix.SIGSTOP {
		return // only the step watchdog sends it; never for the kernel
	}
	for _, s := range t.pending {
		if s == sig {
			return
		}
	}
	t.pending = append(t.pending, sig)
}

// until is an internal target of a step over a call or a finish: stop
// at addr once the stack pointer is at or above sp.
type until struct {
	addr uint64
	sp   uint64
}

// Engine is a debugger attached to one kernel process.
type Engine struct {
	host Host
	pid  int
	syms *Symbols
	mem  *os.File // /proc/PID/mem

	mu         sync.Mutex
	threads    map[int]*thread
	paused     bool
	cur        int // the thread shown: the main thread or the one that hit a breakpoint
	bps        map[int]*Breakpoint
	patched    patchSet // every int3 of ours in the text
	nextID     int
	until      *until
	exited     bool
	exitStatus unix.WaitStatus
	detached   bool
	lastStop   Stop
	prev       unix.PtraceRegs // registers before the last step, to mark changes
	stops      chan Stop       // stops that happen while running, for waiters
	cancel     atomic.Bool     // set by Pause to end a long Step early
	onStop     func(Stop)
}

// Attach traces every thread of the host's running kernel process. The
// kernel keeps running.
func Attach(h Host, syms *Symbols) (*Engine, error) {
	return attach(h, syms, (*Engine).seizeAll)
}

// AttachAtExec takes over a kernel process that was started with
// PTRACE_TRACEME and is stopped at its exec, before its first
// instruction. The kernel stays paused there.
func AttachAtExec(h Host, syms *Symbols) (*Engine, error) {
	return attach(h, syms, (*Engine).takeOverTraceme)
}

// attach makes an engine, runs take on the owner thread to take the
// process's threads, and hands the process's waits to the engine.
func attach(h Host, syms *Symbols, take func(*Engine) error) (*Engine, error) {
	e, err := newEngine(h, syms)
	if err != nil {
		return nil, err
	}
	if !h.Do(func() { err = take(e) }) {
		err = ErrExited
	}
	if err != nil {
		e.mem.Close()
		return nil, err
	}
	h.SetTracer(e)
	return e, nil
}

func newEngine(h Host, syms *Symbols) (*Engine, error) {
	pid := h.Pid()
	mem, err := os.OpenFile(fmt.Sprintf("/proc/%d/mem", pid), os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("attach to kernel %d: %w", pid, err)
	}
	return &Engine{host: h, pid: pid, syms: syms, mem: mem, cur: pid,
		threads: map[int]*thread{}, bps: map[int]*Breakpoint{},
		stops: make(chan Stop, 16)}, nil
}

// seizeAll traces the threads of the process not traced yet. Owner
// thread only.
func (e *Engine) seizeAll() error {
	ents, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(e.pid), "task"))
	if err != nil {
		return fmt.Errorf("list kernel threads: %w", err)
	}
	for _, ent := range ents {
		tid, err := strconv.Atoi(ent.Name())
		if err != nil || e.threads[tid] != nil {
			continue
		}
		if err := seize(tid, seizeOptions); err != nil {
			if tid != e.pid {
				continue // a helper thread that just ended
			}
			if errors.Is(err, unix.EPERM) {
				return fmt.Errorf("attach to kernel %d: %w (is gdb attached?)", e.pid, ErrBusyTraced)
			}
			return fmt.Errorf("attach to kernel %d: %w", e.pid, err)
		}
		e.threads[tid] = &thread{tid: tid}
	}
	return nil
}

// takeOverTraceme turns a PTRACE_TRACEME tracee stopped at exec into a
// seized one (PTRACE_INTERRUPT works only on seized tracees): detach
// leaving it in a SIGSTOP group stop, seize it, and collect the stop.
func (e *Engine) takeOverTraceme() error {
	_, ws, err := waitTid(e.pid, true)
	if err != nil {
		return fmt.Errorf("wait for the kernel's exec: %w", err)
	}
	if !ws.Stopped() {
		return fmt.Errorf("kernel did not stop at exec: %w", ErrExited)
	}
	if err := detach(e.pid, unix.SIGSTOP); err != nil {
		return fmt.Errorf("detach at exec: %w", err)
	}
	if err := seize(e.pid, seizeOptions); err != nil {
		return fmt.Errorf("seize at exec: %w", err)
	}
	th := &thread{tid: e.pid}
	e.threads[e.pid] = th
	if err := e.waitStopped(th); err != nil {
		return err
	}
	// The SIGSTOP that parked it is not for the kernel. Its group stop
	// must end too, or threads the kernel creates later would start
	// stopped, untraced, and wait for a SIGCONT forever: send it now;
	// the kernel, still in its ptrace stop, sees it on its way.
	th.pending = nil
	unix.Kill(e.pid, unix.SIGCONT)
	e.paused = true
	e.lastStop = Stop{Reason: StopExec, Tid: e.pid}
	if regs, err := e.regsOf(e.pid); err == nil {
		e.lastStop.PC = regs.Rip
		e.prev = regs
	}
	return nil
}

// do runs f on the owner thread with the engine locked.
func (e *Engine) do(f func() error) error {
	var err error
	ok := e.host.Do(func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		switch {
		case e.detached:
			err = ErrDetached
		case e.exited:
			err = ErrExited
		default:
			err = f()
		}
	})
	if !ok {
		return ErrExited
	}
	return err
}

// Pid is the traced kernel's pid.
func (e *Engine) Pid() int { return e.pid }

// Paused reports whether the kernel is stopped.
func (e *Engine) Paused() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.paused && !e.exited && !e.detached
}

// LastStop is where the kernel last stopped.
func (e *Engine) LastStop() Stop {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastStop
}

// OnStop sets a function called (on the owner thread; it must not block
// or call the engine) when the kernel stops by itself: a breakpoint, or
// the return of a step over a call or a finish.
func (e *Engine) OnStop(f func(Stop)) {
	e.mu.Lock()
	e.onStop = f
	e.mu.Unlock()
}

// Pause stops every thread of the kernel process.
func (e *Engine) Pause() (Stop, error) {
	// A long Step in progress holds the owner thread: ask it to end.
	e.cancel.Store(true)
	var st Stop
	err := e.do(func() error {
		if e.paused {
			return ErrPaused
		}
		if err := e.seizeAll(); err != nil {
			return err
		}
		if err := e.stopAll(); err != nil {
			return err
		}
		e.removeUntil()
		e.paused, e.cur = true, e.pid
		st = Stop{Reason: StopPause, Tid: e.pid}
		if regs, err := e.regsOf(e.pid); err == nil {
			st.PC = regs.Rip
			e.prev = regs
		}
		e.lastStop = st
		return nil
	})
	return st, err
}

// stopAll interrupts every running thread and waits until each is
// stopped. Owner thread only.
func (e *Engine) stopAll() error {
	for _, th := range e.threads {
		if !th.stopped {
			if err := unix.PtraceInterrupt(th.tid); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("interrupt thread %d: %w", th.tid, err)
			}
		}
	}
	for _, th := range e.threads {
		if !th.stopped {
			if err := e.waitStopped(th); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitStopped waits until th reports a stop. A signal that arrives first
// is held for the next continue; a breakpoint trap is noted as a hit.
// Owner thread only.
func (e *Engine) waitStopped(th *thread) error {
	_, ws, err := waitTid(th.tid, true)
	if err != nil {
		delete(e.threads, th.tid)
		if th.tid == e.pid {
			return fmt.Errorf("wait for kernel: %w", err)
		}
		return nil
	}
	if ws.Exited() || ws.Signaled() {
		return e.threadGone(th, ws)
	}
	th.stopped = true
	if isExecStop(ws) {
		e.afterExec()
		return nil
	}
	if isEventStop(ws) {
		return nil
	}
	sig := ws.StopSignal()
	if sig == unix.SIGTRAP && e.trapIsBreakpoint(th) {
		return nil
	}
	th.hold(sig)
	return nil
}

// threadGone records the end of a thread; the main thread's end is the
// end of the kernel.
func (e *Engine) threadGone(th *thread, ws unix.WaitStatus) error {
	delete(e.threads, th.tid)
	if th.tid != e.pid {
		return nil
	}
	e.exited = true
	e.exitStatus = ws
	return ErrExited
}

// UnmarshalText reads a reason's word back.
func (r *StopReason) UnmarshalText(b []byte) error {
	for i, n := range stopNames {
		if n == string(b) {
			*r = StopReason(i)
			return nil
		}
	}
	return fmt.Errorf("unknown stop reason %q", b)
}

package vm

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"umwb/debugger"
)

// kernelProc owns one UML kernel process.
//
// Thread rules: one goroutine starts the process and stays locked to its
// OS thread until the process has been reaped. The kernel's parent-death
// signal belongs to the thread that forked it, and ptrace requests must
// come from the thread that attached, so that thread must outlive the
// process. The same goroutine makes every wait4 for the process; other
// goroutines hand it work through do.
type kernelProc struct {
	pid    int
	reqs   chan func()
	exited chan struct{} // closed once the process has been reaped
	status unix.WaitStatus

	mu     sync.Mutex
	tracer debugger.Tracer // while set, it makes the waits
}

// startKernel starts path with args, the console pty as its standard
// input, output and error, in a session of its own (a panicking UML
// kernel signals its whole process group), with SIGKILL as its
// parent-death signal.
//
// With traceme the process stops at its exec under PTRACE_TRACEME, for a
// debugger to take over (debugger.AttachAtExec).
func startKernel(path string, args []string, tty *os.File, traceme bool) (*kernelProc, error) {
	p := &kernelProc{reqs: make(chan func()), exited: make(chan struct{})}
	started := make(chan error, 1)
	go p.own(path, args, tty, traceme, started)
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

func (p *kernelProc) own(path string, args []string, tty *os.File, traceme bool, started chan<- error) {
	// Never unlocked: when this goroutine returns, the runtime retires
	// the thread, and by then the process is gone.
	runtime.LockOSThread()

	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.Env = []string{"PATH=/usr/bin:/bin", "TERM=xterm-256color"}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setsid:    true,
		Setctty:   true,
		Ctty:      0,
		Pdeathsig: syscall.SIGKILL,
		Ptrace:    traceme,
	}
	if err := cmd.Start(); err != nil {
		close(p.exited)
		started <- fmt.Errorf("start kernel %s: %w", path, err)
		return
	}
	p.pid = cmd.Process.Pid
	pidfd, err := unix.PidfdOpen(p.pid, 0)
	if err != nil {
		// Without a pidfd the process can still be reaped, by polling.
		pidfd = -1
	}
	started <- nil

	childEvents, unsubscribe := subscribeSIGCHLD()
	defer unsubscribe()
	// While a debugger is attached, a slow tick backs up SIGCHLD, whose
	// notifications coalesce.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	gone := make(chan struct{})
	go waitPidfd(pidfd, gone)
	for {
		var tickC <-chan time.Time
		if p.getTracer() != nil {
			tickC = tick.C
		}
		select {
		case f := <-p.reqs:
			f()
			continue
		case <-childEvents:
		case <-tickC:
		case <-gone:
			gone = make(chan struct{})
			if p.getTracer() == nil {
				if p.reap() {
					p.finish(pidfd)
					return
				}
				go waitPidfd(-1, gone)
				continue
			}
			go waitPidfd(-1, gone)
		}
		if t := p.getTracer(); t != nil {
			if ws, ok := t.Poll(); ok {
				p.status = ws
				p.finish(pidfd)
				return
			}
		}
	}
}

func (p *kernelProc) finish(pidfd int) {
	if pidfd >= 0 {
		unix.Close(pidfd)
	}
	// A kernel that died early can leave a child of its start-up checks
	// stopped, outside the reach of any parent-death signal; it shares
	// the kernel's process group, which exists while such a member does.
	unix.Kill(-p.pid, unix.SIGKILL)
	close(p.exited)
}

// Pid is the kernel process's pid.
func (p *kernelProc) Pid() int { return p.pid }

// Do runs f on the owning thread (debugger.Host).
func (p *kernelProc) Do(f func()) bool { return p.do(f) }

// SetTracer hands the process's waits to a debugger, or takes them back.
func (p *kernelProc) SetTracer(t debugger.Tracer) {
	p.mu.Lock()
	p.tracer = t
	p.mu.Unlock()
}

func (p *kernelProc) getTracer() debugger.Tracer {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tracer
}

// reap collects the process's exit status if it has ended.
func (p *kernelProc) reap() bool {
	var ws unix.WaitStatus
	for {
		pid, err := unix.Wait4(p.pid, &ws, unix.WNOHANG|unix.WALL, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.ECHILD) {
			return true
		}
		if pid == p.pid && (ws.Exited() || ws.Signaled()) {
			p.status = ws
			return true
		}
		return false
	}
}

// waitPidfd closes gone when the process behind pidfd has ended, or
// after a short sleep when there is no pidfd.
func waitPidfd(pidfd int, gone chan<- struct{}) {
	defer close(gone)
	if pidfd < 0 {
		unix.Nanosleep(&unix.Timespec{Nsec: 100e6}, nil)
		return
	}
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, -1)
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// do runs f on the owning thread and waits for it. It reports false when
// the process has already been reaped and f did not run.
func (p *kernelProc) do(f func()) bool {
	done := make(chan struct{})
	select {
	case p.reqs <- func() { f(); close(done) }:
		<-done
		return true
	case <-p.exited:
		return false
	}
}

// kill sends sig to the process unless it has been reaped. Sending from
// the owner means the pid cannot have been reused.
func (p *kernelProc) kill(sig unix.Signal) {
	p.do(func() { unix.Kill(p.pid, sig) })
}

// describeExit says in words how a kernel process ended.
func describeExit(ws unix.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exited with status %d", ws.ExitStatus())
	case ws.Signaled():
		s := fmt.Sprintf("killed by %s", unix.SignalName(ws.Signal()))
		if ws.CoreDump() {
			s += " (core dumped)"
		}
		return s
	}
	return "ended"
}

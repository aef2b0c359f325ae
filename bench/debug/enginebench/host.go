package main

import (
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"umwb/debugger"
)

// host owns a kernel process that this program did not start: one
// goroutine locked to its OS thread makes every ptrace call and wait, as
// the engine requires (debugger.Host). Like umwb's own owner of a node,
// it polls the tracer when SIGCHLD says a tracee stopped, and on a
// ticker.
type host struct {
	pid  int
	reqs chan func()

	mu     sync.Mutex
	tracer debugger.Tracer

	sigs chan os.Signal
	kick chan struct{}
}

func newHost(pid int) *host {
	h := &host{pid: pid, reqs: make(chan func()),
		sigs: make(chan os.Signal, 16), kick: make(chan struct{}, 1)}
	h.notify(true)
	go h.fanOut()
	go h.own()
	return h
}

// notify turns the SIGCHLD subscription on or off. umwb keeps one for
// as long as a node runs, so every ptrace stop wakes its listener.
func (h *host) notify(on bool) {
	if on {
		signal.Notify(h.sigs, syscall.SIGCHLD)
	} else {
		signal.Stop(h.sigs)
	}
}

// fanOut forwards SIGCHLD to the owner without blocking, as umwb does.
func (h *host) fanOut() {
	for range h.sigs {
		select {
		case h.kick <- struct{}{}:
		default:
		}
	}
}

func (h *host) own() {
	runtime.LockOSThread()
	tick := time.NewTicker(50 * time.Millisecond)
	for {
		select {
		case f := <-h.reqs:
			f()
			continue
		case <-h.kick:
		case <-tick.C:
		}
		if t := h.getTracer(); t != nil {
			t.Poll()
		}
	}
}

// Pid is the kernel's pid.
func (h *host) Pid() int { return h.pid }

// Do runs f on the owner thread.
func (h *host) Do(f func()) bool {
	done := make(chan struct{})
	h.reqs <- func() { f(); close(done) }
	<-done
	return true
}

// SetTracer hands the waits to t.
func (h *host) SetTracer(t debugger.Tracer) {
	h.mu.Lock()
	h.tracer = t
	h.mu.Unlock()
}

func (h *host) getTracer() debugger.Tracer {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tracer
}

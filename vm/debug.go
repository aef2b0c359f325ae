package vm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"umwb/debugger"
)

// Errors of the debugger's life on a node.
var (
	ErrDebugging    = errors.New("a debugger is already attached to this node")
	ErrNotDebugging = errors.New("no debugger is attached to this node")
)

// symbolCache loads each kernel's symbols once.
var symbolCache struct {
	mu   sync.Mutex
	syms map[string]*debugger.Symbols
}

// KernelSymbols returns the symbols of the cluster's kernel, loading them
// on first use.
func (c *Cluster) KernelSymbols() (*debugger.Symbols, error) {
	path, err := FindKernel(c.File.Kernel)
	if err != nil {
		return nil, err
	}
	symbolCache.mu.Lock()
	defer symbolCache.mu.Unlock()
	if s := symbolCache.syms[path]; s != nil {
		return s, nil
	}
	s, err := debugger.LoadSymbols(path)
	if err != nil {
		return nil, err
	}
	if symbolCache.syms == nil {
		symbolCache.syms = map[string]*debugger.Symbols{}
	}
	symbolCache.syms[path] = s
	return s, nil
}

// Debugger returns the debugger attached to the node, or nil.
func (n *Node) Debugger() *debugger.Engine {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.dbg
}

// Debug attaches a debugger to the node's running kernel. The kernel
// keeps running until paused.
func (n *Node) Debug() (*debugger.Engine, error) {
	fail := func(err error) (*debugger.Engine, error) {
		return nil, &NodeError{n.Spec.Name, "debug", err}
	}
	syms, err := n.c.KernelSymbols()
	if err != nil {
		return fail(err)
	}
	n.mu.Lock()
	if n.dbg != nil {
		n.mu.Unlock()
		return fail(ErrDebugging)
	}
	proc, state := n.proc, n.state
	if !state.Running() || proc == nil {
		n.mu.Unlock()
		return fail(fmt.Errorf("node is %s: %w", state, ErrNotRunning))
	}
	n.mu.Unlock()

	e, err := debugger.Attach(proc, syms)
	if err != nil {
		return fail(err)
	}
	return n.adopt(e)
}

// adopt makes e the node's debugger and follows its stops.
func (n *Node) adopt(e *debugger.Engine) (*debugger.Engine, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dbg != nil {
		e.Detach()
		return nil, &NodeError{n.Spec.Name, "debug", ErrDebugging}
	}
	n.dbg = e
	e.OnStop(func(st debugger.Stop) {
		// On the owner thread: never wait here.
		go n.SyncDebugState()
	})
	return e, nil
}

// SyncDebugState shows a kernel stopped by the debugger as paused, and
// a continued one as running again. Call it after driving the debugger.
func (n *Node) SyncDebugState() {
	e := n.Debugger()
	if e == nil {
		return
	}
	paused := e.Paused()
	var where string
	if paused {
		st := e.LastStop()
		where = fmt.Sprintf("%#x", st.PC)
		if syms, err := n.c.KernelSymbols(); err == nil {
			where = syms.Format(st.PC)
		}
		where = fmt.Sprintf("paused by the debugger (%s at %s)", st.Reason, where)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dbg != e {
		return
	}
	switch {
	case paused && n.state != Paused && n.state.Running():
		n.pausedFrom = n.state
		n.setState(Paused, where)
	case paused && n.state == Paused:
		n.reason = where
		n.c.emit(Event{Node: n.Spec.Name, State: Paused, Msg: where})
	case !paused && n.state == Paused:
		n.setState(n.pausedFrom, "")
	}
}

// Undebug detaches the node's debugger, removing its breakpoints; the
// kernel runs on.
func (n *Node) Undebug() error {
	n.mu.Lock()
	e := n.dbg
	n.dbg = nil
	n.mu.Unlock()
	if e == nil {
		return &NodeError{n.Spec.Name, "detach", ErrNotDebugging}
	}
	err := e.Detach()
	n.mu.Lock()
	if n.state == Paused {
		n.setState(n.pausedFrom, "")
	}
	n.mu.Unlock()
	return err
}

// BootPaused boots the node with the debugger attached before its kernel
// starts. With stopAt "" the kernel stays stopped at its first
// instruction; otherwise (e.g. "start_kernel") it runs until that symbol.
func (n *Node) BootPaused(ctx context.Context, stopAt string) (*debugger.Engine, error) {
	syms, err := n.c.KernelSymbols()
	if err != nil {
		return nil, &NodeError{n.Spec.Name, "boot", err}
	}
	var addr uint64
	if stopAt != "" {
		if addr, err = syms.Addr(stopAt); err != nil {
			return nil, &NodeError{n.Spec.Name, "boot", err}
		}
		if !syms.InText(addr) {
			return nil, &NodeError{n.Spec.Name, "boot",
				fmt.Errorf("%s at %#x: %w", stopAt, addr, debugger.ErrNotInText)}
		}
	}
	if err := n.boot(true); err != nil {
		return nil, err
	}
	n.mu.Lock()
	proc := n.proc
	n.mu.Unlock()
	e, err := debugger.AttachAtExec(proc, syms)
	if err != nil {
		proc.kill(9)
		return nil, &NodeError{n.Spec.Name, "boot", err}
	}
	if _, err := n.adopt(e); err != nil {
		proc.kill(9)
		return nil, err
	}
	n.SyncDebugState()
	if stopAt == "" {
		return e, nil
	}
	if _, err := e.AddBreakpoint(addr, stopAt, true); err != nil {
		return e, &NodeError{n.Spec.Name, "boot", err}
	}
	if err := e.Continue(); err != nil {
		return e, &NodeError{n.Spec.Name, "boot", err}
	}
	n.SyncDebugState()
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := e.WaitStop(wctx); err != nil {
		return e, &NodeError{n.Spec.Name, "boot", err}
	}
	n.SyncDebugState()
	return e, nil
}

package vm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"umwb/debugger"
)

func TestDebugPauseStepContinue(t *testing.T) {
	c := startCluster(t, twoNodes)
	c.BootAuto()
	n1, n2 := c.Nodes[0], c.Nodes[1]
	waitState(t, n1, 30*time.Second, Up)
	waitState(t, n2, 30*time.Second, Up)
	syms, err := c.KernelSymbols()
	if err != nil {
		t.Fatal(err)
	}

	e, err := n1.Debug()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n1.Debug(); err == nil {
		t.Error("a second debugger attached")
	}
	if _, err := e.Step(1); err == nil {
		t.Error("stepping a running kernel did not fail")
	}
	st, err := e.Pause()
	if err != nil {
		t.Fatal(err)
	}
	n1.SyncDebugState()
	if s, _ := n1.State(); s != Paused {
		t.Errorf("node state %s after pause", s)
	}
	// An idle kernel waits in the host's C library (poll); either way
	// the place has a name.
	loc := e.Locate(st.PC)
	t.Logf("paused at %s", loc)
	if strings.HasPrefix(loc.Func, "0x") {
		t.Errorf("paused at %#x, which has no name", st.PC)
	}
	regs, err := e.Registers()
	if err != nil || len(regs) < 17 {
		t.Fatalf("registers: %v %v", regs, err)
	}

	// The other node keeps answering while this one is paused.
	if res := run(t, n2, "echo other"); res.Output != "other\n" {
		t.Errorf("node2 while node1 paused: %q", res.Output)
	}

	st, err = e.Step(100)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after 100 steps: %s (%s)", syms.Format(st.PC), st.Reason)
	if st.Reason != debugger.StopStep && st.Reason != debugger.StopBlocked {
		t.Errorf("step reason %s", st.Reason)
	}
	if err := e.Continue(); err != nil {
		t.Fatal(err)
	}
	n1.SyncDebugState()
	if res := run(t, n1, "echo still-alive"); res.Output != "still-alive\n" {
		t.Errorf("after stepping: %q", res.Output)
	}
	if err := n1.Undebug(); err != nil {
		t.Fatal(err)
	}
	if res := run(t, n1, "echo detached"); res.Output != "detached\n" {
		t.Errorf("after detach: %q", res.Output)
	}
}

func TestDebugBreakpointGetpid(t *testing.T) {
	c := startCluster(t, twoNodes)
	c.BootAuto()
	n1 := c.Nodes[0]
	waitState(t, n1, 30*time.Second, Up)
	syms, err := c.KernelSymbols()
	if err != nil {
		t.Fatal(err)
	}
	addr, err := syms.Addr("sys_getpid")
	if err != nil {
		t.Fatal(err)
	}
	e, err := n1.Debug()
	if err != nil {
		t.Fatal(err)
	}
	before, err := e.ReadMemory(addr-64, 256)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddBreakpoint(addr+2, "sys_getpid+2", false); !errors.Is(err, debugger.ErrMidInstruction) {
		t.Errorf("a breakpoint inside an instruction: %v", err)
	}
	bp, err := e.AddBreakpoint(addr, "sys_getpid", false)
	if err != nil {
		t.Fatal(err)
	}

	done := make(chan RunResult, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		res, _ := n1.Run(ctx, "cat /proc/self/stat > /dev/null; echo got-pid")
		done <- res
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := e.WaitStop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Reason != debugger.StopBreakpoint || st.PC != addr || st.Breakpoint != bp.ID {
		t.Fatalf("stop %+v, want breakpoint %d at %#x", st, bp.ID, addr)
	}
	pc, sp, fp, _ := e.Frame()
	frames := debugger.Backtrace(e.Memory(), pc, sp, fp, syms, 32)
	var names []string
	for _, f := range frames {
		names = append(names, f.Func)
	}
	t.Logf("backtrace: %s", strings.Join(names, " <- "))
	if len(names) < 2 || names[0] != "sys_getpid" {
		t.Errorf("backtrace does not start at sys_getpid: %v", names)
	}
	if !strings.Contains(strings.Join(names, " "), "syscall") {
		t.Errorf("backtrace does not name the syscall path: %v", names)
	}
	if bps := e.Breakpoints(); len(bps) != 1 || bps[0].Hits != 1 {
		t.Errorf("breakpoints %+v, want one with one hit", bps)
	}

	// Finish returns to the caller, just after its call.
	caller := frames[1]
	st, err = e.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Reason != debugger.StopReturn || st.PC != caller.PC {
		t.Errorf("finish stopped %+v at %s, want return to %s (%#x)", st, syms.Format(st.PC), caller.Func, caller.PC)
	}

	// Detach with the breakpoint still set: the text is as before.
	if err := n1.Undebug(); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if !strings.Contains(res.Output, "got-pid") {
		t.Errorf("command after the breakpoint: %+v", res)
	}
	e2, err := n1.Debug()
	if err != nil {
		t.Fatal(err)
	}
	after, err := e2.ReadMemory(addr-64, 256)
	if err != nil {
		t.Fatal(err)
	}
	n1.Undebug()
	if !bytes.Equal(before, after) {
		t.Errorf("kernel text around sys_getpid changed after detach")
	}
	for i := 0; i < 3; i++ {
		if res := run(t, n1, "cat /proc/self/stat | wc -w"); res.Status != 0 {
			t.Errorf("after detach: %+v", res)
		}
	}
}

func TestDebugBootPaused(t *testing.T) {
	c := startCluster(t, `
name = "t"
[[node]]
name = "node1"
boot = false
`)
	n1 := c.Nodes[0]
	syms, err := c.KernelSymbols()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n1.Debug(); err == nil || !strings.Contains(err.Error(), "node is off") {
		t.Errorf("attaching to an off node: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := n1.BootPaused(ctx, "no_such_function"); err == nil {
		t.Error("booting paused at a missing symbol did not fail")
	}
	if _, err := n1.BootPaused(ctx, "jiffies"); err == nil {
		t.Error("booting paused at a data symbol did not fail")
	}
	if s, _ := n1.State(); s != Off {
		t.Errorf("a failed paused boot left the node %s", s)
	}
	e, err := n1.BootPaused(ctx, "start_kernel")
	if err != nil {
		st := n1.Status()
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", st.Pid))
		t.Fatalf("%v\nstate %s pid %d\n%s\nconsole:\n%s", err, st.State, st.Pid, status,
			strings.Join(n1.Console().Tail(20), "\n"))
	}
	st := e.LastStop()
	if sym, off, _ := syms.Lookup(st.PC); sym.Name != "start_kernel" || off != 0 {
		t.Fatalf("booted paused at %s, want start_kernel", syms.Format(st.PC))
	}
	if s, _ := n1.State(); s != Paused {
		t.Errorf("state %s", s)
	}
	if st, err = e.Step(20); err != nil {
		t.Fatal(err)
	}
	t.Logf("20 steps into start_kernel: %s", syms.Format(st.PC))
	if err := e.Continue(); err != nil {
		t.Fatal(err)
	}
	n1.SyncDebugState()
	waitState(t, n1, 30*time.Second, Up)
	if res := run(t, n1, "echo booted"); res.Output != "booted\n" {
		t.Errorf("after a paused boot: %q", res.Output)
	}
}

// TestDebugDetachLeavesNoTrace detaches while stopped on one of three
// breakpoints, compares the kernel text with what it was before, and
// keeps the node busy for two minutes: a stray int3 would crash it.
func TestDebugDetachLeavesNoTrace(t *testing.T) {
	c := startCluster(t, twoNodes)
	c.BootAuto()
	n1 := c.Nodes[0]
	waitState(t, n1, 30*time.Second, Up)
	syms, err := c.KernelSymbols()
	if err != nil {
		t.Fatal(err)
	}
	e, err := n1.Debug()
	if err != nil {
		t.Fatal(err)
	}
	places := []string{"sys_getpid", "sys_getppid", "kernel/sys.c:1006"}
	before := map[uint64][]byte{}
	for _, p := range places {
		addr, _, err := debugger.Resolve(syms, p)
		if err != nil {
			t.Fatal(err)
		}
		if before[addr], err = e.ReadMemory(addr, 32); err != nil {
			t.Fatal(err)
		}
		if _, err := e.AddBreakpoint(addr, p, false); err != nil {
			t.Fatal(err)
		}
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		n1.Run(ctx, "cat /proc/self/stat > /dev/null")
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := e.WaitStop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Step(3); err != nil {
		t.Fatal(err)
	}
	if err := n1.Undebug(); err != nil {
		t.Fatal(err)
	}

	// Read the text with a fresh engine: no breakpoint is set in it.
	e2, err := n1.Debug()
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range before {
		got, err := e2.ReadMemory(addr, 32)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("text at %s changed after detach: %x, was %x (%v)", syms.Format(addr), got, want, err)
		}
	}
	n1.Undebug()

	end := time.Now().Add(2 * time.Minute)
	for i := 0; time.Now().Before(end); i++ {
		res := run(t, n1, fmt.Sprintf("cat /proc/self/stat | cut -d' ' -f4 ; echo %d", i))
		if res.Status != 0 || !strings.HasSuffix(res.Output, fmt.Sprintf("%d\n", i)) {
			t.Fatalf("round %d after detach: %+v", i, res)
		}
		if s, _ := n1.State(); s != Up {
			t.Fatalf("node %s after detach", s)
		}
		time.Sleep(3 * time.Second)
	}
}

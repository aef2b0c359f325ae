package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"umwb/debugger"
)

// variant is one way of stepping, timed from the breakpoint.
type variant struct {
	name string
	run  func(b *bench, n int) (steps int, secs float64, blocked bool, err error)
}

var variants = []variant{
	{"engine", stepEngine},
	{"engine-nosigchld", stepEngineQuiet},
	{"raw", rawVariant(rawOpts{}, false)},
	{"raw+2regs", rawVariant(rawOpts{regs: 2}, false)},
	{"raw+timer", rawVariant(rawOpts{timer: true}, false)},
	{"raw+2regs+timer", rawVariant(rawOpts{regs: 2, timer: true}, false)},
	{"raw-bare", rawVariant(rawOpts{bare: true}, false)},
	{"raw-sigign", rawVariant(rawOpts{}, true)},
}

// pickVariants returns the variants named in list, all when it is "".
func pickVariants(list string) ([]variant, error) {
	if list == "" {
		return variants, nil
	}
	var out []variant
	for _, name := range strings.Split(list, ",") {
		found := false
		for _, v := range variants {
			if v.name == name {
				out = append(out, v)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("no variant %q", name)
		}
	}
	return out, nil
}

// bench is an engine attached to the kernel, with what runTo needs.
type bench struct {
	h       *host
	e       *debugger.Engine
	addr    uint64
	trigger string
	cmd     *exec.Cmd
}

func engineMain(args []string) error {
	fs := flag.NewFlagSet("engine", flag.ContinueOnError)
	pid := fs.Int("pid", 0, "the kernel's pid")
	addr := fs.String("addr", "", "breakpoint address, hex")
	trigger := fs.String("trigger", "", "shell command that makes the guest reach it")
	steps := fs.Int("steps", 20000, "instructions per measurement")
	reps := fs.Int("reps", 1, "repetitions of the stepping variants")
	pauses := fs.Int("pauses", 0, "pauses to time")
	only := fs.String("variants", "", "comma-separated variants to run (default all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := strconv.ParseUint(*addr, 16, 64)
	if *pid <= 0 || *reps > 0 && (err != nil || *trigger == "") {
		return errors.New("engine: -pid is required, -addr and -trigger too with -reps")
	}

	h := newHost(*pid)
	e, err := debugger.Attach(h, nil)
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	defer e.Detach()
	b := &bench{h: h, e: e, addr: a, trigger: *trigger}

	chosen, err := pickVariants(*only)
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	for rep := 1; rep <= *reps; rep++ {
		for _, v := range chosen {
			if err := b.runTo(); err != nil {
				return fmt.Errorf("engine: %s: %w", v.name, err)
			}
			if rep == 1 && v.name == chosen[0].name {
				b.micro()
			}
			u0 := usageNow()
			n, secs, blocked, err := v.run(b, *steps)
			if err != nil {
				return fmt.Errorf("engine: %s: %w", v.name, err)
			}
			u1 := usageNow()
			pc, _, _, _ := e.Frame()
			fmt.Printf("row tool=go variant=%s rep=%d steps=%d secs=%.6f rate=%.0f rip0=%#x rip1=%#x blocked=%v %s\n",
				v.name, rep, n, secs, float64(n)/secs, a, pc, blocked, perStep(u0, u1, n))
			if err := b.resume(); err != nil {
				return fmt.Errorf("engine: %s: %w", v.name, err)
			}
		}
	}
	return timePauses(e, *pauses)
}

// runTo plants a breakpoint, lets the kernel run, makes the guest reach
// it and takes the breakpoint out again: the kernel is paused on the
// breakpoint's address, in kernel code.
func (b *bench) runTo() error {
	bp, err := b.e.AddBreakpoint(b.addr, "bench", false)
	if err != nil {
		return err
	}
	if b.e.Paused() {
		if err := b.e.Continue(); err != nil {
			return err
		}
	}
	b.cmd = exec.Command("sh", "-c", b.trigger)
	if err := b.cmd.Start(); err != nil {
		return fmt.Errorf("start trigger: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := b.e.WaitStop(ctx)
	if err != nil {
		return err
	}
	if st.Reason != debugger.StopBreakpoint || st.PC != b.addr {
		return fmt.Errorf("run to %#x: stopped at %#x (%s)", b.addr, st.PC, st.Reason)
	}
	return b.e.DeleteBreakpoint(bp.ID)
}

// resume lets the kernel go on and waits for the trigger to end.
func (b *bench) resume() error {
	if err := b.e.Continue(); err != nil {
		return err
	}
	if b.cmd != nil {
		b.cmd.Wait()
		b.cmd = nil
	}
	return nil
}

// micro times, on the stopped kernel, the pieces of per-step work that
// need no step: a PTRACE_GETREGS, and arming and stopping a
// time.AfterFunc watchdog, with the CPU time and context switches of the
// whole process per call (a timer can wake another thread).
func (b *bench) micro() {
	const n = 100000
	tid := b.e.LastStop().Tid
	var (
		regs unix.PtraceRegs
		secs float64
		u0   = usageNow()
	)
	b.h.Do(func() {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			unix.PtraceGetRegs(tid, &regs)
		}
		secs = time.Since(t0).Seconds()
	})
	fmt.Printf("row tool=micro variant=getregs ns=%.0f %s\n", secs/n*1e9, perStep(u0, usageNow(), n))
	u0 = usageNow()
	b.h.Do(func() {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			time.AfterFunc(2*time.Second, func() {}).Stop()
		}
		secs = time.Since(t0).Seconds()
	})
	fmt.Printf("row tool=micro variant=afterfunc ns=%.0f %s\n", secs/n*1e9, perStep(u0, usageNow(), n))
}

func stepEngine(b *bench, n int) (int, float64, bool, error) {
	t0 := time.Now()
	st, err := b.e.Step(n)
	secs := time.Since(t0).Seconds()
	if err != nil {
		return 0, 0, false, err
	}
	if st.Reason == debugger.StopBlocked {
		return 0, secs, true, nil // how far it got is not reported
	}
	return n, secs, false, nil
}

// stepEngineQuiet is stepEngine with the SIGCHLD listener off, so that
// no goroutine wakes for each ptrace stop (the runtime's handler still
// runs).
func stepEngineQuiet(b *bench, n int) (int, float64, bool, error) {
	b.h.notify(false)
	defer b.h.notify(true)
	return stepEngine(b, n)
}

// rawVariant steps with rawStep on the owner thread. With sigign the
// process ignores SIGCHLD meanwhile, so the host kernel does not even
// deliver it.
func rawVariant(o rawOpts, sigign bool) func(b *bench, n int) (int, float64, bool, error) {
	return func(b *bench, n int) (int, float64, bool, error) {
		var (
			res rawResult
			err error
		)
		if sigign {
			signal.Ignore(syscall.SIGCHLD)
			defer b.h.notify(true)
		}
		tid := b.e.LastStop().Tid
		b.h.Do(func() {
			res, err = rawStep(b.e.Pid(), tid, n, o)
			// Held signals wait, pending, for the engine's continue.
			for _, s := range res.held {
				unix.Tgkill(b.e.Pid(), tid, s)
			}
		})
		return res.steps, res.secs, res.blocked, err
	}
}

// timePauses times Pause on the running kernel: from the request to
// every thread stopped and the registers read.
func timePauses(e *debugger.Engine, n int) error {
	for i := 1; i <= n; i++ {
		if e.Paused() {
			if err := e.Continue(); err != nil {
				return err
			}
		}
		time.Sleep(100 * time.Millisecond)
		t0 := time.Now()
		if _, err := e.Pause(); err != nil {
			return fmt.Errorf("pause: %w", err)
		}
		us := time.Since(t0).Seconds() * 1e6
		fmt.Printf("row tool=go variant=pause rep=%d us=%.1f\n", i, us)
	}
	if e.Paused() {
		return e.Continue()
	}
	return nil
}

package vm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// These tests boot real UML nodes and talk to their mconsole.

// mcRealFiles waits for the kernel and the root_fs in the cache: the
// kernel may still be building when the tests start.
func mcRealFiles(t *testing.T) (kernel, rootfs string) {
	t.Helper()
	kernel = filepath.Join(CacheDir(), "linux")
	rootfs = filepath.Join(CacheDir(), "root_fs")
	limit := time.Now().Add(15 * time.Minute)
	for {
		_, kerr := os.Stat(kernel)
		_, rerr := os.Stat(rootfs)
		if kerr == nil && rerr == nil {
			return kernel, rootfs
		}
		if time.Now().After(limit) {
			t.Fatalf("no UML kernel or root_fs after waiting 15 minutes "+
				"(%v; %v): run `make kernel` and `make rootfs`", kerr, rerr)
		}
		t.Logf("waiting for the kernel and root_fs (%v; %v)", kerr, rerr)
		time.Sleep(30 * time.Second)
	}
}

// mcRealNode is a UML node booted for one test, its console on a pty.
type mcRealNode struct {
	t      *testing.T
	dir    string
	umid   string
	cow    string
	rootfs string
	cmd    *exec.Cmd
	pty    *os.File
	exited chan struct{} // closed when the kernel process has been waited for
	state  *os.ProcessState

	mu  sync.Mutex
	out bytes.Buffer // everything the console printed
}

func bootMconsoleNode(t *testing.T) *mcRealNode {
	t.Helper()
	kernel, rootfs := mcRealFiles(t)
	n := &mcRealNode{
		t:      t,
		dir:    t.TempDir(),
		umid:   fmt.Sprintf("mct%d", time.Now().UnixNano()%1e9),
		rootfs: rootfs,
		exited: make(chan struct{}),
	}
	n.cow = filepath.Join(n.dir, "n.cow")
	n.cmd = exec.Command(kernel,
		"ubd0="+n.cow+","+rootfs, "umid="+n.umid, "uml_dir="+n.dir,
		"mem=64M", "con0=fd:0,fd:1", "con=null", "ssl=null",
		"root=/dev/ubda", "rw", "umwb.name=node1", "umwb.node=1")
	// The node dies with the test binary, whatever kills it.
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	f, err := pty.StartWithSize(n.cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatalf("boot %s: %v", kernel, err)
	}
	n.pty = f
	t.Cleanup(n.kill)
	go n.read()
	go func() {
		n.cmd.Wait()
		n.state = n.cmd.ProcessState
		close(n.exited)
	}()
	return n
}

func (n *mcRealNode) sock() string { return filepath.Join(n.dir, n.umid, "mconsole") }

func (n *mcRealNode) read() {
	buf := make([]byte, 4096)
	for {
		k, err := n.pty.Read(buf)
		n.mu.Lock()
		n.out.Write(buf[:k])
		n.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// console is what the console printed from offset from on.
func (n *mcRealNode) console(from int) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.out.String()[min(from, n.out.Len()):]
}

func (n *mcRealNode) mark() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.out.Len()
}

// waitConsole waits until the console printed s, from offset from on.
func (n *mcRealNode) waitConsole(from int, s string, d time.Duration) {
	n.t.Helper()
	limit := time.Now().Add(d)
	for !strings.Contains(n.console(from), s) {
		if time.Now().After(limit) {
			n.t.Fatalf("console did not show %q within %v; it shows:\n%s",
				s, d, mcTail(n.console(0), 2000))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (n *mcRealNode) typeLine(s string) {
	n.t.Helper()
	if _, err := n.pty.WriteString(s + "\r"); err != nil {
		n.t.Fatalf("type on the console: %v", err)
	}
}

// waitUp waits for the shell prompt of a boot whose output starts at from.
func (n *mcRealNode) waitUp(from int) {
	n.t.Helper()
	n.waitConsole(from, "umwb: node1 (node 1) is up", 60*time.Second)
	n.waitConsole(from, "node1:/# ", 30*time.Second)
}

// waitExit waits for the kernel process to end.
func (n *mcRealNode) waitExit(d time.Duration) bool {
	select {
	case <-n.exited:
		return true
	case <-time.After(d):
		return false
	}
}

// kill ends the node and everything it started, and checks that nothing
// of it survives.
func (n *mcRealNode) kill() {
	pgid := n.cmd.Process.Pid // the pty made it a session and group leader
	syscall.Kill(-pgid, syscall.SIGKILL)
	if !n.waitExit(10 * time.Second) {
		n.t.Errorf("kernel pid %d not reaped 10s after SIGKILL", pgid)
	}
	n.pty.Close()
	limit := time.Now().Add(5 * time.Second)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(limit) {
			n.t.Errorf("processes of group %d survive the node", pgid)
			break
		}
		syscall.Kill(-pgid, syscall.SIGKILL)
		time.Sleep(50 * time.Millisecond)
	}
	if left := mcProcsWith("umid=" + n.umid); len(left) > 0 {
		n.t.Errorf("UML processes survive: %v", left)
		for _, pid := range left {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// mcProcsWith lists the processes whose command line has word.
func mcProcsWith(word string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(word)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func mcTail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (n *mcRealNode) dial() *Mconsole {
	n.t.Helper()
	mc, err := DialMconsole(n.sock())
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(func() { mc.Close() })
	return mc
}

func mcCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestMconsoleRealNode(t *testing.T) {
	t.Parallel()
	n := bootMconsoleNode(t)
	n.waitUp(0)
	mc := n.dial()
	ctx := mcCtx(t, 2*time.Minute)

	v, err := mc.Version(ctx)
	t.Logf("version: %q, %v", v, err)
	f := strings.Fields(v)
	if err != nil || len(f) < 3 || f[0] != "Linux" || f[1] != "node1" ||
		!regexp.MustCompile(`^7\.\d+`).MatchString(f[2]) {
		t.Errorf("version: got %q, %v; want Linux node1 7.x ...", v, err)
	}

	la, err := mc.Proc(ctx, "loadavg")
	t.Logf("proc loadavg: %q, %v", la, err)
	if !regexp.MustCompile(`^\d+\.\d\d \d+\.\d\d \d+\.\d\d \d+/\d+ \d+\n$`).MatchString(la) {
		t.Errorf("proc loadavg: got %q, %v", la, err)
	}
	mi, err := mc.Proc(ctx, "meminfo")
	t.Logf("proc meminfo: %d bytes, %v, starts %q", len(mi), err, mi[:min(len(mi), 60)])
	if err != nil || !strings.HasPrefix(mi, "MemTotal:") {
		t.Errorf("proc meminfo: got %q, %v", mi, err)
	}
	st, err := mc.Proc(ctx, "stat")
	t.Logf("proc stat: %d bytes, %v, starts %q", len(st), err, st[:min(len(st), 40)])
	if err != nil || !strings.HasPrefix(st, "cpu ") {
		t.Errorf("proc stat: got %q, %v", st, err)
	}
	checkMconsoleErr(t, "proc nosuchfile", mcSecond(mc.Proc(ctx, "nosuchfile")), "")

	h, err := mc.Sysrq(ctx, 'h')
	t.Logf("sysrq h: %q, %v", h, err)
	if err != nil {
		t.Errorf("sysrq h: %v", err)
	}

	cfg, err := mc.Config(ctx, "ubd0")
	t.Logf("config ubd0: %q, %v", cfg, err)
	if want := n.cow + "," + n.rootfs; err != nil || cfg != want {
		t.Errorf("config ubd0: got %q, %v; want %q", cfg, err, want)
	}
	checkMconsoleErr(t, "remove ubd5", mc.Remove(ctx, "ubd5"), "")
	checkMconsoleErr(t, "remove ubd0", mc.Remove(ctx, "ubd0"), "")
	checkMconsoleErr(t, "remove nosuchdev0", mc.Remove(ctx, "nosuchdev0"), "")
	checkMconsoleErr(t, "go (not stopped)", mc.Go(ctx), "Not stopped")
	_, err = mc.Do(ctx, "frobnicate")
	checkMconsoleErr(t, "frobnicate", err, "Unknown command")

	// stop: the guest does nothing until go, the mconsole still answers.
	s, err := mc.Do(ctx, "stop")
	t.Logf("stop: %q, %v", s, err)
	if err != nil {
		t.Fatalf("stop: %v", err)
	}
	from := n.mark()
	n.typeLine("echo mark$((6*7))")
	time.Sleep(1500 * time.Millisecond)
	if out := n.console(from); strings.Contains(out, "mark42") {
		t.Errorf("the stopped guest ran a command: %q", out)
	} else {
		t.Logf("console while stopped: %q", out)
	}
	if v2, err := mc.Version(ctx); err != nil || v2 != v {
		t.Errorf("version while stopped: %q, %v", v2, err)
	}
	_, err = mc.Do(ctx, "stop")
	checkMconsoleErr(t, "stop (stopped)", err, "Already stopped")
	s, err = mc.Do(ctx, "go")
	t.Logf("go: %q, %v", s, err)
	if err != nil {
		t.Fatalf("go: %v", err)
	}
	n.waitConsole(from, "mark42", 10*time.Second)

	// A kernel stopped by a signal never answers: the deadline ends the
	// wait, and the late answer does not reach the next request.
	pid := n.cmd.Process.Pid
	syscall.Kill(pid, syscall.SIGSTOP)
	start := time.Now()
	_, err = mc.Version(mcCtx(t, 300*time.Millisecond))
	took := time.Since(start)
	syscall.Kill(pid, syscall.SIGCONT)
	t.Logf("version under SIGSTOP: %v after %v", err, took)
	if !errors.Is(err, ErrMconsoleTimeout) || took > 600*time.Millisecond {
		t.Errorf("version under SIGSTOP: %v after %v", err, took)
	}
	if la2, err := mc.Proc(ctx, "loadavg"); err != nil || !strings.HasSuffix(la2, "\n") ||
		strings.HasPrefix(la2, "Linux") {
		t.Errorf("proc loadavg after SIGCONT: %q, %v", la2, err)
	}

	// cad: busybox init runs its ctrlaltdel action, /sbin/reboot; the same
	// client talks to the new kernel.
	from = n.mark()
	s, err = mc.Do(ctx, "cad")
	t.Logf("cad: %q, %v", s, err)
	if err != nil || s != "" {
		t.Fatalf("cad: %q, %v", s, err)
	}
	n.waitUp(from)
	if v2, err := mc.Version(ctx); err != nil || v2 != v {
		t.Errorf("version after cad's reboot: %q, %v", v2, err)
	}

	// halt: the node answers and its kernel process exits.
	start = time.Now()
	from = n.mark()
	s, err = mc.Do(ctx, "halt")
	t.Logf("halt: %q, %v", s, err)
	if err != nil || s != "" {
		t.Errorf("halt: %q, %v", s, err)
	}
	if !n.waitExit(5 * time.Second) {
		t.Fatalf("kernel still running 5s after halt")
	}
	t.Logf("kernel exited %v after halt: %v; console: %q",
		time.Since(start), n.state, n.console(from))
	_, err = mc.Version(ctx)
	if !errors.Is(err, ErrMconsoleGone) {
		t.Errorf("version after halt: %v, want ErrMconsoleGone", err)
	}
	t.Logf("version after halt: %v", err)
}

func TestMconsoleRealReboot(t *testing.T) {
	t.Parallel()
	n := bootMconsoleNode(t)
	n.waitUp(0)
	mc := n.dial()
	ctx := mcCtx(t, 2*time.Minute)

	from := n.mark()
	err := mc.Reboot(ctx)
	t.Logf("reboot: %v", err)
	if err != nil {
		t.Fatalf("reboot: %v", err)
	}
	n.waitUp(from)
	select {
	case <-n.exited:
		t.Fatalf("kernel process ended on reboot: %v", n.state)
	default:
	}
	// The shell answers on the new boot.
	from = n.mark()
	n.typeLine("echo back$((40+2))")
	n.waitConsole(from, "back42", 10*time.Second)
	if v, err := mc.Version(ctx); err != nil || !strings.HasPrefix(v, "Linux node1 7.") {
		t.Errorf("version after reboot: %q, %v", v, err)
	}

	// sysrq b reboots at once, after answering.
	from = n.mark()
	s, err := mc.Sysrq(ctx, 'b')
	t.Logf("sysrq b: %q, %v", s, err)
	if err != nil {
		t.Fatalf("sysrq b: %v", err)
	}
	n.waitUp(from)

	// A node killed while it holds a request: a clear error, long before
	// the deadline. SIGSTOP keeps it from answering first.
	pid := n.cmd.Process.Pid
	syscall.Kill(pid, syscall.SIGSTOP)
	time.AfterFunc(300*time.Millisecond, func() { syscall.Kill(-pid, syscall.SIGKILL) })
	start := time.Now()
	err = mc.Halt(mcCtx(t, 10*time.Second))
	took := time.Since(start)
	t.Logf("halt of a node killed before answering: %v after %v", err, took)
	if !errors.Is(err, ErrMconsoleGone) || took > 2*time.Second {
		t.Errorf("halt of a node killed before answering: %v after %v", err, took)
	}
}

// checkMconsoleErr wants a *MconsoleError, with message msg unless empty.
func checkMconsoleErr(t *testing.T, what string, err error, msg string) {
	t.Helper()
	var me *MconsoleError
	t.Logf("%s: %v", what, err)
	if !errors.As(err, &me) || (msg != "" && me.Msg != msg) {
		t.Errorf("%s: got %v; want a node error %q", what, err, msg)
		return
	}
	t.Logf("%s: node error %q, code %d", what, me.Msg, me.Code)
}

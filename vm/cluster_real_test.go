package vm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests boot real UML nodes from the kernel and root_fs that
// `make kernel rootfs` builds.

// startCluster makes a cluster of the given nodes in a run directory of
// its own and closes it when the test ends, checking that no kernel of
// it is left.
func startCluster(t *testing.T, toml string) *Cluster {
	t.Helper()
	if _, err := FindKernel(""); err != nil {
		t.Fatalf("%v (run `make kernel rootfs` first)", err)
	}
	if _, err := FindRootFS(""); err != nil {
		t.Fatalf("%v (run `make kernel rootfs` first)", err)
	}
	base, err := os.MkdirTemp("", "uv")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("UMWB_RUN_DIR", base)
	cf, err := ParseClusterFile("test.toml", []byte(toml))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCluster(cf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		if pids := kernelsIn(c.RunDir); len(pids) > 0 {
			t.Errorf("kernels left running after Close: %v", pids)
		}
		os.RemoveAll(base)
	})
	return c
}

// kernelsIn lists the pids of live kernels started with a umid under
// runDir.
func kernelsIn(runDir string) []int {
	var pids []int
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		var pid int
		fmt.Sscanf(filepath.Base(p), "%d", &pid)
		if isOurKernel(pid, filepath.Join(runDir, "uml")) && !isZombie(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func waitState(t *testing.T, n *Node, timeout time.Duration, want ...State) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if _, err := n.WaitState(ctx, want...); err != nil {
		st := n.Status()
		t.Fatalf("%v; reason %q; last lines:\n%s", err, st.Reason, strings.Join(st.LastLines, "\n"))
	}
}

func run(t *testing.T, n *Node, cmd string) RunResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := n.Run(ctx, cmd)
	if err != nil {
		t.Fatalf("run %q on %s: %v", cmd, n.Name(), err)
	}
	return res
}

const twoNodes = `
name = "t"
[[node]]
name = "node1"
[[node]]
name = "node2"
`

func TestClusterBootsAndAnswers(t *testing.T) {
	c := startCluster(t, twoNodes)
	if err := c.BootAuto(); err != nil {
		t.Fatal(err)
	}
	for _, n := range c.Nodes {
		waitState(t, n, 30*time.Second, Up)
	}
	n1, n2 := c.Nodes[0], c.Nodes[1]

	// Console input and output, and the node's identity from the kernel
	// command line.
	if res := run(t, n1, "echo $((6*7))"); res.Output != "42\n" || res.Status != 0 {
		t.Errorf("echo: %+v", res)
	}
	if res := run(t, n2, "hostname; cat /etc/umwb-node"); res.Output != "node2\n2\n" {
		t.Errorf("identity of node2: %q", res.Output)
	}
	if res := run(t, n1, "sh -c 'echo out; exit 7'"); res.Output != "out\n" || res.Status != 7 {
		t.Errorf("exit status: %+v", res)
	}
	if res := run(t, n1, "echo hi; exit 3"); res.Output != "hi\n" || res.Status != 3 {
		t.Errorf("exit in a command: %+v", res)
	}
	if res := run(t, n1, `echo "it's quoted" | tr a-z A-Z`); res.Output != "IT'S QUOTED\n" {
		t.Errorf("quoting: %q", res.Output)
	}

	// The management console.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := n2.Mconsole(ctx, "version")
	if err != nil || !strings.Contains(v, "Linux node2 7.") {
		t.Errorf("mconsole version: %q, %v", v, err)
	}
	if _, err := n2.Mconsole(ctx, "nosuchcommand"); err == nil {
		t.Error("an unknown mconsole command did not fail")
	}

	// Load samples arrive through the mconsole about once a second.
	deadline := time.Now().Add(5 * time.Second)
	for len(n1.LoadHistory()) < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	h := n1.LoadHistory()
	if len(h) < 2 {
		t.Fatalf("%d load samples after 5 s", len(h))
	}
	last := h[len(h)-1]
	if last.MemTotal < 30<<10 || last.Tasks < 5 || last.MemUsed <= 0 {
		t.Errorf("implausible load sample %+v", last)
	}
	st := c.Status()
	if st.Nodes[0].Load == nil || st.Nodes[0].Pid == 0 {
		t.Errorf("status lacks load or pid: %+v", st.Nodes[0])
	}

	// The console log has everything the console showed.
	log, _ := os.ReadFile(n1.LogPath())
	if !strings.Contains(string(log), "umwb: node1 (node 1) is up") || !strings.Contains(string(log), "42") {
		t.Errorf("console log lacks the boot marker or the output:\n%s", log)
	}
}

func TestNodeHaltRebootPause(t *testing.T) {
	c := startCluster(t, twoNodes)
	c.BootAuto()
	n1, n2 := c.Nodes[0], c.Nodes[1]
	waitState(t, n1, 30*time.Second, Up)
	waitState(t, n2, 30*time.Second, Up)
	pid := n1.Status().Pid

	if err := c.Halt("node1"); err != nil {
		t.Fatal(err)
	}
	if st := n1.Status(); st.State != Halted || st.Reason != "on request" {
		t.Fatalf("after halt: %s (%s)", st.State, st.Reason)
	}
	if unix.Kill(pid, 0) == nil && !isZombie(pid) {
		t.Errorf("kernel %d still runs after halt", pid)
	}
	if _, err := os.Stat(n1.umidDir()); !os.IsNotExist(err) {
		t.Errorf("umid folder left after halt: %v", err)
	}
	if err := c.Halt("node1"); err == nil {
		t.Error("halting a halted node did not fail")
	}
	// The other node kept running.
	if res := run(t, n2, "echo alive"); res.Output != "alive\n" {
		t.Errorf("node2 after node1's halt: %q", res.Output)
	}

	// Boot again, then a reboot through the mconsole.
	if err := c.Boot("node1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, n1, 30*time.Second, Up)
	run(t, n1, "echo before-reboot > /root/mark")
	if err := c.Reboot("node1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, n1, 30*time.Second, Up)
	// A reboot keeps the node's disk.
	if res := run(t, n1, "cat /root/mark"); res.Output != "before-reboot\n" {
		t.Errorf("after reboot: %+v", res)
	}

	// Pause: the guest stops, console input waits until resume.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n2.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := n2.State(); s != Paused {
		t.Fatalf("after pause: %s", s)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel2()
	if _, err := n2.Run(short, "echo x"); err == nil {
		t.Error("a paused node ran a command")
	}
	if err := n2.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := n2.State(); s != Up {
		t.Fatalf("after resume: %s", s)
	}
	if res := run(t, n2, "echo resumed"); !strings.HasSuffix(res.Output, "resumed\n") {
		t.Errorf("after resume: %q", res.Output)
	}

	// The guest powering itself off is a halt, not a crash.
	n2.Console().Write([]byte("poweroff -f\r"))
	waitState(t, n2, 15*time.Second, Halted)
	if st := n2.Status(); st.Reason != "powered off by the guest" {
		t.Errorf("poweroff reason %q", st.Reason)
	}
}

func TestNodeCrashes(t *testing.T) {
	c := startCluster(t, `
name = "t"
[[node]]
name = "node1"
[[node]]
name = "bad"
args = ["init=/no/such/init"]
`)
	c.BootAuto()
	n1, bad := c.Nodes[0], c.Nodes[1]

	// A kernel that cannot start init panics; the node shows as crashed
	// with the kernel's last lines.
	waitState(t, bad, 30*time.Second, Crashed)
	st := bad.Status()
	if !strings.Contains(st.Reason, "Kernel panic") {
		t.Errorf("failed boot reason %q", st.Reason)
	}
	if !strings.Contains(strings.Join(st.LastLines, "\n"), "/no/such/init") {
		t.Errorf("last lines do not name the missing init:\n%s", strings.Join(st.LastLines, "\n"))
	}

	// A kernel killed from outside is a crash, and the node boots again.
	waitState(t, n1, 30*time.Second, Up)
	if err := unix.Kill(n1.Status().Pid, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitState(t, n1, 10*time.Second, Crashed)
	if st := n1.Status(); !strings.Contains(st.Reason, "SIGKILL") || len(st.LastLines) == 0 {
		t.Errorf("killed node: reason %q, %d last lines", st.Reason, len(st.LastLines))
	}
	if err := c.Boot("node1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, n1, 30*time.Second, Up)

	// A panic asked for through SysRq.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	n1.Mconsole(ctx, "sysrq c")
	waitState(t, n1, 15*time.Second, Crashed)
	t.Logf("failed boot: %q; sysrq c: %q", bad.Status().Reason, n1.Status().Reason)
	if st := n1.Status(); !strings.Contains(st.Reason, "panic") && !strings.Contains(st.Reason, "SIG") {
		t.Errorf("sysrq crash reason %q", st.Reason)
	}
	if err := c.Boot("node1"); err != nil {
		t.Fatal(err)
	}
	waitState(t, n1, 30*time.Second, Up)
	if res := run(t, n1, "echo back"); res.Output != "back\n" {
		t.Errorf("after crashes: %q", res.Output)
	}
}

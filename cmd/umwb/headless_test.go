package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"umwb/internal/testkit"
)

// TestHeadlessControl boots two nodes with `umwb --headless` and drives
// them with `umwb ctl` the way a script would: status, commands typed into
// the consoles, the mconsole, halt, boot, kill, and a kernel killed from
// outside.
func TestHeadlessControl(t *testing.T) {
	testkit.NeedUML(t)
	base := testkit.NewRunBase(t)
	file, name := writeCluster(t, "ctl", `name = "node1"`, `name = "node2"`)
	runDir := filepath.Join(base, name)
	umlDir := "uml_dir=" + filepath.Join(runDir, "uml")

	u := startUmwb(t, base, "--headless", file)
	u.waitReady(t, base)
	if want := filepath.Join(runDir, "ctl.sock"); !strings.Contains(u.stdout.String(), want) {
		t.Errorf("headless umwb does not name its control socket %s:\n%s", want, u.output())
	}

	// Both nodes come up, each a live kernel of this run directory.
	cs := waitState(t, base, "all", "up")
	if cs.Name != name || cs.RunDir != runDir || len(cs.Nodes) != 2 {
		t.Fatalf("status: cluster %q in %s with %d nodes, want %q in %s with 2",
			cs.Name, cs.RunDir, len(cs.Nodes), name, runDir)
	}
	for _, n := range cs.Nodes {
		if n.Pid <= 0 || !pidAlive(n.Pid, umlDir) {
			t.Errorf("%s: pid %d is not a running kernel with %s", n.Name, n.Pid, umlDir)
		}
		noHomeUML(t, n.Umid)
	}
	table := mustCtl(t, base, "status")
	for _, node := range []string{"node1", "node2"} {
		if !regexp.MustCompile(`(?m)^` + node + `\s+up\s+\d+`).MatchString(table) {
			t.Errorf("status table does not show %s up with a pid:\n%s", node, table)
		}
	}

	// Load samples arrive about once a second.
	waitStatus(t, base, 8*time.Second, "both nodes with a load sample of this boot",
		func(cs clusterStatus) bool {
			for _, n := range cs.Nodes {
				l := n.Load
				if l == nil || l.Tasks <= 0 || l.MemTotal <= 0 || l.MemUsed <= 0 ||
					l.Time.Before(n.Since) {
					return false
				}
			}
			return true
		})

	t.Run("run", func(t *testing.T) { testRun(t, base) })

	out := mustCtl(t, base, "mconsole", "node1", "version")
	if !regexp.MustCompile(`Linux node1 7\.\d+`).MatchString(out) {
		t.Errorf("mconsole node1 version = %q, want Linux node1 7.x", out)
	}

	// Halt and boot again.
	old := status(t, base)
	mustCtl(t, base, "halt", "node2")
	cs = status(t, base)
	if n := cs.node(t, "node2"); n.State != "halted" || n.Pid != 0 {
		t.Errorf("after halt, node2 is %s with pid %d, want halted and no pid", n.State, n.Pid)
	}
	if pid := old.node(t, "node2").Pid; pidAlive(pid, umlDir) {
		t.Errorf("after halt, node2's kernel (pid %d) still runs", pid)
	}
	if n := cs.node(t, "node1"); n.State != "up" || n.Pid != old.node(t, "node1").Pid {
		t.Errorf("halting node2 disturbed node1: %s pid %d", n.State, n.Pid)
	}
	mustCtl(t, base, "boot", "node2")
	cs = waitState(t, base, "node2", "up")
	if n := cs.node(t, "node2"); !pidAlive(n.Pid, umlDir) {
		t.Errorf("booted node2 has pid %d, not a running kernel", n.Pid)
	}
	if r := ctl(t, base, "run", "node2", "--", "hostname"); r.code != 0 || r.stdout != "node2\n" {
		t.Errorf("run node2 -- hostname after a new boot: %s", r)
	}

	// Kill through ctl: a crash, and a new boot works.
	pid := status(t, base).node(t, "node1").Pid
	mustCtl(t, base, "kill", "node1")
	cs = status(t, base)
	if n := cs.node(t, "node1"); n.State != "crashed" || !strings.Contains(n.Reason, "SIGKILL") {
		t.Errorf("after ctl kill, node1 is %s (%q), want crashed with a reason naming SIGKILL",
			n.State, n.Reason)
	}
	if pidAlive(pid, umlDir) {
		t.Errorf("after ctl kill, node1's kernel (pid %d) still runs", pid)
	}
	mustCtl(t, base, "boot", "node1")
	waitState(t, base, "node1", "up")

	// A kernel killed from outside umwb is a crash too.
	pid = status(t, base).node(t, "node2").Pid
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill node2's kernel: %v", err)
	}
	cs = waitState(t, base, "node2", "crashed")
	if n := cs.node(t, "node2"); !strings.Contains(n.Reason, "SIGKILL") || n.Pid != 0 {
		t.Errorf("node2 killed from outside: reason %q, pid %d; want SIGKILL named, no pid",
			n.Reason, n.Pid)
	}
	if n := cs.node(t, "node1"); n.State != "up" {
		t.Errorf("node2's crash took node1 to %s", n.State)
	}
	if code, ok := u.exitCode(0); ok {
		t.Fatalf("umwb ended (status %d) after a node crashed\n%s", code, u.output())
	}
	for _, n := range cs.Nodes {
		noHomeUML(t, n.Umid)
	}
}

// testRun checks `umwb ctl run`: output and exit status of a command
// typed into a node's console come back to the caller.
func testRun(t *testing.T, base string) {
	release := regexp.MustCompile(`^7\.\d+\.\d+\S*\n$`)
	cases := []struct {
		node   string
		cmd    []string
		out    string         // exact output, unless match is set
		match  *regexp.Regexp // output pattern
		status int
	}{
		{node: "node1", cmd: []string{"echo hi; (exit 3)"}, out: "hi\n", status: 3},
		// A sub-shell's exit, not the console shell's.
		{node: "node1", cmd: []string{"sh", "-c", "'echo there; exit 4'"},
			out: "there\n", status: 4},
		// The words are joined, as a shell would see them.
		{node: "node1", cmd: []string{"echo", "one;", "echo", "two"}, out: "one\ntwo\n"},
		{node: "node1", cmd: []string{"cat /etc/umwb-node"}, out: "1\n"},
		{node: "node1", cmd: []string{"false"}, status: 1},
		{node: "node2", cmd: []string{"hostname"}, out: "node2\n"},
		{node: "node2", cmd: []string{"uname", "-r"}, match: release},
		// The console shell is still there after all of the above.
		{node: "node1", cmd: []string{"true"}},
	}
	for _, c := range cases {
		args := append([]string{"run", "--timeout", "20", c.node, "--"}, c.cmd...)
		r := ctl(t, base, args...)
		ok := r.stdout == c.out
		if c.match != nil {
			ok = c.match.MatchString(r.stdout)
		}
		if !ok || r.code != c.status {
			t.Errorf("ctl %s\ngot %s\nwant status %d and output %q",
				strings.Join(args, " "), r, c.status, c.out+matchString(c.match))
		}
	}
}

func matchString(re *regexp.Regexp) string {
	if re == nil {
		return ""
	}
	return re.String()
}

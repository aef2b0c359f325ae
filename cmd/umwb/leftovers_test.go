package main

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"umwb/internal/testkit"
)

// TestNothingLeftAfterSIGKILL kills umwb with SIGKILL, which it cannot
// catch: its nodes' kernels must still end and their umid folders go.
func TestNothingLeftAfterSIGKILL(t *testing.T) {
	testNothingLeft(t, syscall.SIGKILL, -1)
}

// TestNothingLeftAfterSIGTERM stops umwb the polite way: a clean exit
// with status 0, and nothing left either.
func TestNothingLeftAfterSIGTERM(t *testing.T) {
	testNothingLeft(t, syscall.SIGTERM, 0)
}

// leftTimeout is how long the kernels and folders may take to go.
const leftTimeout = 5 * time.Second

func testNothingLeft(t *testing.T, sig syscall.Signal, wantCode int) {
	sigName := unix.SignalName(sig)
	testkit.NeedUML(t)
	base := testkit.NewRunBase(t)
	file, name := writeCluster(t, "left", `name = "node1"`, `name = "node2"`)
	runDir := filepath.Join(base, name)

	u := startUmwb(t, base, "--headless", file)
	u.waitReady(t, base)
	cs := waitState(t, base, "all", "up")
	var umids []string
	for _, n := range cs.Nodes {
		umids = append(umids, n.Umid)
	}
	// The scan must see the kernels for its empty result to mean anything.
	if ks := testkit.KernelsOf(base); len(ks) != 2 {
		t.Fatalf("found %d kernels with uml_dir under %s while both nodes are up, want 2: %v",
			len(ks), base, ks)
	}
	if f := testkit.UmidFolders(t, runDir); len(f) != 2 {
		t.Fatalf("uml folder of %s holds %v while both nodes are up, want the 2 umids", runDir, f)
	}
	noHomeUML(t, umids...)

	u.signal(sig)
	code, ok := u.exitCode(20 * time.Second)
	if !ok {
		t.Fatalf("umwb still runs 20 s after %s\n%s", sigName, u.output())
	}
	if code != wantCode {
		t.Errorf("after %s umwb exited with status %d, want %d\n%s",
			sigName, code, wantCode, u.output())
	}

	if ks := testkit.ProcsLeft("uml_dir="+base+"/", leftTimeout); len(ks) != 0 {
		t.Errorf("%v after %s to umwb, kernels still run: %v", leftTimeout, sigName, ks)
	}
	deadline := time.Now().Add(leftTimeout)
	for len(testkit.UmidFolders(t, runDir)) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if f := testkit.UmidFolders(t, runDir); len(f) != 0 {
		t.Errorf("%v after %s to umwb, umid folders are left in %s/uml: %v",
			leftTimeout, sigName, runDir, f)
	}
	// Nothing else of this run either (umwb's guard), and no socket
	// that ctl would find.
	if ps := testkit.ProcsLeft(base+"/", leftTimeout); len(ps) != 0 {
		t.Errorf("%v after %s to umwb, processes of its run still live: %v",
			leftTimeout, sigName, ps)
	}
	if r := ctl(t, base, "status"); r.code != 1 {
		t.Errorf("ctl status after umwb ended: %s\nwant status 1 (no running umwb)", r)
	}
	noHomeUML(t, umids...)
}

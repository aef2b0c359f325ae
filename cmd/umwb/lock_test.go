package main

import (
	"path/filepath"
	"strings"
	"testing"

	"umwb/internal/testkit"
)

// TestSecondUmwbRefused starts umwb twice on the same cluster: the
// second must refuse with a clear message and leave the first, and its
// node, alone.
func TestSecondUmwbRefused(t *testing.T) {
	testkit.NeedUML(t)
	base := testkit.NewRunBase(t)
	file, name := writeCluster(t, "twice", `name = "node1"`)
	umlDir := "uml_dir=" + filepath.Join(base, name, "uml")

	first := startUmwb(t, base, "--headless", file)
	first.waitReady(t, base)
	before := waitState(t, base, "node1", "up").node(t, "node1")

	for _, args := range [][]string{{"--headless", file}, {"--headless", "--no-boot", file}} {
		r := runUmwb(t, testEnv(base), args...)
		if r.code != 1 || !strings.Contains(r.stderr, "already running") ||
			!strings.Contains(r.stderr, name) {
			t.Errorf("second umwb %s: %s\nwant status 1 and a message that cluster %s "+
				"is already running", strings.Join(args, " "), r, name)
		}
	}

	if code, ok := first.exitCode(0); ok {
		t.Fatalf("the first umwb ended (status %d)\n%s", code, first.output())
	}
	after := status(t, base).node(t, "node1")
	if after.State != "up" || after.Pid != before.Pid || !pidAlive(after.Pid, umlDir) {
		t.Errorf("the second umwb disturbed the first's node1: was up with pid %d, "+
			"now %s with pid %d", before.Pid, after.State, after.Pid)
	}
	r := ctl(t, base, "run", "--timeout", "20", "node1", "--", "echo", "still here")
	if r.code != 0 || r.stdout != "still here\n" {
		t.Errorf("node1's console after the second umwb was refused: %s", r)
	}
}

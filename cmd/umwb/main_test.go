package main

// These tests run the umwb binary as a user would: `umwb --headless`
// boots real UML nodes and `umwb ctl` drives them through the control
// socket. TestMain builds the binary once. Every test gets a run base of
// its own (UMWB_RUN_DIR under /tmp, short because of the 107-byte limit
// of Unix socket paths) and kills, by pid, whatever it started that is
// still alive when it ends.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// umwbBin is the binary under test.
var umwbBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "umwb-bin")
	if err != nil {
		fmt.Fprintf(os.Stderr, "make binary folder: %v\n", err)
		os.Exit(1)
	}
	umwbBin = filepath.Join(dir, "umwb")
	if err := buildUmwb(umwbBin); err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildUmwb builds umwb/cmd/umwb into out.
func buildUmwb(out string) error {
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(gobin, "build", "-o", out, "umwb/cmd/umwb")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build umwb: %w\n%s", err, b)
	}
	return nil
}

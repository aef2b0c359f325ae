// Package e2e drives umwb's real TUI in a terminal: tmux runs umwb in a
// detached 160x50 window of a tmux server of the test's own (-L), the
// tests type keys with send-keys and read the screen with capture-pane,
// the way a user would see it. The nodes are real UML kernels.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// umwbBin is the binary under test, built by TestMain.
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

// Package testkit is what umwb's end-to-end tests share: building the
// umwb binary once, a private run base for each test, and finding the
// processes (UML kernels, guards) that a run left behind. The tests run
// the real thing; nothing here fakes it.
package testkit

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"umwb/vm"
)

// Main builds umwb/cmd/umwb into a temporary folder, stores its path in
// *bin, runs the tests and exits: call it from TestMain.
func Main(m *testing.M, bin *string) {
	dir, err := os.MkdirTemp("", "umwb-bin")
	if err != nil {
		fmt.Fprintf(os.Stderr, "make binary folder: %v\n", err)
		os.Exit(1)
	}
	*bin = filepath.Join(dir, "umwb")
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	if b, err := exec.Command(gobin, "build", "-o", *bin, "umwb/cmd/umwb").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build umwb: %v\n%s", err, b)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// NeedUML stops the test when the kernel or the root_fs is missing: these
// tests need the real thing.
func NeedUML(t *testing.T) {
	t.Helper()
	if _, err := vm.FindKernel(""); err != nil {
		t.Fatalf("%v\nbuild it with `make kernel rootfs`", err)
	}
	if _, err := vm.FindRootFS(""); err != nil {
		t.Fatalf("%v\nbuild it with `make kernel rootfs`", err)
	}
}

// NewRunBase makes a short run base (UMWB_RUN_DIR; Unix socket paths are
// limited to 107 bytes) for one test. When the test ends, every process
// still mentioning it is reported and killed, and it is removed.
func NewRunBase(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "uw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// A guard may still be clearing up after a clean exit.
		for _, p := range ProcsLeft(dir+"/", 5*time.Second) {
			t.Errorf("still running at the end of the test, killed: %s", p)
			syscall.Kill(p.Pid, syscall.SIGKILL)
		}
		os.RemoveAll(dir)
	})
	return dir
}

// Proc is a live process found in /proc.
type Proc struct {
	Pid     int
	Comm    string
	Cmdline string
}

// String names the process by pid, name and, for a kernel, its umid.
func (p Proc) String() string {
	for _, w := range strings.Fields(p.Cmdline) {
		if strings.HasPrefix(w, "umid=") {
			return fmt.Sprintf("pid %d (%s %s)", p.Pid, p.Comm, w)
		}
	}
	cmd := p.Cmdline
	if len(cmd) > 100 {
		cmd = cmd[:100] + "..."
	}
	return fmt.Sprintf("pid %d (%s) %s", p.Pid, p.Comm, cmd)
}

// ProcsMentioning lists the live processes whose command line contains
// s: the UML kernels of a run base carry uml_dir=<run base>/... and
// umwb's guard the run directory. Zombies have an empty command line and
// are not listed.
func ProcsMentioning(s string) []Proc {
	ents, _ := os.ReadDir("/proc")
	var ps []Proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(b, []byte(s)) {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		ps = append(ps, Proc{Pid: pid, Comm: string(bytes.TrimSpace(comm)),
			Cmdline: string(bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '}))})
	}
	return ps
}

// KernelsOf lists the UML kernels running with their uml_dir under
// runBase.
func KernelsOf(runBase string) []Proc {
	return ProcsMentioning("uml_dir=" + runBase + "/")
}

// ProcsLeft waits up to timeout for every process mentioning s to end and
// returns those still alive then.
func ProcsLeft(s string, timeout time.Duration) []Proc {
	deadline := time.Now().Add(timeout)
	for {
		ps := ProcsMentioning(s)
		if len(ps) == 0 || time.Now().After(deadline) {
			return ps
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// UmidFolders lists what is left in a run directory's uml folder, where
// each running node has a folder named after its umid.
func UmidFolders(t *testing.T, runDir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(runDir, "uml"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

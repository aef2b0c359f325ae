package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"umwb/vm"
)

// needUML stops the test when the kernel or the root_fs is missing.
func needUML(t *testing.T) {
	t.Helper()
	if _, err := vm.FindKernel(""); err != nil {
		t.Fatalf("%v\nbuild it with `make kernel rootfs`", err)
	}
	if _, err := vm.FindRootFS(""); err != nil {
		t.Fatalf("%v\nbuild it with `make kernel rootfs`", err)
	}
}

// newRunBase makes a short run base (UMWB_RUN_DIR) for one test. When the
// test ends, every process still mentioning it is reported and killed,
// and it is removed.
func newRunBase(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "uw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, p := range procsLeft(dir+"/", 5*time.Second) {
			t.Errorf("still running at the end of the test, killed: %s", p)
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
		os.RemoveAll(dir)
	})
	return dir
}

// proc is a live process found in /proc.
type proc struct {
	pid     int
	cmdline string
}

func (p proc) String() string { return fmt.Sprintf("pid %d: %s", p.pid, p.cmdline) }

// procsMentioning lists the live processes whose command line contains
// s. Zombies have an empty command line and are not listed.
func procsMentioning(s string) []proc {
	ents, _ := os.ReadDir("/proc")
	var ps []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(b, []byte(s)) {
			continue
		}
		b = bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '})
		ps = append(ps, proc{pid: pid, cmdline: string(b)})
	}
	return ps
}

// kernelsOf lists the UML kernels with their uml_dir under runBase.
func kernelsOf(runBase string) []proc {
	return procsMentioning("uml_dir=" + runBase + "/")
}

// procsLeft waits up to timeout for every process mentioning s to end
// and returns those still alive then.
func procsLeft(s string, timeout time.Duration) []proc {
	deadline := time.Now().Add(timeout)
	for {
		ps := procsMentioning(s)
		if len(ps) == 0 || time.Now().After(deadline) {
			return ps
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// umidFolders lists what is left in a run directory's uml folder.
func umidFolders(t *testing.T, runDir string) []string {
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

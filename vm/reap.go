package vm

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Reap clears what a cluster run left in its run directory: it kills any
// kernel still running with a umid there and removes the umid folders and
// the control socket. It is what umwb's guard process runs after umwb
// died without cleaning up, and what a new run does before it starts.
// COW files and console logs stay for a post-mortem.
func Reap(runDir string) {
	umlDir := filepath.Join(runDir, "uml")
	ents, _ := os.ReadDir(umlDir)
	var pids []int
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(umlDir, e.Name(), "pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 1 {
			continue
		}
		if isOurKernel(pid, umlDir) {
			// Its process group holds the children it started.
			unix.Kill(-pid, unix.SIGKILL)
			unix.Kill(pid, unix.SIGKILL)
			pids = append(pids, pid)
		}
	}
	// Give the kernels a moment to go before their folders are removed.
	for i := 0; i < 100 && len(pids) > 0; i++ {
		alive := pids[:0]
		for _, p := range pids {
			if unix.Kill(p, 0) == nil && !isZombie(p) {
				alive = append(alive, p)
			}
		}
		pids = alive
		time.Sleep(10 * time.Millisecond)
	}
	for _, e := range ents {
		os.RemoveAll(filepath.Join(umlDir, e.Name()))
	}
	os.Remove(filepath.Join(runDir, "ctl.sock"))
}

// isOurKernel reports whether pid is a UML kernel started with
// uml_dir=umlDir, so that a recycled pid is never killed.
func isOurKernel(pid int, umlDir string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	return bytes.Contains(b, []byte("\x00uml_dir="+umlDir+"\x00")) ||
		bytes.HasSuffix(b, []byte("\x00uml_dir="+umlDir))
}

func isZombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z'
}

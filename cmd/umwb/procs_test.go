package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// proc is a live process found in /proc.
type proc struct {
	pid     int
	comm    string
	cmdline string
}

// String names the process by pid, name and, for a kernel, its umid.
func (p proc) String() string {
	for _, w := range strings.Fields(p.cmdline) {
		if strings.HasPrefix(w, "umid=") {
			return fmt.Sprintf("pid %d (%s %s)", p.pid, p.comm, w)
		}
	}
	cmd := p.cmdline
	if len(cmd) > 100 {
		cmd = cmd[:100] + "..."
	}
	return fmt.Sprintf("pid %d (%s) %s", p.pid, p.comm, cmd)
}

// procsMentioning lists the live processes whose command line contains
// s: the UML kernels of a run base carry uml_dir=<run base>/... and
// umwb's guard the run directory. Zombies have an empty command line
// and are not listed.
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
		comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		ps = append(ps, proc{pid: pid, comm: string(bytes.TrimSpace(comm)),
			cmdline: string(bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '}))})
	}
	return ps
}

// kernelsOf lists the UML kernels running with their uml_dir under
// runBase.
func kernelsOf(runBase string) []proc {
	return procsMentioning("uml_dir=" + runBase + "/")
}

// pidAlive reports whether pid is a live (not zombie) process whose
// command line contains s.
func pidAlive(pid int, s string) bool {
	for _, p := range procsMentioning(s) {
		if p.pid == pid {
			return true
		}
	}
	return false
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

// umidFolders lists what is left in a run directory's uml folder, where
// each running node has a folder named after its umid.
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

// noHomeUML fails the test if a kernel made a folder for one of umids
// in ~/.uml, where UML puts its files when uml_dir is not honoured.
func noHomeUML(t *testing.T, umids ...string) {
	t.Helper()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range umids {
		p := filepath.Join(home, ".uml", id)
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("a kernel wrote to %s; its files belong in the run directory", p)
		}
	}
}

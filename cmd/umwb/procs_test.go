package main

import (
	"os"
	"path/filepath"
	"testing"

	"umwb/internal/testkit"
)

// pidAlive reports whether pid is a live (not zombie) process whose
// command line contains s.
func pidAlive(pid int, s string) bool {
	for _, p := range testkit.ProcsMentioning(s) {
		if p.Pid == pid {
			return true
		}
	}
	return false
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

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"umwb/vm"
)

// guardCmd is the hidden sub-command of the guard process.
const guardCmd = "__guard"

// startGuard starts a small process that outlives umwb if umwb is killed
// (SIGKILL, or a crash that skips every deferred clean-up): it waits for
// the end of a pipe that only umwb holds, then clears the run directory
// of kernels and umid folders. The kernels have SIGKILL as their
// parent-death signal already; the guard also removes what they leave.
func startGuard(runDir string) (io.Closer, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, guardCmd, runDir)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("start guard: %w", err)
	}
	r.Close()
	go cmd.Wait()
	return w, nil
}

func guardMain(args []string) {
	if len(args) != 1 {
		os.Exit(2)
	}
	signal.Ignore(syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	io.Copy(io.Discard, os.Stdin)
	// A new umwb that already took the cluster over owns what is there.
	lock, err := os.OpenFile(filepath.Join(args[0], "lock"), os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer lock.Close()
	if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
		return
	}
	vm.Reap(args[0])
}

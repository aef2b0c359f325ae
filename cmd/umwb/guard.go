package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

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
	if !lockWithin(lock, guardLockWait) {
		return
	}
	vm.Reap(args[0])
}

// guardLockWait is how long the guard tries to take the cluster's lock.
const guardLockWait = 3 * time.Second

// lockWithin takes an exclusive flock on f, trying until timeout. The
// guard needs the time: the end of the pipe can reach it a moment before
// the exiting umwb's lock is released (a killed process closes its files
// one by one), and an attempt in that moment fails although nobody else
// holds the cluster.
func lockWithin(f *os.File, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/creack/pty"
)

// handNode is a UML kernel started by hand on a pty of its own, the way
// umwb starts a node (same command line, environment, session and pty
// size), with nothing of umwb in between: a goroutine reads the pty as
// fast as the kernel writes and only looks for expected strings.
type handNode struct {
	cmd    *exec.Cmd
	master *os.File
	out    *stream
	first  <-chan time.Time
}

// startHand starts kernel with args on a new cols x rows pty. The
// returned node's first channel receives the time first is first seen
// on the console.
func startHand(kernel string, args []string, cols, rows int, first string) (*handNode, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("start hand node: %w", err)
	}
	defer slave.Close()
	ws := &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)}
	if err := pty.Setsize(slave, ws); err != nil {
		master.Close()
		return nil, fmt.Errorf("start hand node: %w", err)
	}
	cmd := exec.Command(kernel, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.Env = []string{"PATH=/usr/bin:/bin", "TERM=xterm-256color"}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setsid: true, Setctty: true, Ctty: 0, Pdeathsig: syscall.SIGKILL,
	}
	h := &handNode{cmd: cmd, master: master, out: newStream()}
	h.first = h.out.expect(first)
	if err := cmd.Start(); err != nil {
		master.Close()
		return nil, fmt.Errorf("start hand node: %w", err)
	}
	go h.read()
	return h, nil
}

func (h *handNode) pid() int { return h.cmd.Process.Pid }

func (h *handNode) read() {
	defer h.out.end()
	buf := make([]byte, 8192)
	for {
		n, err := h.master.Read(buf)
		if n > 0 {
			h.out.add(buf[:n], time.Now())
		}
		if err != nil {
			return
		}
	}
}

// typeText writes text to the console as if typed.
func (h *handNode) typeText(text string) error {
	if _, err := h.master.Write([]byte(text)); err != nil {
		return fmt.Errorf("type into hand node: %w", err)
	}
	return nil
}

// kill ends the kernel with SIGKILL and waits for it and its pty.
func (h *handNode) kill() error {
	err := h.cmd.Process.Kill()
	if err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill hand node: %w", err)
	}
	h.cmd.Wait()
	select {
	case <-h.out.ended:
	case <-time.After(2 * time.Second):
	}
	return h.master.Close()
}

// waitFor waits for the channel of stream.expect, or the kernel's end, or
// the timeout.
func (h *handNode) waitFor(found <-chan time.Time, timeout time.Duration) (time.Time, error) {
	select {
	case t := <-found:
		return t, nil
	case <-h.out.ended:
		return time.Time{}, errors.New("wait for hand node: its console ended")
	case <-time.After(timeout):
		return time.Time{}, fmt.Errorf("wait for hand node: nothing within %v", timeout)
	}
}

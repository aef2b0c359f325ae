package console

import (
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// stream collects a subscription's output for expect.
type stream struct {
	ch  <-chan []byte
	buf []byte
}

func subscribe(t *testing.T, c *Console) *stream {
	t.Helper()
	ch, cancel := c.Subscribe()
	t.Cleanup(cancel)
	return &stream{ch: ch}
}

// expect waits up to d for output matching pattern and drops the output up
// to the end of the match, so that the next expect looks at what follows.
func (s *stream) expect(t *testing.T, pattern string, d time.Duration) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	timeout := time.After(d)
	for {
		if loc := re.FindIndex(s.buf); loc != nil {
			m := string(s.buf[loc[0]:loc[1]])
			s.buf = s.buf[loc[1]:]
			return m
		}
		select {
		case p, ok := <-s.ch:
			if !ok {
				t.Fatalf("output ended before %q; last output %q", pattern, last(s.buf))
			}
			s.buf = append(s.buf, p...)
		case <-timeout:
			t.Fatalf("no %q within %v; last output %q", pattern, d, last(s.buf))
		}
	}
}

func last(b []byte) string {
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return string(b)
}

// startOnConsole starts a command with the console's slave as its
// controlling terminal and stdio, closes umwb's copy of the slave, and kills
// and reaps the command when the test ends.
func startOnConsole(t *testing.T, c *Console, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Slave(), c.Slave(), c.Slave()
	cmd.Env = []string{"PATH=/usr/bin:/bin", "TERM=xterm-256color", "PS1=$ ", "HOME=/"}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setsid:    true,
		Setctty:   true,
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	if err := c.CloseSlave(); err != nil {
		t.Fatalf("close slave: %v", err)
	}
	return cmd
}

func openConsole(t *testing.T, logPath string, cols, rows int) *Console {
	t.Helper()
	c, err := Open(logPath, cols, rows)
	if err != nil {
		t.Fatalf("open console: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// within fails the test if f does not return within d.
func within(t *testing.T, d time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not finish within %v", what, d)
	}
}

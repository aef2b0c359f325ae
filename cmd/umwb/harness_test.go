package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// writeCluster writes a cluster file named prefix plus a random suffix,
// so that its umids are new, with one [[node]] table per entry of nodes
// (each entry is the table's body). It returns the file's path and the
// cluster's name.
func writeCluster(t *testing.T, prefix string, nodes ...string) (string, string) {
	t.Helper()
	name := fmt.Sprintf("%s-%06x", prefix, rand.Uint32()&0xffffff)
	var b strings.Builder
	fmt.Fprintf(&b, "name = %q\nmem = \"64M\"\n", name)
	for _, n := range nodes {
		fmt.Fprintf(&b, "\n[[node]]\n%s\n", n)
	}
	path := filepath.Join(t.TempDir(), name+".toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, name
}

// testEnv is the environment umwb runs in: the test's own, with
// UMWB_RUN_DIR set to runBase and the extra variables (KEY=VALUE; a bare
// KEY removes the variable).
func testEnv(runBase string, extra ...string) []string {
	drop := map[string]bool{"UMWB_RUN_DIR": true}
	for _, e := range extra {
		k, _, _ := strings.Cut(e, "=")
		drop[k] = true
	}
	var env []string
	for _, e := range os.Environ() {
		k, _, _ := strings.Cut(e, "=")
		if !drop[k] {
			env = append(env, e)
		}
	}
	env = append(env, "UMWB_RUN_DIR="+runBase)
	for _, e := range extra {
		if strings.Contains(e, "=") {
			env = append(env, e)
		}
	}
	return env
}

// lockedBuffer collects a process's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// umwbProc is a umwb started by a test.
type umwbProc struct {
	cmd    *exec.Cmd
	stdout lockedBuffer
	stderr lockedBuffer
	done   chan struct{} // closed once the process has been reaped
}

// startUmwb starts umwb with args in runBase. When the test ends, a umwb
// still running gets SIGTERM (and SIGKILL if it does not go).
func startUmwb(t *testing.T, runBase string, args ...string) *umwbProc {
	t.Helper()
	u := &umwbProc{done: make(chan struct{})}
	u.cmd = exec.Command(umwbBin, args...)
	u.cmd.Env = testEnv(runBase)
	u.cmd.Stdout, u.cmd.Stderr = &u.stdout, &u.stderr
	if err := u.cmd.Start(); err != nil {
		t.Fatalf("start umwb: %v", err)
	}
	go func() {
		u.cmd.Wait()
		close(u.done)
	}()
	t.Cleanup(func() {
		if _, ok := u.exitCode(0); !ok {
			u.signal(syscall.SIGTERM)
			if _, ok := u.exitCode(20 * time.Second); !ok {
				t.Errorf("umwb did not end within 20 s of SIGTERM; killing it")
				u.signal(syscall.SIGKILL)
				<-u.done
			}
		}
		noPanic(t, "umwb", u.stdout.String()+u.stderr.String())
	})
	return u
}

func (u *umwbProc) signal(sig syscall.Signal) {
	select {
	case <-u.done:
	default:
		u.cmd.Process.Signal(sig)
	}
}

// exitCode waits up to timeout for umwb to end and returns its exit code
// (-1 for a signal); ok is false if it still runs.
func (u *umwbProc) exitCode(timeout time.Duration) (code int, ok bool) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-u.done:
	default:
		select {
		case <-u.done:
		case <-t.C:
			return 0, false
		}
	}
	return u.cmd.ProcessState.ExitCode(), true
}

// output is what umwb printed so far, for failure messages.
func (u *umwbProc) output() string {
	return fmt.Sprintf("stdout:\n%s\nstderr:\n%s", u.stdout.String(), u.stderr.String())
}

// noPanic fails the test if out holds a Go panic or goroutine dump.
func noPanic(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range []string{"panic:", "goroutine "} {
		if strings.Contains(out, s) {
			t.Errorf("%s printed a Go panic trace (%q):\n%s", what, s, out)
			return
		}
	}
}

// result is how a short-lived command ended.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit status %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// runUmwb runs umwb with args to its end (at most 90 s) in env.
func runUmwb(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, umwbBin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("run umwb %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("umwb %s did not end within 90 s", strings.Join(args, " "))
	}
	noPanic(t, "umwb "+strings.Join(args, " "), r.stdout+r.stderr)
	return r
}

// ctl runs `umwb ctl args...` against the umwb of runBase.
func ctl(t *testing.T, runBase string, args ...string) result {
	t.Helper()
	return runUmwb(t, testEnv(runBase), append([]string{"ctl"}, args...)...)
}

// mustCtl runs `umwb ctl args...` and fails the test unless it succeeds.
func mustCtl(t *testing.T, runBase string, args ...string) string {
	t.Helper()
	r := ctl(t, runBase, args...)
	if r.code != 0 {
		t.Fatalf("umwb ctl %s: %s", strings.Join(args, " "), r)
	}
	return r.stdout
}

// waitReady waits until umwb answers on its control socket and has said
// so on stdout, up to 15 s.
func (u *umwbProc) waitReady(t *testing.T, runBase string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if code, ok := u.exitCode(0); ok {
			t.Fatalf("umwb ended with status %d before it was ready\n%s", code, u.output())
		}
		if strings.Contains(u.stdout.String(), "control socket") &&
			ctl(t, runBase, "status").code == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("umwb's control socket did not answer within 15 s\n%s", u.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

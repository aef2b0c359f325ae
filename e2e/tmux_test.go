package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// screenCols and screenRows are the size of the terminal umwb runs in.
const screenCols, screenRows = 160, 50

// term is umwb running in a window of a tmux server that belongs to one
// test. Only that server is ever addressed (tmux -L with a unique name).
type term struct {
	t      *testing.T
	socket string // tmux -L name
}

// startTUI starts umwb on clusterFile in a new tmux server, with runBase
// as UMWB_RUN_DIR. The server is killed when the test ends.
func startTUI(t *testing.T, runBase, clusterFile string) *term {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is not installed (the Debian package tmux: apt-get install tmux): %v", err)
	}
	file, err := filepath.Abs(clusterFile)
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, socket: fmt.Sprintf("umwb-e2e-%d-%08x", os.Getpid(), rand.Uint32())}

	// A window exactly the screen's size, no status line, and a pane
	// that stays after umwb exits so that its exit status can be read.
	conf := filepath.Join(t.TempDir(), "tmux.conf")
	err = os.WriteFile(conf, []byte("set -g status off\nset -g remain-on-exit on\n"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("tmux", "-u", "-L", tm.socket, "-f", conf,
		"new-session", "-d", "-s", "umwb", "-x", strconv.Itoa(screenCols),
		"-y", strconv.Itoa(screenRows), fmt.Sprintf("exec '%s' '%s'", umwbBin, file))
	// The server, and so umwb, inherits this environment.
	cmd.Env = append(withoutVars(os.Environ(), "UMWB_RUN_DIR", "TMUX", "LANG", "LC_ALL"),
		"UMWB_RUN_DIR="+runBase, "LANG=C.UTF-8")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("start tmux: %v\n%s", err, out)
	}
	// kill-server leaves the socket file behind; it goes too.
	var sock string
	t.Cleanup(func() {
		exec.Command("tmux", "-L", tm.socket, "kill-server").Run()
		if sock != "" && filepath.Base(sock) == tm.socket {
			os.Remove(sock)
		}
	})
	sock = strings.TrimSpace(tm.tmux("display-message", "-p", "#{socket_path}"))
	want := fmt.Sprintf("%dx%d", screenCols, screenRows)
	if got := strings.TrimSpace(tm.tmux("display-message", "-p", "-t", "umwb",
		"#{pane_width}x#{pane_height}")); got != want {
		t.Fatalf("tmux made a %s pane, want %s", got, want)
	}
	return tm
}

// withoutVars returns env without the named variables.
func withoutVars(env []string, names ...string) []string {
	var out []string
	for _, e := range env {
		k, _, _ := strings.Cut(e, "=")
		drop := false
		for _, n := range names {
			drop = drop || k == n
		}
		if !drop {
			out = append(out, e)
		}
	}
	return out
}

// tmux runs a tmux command on the test's server.
func (tm *term) tmux(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.socket}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the terminal shows now.
func (tm *term) screen() string {
	tm.t.Helper()
	return tm.tmux("capture-pane", "-p", "-t", "umwb")
}

// press sends keys by tmux name: "b", "Enter", "Escape", "C-a", "Down".
func (tm *term) press(keys ...string) {
	tm.t.Helper()
	tm.tmux(append([]string{"send-keys", "-t", "umwb"}, keys...)...)
}

// typeText types s literally.
func (tm *term) typeText(s string) {
	tm.t.Helper()
	tm.tmux("send-keys", "-t", "umwb", "-l", s)
}

// waitFor polls the screen until ok holds, up to timeout, and returns
// that screen; on timeout the test fails with the last screen.
func (tm *term) waitFor(what string, timeout time.Duration, ok func(screen string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tm.screen()
		if ok(s) {
			return s
		}
		if dead, e := tm.exited(); dead {
			tm.t.Fatalf("umwb ended (%v) while waiting for %s; screen:\n%s", e, what, s)
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("after %v the screen shows no %s:\n%s", timeout, what, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitMatch waits until the screen matches re.
func (tm *term) waitMatch(what string, timeout time.Duration, re *regexp.Regexp) string {
	tm.t.Helper()
	return tm.waitFor(what, timeout, re.MatchString)
}

// exit is how umwb ended: an exit status, or a signal.
type exit struct {
	status int
	signal int // 0 unless a signal ended umwb
}

func (e exit) String() string {
	if e.signal != 0 {
		return fmt.Sprintf("killed by signal %d (%s)",
			e.signal, unix.SignalName(syscall.Signal(e.signal)))
	}
	return fmt.Sprintf("exit status %d", e.status)
}

// exited reports whether umwb has ended, and how.
func (tm *term) exited() (bool, exit) {
	tm.t.Helper()
	f := strings.Split(strings.TrimSpace(tm.tmux("display-message", "-p", "-t", "umwb",
		"#{pane_dead},#{pane_dead_status},#{pane_dead_signal},#{pid}")), ",")
	if len(f) != 4 || f[0] != "1" {
		return false, exit{}
	}
	if f[1] == "" && f[2] == "" {
		// The pane's terminal has closed but tmux has not reaped umwb.
		// Debian's tmux is built with libutempter, whose own SIGCHLD
		// handler, installed while a dead pane's utmp record is removed,
		// can swallow the SIGCHLD of umwb's exit; tmux then never reaps
		// it (tmux issue #311). Another SIGCHLD makes the server look.
		if pid, err := strconv.Atoi(f[3]); err == nil && pid > 1 {
			syscall.Kill(pid, syscall.SIGCHLD)
		}
		return false, exit{}
	}
	var e exit
	e.status, _ = strconv.Atoi(f[1])
	e.signal, _ = strconv.Atoi(f[2])
	return true, e
}

// waitExit waits up to timeout for umwb to end and says how it ended.
func (tm *term) waitExit(timeout time.Duration) exit {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if dead, e := tm.exited(); dead {
			return e
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("umwb has not ended after %v (tmux: %s; %s); screen:\n%s",
				timeout, tm.paneInfo(), tm.umwbProc(), tm.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// paneInfo is what tmux says about the pane, for failure messages.
func (tm *term) paneInfo() string {
	tm.t.Helper()
	return strings.TrimSpace(tm.tmux("display-message", "-p", "-t", "umwb",
		"pid #{pane_pid} dead #{pane_dead} status #{pane_dead_status} signal #{pane_dead_signal}"))
}

// umwbProc describes umwb's process as /proc shows it, for failure
// messages.
func (tm *term) umwbProc() string {
	tm.t.Helper()
	pid := strings.TrimSpace(tm.tmux("display-message", "-p", "-t", "umwb", "#{pane_pid}"))
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return fmt.Sprintf("no process %s", pid)
	}
	return "/proc/" + pid + "/stat: " + strings.TrimSpace(string(b))
}

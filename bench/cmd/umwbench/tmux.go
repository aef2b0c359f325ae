package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// tmuxServer is a tmux server of the bench's own (tmux -L NAME), with a
// configuration file of the bench's and no client attached: its panes are
// drawn into tmux's grid only, which capture-pane reads.
type tmuxServer struct {
	name string
	conf string
}

// tmuxConf is the whole configuration: the TERM panes get (tcell, in
// umwb, has this entry built in).
const tmuxConf = "set -g default-terminal tmux-256color\n"

func newTmux(name, work string) (*tmuxServer, error) {
	conf := filepath.Join(work, "tmux.conf")
	if err := os.WriteFile(conf, []byte(tmuxConf), 0o600); err != nil {
		return nil, fmt.Errorf("write tmux configuration: %w", err)
	}
	return &tmuxServer{name: name, conf: conf}, nil
}

func (t *tmuxServer) cmd(args ...string) *exec.Cmd {
	return exec.Command("tmux", append([]string{"-L", t.name, "-f", t.conf}, args...)...)
}

// run runs a tmux command and returns its output.
func (t *tmuxServer) run(args ...string) (string, error) {
	out, err := t.cmd(args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("tmux %s: %w: %s", args[0], err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// newSession starts a detached session of cols x rows running command
// (a shell command line).
func (t *tmuxServer) newSession(session string, cols, rows int, command string) error {
	_, err := t.run("new-session", "-d", "-s", session, "-x", strconv.Itoa(cols),
		"-y", strconv.Itoa(rows), command)
	return err
}

// pid returns the process id of a session's pane, or of the server for
// session "".
func (t *tmuxServer) pid(session string) (int, error) {
	args := []string{"display-message", "-p", "#{pid}"}
	if session != "" {
		args = []string{"display-message", "-p", "-t", session, "#{pane_pid}"}
	}
	out, err := t.run(args...)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(out))
}

// sendText types text into a session's pane, literally.
func (t *tmuxServer) sendText(session, text string) error {
	_, err := t.run("send-keys", "-t", session, "-l", text)
	return err
}

// sendKey presses a key (tmux's key names: Enter, Escape, ...).
func (t *tmuxServer) sendKey(session, key string) error {
	_, err := t.run("send-keys", "-t", session, key)
	return err
}

// kill ends the server and every pane in it, and waits a little for the
// server to go.
func (t *tmuxServer) kill() {
	pid, err := t.pid("")
	t.cmd("kill-server").Run()
	for i := 0; err == nil && i < 250 && alive(pid); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	os.Remove(t.socket())
}

// socket is the path of the server's socket, which kill-server leaves.
func (t *tmuxServer) socket() string {
	dir := os.Getenv("TMUX_TMPDIR")
	if dir == "" {
		dir = "/tmp"
	}
	return filepath.Join(dir, fmt.Sprintf("tmux-%d", os.Getuid()), t.name)
}

// tmuxControl is a control-mode client (tmux -C) of a server: commands
// go through one connection instead of a new tmux process each, so that
// polling capture-pane every few milliseconds costs little. It attaches
// to a session of its own so that no pane output streams to it.
type tmuxControl struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func (t *tmuxServer) control() (*tmuxControl, error) {
	if err := t.newSession("probe", 80, 24, "exec sleep 100000"); err != nil {
		return nil, err
	}
	cmd := t.cmd("-C", "attach-session", "-t", "probe")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start tmux control client: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start tmux control client: %w", err)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start tmux control client: %w", err)
	}
	c := &tmuxControl{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20)}
	// Skip whatever the attach printed: from the reply that carries the
	// token on, replies come in the order of the commands.
	const token = "umwbench-control-ready"
	for {
		lines, err := c.do("display-message -p " + token)
		if err != nil {
			c.close()
			return nil, err
		}
		if len(lines) == 1 && lines[0] == token {
			return c, nil
		}
	}
}

// do sends one command line and returns the lines of its reply.
func (c *tmuxControl) do(command string) ([]string, error) {
	if _, err := io.WriteString(c.in, command+"\n"); err != nil {
		return nil, fmt.Errorf("tmux control: %w", err)
	}
	var lines []string
	inBlock := false
	for {
		l, err := c.out.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("tmux control: %w", err)
		}
		l = strings.TrimRight(l, "\r\n")
		switch {
		case strings.HasPrefix(l, "%begin "):
			inBlock, lines = true, nil
		case inBlock && strings.HasPrefix(l, "%end "):
			return lines, nil
		case inBlock && strings.HasPrefix(l, "%error "):
			return nil, fmt.Errorf("tmux control: %s: %s", command, strings.Join(lines, " "))
		case inBlock:
			lines = append(lines, l)
		}
	}
}

func (c *tmuxControl) close() error {
	c.in.Close()
	err := c.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return nil
	}
	return err
}

// shellQuote quotes s for sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellLine joins words into a shell command line.
func shellLine(words ...string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shellQuote(w)
	}
	return strings.Join(q, " ")
}

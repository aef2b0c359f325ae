package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// umwbProc is one umwb the bench started: headless as its child, or the
// TUI in a tmux pane (then cmd is nil and pid is the pane's process).
type umwbProc struct {
	cfg     *config
	cluster string
	cmd     *exec.Cmd
	pid     int
	log     *os.File
}

// startHeadless starts `umwb --headless clusterFile` and waits until its
// control socket answers. umwb gets SIGTERM if the bench dies first.
func startHeadless(cfg *config, cluster, clusterFile string) (*umwbProc, error) {
	logf, err := os.Create(filepath.Join(cfg.work, cluster+".headless.out"))
	if err != nil {
		return nil, fmt.Errorf("start umwb: %w", err)
	}
	cmd := exec.Command(cfg.umwb, "--headless", clusterFile)
	cmd.Env = append(os.Environ(), "UMWB_RUN_DIR="+cfg.runBase())
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start umwb: %w", err)
	}
	u := &umwbProc{cfg: cfg, cluster: cluster, cmd: cmd, pid: cmd.Process.Pid, log: logf}
	if err := u.waitReady(15 * time.Second); err != nil {
		u.stop()
		return nil, err
	}
	return u, nil
}

// waitReady waits until `umwb ctl status` answers.
func (u *umwbProc) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		_, err := u.ctl("status")
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || !alive(u.pid) {
			return fmt.Errorf("wait for umwb %s: %w", u.cluster, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ctl runs `umwb ctl --cluster NAME args...` and returns its output.
func (u *umwbProc) ctl(args ...string) ([]byte, error) {
	return u.ctlCmd(args...).Output()
}

func (u *umwbProc) ctlCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(u.cfg.umwb, append([]string{"ctl", "--cluster", u.cluster}, args...)...)
	cmd.Env = append(os.Environ(), "UMWB_RUN_DIR="+u.cfg.runBase())
	return cmd
}

// ctlErr runs a ctl command and turns a failure into an error with what
// umwb said.
func (u *umwbProc) ctlErr(args ...string) error {
	out, err := u.ctlCmd(args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("umwb ctl %s: %w: %s", strings.Join(args, " "), err,
			strings.TrimSpace(string(out)))
	}
	return nil
}

// nodeStatus is the part of `umwb ctl status --json` the bench reads.
type nodeStatus struct {
	Name  string `json:"name"`
	State string `json:"state"`
	Pid   int    `json:"pid"`
	Log   string `json:"console_log"`
}

func (u *umwbProc) status() ([]nodeStatus, error) {
	out, err := u.ctl("status", "--json")
	if err != nil {
		return nil, fmt.Errorf("umwb ctl status: %w", err)
	}
	var st struct {
		Nodes []nodeStatus `json:"nodes"`
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return nil, fmt.Errorf("read umwb status: %w", err)
	}
	return st.Nodes, nil
}

// logPath is where umwb keeps node's console log.
func (u *umwbProc) logPath(node string) string {
	return filepath.Join(u.cfg.runBase(), u.cluster, node+".console.log")
}

// stop ends umwb with SIGTERM (a clean exit halts its nodes) and waits;
// SIGKILL after 20 s.
func (u *umwbProc) stop() error {
	if u.log != nil {
		defer u.log.Close()
	}
	syscall.Kill(u.pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		if u.cmd != nil {
			u.cmd.Wait()
		} else {
			for alive(u.pid) {
				time.Sleep(20 * time.Millisecond)
			}
		}
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(20 * time.Second):
		syscall.Kill(u.pid, syscall.SIGKILL)
		<-done
		return errors.New("stop umwb: it did not end within 20 s of SIGTERM")
	}
}

// alive reports whether pid is a process that has not ended (a zombie
// has ended).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z'
}

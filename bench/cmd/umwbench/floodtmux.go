package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// capturePoll is how often a tmux pane is read while waiting for a flood's
// end marker.
const capturePoll = 10 * time.Millisecond

// typeSettle is how long the bench waits after typing a command line
// before pressing Enter, so that the typing is not timed.
const typeSettle = 300 * time.Millisecond

// paneTarget is a console shown in a tmux pane: umwb's TUI or the
// kernel itself. owner, when set, closes the tmux server with it.
type paneTarget struct {
	tm      *tmuxServer
	ctl     *tmuxControl
	session string
	kernel  int // the kernel's pid, for the kicker
	u       *umwbProc
	owner   bool
}

// openTUITarget starts umwb's TUI with a one-node cluster in a 200 x 50
// pane and puts the keyboard into node1's console.
func openTUITarget(ctx context.Context, cfg *config, tm *tmuxServer,
	ctl *tmuxControl) (*paneTarget, error) {
	const cluster = "ft"
	file, err := writeCluster(cfg.work, cluster, 1, true)
	if err != nil {
		return nil, err
	}
	logs := nodeLogs(cfg, cluster, 1)
	u, err := startTUI(cfg, tm, "tui", cluster, file)
	if err != nil {
		return nil, err
	}
	p := &paneTarget{tm: tm, ctl: ctl, session: "tui", u: u, owner: true}
	if err := waitPrompts(ctx, u, logs); err != nil {
		return p, err
	}
	if p.kernel, err = kernelPid(u); err != nil {
		return p, err
	}
	// Enter in the node list focuses the selected (first) node's console.
	if err := tm.sendKey("tui", "Enter"); err != nil {
		return p, err
	}
	if _, err := p.waitScreen(ctx, "typing into node1", 10*time.Second); err != nil {
		return p, fmt.Errorf("focus the console in the TUI: %w", err)
	}
	p.logSize(ctx)
	return p, nil
}

// openPaneTarget starts a kernel by hand as the only process of a tmux
// pane the size of the TUI's console pane (200 x 50 less the node list,
// header, status line and borders).
func openPaneTarget(ctx context.Context, cfg *config, tm *tmuxServer,
	ctl *tmuxControl) (*paneTarget, error) {
	dir := filepath.Join(cfg.work, "hand", "pane")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("start kernel in tmux: %w", err)
	}
	args := append([]string{cfg.kernel}, nodeArgs(dir, cfg.rootFS, "fp", 1)...)
	if err := tm.newSession("pane", 200-34-2, 50-2-2, "exec "+shellLine(args...)); err != nil {
		return nil, err
	}
	p := &paneTarget{tm: tm, ctl: ctl, session: "pane"}
	pid, err := tm.pid("pane")
	if err != nil {
		return p, err
	}
	if _, err := p.waitScreen(ctx, prompt(nodeName(1)), bootTimeout); err != nil {
		return p, err
	}
	p.kernel = pid
	p.logSize(ctx)
	return p, nil
}

// kernelPid asks umwb for node1's kernel pid.
func kernelPid(u *umwbProc) (int, error) {
	st, err := u.status()
	if err != nil {
		return 0, err
	}
	if len(st) == 0 || st[0].Pid == 0 {
		return 0, fmt.Errorf("umwb %s: node1 has no kernel", u.cluster)
	}
	return st[0].Pid, nil
}

// logSize prints the console size the guest sees, to check that the TUI
// console and the bare pane have the same.
func (p *paneTarget) logSize(ctx context.Context) {
	// Keys typed the moment the first prompt shows can be lost; the
	// floods are typed long after it.
	time.Sleep(time.Second)
	// The quotes keep the typed line from matching.
	p.tm.sendText(p.session, `echo SI""ZE $(stty size) EN""D`)
	p.tm.sendKey(p.session, "Enter")
	lines, err := p.waitScreen(ctx, "SIZE", 10*time.Second)
	if err != nil {
		fmt.Fprintf(os.Stderr, "flood: %s: console size unknown: %v; the pane shows:\n%s\n",
			p.session, err, strings.Join(lines, "\n"))
		return
	}
	for _, l := range lines {
		i, j := strings.Index(l, "SIZE"), strings.Index(l, "END")
		if i >= 0 && j > i {
			fmt.Fprintf(os.Stderr, "flood: %s pane: the guest's console has rows, columns %s\n",
				p.session, strings.TrimSpace(l[i+4:j]))
		}
	}
}

func (p *paneTarget) flood(ctx context.Context, line, marker string) (float64, error) {
	if err := p.tm.sendText(p.session, line); err != nil {
		return 0, err
	}
	time.Sleep(typeSettle)
	var secs float64
	err := withKick(p.kernel, func() error {
		t0 := time.Now()
		if _, err := p.ctl.do("send-keys -t " + p.session + " Enter"); err != nil {
			return err
		}
		_, err := p.waitScreen(ctx, marker, floodTimeout)
		secs = time.Since(t0).Seconds()
		return err
	})
	return secs, err
}

// waitScreen polls the pane until some line shows s, and returns the
// screen.
func (p *paneTarget) waitScreen(ctx context.Context, s string,
	timeout time.Duration) ([]string, error) {
	deadline := time.Now().Add(timeout)
	for {
		lines, err := p.ctl.do("capture-pane -p -t " + p.session)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			if strings.Contains(l, s) {
				return lines, nil
			}
		}
		if time.Now().After(deadline) {
			return lines, fmt.Errorf("wait for %q in tmux pane %s: not there after %v",
				s, p.session, timeout)
		}
		select {
		case <-ctx.Done():
			return lines, ctx.Err()
		case <-time.After(capturePoll):
		}
	}
}

func (p *paneTarget) close() {
	if p.u != nil {
		p.u.stop()
	} else if p.kernel != 0 {
		syscall.Kill(p.kernel, syscall.SIGKILL)
	}
	if p.owner {
		p.ctl.close()
		p.tm.kill()
	}
}

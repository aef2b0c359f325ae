package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// headlessTarget is node1 of a one-node headless umwb. Headless umwb has
// no keyboard: the flood is typed with `umwb ctl run` as a background
// job (ctl run keeps all output in memory and is meant for short
// commands), and its end is seen in umwb's console log, which umwb
// writes as it reads the pty, before its terminal emulator.
type headlessTarget struct {
	u      *umwbProc
	kernel int
}

func openHeadlessTarget(ctx context.Context, cfg *config) (*headlessTarget, error) {
	const cluster = "fh"
	file, err := writeCluster(cfg.work, cluster, 1, true)
	if err != nil {
		return nil, err
	}
	logs := nodeLogs(cfg, cluster, 1)
	u, err := startHeadless(cfg, cluster, file)
	if err != nil {
		return nil, err
	}
	h := &headlessTarget{u: u}
	if err := waitPrompts(ctx, u, logs); err != nil {
		return h, err
	}
	h.kernel, err = kernelPid(u)
	return h, err
}

func (h *headlessTarget) flood(ctx context.Context, line, marker string) (float64, error) {
	log := followLog(h.u.logPath(nodeName(1)))
	ctx, cancel := context.WithTimeout(ctx, floodTimeout)
	defer cancel()
	var secs float64
	err := withKick(h.kernel, func() error {
		t0 := time.Now()
		if err := h.u.ctlErr("run", "node1", "--", "("+line+") &"); err != nil {
			return err
		}
		t, err := log.waitFor(ctx, marker)
		secs = t.Sub(t0).Seconds()
		return err
	})
	return secs, err
}

func (h *headlessTarget) close() { h.u.stop() }

// rawTarget is a kernel on a pty that the bench reads and drops: a
// reference for how fast the guest and the kicked console produce output
// when nobody draws it. It is not a ceiling; tmux, reading in bigger
// gulps, can beat it.
type rawTarget struct {
	h *handNode
}

func openRawTarget(cfg *config) (*rawTarget, error) {
	dir := filepath.Join(cfg.work, "hand", "raw")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("start raw kernel: %w", err)
	}
	h, err := startHand(cfg.kernel, nodeArgs(dir, cfg.rootFS, "fr", 1), 80, 24, prompt(nodeName(1)))
	if err != nil {
		return nil, err
	}
	r := &rawTarget{h: h}
	if _, err := h.waitFor(h.first, bootTimeout); err != nil {
		return r, err
	}
	return r, nil
}

func (r *rawTarget) flood(ctx context.Context, line, marker string) (float64, error) {
	if err := r.h.typeText(line); err != nil {
		return 0, err
	}
	time.Sleep(typeSettle)
	found := r.h.out.expect(marker)
	var secs float64
	err := withKick(r.h.pid(), func() error {
		t0 := time.Now()
		if err := r.h.typeText("\r"); err != nil {
			return err
		}
		t, err := r.h.waitFor(found, floodTimeout)
		secs = t.Sub(t0).Seconds()
		return err
	})
	return secs, err
}

func (r *rawTarget) close() { r.h.kill() }

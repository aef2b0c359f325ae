package main

import (
	"context"
	"fmt"
	"os"
	"time"
)

// idleSettle is how long four freshly booted nodes are left alone before
// the measuring starts.
const idleSettle = 5 * time.Second

// idleBench measures umwb's own CPU use while four nodes sit idle at
// their prompts, headless and with the TUI drawing in a tmux pane, in
// turns.
func idleBench(ctx context.Context, cfg *config) error {
	const cluster = "bi"
	file, err := writeCluster(cfg.work, cluster, 4, true)
	if err != nil {
		return err
	}
	var headless, tui, server []float64
	for round := 1; round <= cfg.reps; round++ {
		h, err := idleHeadless(ctx, cfg, cluster, file)
		if err != nil {
			return err
		}
		t, s, err := idleTUI(ctx, cfg, cluster, file, round)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "idle round %d: headless %.2f%%, TUI %.2f%% (tmux server %.2f%%)\n",
			round, h, t, s)
		headless, tui, server = append(headless, h), append(tui, t), append(server, s)
	}

	pct := func(x float64) string { return fmt.Sprintf("%.2f %%", x) }
	t := table{head: []string{"umwb CPU, 4 idle nodes (% of one core)", "min", "median"}}
	t.add("headless", pct(minOf(headless)), pct(median(headless)))
	t.add("TUI drawing in tmux", pct(minOf(tui)), pct(median(tui)))
	t.add("TUI / headless (median of pairs)", "", ratio(median(pairRatios(tui, headless))))
	fmt.Printf("### umwb's CPU use while 4 nodes sit idle (%d rounds of %.0f s each)\n\n%s\n"+
		"- headless: %s; TUI: %s\n"+
		"- for context, not umwb's: the tmux server holding the TUI used %s (median)\n\n",
		cfg.reps, cfg.secs, t.String(), list(headless, pct), list(tui, pct), pct(median(server)))
	return nil
}

// idleHeadless boots the cluster headless and measures umwb once.
func idleHeadless(ctx context.Context, cfg *config, cluster, file string) (float64, error) {
	logs := nodeLogs(cfg, cluster, 4)
	u, err := startHeadless(cfg, cluster, file)
	if err != nil {
		return 0, err
	}
	defer u.stop()
	if err := waitPrompts(ctx, u, logs); err != nil {
		return 0, err
	}
	pct, err := cpuPercent(ctx, []int{u.pid}, cfg.secs)
	if err != nil {
		return 0, err
	}
	return pct[0], nil
}

// idleTUI starts umwb's TUI in a tmux pane of 200 x 50, which boots the
// cluster, and measures umwb and, for context, the tmux server.
func idleTUI(ctx context.Context, cfg *config, cluster, file string,
	round int) (umwb, server float64, err error) {
	logs := nodeLogs(cfg, cluster, 4)
	tm, err := newTmux(fmt.Sprintf("%s-idle%d", cfg.tmux, round), cfg.work)
	if err != nil {
		return 0, 0, err
	}
	defer tm.kill()
	u, err := startTUI(cfg, tm, "tui", cluster, file)
	if err != nil {
		return 0, 0, err
	}
	defer u.stop()
	if err := waitPrompts(ctx, u, logs); err != nil {
		return 0, 0, err
	}
	spid, err := tm.pid("")
	if err != nil {
		return 0, 0, err
	}
	pct, err := cpuPercent(ctx, []int{u.pid, spid}, cfg.secs)
	if err != nil {
		return 0, 0, err
	}
	return pct[0], pct[1], nil
}

// startTUI starts umwb with its TUI in a new 200 x 50 session of tm and
// waits for its control socket.
func startTUI(cfg *config, tm *tmuxServer, session, cluster, file string) (*umwbProc, error) {
	line := "exec " + shellLine("env", "UMWB_RUN_DIR="+cfg.runBase(), cfg.umwb, file)
	if err := tm.newSession(session, 200, 50, line); err != nil {
		return nil, err
	}
	pid, err := tm.pid(session)
	if err != nil {
		return nil, err
	}
	u := &umwbProc{cfg: cfg, cluster: cluster, pid: pid}
	if err := u.waitReady(15 * time.Second); err != nil {
		u.stop()
		return nil, err
	}
	return u, nil
}

// nodeLogs follows the console logs of a cluster's first n nodes from
// their current ends.
func nodeLogs(cfg *config, cluster string, n int) []*logFollower {
	u := &umwbProc{cfg: cfg, cluster: cluster}
	var logs []*logFollower
	for i := 1; i <= n; i++ {
		logs = append(logs, followLog(u.logPath(nodeName(i))))
	}
	return logs
}

// waitPrompts waits until every node is up and its prompt is in its
// log, then lets the nodes settle.
func waitPrompts(ctx context.Context, u *umwbProc, logs []*logFollower) error {
	ctx, cancel := context.WithTimeout(ctx, bootTimeout)
	defer cancel()
	for i, l := range logs {
		if _, err := l.waitFor(ctx, prompt(nodeName(i+1))); err != nil {
			return err
		}
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(idleSettle):
	}
	return nil
}

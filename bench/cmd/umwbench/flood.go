package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// floodTimeout bounds one flood.
const floodTimeout = 120 * time.Second

// floodTarget is a console that a flood can be typed into.
type floodTarget interface {
	// flood types line, presses Enter (the clock starts then) and
	// returns the seconds until marker has been seen.
	flood(ctx context.Context, line, marker string) (float64, error)
	close()
}

// floodBench times a flood of console output from the guest, typed into
// the same kind of node four ways: a console of umwb's TUI drawing in a
// tmux pane, the kernel run directly in a tmux pane, a headless umwb,
// and a bare pty read by the bench.
func floodBench(ctx context.Context, cfg *config) error {
	names := []string{"umwb TUI in tmux", "kernel directly in a tmux pane",
		"umwb headless (no drawing)", "bare pty, read and dropped"}
	targets, size, err := openFloodTargets(ctx, cfg)
	defer func() {
		// The TUI target owns the tmux server: it goes last.
		for i := len(targets) - 1; i >= 0; i-- {
			if targets[i] != nil {
				targets[i].close()
			}
		}
	}()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "flood: %d bytes of od output a run\n", size)

	secs := make([][]float64, len(targets))
	seq := 0
	start := time.Now()
	// Run 0 is a warm-up. The order turns each run so that no target is
	// always first after a quiet spell. On a slow or busy machine the
	// runs stop once the time budget is spent, after at least one.
	for rep := 0; rep <= cfg.reps; rep++ {
		if rep > 1 && time.Since(start) > cfg.budget {
			fmt.Fprintf(os.Stderr, "flood: time budget of %v spent after %d runs\n",
				cfg.budget, rep-1)
			break
		}
		for k := range targets {
			i := (k + rep) % len(targets)
			seq++
			line := fmt.Sprintf(`head -c %d /dev/zero | od -v | cat; echo F""LOODEND-%d-`,
				cfg.flood, seq)
			marker := fmt.Sprintf("FLOODEND-%d-", seq)
			s, err := targets[i].flood(ctx, line, marker)
			if err != nil {
				return fmt.Errorf("%s: %w", names[i], err)
			}
			fmt.Fprintf(os.Stderr, "flood run %d, %s: %.2f s, %.2f MB/s\n",
				rep, names[i], s, float64(size)/1e6/s)
			if rep > 0 {
				secs[i] = append(secs[i], s)
			}
		}
	}
	printFlood(cfg, names, secs, size)
	return nil
}

func printFlood(cfg *config, names []string, secs [][]float64, size int64) {
	rate := func(s float64) float64 { return float64(size) / 1e6 / s }
	mbs := func(x float64) string { return fmt.Sprintf("%.2f MB/s", x) }
	rates := make([][]float64, len(secs))
	for i := range secs {
		for _, s := range secs[i] {
			rates[i] = append(rates[i], rate(s))
		}
	}
	t := table{head: []string{"console taking the flood", "best", "median",
		"vs kernel in a tmux pane (median of pairs)"}}
	var notes []string
	for i, n := range names {
		best := 0.0
		for _, r := range rates[i] {
			best = max(best, r)
		}
		t.add(n, mbs(best), mbs(median(rates[i])), ratio(median(pairRatios(rates[i], rates[1]))))
		notes = append(notes, fmt.Sprintf("- %s: %s s", n, list(secs[i],
			func(s float64) string { return strconv.FormatFloat(s, 'f', 2, 64) })))
	}
	fmt.Printf("### Console flood: `head -c %d /dev/zero | od -v | cat`, "+
		"%.1f MB of output (%d runs each, after a warm-up)\n\n%s\n%s\n\n",
		cfg.flood, float64(size)/1e6, len(secs[0]), t.String(), strings.Join(notes, "\n"))
}

// openFloodTargets boots the four consoles and counts the bytes a flood
// prints.
func openFloodTargets(ctx context.Context, cfg *config) ([]floodTarget, int64, error) {
	targets := make([]floodTarget, 4)
	tm, err := newTmux(cfg.tmux+"-flood", cfg.work)
	if err != nil {
		return targets, 0, err
	}
	ctl, err := tm.control()
	if err != nil {
		tm.kill()
		return targets, 0, err
	}
	targets[0], err = openTUITarget(ctx, cfg, tm, ctl)
	if err != nil {
		ctl.close()
		tm.kill()
		return targets, 0, err
	}
	// The tmux server and control client go with the TUI target, which
	// is closed last.
	if targets[1], err = openPaneTarget(ctx, cfg, tm, ctl); err != nil {
		return targets, 0, err
	}
	h, err := openHeadlessTarget(ctx, cfg)
	if err != nil {
		return targets, 0, err
	}
	targets[2] = h
	if targets[3], err = openRawTarget(cfg); err != nil {
		return targets, 0, err
	}
	count := fmt.Sprintf("head -c %d /dev/zero | od -v | wc -c", cfg.flood)
	out, err := h.u.ctl("run", "node1", "--", count)
	if err != nil {
		return targets, 0, fmt.Errorf("count flood bytes: %w", err)
	}
	size, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return targets, 0, fmt.Errorf("count flood bytes: %q: %w", out, err)
	}
	return targets, size, nil
}

// withKick runs f while a kicker signals the kernel pid (see kick).
func withKick(pid int, f func() error) error {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		kick(pid, stop)
	}()
	err := f()
	close(stop)
	<-done
	return err
}

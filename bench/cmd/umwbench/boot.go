package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// bootTimeout bounds one boot of up to four nodes.
const bootTimeout = 90 * time.Second

// bootRun is one boot's figures, in seconds.
type bootRun struct {
	prompt  float64 // boot request to the last node's shell prompt
	up      float64 // boot request to umwb's last "up" event (umwb only)
	booting float64 // boot request to umwb's first "booting" event (umwb only)
}

// bootBench times a boot request to the shell prompt, for one node and
// for four, through a headless umwb (`umwb ctl boot`) and by hand, in
// turns.
func bootBench(ctx context.Context, cfg *config) error {
	const cluster = "bb"
	file, err := writeCluster(cfg.work, cluster, 4, false)
	if err != nil {
		return err
	}
	u, err := startHeadless(cfg, cluster, file)
	if err != nil {
		return err
	}
	defer u.stop()
	ev, err := u.followEvents()
	if err != nil {
		return err
	}
	defer ev.close()

	sizes := []int{1, 4}
	umwb := map[int][]bootRun{}
	hand := map[int][]float64{}
	// Run 0 is a warm-up: it fills the page cache with the kernel and
	// root_fs and is not counted.
	for rep := 0; rep <= cfg.reps; rep++ {
		for _, n := range sizes {
			var ur bootRun
			var hr float64
			umwbFirst := rep%2 == 0
			for turn := 0; turn < 2; turn++ {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if (turn == 0) == umwbFirst {
					ur, err = umwbBoot(ctx, u, ev, n)
				} else {
					hr, err = handBoot(ctx, cfg, n, rep)
				}
				if err != nil {
					return err
				}
			}
			fmt.Fprintf(os.Stderr, "boot %d node(s), run %d: umwb %s "+
				"(booting event %s, up event %s), by hand %s\n",
				n, rep, ms(ur.prompt), ms(ur.booting), ms(ur.up), ms(hr))
			if rep > 0 {
				umwb[n] = append(umwb[n], ur)
				hand[n] = append(hand[n], hr)
			}
		}
	}
	printBoot(cfg, sizes, umwb, hand)
	return nil
}

// umwbBoot boots the first n nodes with `umwb ctl boot`, waits for their
// prompts in the console logs and halts them again.
func umwbBoot(ctx context.Context, u *umwbProc, ev *eventLog, n int) (bootRun, error) {
	var logs []*logFollower
	for i := 1; i <= n; i++ {
		logs = append(logs, followLog(u.logPath(nodeName(i))))
	}
	target := "all"
	if n == 1 {
		target = nodeName(1)
	}
	ctx, cancel := context.WithTimeout(ctx, bootTimeout)
	defer cancel()

	t0 := time.Now()
	if err := u.ctlErr("boot", target); err != nil {
		return bootRun{}, err
	}
	times := make([]time.Time, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range logs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			times[i], errs[i] = logs[i].waitFor(ctx, prompt(nodeName(i+1)))
		}()
	}
	wg.Wait()
	var r bootRun
	for i := range times {
		if errs[i] != nil {
			u.ctlErr("halt", "all")
			return r, fmt.Errorf("boot through umwb: %w", errs[i])
		}
		r.prompt = max(r.prompt, times[i].Sub(t0).Seconds())
		if up, ok := ev.after(nodeName(i+1), "up", t0); ok {
			r.up = max(r.up, up.Sub(t0).Seconds())
		}
		if b, ok := ev.after(nodeName(i+1), "booting", t0); ok {
			d := b.Sub(t0).Seconds()
			if i == 0 || d < r.booting {
				r.booting = d
			}
		}
	}
	if err := u.ctlErr("halt", "all"); err != nil {
		return r, err
	}
	return r, nil
}

// handBoot starts n kernels by hand, with umwb's command line, waits for
// their prompts and kills them.
func handBoot(ctx context.Context, cfg *config, n, rep int) (float64, error) {
	dir := filepath.Join(cfg.work, "hand", fmt.Sprintf("boot%d-%d", n, rep))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, fmt.Errorf("boot by hand: %w", err)
	}
	defer os.RemoveAll(dir)

	nodes := make([]*handNode, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	t0 := time.Now()
	// Started at once, as umwb boots "all" (one goroutine a node).
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nodes[i], errs[i] = startHand(cfg.kernel, nodeArgs(dir, cfg.rootFS, "bh", i+1),
				80, 24, prompt(nodeName(i+1)))
		}()
	}
	wg.Wait()
	defer func() {
		for _, h := range nodes {
			if h != nil {
				h.kill()
			}
		}
	}()
	var last float64
	for i, h := range nodes {
		if errs[i] != nil {
			return 0, errs[i]
		}
		t, err := h.waitFor(h.first, bootTimeout)
		if err != nil {
			return 0, fmt.Errorf("boot by hand: %w", err)
		}
		last = max(last, t.Sub(t0).Seconds())
	}
	return last, ctx.Err()
}

func printBoot(cfg *config, sizes []int, umwb map[int][]bootRun, hand map[int][]float64) {
	t := table{head: []string{"boot request to shell prompt", "umwb min", "umwb median",
		"by hand min", "by hand median", "umwb / by hand (median of pairs)"}}
	var notes []string
	for _, n := range sizes {
		var prompts, ups, bootings []float64
		for _, r := range umwb[n] {
			prompts = append(prompts, r.prompt)
			ups = append(ups, r.up)
			bootings = append(bootings, r.booting)
		}
		what := "1 node"
		if n > 1 {
			what = fmt.Sprintf("%d nodes (all prompts)", n)
		}
		t.add(what, ms(minOf(prompts)), ms(median(prompts)), ms(minOf(hand[n])),
			ms(median(hand[n])), ratio(median(pairRatios(prompts, hand[n]))))
		notes = append(notes,
			fmt.Sprintf("- %s: umwb %s; by hand %s. Medians of umwb's own events: "+
				"\"booting\" (the request has reached umwb) %s, \"up\" (the guest's up line) %s",
				what, list(prompts, ms), list(hand[n], ms), ms(median(bootings)), ms(median(ups))))
	}
	fmt.Printf("### Boot latency (%d runs each, after a warm-up)\n\n%s\n%s\n\n",
		cfg.reps, t.String(), strings.Join(notes, "\n"))
}

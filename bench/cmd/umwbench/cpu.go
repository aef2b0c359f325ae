package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times; it is 100
// on every Linux architecture Go runs UML on.
const clockTicks = 100

// cpuTicks returns the user plus system time pid has used, all its
// threads, in clock ticks (fields 14 and 15 of /proc/PID/stat).
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read cpu time: %w", err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("read cpu time of %d: short stat line", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("read cpu time of %d: bad stat line", pid)
	}
	return ut + st, nil
}

// cpuPercent measures each pid's CPU use over secs seconds, in percent
// of one core.
func cpuPercent(ctx context.Context, pids []int, secs float64) ([]float64, error) {
	before := make([]int64, len(pids))
	for i, p := range pids {
		t, err := cpuTicks(p)
		if err != nil {
			return nil, err
		}
		before[i] = t
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(time.Duration(secs * float64(time.Second))):
	}
	wall := time.Since(start).Seconds()
	pct := make([]float64, len(pids))
	for i, p := range pids {
		t, err := cpuTicks(p)
		if err != nil {
			return nil, err
		}
		pct[i] = float64(t-before[i]) / clockTicks / wall * 100
	}
	return pct, nil
}

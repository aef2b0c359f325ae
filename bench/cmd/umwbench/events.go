package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os/exec"
	"sync"
	"time"
)

// eventLog follows `umwb ctl events` and keeps when each node entered
// each state. The times are umwb's own: "booting" is stamped when umwb
// starts to boot the node, "up" when the guest's up line reaches its
// console reader.
type eventLog struct {
	cmd *exec.Cmd

	mu    sync.Mutex
	times map[string][]time.Time // by node and state: "node1 up"
}

func (u *umwbProc) followEvents() (*eventLog, error) {
	cmd := u.ctlCmd("events")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("follow umwb events: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("follow umwb events: %w", err)
	}
	e := &eventLog{cmd: cmd, times: map[string][]time.Time{}}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var ev struct {
				Time  time.Time `json:"time"`
				Node  string    `json:"node"`
				State string    `json:"state"`
			}
			if json.Unmarshal(sc.Bytes(), &ev) != nil {
				continue
			}
			key := ev.Node + " " + ev.State
			e.mu.Lock()
			e.times[key] = append(e.times[key], ev.Time)
			e.mu.Unlock()
		}
	}()
	return e, nil
}

// after returns when node entered state at or after t0, waiting a little
// for the event to arrive.
func (e *eventLog) after(node, state string, t0 time.Time) (time.Time, bool) {
	for i := 0; i < 100; i++ {
		e.mu.Lock()
		for _, t := range e.times[node+" "+state] {
			if !t.Before(t0) {
				e.mu.Unlock()
				return t, true
			}
		}
		e.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	return time.Time{}, false
}

func (e *eventLog) close() {
	e.cmd.Process.Kill()
	e.cmd.Wait()
}

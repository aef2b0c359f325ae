package vm

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LoadSample is one reading of a node's load, taken through its mconsole
// from the guest's /proc.
type LoadSample struct {
	Time     time.Time `json:"time"`
	Load1    float64   `json:"load1"`
	Load5    float64   `json:"load5"`
	Load15   float64   `json:"load15"`
	Runnable int       `json:"runnable"` // tasks running or ready to run
	Tasks    int       `json:"tasks"`    // all tasks
	MemTotal int64     `json:"mem_total_kb"`
	MemUsed  int64     `json:"mem_used_kb"` // total less available
}

// parseLoadavg reads /proc/loadavg: "0.12 0.05 0.01 2/31 123".
func parseLoadavg(s string, ls *LoadSample) error {
	f := strings.Fields(s)
	if len(f) < 4 {
		return fmt.Errorf("parse loadavg %q: too few fields", trimForMsg(s))
	}
	var err error
	parse := func(x string) float64 {
		v, e := strconv.ParseFloat(x, 64)
		if e != nil && err == nil {
			err = fmt.Errorf("parse loadavg %q: %w", trimForMsg(s), e)
		}
		return v
	}
	ls.Load1, ls.Load5, ls.Load15 = parse(f[0]), parse(f[1]), parse(f[2])
	run, total, ok := strings.Cut(f[3], "/")
	if !ok {
		return fmt.Errorf("parse loadavg %q: no runnable/total field", trimForMsg(s))
	}
	ls.Runnable, ls.Tasks = int(parse(run)), int(parse(total))
	return err
}

// parseMeminfo reads MemTotal and MemAvailable from /proc/meminfo.
func parseMeminfo(s string, ls *LoadSample) error {
	var avail int64 = -1
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch key {
		case "MemTotal":
			ls.MemTotal = v
		case "MemAvailable":
			avail = v
		}
	}
	if ls.MemTotal <= 0 || avail < 0 {
		return fmt.Errorf("parse meminfo: no MemTotal or MemAvailable")
	}
	ls.MemUsed = ls.MemTotal - avail
	return nil
}

func trimForMsg(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// loadHistory keeps a node's newest load samples.
type loadHistory struct {
	samples []LoadSample
}

// HistoryLen is how many samples a node keeps: two minutes at one a
// second.
const HistoryLen = 120

func (h *loadHistory) add(s LoadSample) {
	if len(h.samples) == HistoryLen {
		copy(h.samples, h.samples[1:])
		h.samples = h.samples[:HistoryLen-1]
	}
	h.samples = append(h.samples, s)
}

func (h *loadHistory) last() *LoadSample {
	if len(h.samples) == 0 {
		return nil
	}
	s := h.samples[len(h.samples)-1]
	return &s
}

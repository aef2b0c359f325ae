package main

import (
	"encoding/json"
	"testing"
	"time"
)

// clusterStatus is what a script reads from `umwb ctl status --json`,
// declared here by its JSON names as a script would.
type clusterStatus struct {
	Name   string       `json:"name"`
	RunDir string       `json:"run_dir"`
	Nodes  []nodeStatus `json:"nodes"`
}

type nodeStatus struct {
	Name   string      `json:"name"`
	State  string      `json:"state"`
	Since  time.Time   `json:"since"`
	Reason string      `json:"reason"`
	Pid    int         `json:"pid"`
	Umid   string      `json:"umid"`
	Load   *loadSample `json:"load"`
}

type loadSample struct {
	Time     time.Time `json:"time"`
	Load1    float64   `json:"load1"`
	Tasks    int       `json:"tasks"`
	MemTotal int64     `json:"mem_total_kb"`
	MemUsed  int64     `json:"mem_used_kb"`
}

// node returns the named node's status, or fails the test.
func (cs clusterStatus) node(t *testing.T, name string) nodeStatus {
	t.Helper()
	for _, n := range cs.Nodes {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("status has no node %q: %+v", name, cs)
	return nodeStatus{}
}

// status runs `umwb ctl status --json` and parses it.
func status(t *testing.T, runBase string) clusterStatus {
	t.Helper()
	out := mustCtl(t, runBase, "status", "--json")
	var cs clusterStatus
	if err := json.Unmarshal([]byte(out), &cs); err != nil {
		t.Fatalf("status --json is not JSON: %v\n%s", err, out)
	}
	return cs
}

// waitStatus polls the status until ok holds, up to timeout.
func waitStatus(t *testing.T, runBase string, timeout time.Duration, what string,
	ok func(clusterStatus) bool) clusterStatus {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		cs := status(t, runBase)
		if ok(cs) {
			return cs
		}
		if time.Now().After(deadline) {
			b, _ := json.MarshalIndent(cs, "", "  ")
			t.Fatalf("after %v, still not %s:\n%s", timeout, what, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitState runs `umwb ctl wait NODE STATE` and checks the status agrees.
func waitState(t *testing.T, runBase, node, state string) clusterStatus {
	t.Helper()
	mustCtl(t, runBase, "wait", node, state, "--timeout", "30")
	cs := status(t, runBase)
	for _, n := range cs.Nodes {
		if (node == "all" || n.Name == node) && n.State != state {
			t.Fatalf("ctl wait %s %s returned, but status says %s is %s",
				node, state, n.Name, n.State)
		}
	}
	return cs
}

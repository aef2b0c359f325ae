package vm

import "time"

// NodeStatus is a node as `umwb ctl status` and the TUI's node list show
// it.
type NodeStatus struct {
	Name      string      `json:"name"`
	Index     int         `json:"index"`
	State     State       `json:"state"`
	Since     time.Time   `json:"since"`
	Reason    string      `json:"reason,omitempty"`
	Pid       int         `json:"pid,omitempty"`
	Umid      string      `json:"umid"`
	Mem       string      `json:"mem"`
	Load      *LoadSample `json:"load,omitempty"`
	LastLines []string    `json:"last_lines,omitempty"`
	Log       string      `json:"console_log"`
	Mconsole  string      `json:"mconsole"`
}

// ClusterStatus is the whole cluster's status.
type ClusterStatus struct {
	Name   string       `json:"name"`
	RunDir string       `json:"run_dir"`
	Nodes  []NodeStatus `json:"nodes"`
}

// Status reports the node's state.
func (n *Node) Status() NodeStatus {
	n.mu.Lock()
	defer n.mu.Unlock()
	st := NodeStatus{
		Name: n.Spec.Name, Index: n.Spec.Index, State: n.state, Since: n.since,
		Reason: n.reason, Umid: n.Umid(), Mem: n.Spec.Mem,
		LastLines: n.lastLines, Log: n.LogPath(), Mconsole: n.mconsolePath(),
	}
	if n.proc != nil && n.state.Running() {
		st.Pid = n.proc.pid
	}
	if n.state == Up || n.state == Paused {
		st.Load = n.load.last()
	}
	return st
}

// Status reports every node's state.
func (c *Cluster) Status() ClusterStatus {
	cs := ClusterStatus{Name: c.File.Name, RunDir: c.RunDir}
	for _, n := range c.Nodes {
		cs.Nodes = append(cs.Nodes, n.Status())
	}
	return cs
}

package vm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Event is a change in the cluster: a node's state, or new load samples
// (State is then -1).
type Event struct {
	Time  time.Time `json:"time"`
	Node  string    `json:"node"`
	State State     `json:"state"`
	Msg   string    `json:"msg,omitempty"`
}

// LoadEvent marks an Event that carries no state change, only new load
// samples.
const LoadEvent State = -1

// Cluster is the supervisor of one cluster's nodes. The TUI, the control
// socket and the tests all drive it through its methods.
type Cluster struct {
	File   *ClusterFile
	RunDir string
	Nodes  []*Node

	lock *os.File // flock held while the cluster runs

	mu     sync.Mutex
	subs   map[chan Event]struct{}
	closed bool
	stop   chan struct{}
	wg     sync.WaitGroup
}

// ErrClusterBusy means another umwb runs the same cluster.
var ErrClusterBusy = errors.New("cluster is already running")

// NewCluster prepares the cluster's run directory and takes its lock. It
// boots nothing.
func NewCluster(cf *ClusterFile) (*Cluster, error) {
	dir := filepath.Join(RunBase(), cf.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	os.Chmod(RunBase(), 0o700)
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open cluster lock: %w", err)
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("cluster %q in %s: %w (use `umwb ctl` to talk to it)", cf.Name, dir, ErrClusterBusy)
	}
	// Whatever a previous run left (it was killed before it could clean
	// up) is stale now that we hold the lock.
	Reap(dir)

	c := &Cluster{File: cf, RunDir: dir, lock: lock,
		subs: map[chan Event]struct{}{}, stop: make(chan struct{})}
	for _, spec := range cf.Nodes {
		c.Nodes = append(c.Nodes, newNode(c, spec))
	}
	c.wg.Add(1)
	go c.sampleLoad()
	return c, nil
}

// Node finds a node by name.
func (c *Cluster) Node(name string) (*Node, error) {
	for _, n := range c.Nodes {
		if n.Spec.Name == name {
			return n, nil
		}
	}
	return nil, &NodeError{name, "find", ErrNoNode}
}

// Select returns the named node, or every node for "all".
func (c *Cluster) Select(name string) ([]*Node, error) {
	if name == "all" {
		return c.Nodes, nil
	}
	n, err := c.Node(name)
	if err != nil {
		return nil, err
	}
	return []*Node{n}, nil
}

// Subscribe returns a channel of cluster events. A subscriber that falls
// behind loses events rather than slowing the cluster down.
func (c *Cluster) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 256)
	c.mu.Lock()
	c.subs[ch] = struct{}{}
	c.mu.Unlock()
	return ch, func() {
		c.mu.Lock()
		if _, ok := c.subs[ch]; ok {
			delete(c.subs, ch)
			close(ch)
		}
		c.mu.Unlock()
	}
}

func (c *Cluster) emit(e Event) {
	e.Time = time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for ch := range c.subs {
		select {
		case ch <- e:
		default:
		}
	}
}

// each runs f on every node at once and joins the errors.
func each(nodes []*Node, f func(*Node) error) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f(n)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Boot boots the named node, or all nodes that are not running.
func (c *Cluster) Boot(name string) error {
	nodes, err := c.Select(name)
	if err != nil {
		return err
	}
	return each(nodes, func(n *Node) error {
		if s, _ := n.State(); name == "all" && s.Running() {
			return nil
		}
		return n.Boot()
	})
}

// BootAuto boots the nodes whose cluster file entry asks for it.
func (c *Cluster) BootAuto() error {
	var nodes []*Node
	for _, n := range c.Nodes {
		if n.Spec.AutoBoot() {
			nodes = append(nodes, n)
		}
	}
	return each(nodes, (*Node).Boot)
}

// HaltTimeout is how long a halt waits for a kernel to end by itself
// before it is killed.
const HaltTimeout = 6 * time.Second

// Halt halts the named node, or all running nodes.
func (c *Cluster) Halt(name string) error {
	nodes, err := c.Select(name)
	if err != nil {
		return err
	}
	return each(nodes, func(n *Node) error {
		if s, _ := n.State(); name == "all" && !s.Running() {
			return nil
		}
		return n.Halt(HaltTimeout)
	})
}

// Reboot reboots the named node or all nodes.
func (c *Cluster) Reboot(name string) error {
	nodes, err := c.Select(name)
	if err != nil {
		return err
	}
	return each(nodes, (*Node).Reboot)
}

// Kill kills the named node's kernel with SIGKILL, as a crash would.
func (c *Cluster) Kill(name string) error {
	nodes, err := c.Select(name)
	if err != nil {
		return err
	}
	return each(nodes, func(n *Node) error {
		if s, _ := n.State(); name == "all" && !s.Running() {
			return nil
		}
		return n.Kill()
	})
}

// Close halts every node, waits for the kernels to end and releases the
// run directory. It is safe to call more than once.
func (c *Cluster) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	close(c.stop)
	c.mu.Unlock()
	c.wg.Wait()

	err := c.Halt("all")
	c.mu.Lock()
	for ch := range c.subs {
		close(ch)
	}
	c.subs = map[chan Event]struct{}{}
	c.mu.Unlock()
	Reap(c.RunDir)
	c.lock.Close()
	return err
}

// sampleLoad reads every up node's load once a second.
func (c *Cluster) sampleLoad() {
	defer c.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		var wg sync.WaitGroup
		for _, n := range c.Nodes {
			if s, _ := n.State(); s != Up {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				n.sample()
			}()
		}
		wg.Wait()
		c.emit(Event{State: LoadEvent})
	}
}

// sample takes one load reading through the node's mconsole.
func (n *Node) sample() {
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	ls := LoadSample{Time: time.Now()}
	avg, err := n.Mconsole(ctx, "proc loadavg")
	if err == nil {
		err = parseLoadavg(avg, &ls)
	}
	if err != nil {
		return
	}
	if mem, err := n.Mconsole(ctx, "proc meminfo"); err == nil {
		parseMeminfo(mem, &ls)
	}
	n.mu.Lock()
	n.load.add(ls)
	n.mu.Unlock()
}

// LoadHistory returns a copy of the node's newest load samples, oldest
// first.
func (n *Node) LoadHistory() []LoadSample {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]LoadSample(nil), n.load.samples...)
}

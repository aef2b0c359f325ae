package vm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"umwb/console"
	"umwb/debugger"
)

// Errors callers test for.
var (
	ErrNotRunning = errors.New("node is not running")
	ErrRunning    = errors.New("node is already running")
	ErrNoNode     = errors.New("no such node")
)

// NodeError is a failed operation on one node.
type NodeError struct {
	Node string
	Op   string
	Err  error
}

func (e *NodeError) Error() string { return fmt.Sprintf("%s %s: %v", e.Op, e.Node, e.Err) }
func (e *NodeError) Unwrap() error { return e.Err }

// upMarker is what the guest's init prints when the node is up; see
// assets/rootfs/etc/init.d/rcS.
const upMarker = "umwb: %s (node %d) is up"

// Node is one UML kernel of a cluster.
//
// Lock order: Cluster.mu before Node.mu. Node.mu guards the fields below
// it and is never held across I/O with the kernel.
type Node struct {
	Spec NodeSpec
	c    *Cluster

	mu         sync.Mutex
	state      State
	since      time.Time
	reason     string   // why the node is in its state, in words
	lastLines  []string // the console's last lines when the kernel ended
	panicMsg   string
	halting    bool
	banners    int   // kernel banners seen on the console this boot
	pausedFrom State // the state to return to from Paused
	gen        int   // boot count; stale watchers compare it
	proc       *kernelProc
	con        *console.Console
	mc         *Mconsole
	dbg        *debugger.Engine
	load       loadHistory
	cols       int
	rows       int
}

func newNode(c *Cluster, spec NodeSpec) *Node {
	return &Node{Spec: spec, c: c, state: Off, since: time.Now(), cols: 80, rows: 24}
}

// Name is the node's name from the cluster file.
func (n *Node) Name() string { return n.Spec.Name }

// Umid is the node's UML unique id; its mconsole socket and pid file
// live under <run dir>/uml/<umid>.
func (n *Node) Umid() string { return n.c.File.Name + "-" + n.Spec.Name }

func (n *Node) umidDir() string      { return filepath.Join(n.c.RunDir, "uml", n.Umid()) }
func (n *Node) cowPath() string      { return filepath.Join(n.c.RunDir, n.Spec.Name+".cow") }
func (n *Node) LogPath() string      { return filepath.Join(n.c.RunDir, n.Spec.Name+".console.log") }
func (n *Node) mconsolePath() string { return filepath.Join(n.umidDir(), "mconsole") }

// State returns the node's state and when it entered it.
func (n *Node) State() (State, time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.state, n.since
}

// Console returns the node's current console, nil before the first boot.
// A new boot brings a new console.
func (n *Node) Console() *console.Console {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.con
}

// SetConsoleSize records the size the node's console is drawn at, so the
// next boot starts with it.
func (n *Node) SetConsoleSize(cols, rows int) {
	n.mu.Lock()
	n.cols, n.rows = cols, rows
	n.mu.Unlock()
}

// cmdline is the kernel command line a node boots with.
func (n *Node) cmdline(rootFS string) []string {
	args := []string{
		"ubd0=" + n.cowPath() + "," + rootFS,
		"root=/dev/ubda", "rw",
		"umid=" + n.Umid(),
		"uml_dir=" + filepath.Join(n.c.RunDir, "uml"),
		"mem=" + n.Spec.Mem,
		"con=null", "ssl=null", "con0=fd:0,fd:1",
		"umwb.name=" + n.Spec.Name,
		fmt.Sprintf("umwb.node=%d", n.Spec.Index),
		"umwb.cluster=" + n.c.File.Name,
	}
	args = append(args, n.c.File.Args...)
	return append(args, n.Spec.Args...)
}

// setState moves the node to s and tells the cluster's watchers.
// n.mu must be held.
func (n *Node) setState(s State, reason string) {
	n.state, n.reason, n.since = s, reason, time.Now()
	n.c.emit(Event{Node: n.Spec.Name, State: s, Msg: reason})
}

// Boot starts the node's kernel. It returns once the kernel process runs;
// the node is Up when its guest says so.
func (n *Node) Boot() error { return n.boot(false) }

// boot starts the kernel; with traceme it stops at its exec for a
// debugger to take over.
func (n *Node) boot(traceme bool) error {
	n.mu.Lock()
	if n.state.Running() {
		n.mu.Unlock()
		return &NodeError{n.Spec.Name, "boot", ErrRunning}
	}
	n.gen++
	gen := n.gen
	n.halting, n.panicMsg, n.lastLines = false, "", nil
	n.load = loadHistory{}
	cols, rows := n.cols, n.rows
	n.setState(Booting, "starting kernel")
	n.mu.Unlock()

	fail := func(err error) error {
		n.mu.Lock()
		if n.gen == gen {
			n.setState(Crashed, err.Error())
		}
		n.mu.Unlock()
		return &NodeError{n.Spec.Name, "boot", err}
	}
	kernel, err := FindKernel(n.c.File.Kernel)
	if err != nil {
		return fail(err)
	}
	rootFS, err := FindRootFS(n.c.File.RootFS)
	if err != nil {
		return fail(err)
	}
	// Each boot from off starts from a fresh copy of root_fs.
	os.Remove(n.cowPath())
	os.RemoveAll(n.umidDir())
	if err := os.MkdirAll(filepath.Dir(n.umidDir()), 0o700); err != nil {
		return fail(err)
	}
	if len(n.mconsolePath()) > 107 {
		return fail(fmt.Errorf("run directory %s is too deep for a Unix socket path; set UMWB_RUN_DIR to a shorter one", n.c.RunDir))
	}

	con, err := console.Open(n.LogPath(), cols, rows)
	if err != nil {
		return fail(err)
	}
	out, unsubscribe := con.Subscribe()
	proc, err := startKernel(kernel, n.cmdline(rootFS), con.Slave(), traceme)
	con.CloseSlave()
	if err != nil {
		unsubscribe()
		con.Close()
		return fail(err)
	}
	con.Start()

	n.mu.Lock()
	n.proc, n.con = proc, con
	n.mu.Unlock()
	go n.watchConsole(gen, con, out, unsubscribe)
	go n.waitExit(gen, proc, con)
	return nil
}

// watchConsole follows the console for the guest's up marker, a kernel
// restarting itself (guest reboot) and kernel panics.
func (n *Node) watchConsole(gen int, con *console.Console, out <-chan []byte, unsubscribe func()) {
	up := fmt.Sprintf(upMarker, n.Spec.Name, n.Spec.Index)
	var line []byte
	kick := time.AfterFunc(time.Hour, func() { n.kickConsole(gen) })
	defer kick.Stop()
	for {
		for chunk := range out {
			kick.Reset(consoleKickDelay)
			for _, b := range chunk {
				if b != '\n' {
					if len(line) < 4096 {
						line = append(line, b)
					}
					continue
				}
				n.consoleLine(gen, up, strings.TrimRight(string(line), "\r"))
				line = line[:0]
			}
		}
		unsubscribe()
		// A subscriber that fell behind a flood of output is cut off;
		// follow the console again unless it has ended.
		select {
		case <-con.Done():
			return
		default:
		}
		out, unsubscribe = con.Subscribe()
		line = line[:0]
	}
}

// consoleKickDelay is how long console output may pause before the
// kernel is nudged; see kickConsole.
const consoleKickDelay = 3 * time.Millisecond

// kickConsole sends the kernel a SIGIO once console output has paused.
// A UML kernel whose console write found the pty full waits for a SIGIO
// saying it can write again, and the host does not always send one after
// the reader drained the pty: a flood of output then crawls along at a
// few kilobytes a second. A spurious SIGIO only makes the kernel poll its
// descriptors. It is sent only to a node that is up (early in boot the
// kernel has no handler for it) and not stopped by a debugger.
func (n *Node) kickConsole(gen int) {
	n.mu.Lock()
	proc, ok := n.proc, n.gen == gen && n.state == Up && n.dbg == nil
	n.mu.Unlock()
	if ok && proc != nil {
		proc.kill(unix.SIGIO)
	}
}

func (n *Node) consoleLine(gen int, up, line string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.gen != gen {
		return
	}
	switch {
	case strings.Contains(line, up):
		if n.state == Booting {
			n.setState(Up, "")
		}
	case strings.HasPrefix(line, "Linux version "):
		// A kernel that restarts itself prints its banner again.
		n.banners++
		if n.state == Up {
			n.setState(Booting, "rebooting")
		}
	case strings.Contains(line, "Kernel panic - not syncing"):
		n.panicMsg = strings.TrimSpace(line[strings.Index(line, "Kernel panic"):])
	}
}

// waitExit records how the kernel ended and cleans up after it.
func (n *Node) waitExit(gen int, proc *kernelProc, con *console.Console) {
	<-proc.exited
	// Let the console drain what the kernel wrote last.
	select {
	case <-con.Done():
	case <-time.After(time.Second):
	}
	con.Close()
	os.RemoveAll(n.umidDir())

	n.mu.Lock()
	defer n.mu.Unlock()
	if n.gen != gen {
		return
	}
	if n.mc != nil {
		n.mc.Close()
		n.mc = nil
	}
	n.dbg = nil // it saw the exit and let go by itself
	n.lastLines = con.Tail(40)
	ws := proc.status
	switch {
	case n.halting:
		n.setState(Halted, "on request")
	case n.panicMsg != "":
		n.setState(Crashed, n.panicMsg)
	case ws.Exited() && ws.ExitStatus() == 0:
		n.setState(Halted, "powered off by the guest")
	default:
		n.setState(Crashed, describeExit(ws))
	}
}

// mconsole returns a client of the node's management console.
func (n *Node) mconsole() (*Mconsole, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.state.Running() {
		return nil, ErrNotRunning
	}
	if n.mc == nil {
		mc, err := DialMconsole(n.mconsolePath())
		if err != nil {
			return nil, err
		}
		n.mc = mc
	}
	return n.mc, nil
}

// Mconsole sends one management-console command to the node and returns
// the reply.
func (n *Node) Mconsole(ctx context.Context, cmd string) (string, error) {
	if e := n.Debugger(); e != nil && e.Paused() {
		return "", &NodeError{n.Spec.Name, "mconsole",
			fmt.Errorf("the debugger holds the kernel stopped; continue or detach it first")}
	}
	mc, err := n.mconsole()
	if err != nil {
		return "", &NodeError{n.Spec.Name, "mconsole", err}
	}
	reply, err := mc.Do(ctx, cmd)
	if err != nil {
		return reply, &NodeError{n.Spec.Name, "mconsole", err}
	}
	n.noteMconsole(cmd)
	return reply, nil
}

// Halt stops the node's kernel: a clean halt through the mconsole, and
// SIGKILL if the kernel has not gone within the timeout.
func (n *Node) Halt(timeout time.Duration) error {
	n.mu.Lock()
	proc := n.proc
	if !n.state.Running() || proc == nil {
		n.mu.Unlock()
		return &NodeError{n.Spec.Name, "halt", ErrNotRunning}
	}
	n.halting = true
	n.mu.Unlock()

	// A kernel stopped by the debugger cannot halt itself; let it go,
	// breakpoints removed, first.
	n.Undebug()
	ctx, cancel := context.WithTimeout(context.Background(), timeout/2)
	defer cancel()
	if mc, err := n.mconsole(); err == nil {
		mc.Halt(ctx)
	}
	select {
	case <-proc.exited:
	case <-time.After(timeout / 2):
		proc.kill(unix.SIGKILL)
		<-proc.exited
	}
	n.waitSettled(proc)
	return nil
}

// Kill ends the node's kernel with SIGKILL, as a crash would.
func (n *Node) Kill() error {
	n.mu.Lock()
	proc := n.proc
	running := n.state.Running()
	n.mu.Unlock()
	if !running || proc == nil {
		return &NodeError{n.Spec.Name, "kill", ErrNotRunning}
	}
	proc.kill(unix.SIGKILL)
	<-proc.exited
	n.waitSettled(proc)
	return nil
}

// Reboot restarts a running node, or boots a node that is not running.
// A running guest is asked to reboot cleanly (Ctrl-Alt-Del through the
// mconsole, which init answers with a reboot); if its kernel has not
// restarted within RebootGrace, the kernel is restarted at once.
func (n *Node) Reboot() error {
	n.mu.Lock()
	running := n.state.Running()
	banners, gen := n.banners, n.gen
	n.mu.Unlock()
	if !running {
		return n.Boot()
	}
	// A kernel the debugger holds cannot answer; let it go first (its
	// breakpoints would be lost in the new kernel image anyway).
	n.Undebug()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	mc, err := n.mconsole()
	if err == nil {
		err = mc.Cad(ctx)
	}
	if err != nil {
		// A kernel too early in boot to answer: start it again.
		if err := n.Halt(4 * time.Second); err != nil {
			return err
		}
		return n.Boot()
	}
	n.mu.Lock()
	if n.state.Running() {
		n.setState(Booting, "rebooting")
	}
	n.mu.Unlock()
	go n.forceReboot(gen, banners)
	return nil
}

// RebootGrace is how long a clean reboot may take before the kernel is
// restarted without the guest's help.
const RebootGrace = 10 * time.Second

func (n *Node) forceReboot(gen, banners int) {
	deadline := time.Now().Add(RebootGrace)
	for time.Now().Before(deadline) {
		n.mu.Lock()
		done := n.gen != gen || n.banners != banners || !n.state.Running()
		n.mu.Unlock()
		if done {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	mc, err := n.mconsole()
	if err == nil {
		err = mc.Reboot(ctx)
	}
	if err != nil {
		// A wedged kernel answers nothing: start it again from off.
		if n.Halt(4*time.Second) == nil {
			n.Boot()
		}
	}
}

// waitSettled waits until waitExit has recorded the end of proc.
func (n *Node) waitSettled(proc *kernelProc) {
	for i := 0; i < 300; i++ {
		n.mu.Lock()
		settled := n.proc != proc || !n.state.Running()
		n.mu.Unlock()
		if settled {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WaitState waits until the node is in one of the given states.
func (n *Node) WaitState(ctx context.Context, want ...State) (State, error) {
	for {
		s, _ := n.State()
		for _, w := range want {
			if s == w {
				return s, nil
			}
		}
		select {
		case <-ctx.Done():
			return s, &NodeError{n.Spec.Name, "wait", fmt.Errorf("still %s: %w", s, ctx.Err())}
		case <-time.After(20 * time.Millisecond):
		}
	}
}

package vm

import (
	"context"
	"fmt"
	"strings"
)

// Pause freezes the node's guest through its mconsole (`stop`): the
// kernel stops scheduling, console input is queued, and only the mconsole
// answers until Resume.
func (n *Node) Pause(ctx context.Context) error {
	_, err := n.Mconsole(ctx, "stop")
	return err
}

// Resume lets a paused node run again (mconsole `go`); queued console
// input is then processed.
func (n *Node) Resume(ctx context.Context) error {
	_, err := n.Mconsole(ctx, "go")
	return err
}

// noteMconsole follows state changes that an mconsole command made, so
// that `stop` and `go` sent by hand show in the node's state too.
func (n *Node) noteMconsole(cmd string) {
	verb := strings.Fields(cmd)
	if len(verb) == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch verb[0] {
	case "stop":
		if n.state == Up || n.state == Booting {
			n.pausedFrom = n.state
			n.setState(Paused, "stopped through the mconsole")
		}
	case "go":
		if n.state == Paused {
			n.setState(n.pausedFrom, "")
		}
	}
}

// TogglePause pauses a running node or resumes a paused one.
func (n *Node) TogglePause(ctx context.Context) error {
	s, _ := n.State()
	switch s {
	case Paused:
		return n.Resume(ctx)
	case Up, Booting:
		return n.Pause(ctx)
	}
	return &NodeError{n.Spec.Name, "pause", fmt.Errorf("node is %s", s)}
}

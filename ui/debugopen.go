package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rivo/tview"

	"umwb/debugger"
	"umwb/vm"
)

// openDebug attaches a debugger to the selected node and shows its pane
// above the node's console. Loading the kernel's symbols the first time
// takes a moment, so it happens off the UI goroutine.
func (u *UI) openDebug() {
	if u.dbg != nil {
		u.app.SetFocus(u.dbg)
		return
	}
	i := u.selected
	n := u.cluster.Nodes[i]
	if s, _ := n.State(); !s.Running() {
		u.say(fmt.Sprintf("[red]%s is %s: boot it first (b)", n.Name(), s))
		return
	}
	u.say(fmt.Sprintf("attaching to %s's kernel (loading symbols) …", n.Name()))
	go func() {
		syms, err := u.cluster.KernelSymbols()
		e := n.Debugger()
		if err == nil && e == nil {
			e, err = n.Debug()
		}
		u.app.QueueUpdateDraw(func() {
			if err != nil {
				u.say("[red]" + tview.Escape(err.Error()))
				return
			}
			u.showDebug(i, e, syms)
			u.say(fmt.Sprintf("debugging %s: F6 pauses, Esc closes (breakpoints are removed)", n.Name()))
		})
	}()
}

// bootPaused boots the selected node with the debugger attached, stopped
// at start_kernel, and opens the debug pane there.
func (u *UI) bootPaused() {
	if u.dbg != nil {
		u.say("[red]close the open debugger first (Esc in its pane)")
		return
	}
	i := u.selected
	n := u.cluster.Nodes[i]
	if s, _ := n.State(); s.Running() {
		u.say(fmt.Sprintf("[red]%s is %s: halt it first (h)", n.Name(), s))
		return
	}
	u.say(fmt.Sprintf("booting %s stopped at start_kernel …", n.Name()))
	go func() {
		syms, err := u.cluster.KernelSymbols()
		var e *debugger.Engine
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			e, err = n.BootPaused(ctx, "start_kernel")
			cancel()
		}
		u.app.QueueUpdateDraw(func() {
			for _, p := range u.panes {
				p.sync(u.markDirty)
			}
			if err != nil && e == nil {
				u.say("[red]" + tview.Escape(err.Error()))
				return
			}
			u.showDebug(i, e, syms)
			if err != nil {
				u.dbg.log("[red]" + tview.Escape(err.Error()) + "[-]")
			}
			u.say(fmt.Sprintf("%s stopped before its kernel started: F7 steps, F5 boots on", n.Name()))
		})
	}()
}

// showDebug opens the debugger pane of node i. UI goroutine only.
func (u *UI) showDebug(i int, e *debugger.Engine, syms *debugger.Symbols) {
	u.dbg = newDebugPane(u, u.cluster.Nodes[i], e, syms)
	u.dbgIndex = i
	u.layoutBody()
	u.app.SetFocus(u.dbg)
	u.dbg.refresh()
}

// closeDebug removes the node's breakpoints, lets its kernel go and
// hides the pane.
func (u *UI) closeDebug() {
	if u.dbg == nil {
		return
	}
	n := u.dbg.node
	u.dbg = nil
	u.layoutBody()
	u.app.SetFocus(u.nodes)
	go func() {
		err := n.Undebug()
		u.app.QueueUpdateDraw(func() {
			if err != nil {
				u.say("[red]" + tview.Escape(err.Error()))
				return
			}
			u.say(fmt.Sprintf("%s: debugger detached, breakpoints removed", n.Name()))
		})
	}()
}

// layoutBody shows either the consoles or the debug pane with the
// debugged node's console under it.
func (u *UI) layoutBody() {
	u.body.Clear()
	u.body.AddItem(u.nodes, 34, 0, false)
	if u.dbg == nil {
		u.layout()
		u.body.AddItem(u.grid, 0, 1, false)
		return
	}
	area := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(u.dbg, 0, 3, true).
		AddItem(u.panes[u.dbgIndex], 0, 1, false)
	u.body.AddItem(area, 0, 1, true)
}

// debugEvent keeps the pane in step with its node.
func (u *UI) debugEvent(e vm.Event) {
	if u.dbg == nil || e.Node != u.dbg.node.Name() {
		return
	}
	if !e.State.Running() && e.State != vm.LoadEvent {
		u.say(fmt.Sprintf("[red]%s is %s: the debugger let go", e.Node, e.State))
		u.dbg = nil
		u.layoutBody()
		u.app.SetFocus(u.nodes)
		return
	}
	if e.State == vm.Paused && strings.Contains(e.Msg, "(breakpoint at") {
		u.dbg.log("[yellow]" + tview.Escape(e.Msg) + "[-]")
	}
	u.dbg.refresh()
}

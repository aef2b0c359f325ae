// Package ui is umwb's terminal user interface: the node list and load
// map, the nodes' consoles tiled or zoomed, the key map and the help.
//
// Thread rules: tview widgets change only on the application's goroutine;
// other goroutines (cluster events, console output) hand work over with
// QueueUpdateDraw or ask for a redraw, and never block the event loop.
// Cluster operations that wait on kernels run on goroutines of their own.
package ui

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"umwb/vm"
)

// UI is the running interface of one cluster.
type UI struct {
	app     *tview.Application
	cluster *vm.Cluster
	pages   *tview.Pages
	header  *tview.TextView
	status  *tview.TextView
	nodes   *mapView
	panes   []*consolePane
	grid    *tview.Grid
	body    *tview.Flex

	dbg      *debugPane // the open debugger, or nil
	dbgIndex int        // the debugged node

	selected int
	zoomed   bool
	prefix   bool
	dirty    atomic.Bool
	quitting bool
}

// Run shows the UI until the user quits or a signal arrives on sigs.
func Run(c *vm.Cluster, sigs <-chan os.Signal) error {
	u := &UI{app: tview.NewApplication(), cluster: c}
	u.build()

	events, cancel := c.Subscribe()
	defer cancel()
	go func() {
		for e := range events {
			u.app.QueueUpdateDraw(func() { u.onEvent(e) })
		}
	}()
	go func() {
		if _, ok := <-sigs; ok {
			u.app.QueueUpdate(u.app.Stop)
		}
	}()
	stopTick := make(chan struct{})
	defer close(stopTick)
	go u.redrawLoop(stopTick)

	u.app.SetRoot(u.pages, true).EnableMouse(true).EnablePaste(true)
	u.app.SetInputCapture(u.capture)
	u.app.SetFocus(u.nodes)
	return u.app.Run()
}

// redrawLoop draws at most 50 times a second while consoles have new
// output, and once a second anyway for the clocks.
func (u *UI) redrawLoop(stop <-chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		n++
		if u.dirty.Swap(false) || n%50 == 0 {
			u.app.Draw()
		}
	}
}

func (u *UI) markDirty() { u.dirty.Store(true) }

func (u *UI) build() {
	u.header = tview.NewTextView().SetDynamicColors(true)
	u.status = tview.NewTextView().SetDynamicColors(true)
	u.nodes = newMapView(u.cluster, func() int { return u.selected }, u.selectNode)
	for i, n := range u.cluster.Nodes {
		p := newConsolePane(n)
		p.onClick = func() { u.selectNode(i) }
		u.panes = append(u.panes, p)
	}
	u.grid = tview.NewGrid()
	u.body = tview.NewFlex().
		AddItem(u.nodes, 34, 0, false).
		AddItem(u.grid, 0, 1, false)
	root := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(u.header, 1, 0, false).
		AddItem(u.body, 0, 1, true).
		AddItem(u.status, 1, 0, false)
	u.pages = tview.NewPages().AddPage("main", root, true, true)
	u.layoutBody()
	u.updateHeader()
	u.say(fmt.Sprintf("[gray]keys: [white]↑↓[gray] select  [white]Enter[gray] console  [white]b[gray]oot [white]h[gray]alt [white]r[gray]eboot  [white]z[gray]oom  [white]?[gray] help  [white]q[gray]uit  · in a console, [white]%s[gray] then a key", prefixName))
}

// layout places the consoles: all tiled, or the selected one alone.
func (u *UI) layout() {
	u.grid.Clear()
	if u.zoomed {
		u.grid.SetRows(0).SetColumns(0)
		u.grid.AddItem(u.panes[u.selected], 0, 0, 1, 1, 0, 0, false)
		return
	}
	n := len(u.panes)
	cols := 1
	switch {
	case n > 9:
		cols = 4
	case n > 4:
		cols = 3
	case n > 1:
		cols = 2
	}
	rows := (n + cols - 1) / cols
	rowSpec, colSpec := make([]int, rows), make([]int, cols)
	u.grid.SetRows(rowSpec...).SetColumns(colSpec...)
	for i, p := range u.panes {
		r, c := i/cols, i%cols
		span := 1
		if i == n-1 && c < cols-1 {
			span = cols - c // the last console takes the rest of its row
		}
		u.grid.AddItem(p, r, c, 1, span, 0, 0, false)
	}
}

func (u *UI) onEvent(e vm.Event) {
	for _, p := range u.panes {
		p.sync(u.markDirty)
	}
	u.debugEvent(e)
	if e.State != vm.LoadEvent && e.Node != "" {
		switch e.State {
		case vm.Crashed:
			u.say(fmt.Sprintf("[red]%s crashed: %s", e.Node, tview.Escape(e.Msg)))
		case vm.Halted:
			u.say(fmt.Sprintf("[gray]%s halted: %s", e.Node, tview.Escape(e.Msg)))
		case vm.Up:
			if u.dbg == nil {
				u.say(fmt.Sprintf("[green]%s is up", e.Node))
			}
		}
	}
	u.updateHeader()
}

func (u *UI) updateHeader() {
	up := 0
	for _, n := range u.cluster.Nodes {
		if s, _ := n.State(); s == vm.Up {
			up++
		}
	}
	u.header.SetText(fmt.Sprintf("[::b]umwb[::-] · cluster [white]%s[-] · %d nodes, %d up · run dir %s",
		u.cluster.File.Name, len(u.cluster.Nodes), up, u.cluster.RunDir))
}

// say shows a message in the status line.
func (u *UI) say(msg string) { u.status.SetText(msg) }

// capture routes keys: after the prefix key, or while the node list has
// focus, keys are umwb commands; otherwise they go to the console.
func (u *UI) capture(ev *tcell.EventKey) *tcell.EventKey {
	if u.pages.HasPage("modal") {
		if ev.Key() == tcell.KeyCtrlC {
			return nil // tview would quit at once
		}
		return ev
	}
	inConsole := !u.nodes.HasFocus()
	if ev.Key() == tcell.KeyCtrlC && !u.prefix {
		// tview would stop the whole application on Ctrl-C: in a console
		// it is the guest's interrupt key, in the node list it asks to
		// quit like q.
		if !inConsole {
			u.quit()
			return nil
		}
		if p := u.app.GetFocus(); p != nil {
			if h := p.InputHandler(); h != nil {
				h(ev, func(p tview.Primitive) { u.app.SetFocus(p) })
			}
		}
		return nil
	}
	if u.prefix {
		u.prefix = false
		u.say("")
		if ev.Key() == PrefixKey {
			return ev // twice: the guest gets it
		}
		if b := lookup(ev); b != nil {
			b.run(u)
		}
		return nil
	}
	if inConsole {
		if ev.Key() == PrefixKey {
			u.prefix = true
			u.say(fmt.Sprintf("[yellow]%s[white] … press a command key (? help, Esc node list, %s again sends %s)", prefixName, prefixName, prefixName))
			return nil
		}
		return ev
	}
	if b := lookup(ev); b != nil {
		b.run(u)
		return nil
	}
	return ev
}

func (u *UI) selectNode(i int) {
	if i < 0 || i >= len(u.panes) {
		return
	}
	u.selected = i
	if u.zoomed && u.dbg == nil {
		u.layout()
	}
}

func (u *UI) selectBy(d int) {
	n := len(u.panes)
	u.selectNode(((u.selected+d)%n + n) % n)
}

func (u *UI) focusConsole() {
	if u.dbg != nil {
		u.selected = u.dbgIndex // the only console on the screen
	}
	u.panes[u.selected].sync(u.markDirty)
	u.app.SetFocus(u.panes[u.selected])
	u.say(fmt.Sprintf("[gray]typing into %s · %s then Esc to leave, %s then ? for help",
		u.cluster.Nodes[u.selected].Name(), prefixName, prefixName))
}

func (u *UI) focusMap() {
	u.app.SetFocus(u.nodes)
	u.say("")
}

// cycleFocus goes node list → console 1 → console 2 … → node list.
func (u *UI) cycleFocus() {
	if u.dbg != nil {
		// Only the debugger and its node's console are on the screen.
		if u.dbg.HasFocus() {
			u.selectNode(u.dbgIndex)
			u.app.SetFocus(u.panes[u.dbgIndex])
			u.say(fmt.Sprintf("[gray]typing into %s · %s Tab back to the debugger",
				u.cluster.Nodes[u.dbgIndex].Name(), prefixName))
		} else {
			u.app.SetFocus(u.dbg)
		}
		return
	}
	if u.nodes.HasFocus() {
		u.selectNode(0)
		u.focusConsole()
		return
	}
	if u.selected == len(u.panes)-1 {
		u.focusMap()
		return
	}
	u.selectNode(u.selected + 1)
	u.focusConsole()
}

func (u *UI) toggleZoom() {
	u.zoomed = !u.zoomed
	if u.dbg == nil {
		u.layout()
	}
}

func (u *UI) scroll(dir int) {
	p := u.panes[u.selected]
	if p.view == nil {
		return
	}
	_, _, _, h := p.GetRect()
	p.view.ScrollBy(-dir * max(h-3, 1))
}

// nodeOp runs a cluster operation on the selected node without blocking
// the screen, and reports its outcome.
func (u *UI) nodeOp(what string, f func(string) error) {
	u.runOp(what, u.cluster.Nodes[u.selected].Name(), f)
}

func (u *UI) allOp(what string, f func(string) error) { u.runOp(what, "all", f) }

func (u *UI) runOp(what, target string, f func(string) error) {
	u.say(fmt.Sprintf("%s %s …", what, target))
	go func() {
		err := f(target)
		u.app.QueueUpdateDraw(func() {
			for _, p := range u.panes {
				p.sync(u.markDirty)
			}
			if err != nil {
				u.say("[red]" + tview.Escape(err.Error()))
			} else {
				u.say(fmt.Sprintf("%s %s: done", what, target))
			}
		})
	}()
}

func (u *UI) togglePause() {
	n := u.cluster.Nodes[u.selected]
	if n.Debugger() != nil {
		u.say("[yellow]the debugger holds this node: F6/F5 in its pane pause and continue it")
		return
	}
	u.runOp("pause/resume", n.Name(), func(string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		return n.TogglePause(ctx)
	})
}

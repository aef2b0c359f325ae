package ui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"umwb/console"
	"umwb/vm"
)

// consolePane is the place of one node's console on the screen. It holds
// the console view of the node's current boot, or a placeholder before
// the first boot. A new boot brings a new console, so the pane swaps
// views while the layout keeps the pane.
type consolePane struct {
	*tview.Box
	node    *vm.Node
	con     *console.Console
	view    *console.View
	holder  *tview.TextView
	focused bool
	onClick func()
}

func newConsolePane(n *vm.Node) *consolePane {
	p := &consolePane{Box: tview.NewBox(), node: n}
	p.holder = tview.NewTextView().SetDynamicColors(true).SetWrap(true)
	p.holder.SetBorder(true)
	return p
}

// sync picks up the node's current console; onChange is registered on a
// new one. It must run on the UI goroutine.
func (p *consolePane) sync(onChange func()) {
	con := p.node.Console()
	if con == nil || con == p.con {
		return
	}
	p.con = con
	p.view = console.NewView(con, "")
	con.OnChange(onChange)
}

// primitive is what the pane currently shows.
func (p *consolePane) primitive() tview.Primitive {
	if p.view != nil {
		return p.view
	}
	return p.holder
}

func (p *consolePane) title() string {
	st := p.node.Status()
	t := fmt.Sprintf(" %d %s · %s ", st.Index, st.Name, st.State)
	if st.Reason != "" && !st.State.Running() {
		t = fmt.Sprintf(" %d %s · %s: %s ", st.Index, st.Name, st.State, st.Reason)
	}
	if p.view != nil && p.view.Scrolled() > 0 {
		t += fmt.Sprintf("· scrolled %d ", p.view.Scrolled())
	}
	return t
}

func (p *consolePane) Draw(screen tcell.Screen) {
	x, y, w, h := p.GetRect()
	prim := p.primitive()
	p.focused = p.HasFocus()
	st, _ := p.node.State()
	color := stateColor(st)
	if p.focused {
		color = tcell.ColorWhite
	}
	switch v := prim.(type) {
	case *console.View:
		v.SetBorder(true).SetTitle(p.title()).SetTitleAlign(tview.AlignLeft).
			SetBorderColor(color).SetTitleColor(color)
		if p.focused {
			v.SetBorderAttributes(tcell.AttrBold)
		} else {
			v.SetBorderAttributes(0)
		}
		p.node.SetConsoleSize(max(w-2, 1), max(h-2, 1))
	case *tview.TextView:
		v.SetTitle(p.title()).SetTitleAlign(tview.AlignLeft).SetBorderColor(color).SetTitleColor(color)
		v.SetText(p.placeholder())
	}
	prim.SetRect(x, y, w, h)
	prim.Draw(screen)
}

func (p *consolePane) placeholder() string {
	st := p.node.Status()
	var b strings.Builder
	switch st.State {
	case vm.Off:
		fmt.Fprintf(&b, "\n  [gray]%s is off. Select it and press [white]b[gray] to boot it.", st.Name)
	default:
		fmt.Fprintf(&b, "\n  %s is %s.", st.Name, st.State)
	}
	if st.Reason != "" {
		fmt.Fprintf(&b, "\n  %s", tview.Escape(st.Reason))
	}
	for _, l := range st.LastLines {
		fmt.Fprintf(&b, "\n  [gray]%s", tview.Escape(l))
	}
	return b.String()
}

func (p *consolePane) Focus(delegate func(tview.Primitive)) {
	if p.view != nil {
		delegate(p.view)
		return
	}
	p.Box.Focus(delegate)
}

func (p *consolePane) Blur() {
	if p.view != nil {
		p.view.Blur()
	}
	p.Box.Blur()
}

func (p *consolePane) HasFocus() bool {
	if p.view != nil && p.view.HasFocus() {
		return true
	}
	return p.Box.HasFocus()
}

func (p *consolePane) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	if p.view != nil {
		return p.view.InputHandler()
	}
	return p.Box.InputHandler()
}

func (p *consolePane) PasteHandler() func(string, func(tview.Primitive)) {
	if p.view != nil {
		return p.view.PasteHandler()
	}
	return p.Box.PasteHandler()
}

func (p *consolePane) MouseHandler() func(tview.MouseAction, *tcell.EventMouse, func(tview.Primitive)) (bool, tview.Primitive) {
	return func(action tview.MouseAction, event *tcell.EventMouse, setFocus func(tview.Primitive)) (bool, tview.Primitive) {
		if !p.InRect(event.Position()) {
			return false, nil
		}
		if action == tview.MouseLeftClick && p.onClick != nil {
			p.onClick()
		}
		if p.view != nil {
			return p.view.MouseHandler()(action, event, setFocus)
		}
		if action == tview.MouseLeftClick {
			setFocus(p)
			return true, nil
		}
		return false, nil
	}
}

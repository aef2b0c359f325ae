package ui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

func (u *UI) showHelp() {
	var b strings.Builder
	fmt.Fprintf(&b, "[::b]umwb keys[::-]\n\n")
	fmt.Fprintf(&b, "In the node list a key works alone. In a console, press [yellow]%s[-]\nfirst; [yellow]%s %s[-] sends %s to the guest.\n\n", prefixName, prefixName, prefixName, prefixName)
	for _, k := range bindings {
		if k.help == "" {
			continue
		}
		fmt.Fprintf(&b, "  [yellow]%-8s[-] %s\n", tview.Escape(k.name), k.help)
	}
	fmt.Fprintf(&b, "  [yellow]%-8s[-] %s\n", "1-9", "type into node N's console")
	fmt.Fprintf(&b, "\nIn a console: Shift-PgUp/PgDn or the mouse wheel scroll back.\nClick a console to type into it.\n\nPress Esc or q to close.")
	tv := tview.NewTextView().SetDynamicColors(true).SetText(b.String())
	tv.SetBorder(true).SetTitle(" help ")
	tv.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		if ev.Key() == tcell.KeyEscape || ev.Rune() == 'q' || ev.Key() == tcell.KeyEnter {
			u.closeModal()
			return nil
		}
		return ev
	})
	u.showModal(tv, 76, 30)
}

// showModal puts p in the middle of the screen over everything else.
func (u *UI) showModal(p tview.Primitive, w, h int) {
	box := tview.NewFlex().
		AddItem(nil, 0, 1, false).
		AddItem(tview.NewFlex().SetDirection(tview.FlexRow).
			AddItem(nil, 0, 1, false).
			AddItem(p, h, 0, true).
			AddItem(nil, 0, 1, false), w, 0, true).
		AddItem(nil, 0, 1, false)
	u.pages.AddPage("modal", box, true, true)
	u.app.SetFocus(p)
}

func (u *UI) closeModal() {
	u.pages.RemovePage("modal")
	u.app.SetFocus(u.nodes)
}

// quit asks first when nodes are running, since quitting halts them.
func (u *UI) quit() {
	running := 0
	for _, n := range u.cluster.Nodes {
		if s, _ := n.State(); s.Running() {
			running++
		}
	}
	if running == 0 {
		u.app.Stop()
		return
	}
	m := tview.NewModal().
		SetText(fmt.Sprintf("Quit umwb? The %d running node(s) will be halted.", running)).
		AddButtons([]string{"Quit", "Cancel"}).
		SetDoneFunc(func(_ int, label string) {
			if label == "Quit" {
				u.app.Stop()
				return
			}
			u.closeModal()
		})
	m.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		switch ev.Rune() {
		case 'y', 'q':
			u.app.Stop()
			return nil
		case 'n':
			u.closeModal()
			return nil
		}
		return ev
	})
	u.pages.AddPage("modal", m, true, true)
	u.app.SetFocus(m)
}

package console

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// wheelLines is how far one step of the mouse wheel scrolls.
const wheelLines = 3

// InputHandler sends keys to the guest as an xterm would. Shift-PgUp and
// Shift-PgDn scroll the scrollback by a page; any other key first returns
// the view to the live screen.
func (v *View) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return v.WrapInputHandler(func(ev *tcell.EventKey, _ func(tview.Primitive)) {
		if ev.Modifiers() == tcell.ModShift {
			page := max(v.rows-1, 1)
			switch ev.Key() {
			case tcell.KeyPgUp:
				v.ScrollBy(page)
				return
			case tcell.KeyPgDn:
				v.ScrollBy(-page)
				return
			}
		}
		v.scroll = 0
		if b := keyBytes(ev, v.c.InputModes().AppCursor); b != nil {
			// Fails only when the console is closed or its guest stopped
			// reading; a key has nowhere else to go.
			_, _ = v.c.Write(b)
		}
	})
}

// PasteHandler sends pasted text to the guest, bracketed when the guest
// asked for bracketed paste.
func (v *View) PasteHandler() func(string, func(tview.Primitive)) {
	return v.WrapPasteHandler(func(text string, _ func(tview.Primitive)) {
		v.scroll = 0
		_, _ = v.c.Write(pasteBytes(text, v.c.InputModes().BracketedPaste))
	})
}

// MouseHandler focuses the view on a click and scrolls the scrollback with
// the wheel.
func (v *View) MouseHandler() func(tview.MouseAction, *tcell.EventMouse,
	func(tview.Primitive)) (bool, tview.Primitive) {
	return v.WrapMouseHandler(func(action tview.MouseAction, ev *tcell.EventMouse,
		setFocus func(tview.Primitive)) (bool, tview.Primitive) {
		if !v.InRect(ev.Position()) {
			return false, nil
		}
		switch action {
		case tview.MouseLeftDown:
			setFocus(v)
		case tview.MouseScrollUp:
			v.ScrollBy(wheelLines)
		case tview.MouseScrollDown:
			v.ScrollBy(-wheelLines)
		default:
			return false, nil
		}
		return true, nil
	})
}

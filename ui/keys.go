package ui

import "github.com/gdamore/tcell/v2"

// PrefixKey is the key that, pressed in a console, makes the next key a
// command to umwb instead of input to the guest (like tmux's prefix).
// Pressing it twice sends it to the guest.
const (
	PrefixKey  = tcell.KeyCtrlA
	prefixName = "Ctrl-a"
)

// binding is one command key. In the node list the key works alone; in a
// console it works after the prefix key.
type binding struct {
	key  tcell.Key // tcell.KeyRune for printable keys
	ch   rune
	name string // as shown in the help
	help string // empty: not shown
	run  func(u *UI)
}

// bindings is umwb's key map. It is set in init because the help, which
// one binding opens, lists the bindings.
var bindings []binding

func init() {
	bindings = keyMap()
}

func keyMap() []binding {
	return []binding{
		{tcell.KeyRune, '?', "?", "show this help", (*UI).showHelp},
		{tcell.KeyUp, 0, "↑ / k", "select the previous node", func(u *UI) { u.selectBy(-1) }},
		{tcell.KeyRune, 'k', "", "", func(u *UI) { u.selectBy(-1) }},
		{tcell.KeyDown, 0, "↓ / j", "select the next node", func(u *UI) { u.selectBy(1) }},
		{tcell.KeyRune, 'j', "", "", func(u *UI) { u.selectBy(1) }},
		{tcell.KeyEnter, 0, "Enter", "type into the selected node's console", (*UI).focusConsole},
		{tcell.KeyTab, 0, "Tab", "focus the next console (and back to the node list)", (*UI).cycleFocus},
		{tcell.KeyEscape, 0, "Esc", "back to the node list", (*UI).focusMap},
		{tcell.KeyRune, 'b', "b", "boot the selected node", func(u *UI) { u.nodeOp("boot", u.cluster.Boot) }},
		{tcell.KeyRune, 'B', "B", "boot all nodes", func(u *UI) { u.allOp("boot", u.cluster.Boot) }},
		{tcell.KeyRune, 'h', "h", "halt the selected node", func(u *UI) { u.nodeOp("halt", u.cluster.Halt) }},
		{tcell.KeyRune, 'H', "H", "halt all nodes", func(u *UI) { u.allOp("halt", u.cluster.Halt) }},
		{tcell.KeyRune, 'r', "r", "reboot the selected node", func(u *UI) { u.nodeOp("reboot", u.cluster.Reboot) }},
		{tcell.KeyRune, 'K', "K", "kill the selected node's kernel (SIGKILL, like a crash)", func(u *UI) { u.nodeOp("kill", u.cluster.Kill) }},
		{tcell.KeyRune, 'd', "d", "debugger: pause, step and break in the selected node's kernel", (*UI).openDebug},
		{tcell.KeyRune, 'P', "P", "boot the selected node stopped at start_kernel, in the debugger", (*UI).bootPaused},
		{tcell.KeyRune, 'p', "p", "pause or resume the selected node (mconsole stop/go)", (*UI).togglePause},
		{tcell.KeyRune, 'z', "z", "zoom: one console / all consoles tiled", (*UI).toggleZoom},
		{tcell.KeyPgUp, 0, "PgUp", "scroll the selected console back", func(u *UI) { u.scroll(-1) }},
		{tcell.KeyPgDn, 0, "PgDn", "scroll the selected console forward", func(u *UI) { u.scroll(1) }},
		{tcell.KeyRune, 'q', "q", "quit (halts every node)", (*UI).quit},
	}
}

// lookup finds the binding of a key event, or nil. Digits 1-9 select a
// node and focus its console.
func lookup(ev *tcell.EventKey) *binding {
	for i := range bindings {
		b := &bindings[i]
		if ev.Key() != b.key {
			continue
		}
		if b.key == tcell.KeyRune && ev.Rune() != b.ch {
			continue
		}
		return b
	}
	if ev.Key() == tcell.KeyRune && ev.Rune() >= '1' && ev.Rune() <= '9' {
		i := int(ev.Rune() - '1')
		return &binding{run: func(u *UI) { u.selectNode(i); u.focusConsole() }}
	}
	return nil
}

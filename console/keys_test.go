package console

import (
	"testing"

	"github.com/gdamore/tcell/v2"
)

func TestKeyBytes(t *testing.T) {
	ev := tcell.NewEventKey
	const none, shift, ctrl, alt = tcell.ModNone, tcell.ModShift, tcell.ModCtrl, tcell.ModAlt
	cases := []struct {
		name      string
		ev        *tcell.EventKey
		appCursor bool
		want      string
	}{
		{"letter", ev(tcell.KeyRune, 'a', none), false, "a"},
		{"capital", ev(tcell.KeyRune, 'A', shift), false, "A"},
		{"two-byte UTF-8", ev(tcell.KeyRune, 'é', none), false, "é"},
		{"wide UTF-8", ev(tcell.KeyRune, '世', none), false, "世"},
		{"enter", ev(tcell.KeyEnter, 0, none), false, "\r"},
		{"backspace", ev(tcell.KeyBackspace, 0, none), false, "\x7f"},
		{"backspace as DEL", ev(tcell.KeyBackspace2, 0, none), false, "\x7f"},
		{"tab", ev(tcell.KeyTab, 0, none), false, "\t"},
		{"shift-tab", ev(tcell.KeyTab, 0, shift), false, "\x1b[Z"},
		{"esc", ev(tcell.KeyEsc, 0, none), false, "\x1b"},
		{"up", ev(tcell.KeyUp, 0, none), false, "\x1b[A"},
		{"down", ev(tcell.KeyDown, 0, none), false, "\x1b[B"},
		{"right", ev(tcell.KeyRight, 0, none), false, "\x1b[C"},
		{"left", ev(tcell.KeyLeft, 0, none), false, "\x1b[D"},
		{"up, application cursor", ev(tcell.KeyUp, 0, none), true, "\x1bOA"},
		{"ctrl-up", ev(tcell.KeyUp, 0, ctrl), false, "\x1b[1;5A"},
		{"shift-right", ev(tcell.KeyRight, 0, shift), false, "\x1b[1;2C"},
		{"alt-left, application cursor", ev(tcell.KeyLeft, 0, alt), true, "\x1b[1;3D"},
		{"home", ev(tcell.KeyHome, 0, none), false, "\x1b[H"},
		{"end", ev(tcell.KeyEnd, 0, none), false, "\x1b[F"},
		{"home, application cursor", ev(tcell.KeyHome, 0, none), true, "\x1bOH"},
		{"pgup", ev(tcell.KeyPgUp, 0, none), false, "\x1b[5~"},
		{"pgdn", ev(tcell.KeyPgDn, 0, none), false, "\x1b[6~"},
		{"insert", ev(tcell.KeyInsert, 0, none), false, "\x1b[2~"},
		{"delete", ev(tcell.KeyDelete, 0, none), false, "\x1b[3~"},
		{"ctrl-delete", ev(tcell.KeyDelete, 0, ctrl), false, "\x1b[3;5~"},
		{"f1", ev(tcell.KeyF1, 0, none), false, "\x1bOP"},
		{"f4", ev(tcell.KeyF4, 0, none), false, "\x1bOS"},
		{"shift-f1", ev(tcell.KeyF1, 0, shift), false, "\x1b[1;2P"},
		{"f13 as shift-f1", ev(tcell.KeyF13, 0, none), false, "\x1b[1;2P"},
		{"f5", ev(tcell.KeyF5, 0, none), false, "\x1b[15~"},
		{"f6", ev(tcell.KeyF6, 0, none), false, "\x1b[17~"},
		{"f10", ev(tcell.KeyF10, 0, none), false, "\x1b[21~"},
		{"f11", ev(tcell.KeyF11, 0, none), false, "\x1b[23~"},
		{"f12", ev(tcell.KeyF12, 0, none), false, "\x1b[24~"},
		{"ctrl-f12", ev(tcell.KeyF12, 0, ctrl), false, "\x1b[24;5~"},
		// What tcell's own input parser makes of the byte 0x03.
		{"ctrl-c from a tty", ev(tcell.KeyCtrlSpace+3, 0, ctrl), false, "\x03"},
		{"ctrl-c as rune", ev(tcell.KeyRune, 'c', ctrl), false, "\x03"},
		{"ctrl-a", ev(tcell.KeyCtrlA, 0, ctrl), false, "\x01"},
		{"ctrl-z", ev(tcell.KeyCtrlZ, 0, ctrl), false, "\x1a"},
		{"ctrl-space", ev(tcell.KeyCtrlSpace, 0, ctrl), false, "\x00"},
		{"ctrl-backslash", ev(tcell.KeyCtrlBackslash, 0, ctrl), false, "\x1c"},
		{"ctrl-rightsq", ev(tcell.KeyCtrlRightSq, 0, ctrl), false, "\x1d"},
		{"ctrl-underscore", ev(tcell.KeyCtrlUnderscore, 0, ctrl), false, "\x1f"},
		{"C0 code as key", ev(tcell.KeyETX, 0, none), false, "\x03"},
		{"ctrl-backspace", ev(tcell.KeyBackspace, 0, ctrl), false, "\x08"},
		{"alt-x", ev(tcell.KeyRune, 'x', alt), false, "\x1bx"},
		{"alt-enter", ev(tcell.KeyEnter, 0, alt), false, "\x1b\r"},
		{"alt-ctrl-a", ev(tcell.KeyRune, 'a', ctrl|alt), false, "\x1b\x01"},
		{"alt-backspace", ev(tcell.KeyBackspace, 0, alt), false, "\x1b\x7f"},
		{"no encoding", ev(tcell.KeyPrint, 0, none), false, ""},
	}
	for _, tc := range cases {
		got := string(keyBytes(tc.ev, tc.appCursor))
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestPasteBytes(t *testing.T) {
	cases := []struct {
		text      string
		bracketed bool
		want      string
	}{
		{"ls -l\n", false, "ls -l\r"},
		{"a\r\nb\nc", false, "a\rb\rc"},
		{"echo hi\n", true, "\x1b[200~echo hi\r\x1b[201~"},
		{"x\x1b[201~rm -rf /\n", true, "\x1b[200~xrm -rf /\r\x1b[201~"},
	}
	for _, tc := range cases {
		if got := string(pasteBytes(tc.text, tc.bracketed)); got != tc.want {
			t.Errorf("paste %q (bracketed %v): got %q, want %q",
				tc.text, tc.bracketed, got, tc.want)
		}
	}
}

package console

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
)

// Key encodings follow xterm's defaults: cursor keys as CSI or, in
// application cursor mode, SS3; editing keys as CSI n ~; modifiers as the
// parameter 1 + shift + 2·alt + 4·ctrl; Alt on a plain character as an ESC
// prefix (xterm's metaSendsEscape).

// csiFinal are the keys sent as CSI x (SS3 x in application cursor mode).
var csiFinal = map[tcell.Key]byte{
	tcell.KeyUp: 'A', tcell.KeyDown: 'B', tcell.KeyRight: 'C',
	tcell.KeyLeft: 'D', tcell.KeyHome: 'H', tcell.KeyEnd: 'F',
}

// tildeCode are the keys sent as CSI n ~.
var tildeCode = map[tcell.Key]int{
	tcell.KeyInsert: 2, tcell.KeyDelete: 3, tcell.KeyPgUp: 5, tcell.KeyPgDn: 6,
	tcell.KeyF5: 15, tcell.KeyF6: 17, tcell.KeyF7: 18, tcell.KeyF8: 19,
	tcell.KeyF9: 20, tcell.KeyF10: 21, tcell.KeyF11: 23, tcell.KeyF12: 24,
}

// ss3Final are F1-F4, sent as SS3 P..S (CSI 1 ; m P..S with modifiers).
var ss3Final = map[tcell.Key]byte{
	tcell.KeyF1: 'P', tcell.KeyF2: 'Q', tcell.KeyF3: 'R', tcell.KeyF4: 'S',
}

// keyBytes returns what an xterm sends for the key ev, or nil for a key
// that sends nothing. appCursor is the guest's DECCKM mode.
func keyBytes(ev *tcell.EventKey, appCursor bool) []byte {
	k, mod := ev.Key(), ev.Modifiers()
	// Some terminals report Shift-F1..F12 as F13..F24.
	if k >= tcell.KeyF13 && k <= tcell.KeyF24 {
		k, mod = k-12, mod|tcell.ModShift
	}
	if f, ok := csiFinal[k]; ok {
		switch {
		case modParam(mod) != "":
			return []byte("\x1b[1;" + modParam(mod) + string(f))
		case appCursor:
			return []byte{0x1b, 'O', f}
		}
		return []byte{0x1b, '[', f}
	}
	if f, ok := ss3Final[k]; ok {
		if m := modParam(mod); m != "" {
			return []byte("\x1b[1;" + m + string(f))
		}
		return []byte{0x1b, 'O', f}
	}
	if n, ok := tildeCode[k]; ok {
		s := "\x1b[" + strconv.Itoa(n)
		if m := modParam(mod); m != "" {
			s += ";" + m
		}
		return []byte(s + "~")
	}

	var b []byte
	switch {
	case k == tcell.KeyRune:
		b = runeBytes(ev.Rune(), mod)
	case k == tcell.KeyBackspace || k == tcell.KeyDEL:
		b = []byte{0x7f}
		if mod&tcell.ModCtrl != 0 {
			b = []byte{0x08}
		}
	case k == tcell.KeyBacktab:
		b = []byte("\x1b[Z")
	case k >= tcell.KeyCtrlSpace && k <= tcell.KeyCtrlUnderscore:
		// tcell's Ctrl-@..Ctrl-_ codes: the control byte plus 64.
		b = []byte{byte(k - tcell.KeyCtrlSpace)}
	case k >= tcell.KeyNUL && k <= tcell.KeyUS:
		// Tab, Enter, Esc and the other C0 codes are their own byte.
		b = []byte{byte(k)}
	}
	if b != nil && mod&tcell.ModAlt != 0 {
		b = append([]byte{0x1b}, b...)
	}
	return b
}

// runeBytes encodes a printable character, or its control code when Ctrl is
// held and the character has one (a terminal that reports Ctrl-a as the rune
// 'a' with ModCtrl).
func runeBytes(r rune, mod tcell.ModMask) []byte {
	if mod&tcell.ModCtrl != 0 {
		if c, ok := ctrlCode(r); ok {
			return []byte{c}
		}
	}
	if r < 0 || !utf8.ValidRune(r) {
		return nil
	}
	return utf8.AppendRune(nil, r)
}

// ctrlCode is the byte Ctrl plus r sends on an xterm.
func ctrlCode(r rune) (byte, bool) {
	switch {
	case r >= 'a' && r <= 'z':
		return byte(r - 'a' + 1), true
	case r >= '@' && r <= '_': // @, A-Z, [ \ ] ^ _
		return byte(r - '@'), true
	case r == ' ' || r == '2':
		return 0, true
	case r >= '3' && r <= '7': // ESC, FS, GS, RS, US
		return byte(r - '3' + 0x1b), true
	case r == '/':
		return 0x1f, true
	case r == '8' || r == '?':
		return 0x7f, true
	}
	return 0, false
}

// modParam is xterm's modifier parameter for mod, or "" for none.
func modParam(mod tcell.ModMask) string {
	m := 1
	if mod&tcell.ModShift != 0 {
		m++
	}
	if mod&tcell.ModAlt != 0 {
		m += 2
	}
	if mod&tcell.ModCtrl != 0 {
		m += 4
	}
	if m == 1 {
		return ""
	}
	return strconv.Itoa(m)
}

// pasteBytes returns what a terminal sends for pasted text: line ends as
// CR, as typed, and the whole wrapped in bracketed-paste markers when the
// guest asked for them. A paste cannot end the bracket early: end markers
// inside the text are removed.
func pasteBytes(text string, bracketed bool) []byte {
	text = strings.ReplaceAll(text, "\r\n", "\r")
	text = strings.ReplaceAll(text, "\n", "\r")
	if !bracketed {
		return []byte(text)
	}
	text = strings.ReplaceAll(text, "\x1b[201~", "")
	return []byte("\x1b[200~" + text + "\x1b[201~")
}

package console

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"golang.org/x/sys/unix"
)

func simScreen(t *testing.T, w, h int) tcell.SimulationScreen {
	t.Helper()
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	s.SetSize(w, h)
	t.Cleanup(s.Fini)
	return s
}

func fgOf(st tcell.Style) tcell.Color {
	fg, _, _ := st.Decompose()
	return fg
}

// row returns the text of screen row y from column x0, w cells wide.
func row(s tcell.Screen, x0, y, w int) string {
	var b strings.Builder
	for x := x0; x < x0+w; x++ {
		str, _, _ := s.Get(x, y)
		b.WriteString(str)
	}
	return strings.TrimRight(b.String(), " ")
}

func TestViewDrawsAndResizes(t *testing.T) {
	c := openConsole(t, "", 80, 24)
	v := NewView(c, "node1")
	v.SetRect(0, 0, 40, 12)
	s := simScreen(t, 40, 12)
	write(t, c.Terminal(), "\x1b[31mhello\x1b[0m world\r\n$ ")
	v.Focus(nil)
	v.Draw(s)

	// The border takes one cell on each side.
	if cols, rows := c.Terminal().Size(); cols != 38 || rows != 10 {
		t.Errorf("emulator is %dx%d after the first draw, want 38x10", cols, rows)
	}
	ws, err := unix.IoctlGetWinsize(int(c.Slave().Fd()), unix.TIOCGWINSZ)
	if err != nil {
		t.Fatal(err)
	}
	if ws.Col != 38 || ws.Row != 10 {
		t.Errorf("pty is %dx%d after the first draw, want 38x10", ws.Col, ws.Row)
	}
	if got := row(s, 1, 1, 38); got != "hello world" {
		t.Errorf("first console row drawn as %q", got)
	}
	if _, st, _ := s.Get(1, 1); fgOf(st) != tcell.PaletteColor(1) {
		t.Errorf("red text drawn in %v", fgOf(st))
	}
	if x, y, _ := s.(tcell.SimulationScreen).GetCursor(); x != 3 || y != 2 {
		t.Errorf("cursor shown at %d,%d, want 3,2 (after the prompt)", x, y)
	}
}

func TestViewScrollback(t *testing.T) {
	c := openConsole(t, "", 80, 24)
	v := NewView(c, "node1")
	v.SetRect(0, 0, 40, 12)
	s := simScreen(t, 40, 12)
	v.Draw(s) // resizes the console to 38x10
	for i := 1; i <= 50; i++ {
		write(t, c.Terminal(), fmt.Sprintf("line %d\r\n", i))
	}
	// Rows hold lines 42-50 and an empty row; 41 lines are in the
	// scrollback.
	v.Draw(s)
	if got := row(s, 1, 1, 38); got != "line 42" {
		t.Fatalf("live view's first row is %q, want line 42", got)
	}

	keys := v.InputHandler()
	keys(tcell.NewEventKey(tcell.KeyPgUp, 0, tcell.ModShift), nil)
	if v.Scrolled() != 9 {
		t.Fatalf("shift-pgup scrolled %d lines, want a page of 9", v.Scrolled())
	}
	v.Draw(s)
	if got := row(s, 1, 1, 38); !strings.HasPrefix(got, "line 33") ||
		!strings.HasSuffix(got, "[scroll 9/41]") {
		t.Errorf("scrolled view's first row is %q, want line 33 and [scroll 9/41]", got)
	}
	// Nine scrollback lines, then the screen's first row.
	if got := row(s, 1, 10, 38); got != "line 42" {
		t.Errorf("scrolled view's last row is %q, want line 42", got)
	}

	// New output while scrolled back keeps the view on the same lines.
	write(t, c.Terminal(), "line 51\r\n")
	v.Draw(s)
	if got := row(s, 1, 1, 38); !strings.HasPrefix(got, "line 33") {
		t.Errorf("after new output the first row is %q, want still line 33", got)
	}

	mouse := v.MouseHandler()
	var focused tview.Primitive
	setFocus := func(p tview.Primitive) { focused = p }
	mouse(tview.MouseScrollDown, tcell.NewEventMouse(5, 5, tcell.WheelDown, 0), setFocus)
	if v.Scrolled() != 10-wheelLines {
		t.Errorf("wheel down left the view %d lines back, want %d", v.Scrolled(), 10-wheelLines)
	}
	mouse(tview.MouseLeftDown, tcell.NewEventMouse(5, 5, tcell.Button1, 0), setFocus)
	if focused != v {
		t.Errorf("click focused %v, want the view", focused)
	}

	keys(tcell.NewEventKey(tcell.KeyRune, 'a', tcell.ModNone), nil)
	if v.Scrolled() != 0 {
		t.Errorf("a typed key left the view %d lines back, want live", v.Scrolled())
	}
	v.Draw(s)
	if got := row(s, 1, 1, 38); got != "line 43" {
		t.Errorf("live view's first row is %q, want line 43", got)
	}
}

// Keys typed into the view reach the guest: the pty's echo shows them on
// the screen.
func TestViewKeysReachGuest(t *testing.T) {
	c := openConsole(t, "", 80, 24)
	out := subscribe(t, c)
	c.Start()
	startOnConsole(t, c, "/bin/sh")
	out.expect(t, `\$ $`, 5*time.Second)

	v := NewView(c, "node1")
	keys := v.InputHandler()
	for _, r := range "echo ok-$((1+1))" {
		keys(tcell.NewEventKey(tcell.KeyRune, r, tcell.ModNone), nil)
	}
	keys(tcell.NewEventKey(tcell.KeyEnter, 0, tcell.ModNone), nil)
	out.expect(t, `ok-2\r\n`, 5*time.Second)

	v.PasteHandler()("echo pasted-$((2+3))\n", nil)
	out.expect(t, `pasted-5\r\n`, 5*time.Second)
}

package console

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
)

func newTestVT(t *testing.T, cols, rows int) Terminal {
	t.Helper()
	vt := NewVT(cols, rows)
	t.Cleanup(func() { vt.Close() })
	return vt
}

func write(t *testing.T, vt Terminal, s string) {
	t.Helper()
	if _, err := vt.Write([]byte(s)); err != nil {
		t.Fatalf("write %q: %v", s, err)
	}
}

func screenLine(vt Terminal, y int) string {
	return lineText(vt.ScreenRow(y, nil))
}

func scrollbackLine(vt Terminal, l int) string {
	return lineText(vt.ScrollbackRow(l, nil))
}

func TestVTColours(t *testing.T) {
	vt := newTestVT(t, 20, 5)
	write(t, vt, "\x1b[31mred\x1b[0m plain \x1b[1;38;5;196mX\x1b[38;2;1;2;3;44mY")

	c := vt.Cell(0, 0)
	if c.Text != "r" {
		t.Fatalf("cell 0,0 is %q, want r", c.Text)
	}
	if fg, _, _ := c.Style.Decompose(); fg != tcell.PaletteColor(1) {
		t.Errorf("red text has foreground %v, want palette colour 1", fg)
	}
	if fg, bg, _ := vt.Cell(4, 0).Style.Decompose(); fg != tcell.ColorDefault ||
		bg != tcell.ColorDefault {
		t.Errorf("text after SGR 0 has colours %v on %v, want defaults", fg, bg)
	}
	fg, _, attrs := vt.Cell(10, 0).Style.Decompose()
	if vt.Cell(10, 0).Text != "X" || fg != tcell.PaletteColor(196) ||
		attrs&tcell.AttrBold == 0 {
		t.Errorf("cell 10 is %q in %v with attrs %v, want bold X in colour 196",
			vt.Cell(10, 0).Text, fg, attrs)
	}
	fg, bg, _ := vt.Cell(11, 0).Style.Decompose()
	if fg != tcell.NewRGBColor(1, 2, 3) || bg != tcell.PaletteColor(4) {
		t.Errorf("cell 11 has %v on %v, want RGB 1,2,3 on palette colour 4", fg, bg)
	}
}

func TestVTScrollback(t *testing.T) {
	vt := newTestVT(t, 20, 10)
	for i := 1; i <= 200; i++ {
		write(t, vt, fmt.Sprintf("line %d\r\n", i))
	}
	// The last line written ends with a newline, so the bottom row is
	// empty and rows 0-8 hold lines 192-200.
	if got := screenLine(vt, 0); got != "line 192" {
		t.Errorf("top screen row is %q, want line 192", got)
	}
	if got := screenLine(vt, 8); got != "line 200" {
		t.Errorf("screen row 8 is %q, want line 200", got)
	}
	if n := vt.ScrollbackLen(); n != 191 {
		t.Fatalf("scrollback has %d lines, want 191", n)
	}
	if got := scrollbackLine(vt, 0); got != "line 1" {
		t.Errorf("oldest scrollback line is %q, want line 1", got)
	}
	if got := scrollbackLine(vt, 190); got != "line 191" {
		t.Errorf("newest scrollback line is %q, want line 191", got)
	}
	if c := vt.ScrollbackCell(0, 15); c.Text != " " {
		t.Errorf("cell past a scrollback line's end is %q, want a blank", c.Text)
	}
}

func TestVTScrollbackLimit(t *testing.T) {
	vt := newTestVT(t, 20, 4)
	var b strings.Builder
	for i := 1; i <= ScrollbackLines+1000; i++ {
		fmt.Fprintf(&b, "%d\r\n", i)
	}
	write(t, vt, b.String())
	if n := vt.ScrollbackLen(); n != ScrollbackLines {
		t.Fatalf("scrollback has %d lines, want %d", n, ScrollbackLines)
	}
	// Lines 1 to total-3 went to the scrollback (the screen keeps the
	// last three and an empty row); the newest ScrollbackLines are kept.
	total := ScrollbackLines + 1000
	if got, want := scrollbackLine(vt, 0), fmt.Sprint(total-3-ScrollbackLines+1); got != want {
		t.Errorf("oldest kept line is %q, want %q", got, want)
	}
}

func TestVTReplies(t *testing.T) {
	vt := newTestVT(t, 20, 10)
	replies := make(chan []byte, 4)
	vt.OnReply(func(p []byte) { replies <- p })
	// Move to row 3, column 5 and ask where the cursor is (DSR 6).
	write(t, vt, "\x1b[3;5H\x1b[6n")
	select {
	case p := <-replies:
		if string(p) != "\x1b[3;5R" {
			t.Errorf("cursor position report is %q, want ESC[3;5R", p)
		}
	case <-time.After(time.Second):
		t.Fatal("no reply to DSR within a second")
	}
}

func TestVTInputModes(t *testing.T) {
	vt := newTestVT(t, 20, 5)
	write(t, vt, "\x1b[?1h\x1b[?2004h")
	if m := vt.InputModes(); !m.AppCursor || !m.BracketedPaste {
		t.Errorf("after DECSET 1 and 2004 the modes are %+v", m)
	}
	write(t, vt, "\x1b[?1l")
	if m := vt.InputModes(); m.AppCursor || !m.BracketedPaste {
		t.Errorf("after DECRST 1 the modes are %+v", m)
	}
	write(t, vt, "\x1bc")
	if m := vt.InputModes(); m != (InputModes{}) {
		t.Errorf("after a full reset the modes are %+v", m)
	}
}

func TestVTCursorAndWideCells(t *testing.T) {
	vt := newTestVT(t, 20, 5)
	write(t, vt, "世x\r\n ab\x1b[?25l")
	if c := vt.Cell(0, 0); c.Text != "世" || c.Width != 2 {
		t.Errorf("cell 0 is %q width %d, want 世 width 2", c.Text, c.Width)
	}
	if c := vt.Cell(1, 0); c.Width != 0 {
		t.Errorf("cell right of a wide character has width %d, want 0", c.Width)
	}
	if c := vt.Cell(2, 0); c.Text != "x" {
		t.Errorf("cell 2 is %q, want x", c.Text)
	}
	if got := screenLine(vt, 0); got != "世x" {
		t.Errorf("line text is %q", got)
	}
	if x, y, visible := vt.Cursor(); x != 3 || y != 1 || visible {
		t.Errorf("cursor at %d,%d visible %v, want hidden at 3,1", x, y, visible)
	}
}

func TestVTShrinkKeepsCursorLine(t *testing.T) {
	vt := newTestVT(t, 20, 5)
	write(t, vt, "a\r\nb\r\nc\r\nd\r\ne")
	vt.Resize(20, 3)
	got := []string{screenLine(vt, 0), screenLine(vt, 1), screenLine(vt, 2)}
	if !slices.Equal(got, []string{"c", "d", "e"}) {
		t.Errorf("after shrinking to 3 rows the screen is %q, want c d e", got)
	}
	if n := vt.ScrollbackLen(); n != 2 || scrollbackLine(vt, 1) != "b" {
		t.Errorf("scrollback has %d lines, last %q; want a, b",
			n, scrollbackLine(vt, n-1))
	}
	if x, y, _ := vt.Cursor(); x != 1 || y != 2 {
		t.Errorf("cursor at %d,%d, want 1,2 after the e", x, y)
	}
	if cols, rows := vt.Size(); cols != 20 || rows != 3 {
		t.Errorf("size is %dx%d, want 20x3", cols, rows)
	}
}

func TestTail(t *testing.T) {
	vt := newTestVT(t, 20, 4)
	write(t, vt, "one\r\n\r\ntwo\r\nthree\r\n\r\nfour\r\nfive")
	got := tail(vt, 3)
	if !slices.Equal(got, []string{"three", "four", "five"}) {
		t.Errorf("tail 3 is %q", got)
	}
	if got := tail(vt, 10); !slices.Equal(got,
		[]string{"one", "two", "three", "four", "five"}) {
		t.Errorf("tail 10 is %q", got)
	}
}

func TestVTClose(t *testing.T) {
	vt := NewVT(10, 2)
	done := make(chan error, 1)
	go func() { done <- vt.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("close: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("close did not return within a second")
	}
	if _, err := vt.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: %v, want ErrClosed", err)
	}
	if err := vt.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// A guest's absurd counts must not stall the emulator, and sane counts
// still work.
func TestVTHugeCounts(t *testing.T) {
	for _, seq := range []string{"b", "X", "I", "Z"} {
		vt := newTestVT(t, 80, 24)
		within(t, time.Second, "CSI 2000000000 "+seq, func() {
			write(t, vt, "x\x1b[2000000000"+seq)
		})
	}
	vt := newTestVT(t, 20, 5)
	write(t, vt, "ab\x1b[3bc\r\n0123456789\r\x1b[3C\x1b[4X|")
	if got := screenLine(vt, 0); got != "abbbbc" {
		t.Errorf("REP 3 after ab gives %q, want abbbbc", got)
	}
	if got := screenLine(vt, 1); got != "012|   789" {
		t.Errorf("ECH 4 at column 3 gives %q, want 012|   789", got)
	}
}

// Close must not depend on timing with the reply goroutine.
func TestVTCloseAfterReplies(t *testing.T) {
	for i := 0; i < 200; i++ {
		vt := NewVT(20, 5)
		write(t, vt, "\x1b[6n\x1b[?1$p")
		within(t, time.Second, "Close after replies", func() { vt.Close() })
	}
}

// The library panics on a scroll region that reaches below the screen
// (found by FuzzVTWrite). The terminal recovers with a fresh emulator that
// keeps the scrollback and goes on working.
func TestVTRecoversFromLibraryPanic(t *testing.T) {
	vt := newTestVT(t, 40, 5)
	for i := 1; i <= 30; i++ {
		write(t, vt, fmt.Sprintf("boot line %d\r\n", i))
	}
	_, err := vt.Write([]byte("\x1b[;10r\x1b[S"))
	if !errors.Is(err, ErrEmulatorReset) {
		t.Fatalf("write of the crashing sequence: %v, want ErrEmulatorReset", err)
	}
	// 26 lines had left the screen; the failed scroll may have added one.
	if n := vt.ScrollbackLen(); n < 26 || scrollbackLine(vt, 0) != "boot line 1" {
		t.Errorf("after the reset the scrollback has %d lines starting %q, want 26 from line 1",
			n, scrollbackLine(vt, 0))
	}
	write(t, vt, "still alive")
	if got := screenLine(vt, 0); got != "still alive" {
		t.Errorf("after the reset the screen shows %q", got)
	}
	if cols, rows := vt.Size(); cols != 40 || rows != 5 {
		t.Errorf("after the reset the size is %dx%d, want 40x5", cols, rows)
	}
}

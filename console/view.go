package console

import (
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// View is a tview primitive that draws a console's screen and sends the keys
// typed into it to the guest. Like any tview primitive it is used only from
// the application's event goroutine.
type View struct {
	*tview.Box
	c *Console

	// scroll is how many lines the view is scrolled back into the
	// scrollback; 0 shows the live screen.
	scroll int
	// sbLen is the scrollback's length at the last draw, to keep a
	// scrolled view on the same lines while output arrives.
	sbLen int
	// cols and rows are the size last given to the console.
	cols, rows int
	// row is reused for reading rows from the emulator.
	row []Cell
}

// NewView returns a bordered view of c with the given title. The console is
// resized to the view's inner size whenever that changes.
func NewView(c *Console, title string) *View {
	v := &View{Box: tview.NewBox(), c: c}
	v.SetBorder(true).SetTitle(title)
	return v
}

// ScrollBy scrolls the view lines back into the scrollback (negative: toward
// the live screen), within the scrollback's length.
func (v *View) ScrollBy(lines int) {
	v.scroll = min(max(v.scroll+lines, 0), v.c.term.ScrollbackLen())
}

// Scrolled returns how many lines the view is scrolled back; 0 is live.
func (v *View) Scrolled() int { return v.scroll }

// Draw draws the box, then the console's screen, or, while scrolled back,
// the scrollback lines above it with an indicator of the position.
func (v *View) Draw(screen tcell.Screen) {
	v.DrawForSubclass(screen, v)
	x0, y0, w, h := v.GetInnerRect()
	if w <= 0 || h <= 0 {
		return
	}
	if w != v.cols || h != v.rows {
		v.cols, v.rows = w, h
		// A failed resize leaves the guest believing the old size; the
		// emulator still has the new one and the drawing is right.
		_ = v.c.Resize(w, h)
	}

	t := v.c.term
	sbLen := t.ScrollbackLen()
	// TODO: once the scrollback is full, each new line drops the oldest and
	// the length stays the same, so a scrolled view drifts toward older
	// lines; the library does not count dropped lines.
	if v.scroll > 0 && sbLen > v.sbLen {
		v.scroll += sbLen - v.sbLen
	}
	v.sbLen = sbLen
	v.scroll = min(v.scroll, sbLen)

	_, rows := t.Size()
	for y := 0; y < h; y++ {
		switch line := y - v.scroll; {
		case line < 0:
			v.row = t.ScrollbackRow(sbLen+line, v.row)
		case line < rows:
			v.row = t.ScreenRow(line, v.row)
		default:
			continue
		}
		drawRow(screen, x0, y0+y, w, v.row)
	}

	if v.scroll > 0 {
		ind := fmt.Sprintf("[scroll %d/%d]", v.scroll, sbLen)
		if len(ind) <= w {
			screen.PutStrStyled(x0+w-len(ind), y0, ind,
				tcell.StyleDefault.Reverse(true))
		}
	}
	// The cursor is the focused primitive's to place or hide.
	if !v.HasFocus() {
		return
	}
	cx, cy, visible := t.Cursor()
	if v.scroll == 0 && visible && cx < w && cy < h {
		screen.ShowCursor(x0+cx, y0+cy)
	} else {
		screen.HideCursor()
	}
}

// drawRow draws the cells of a row at x0, y, cut at w columns.
func drawRow(screen tcell.Screen, x0, y, w int, row []Cell) {
	for x := 0; x < w && x < len(row); {
		c := row[x]
		if c.Width == 0 {
			x++
			continue
		}
		text := c.Text
		if text == "" || (c.Width > 1 && x+c.Width > w) {
			text = " "
		}
		screen.Put(x0+x, y, text, c.Style)
		x += c.Width
	}
}

package console

import (
	"image/color"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/gdamore/tcell/v2"
)

// tcellStyle converts the emulator's style of a cell to tcell's.
func tcellStyle(s *uv.Style) tcell.Style {
	a := s.Attrs
	st := tcell.StyleDefault.
		Foreground(tcellColor(s.Fg)).
		Background(tcellColor(s.Bg)).
		Bold(a&uv.AttrBold != 0).
		Dim(a&uv.AttrFaint != 0).
		Italic(a&uv.AttrItalic != 0).
		Blink(a&(uv.AttrBlink|uv.AttrRapidBlink) != 0).
		Reverse(a&uv.AttrReverse != 0).
		StrikeThrough(a&uv.AttrStrikethrough != 0)
	if a&uv.AttrConceal != 0 {
		// tcell has no concealed text; the text takes the background's
		// colour instead.
		st = st.Foreground(tcellColor(s.Bg))
	}
	if s.Underline != uv.UnderlineNone {
		st = st.Underline(tcellUnderline(s.Underline))
		if s.UnderlineColor != nil {
			st = st.Underline(tcellColor(s.UnderlineColor))
		}
	}
	return st
}

// tcellColor keeps palette colours as palette colours, so the outer
// terminal's own palette is used, and passes others on as RGB.
func tcellColor(c color.Color) tcell.Color {
	switch v := c.(type) {
	case nil:
		return tcell.ColorDefault
	case ansi.BasicColor:
		return tcell.PaletteColor(int(v))
	case ansi.IndexedColor:
		return tcell.PaletteColor(int(v))
	}
	r, g, b, _ := c.RGBA()
	return tcell.NewRGBColor(int32(r>>8), int32(g>>8), int32(b>>8))
}

func tcellUnderline(u uv.Underline) tcell.UnderlineStyle {
	switch u {
	case uv.UnderlineDouble:
		return tcell.UnderlineStyleDouble
	case uv.UnderlineCurly:
		return tcell.UnderlineStyleCurly
	case uv.UnderlineDotted:
		return tcell.UnderlineStyleDotted
	case uv.UnderlineDashed:
		return tcell.UnderlineStyleDashed
	}
	return tcell.UnderlineStyleSolid
}

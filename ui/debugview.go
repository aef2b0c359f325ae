package ui

import (
	"fmt"
	"strings"

	"github.com/rivo/tview"

	"umwb/debugger"
)

// debugSnapshot is what the debug pane draws, read off the UI goroutine.
type debugSnapshot struct {
	paused bool
	stop   debugger.Stop
	where  debugger.Location
	regs   []debugger.Reg
	frames []debugger.Frame
	bps    []debugger.Breakpoint
	insts  []debugger.Inst
	source map[int]string // source text of the lines that start statements shown
	files  map[uint64]string
}

// codeWindow is how many instructions the code view shows.
const codeWindow = 40

func (p *debugPane) snapshot() debugSnapshot {
	s := debugSnapshot{paused: p.eng.Paused(), bps: p.eng.Breakpoints(),
		files: map[uint64]string{}, source: map[int]string{}}
	if !s.paused {
		return s
	}
	s.stop = p.eng.LastStop()
	pc, _, _, err := p.eng.Frame()
	if err != nil {
		return s
	}
	s.where = p.eng.Locate(pc)
	s.regs, _ = p.eng.Registers()
	s.frames, _ = p.eng.Backtrace(32)

	// Disassemble from the function's start when the pc is near it, so
	// the instructions line up; else from the pc.
	start := pc
	if lo, _, ok := p.syms.FuncRange(pc); ok && pc-lo < 160 {
		start = lo
	}
	code, _ := p.eng.ReadMemory(start, codeWindow*8)
	s.insts = debugger.Disassemble(code, start, p.syms.SymbolizeFunc())
	if len(s.insts) > codeWindow {
		s.insts = s.insts[:codeWindow]
	}
	tree := p.syms.Tree()
	lastFile, lastLine := "", 0
	for _, in := range s.insts {
		f, l, ok := p.syms.Line(in.Addr)
		if !ok || (f == lastFile && l == lastLine) {
			continue
		}
		lastFile, lastLine = f, l
		text := ""
		if tree != "" {
			if lines, _, err := debugger.SourceLines(tree, f, l, 0); err == nil && len(lines) > 0 {
				text = strings.TrimSpace(lines[0])
			}
		}
		s.files[in.Addr] = fmt.Sprintf("%s:%d  %s", f, l, text)
	}
	return s
}

// show draws a snapshot. UI goroutine only.
func (p *debugPane) show(s debugSnapshot) {
	title := fmt.Sprintf(" %s · running ", p.node.Name())
	if s.paused {
		title = fmt.Sprintf(" %s · %s at %s ", p.node.Name(), s.stop.Reason, s.where.Func)
	}
	p.code.SetTitle(title)
	if !s.paused {
		p.code.SetText("\n  [gray]The kernel is running. F6 pauses it; breakpoints stop it.[-]")
		p.regs.SetText("")
		p.stack.SetText("")
		p.showBreakpoints(s)
		return
	}

	bpAt := map[uint64]bool{}
	for _, b := range s.bps {
		if b.Enabled {
			bpAt[b.Addr] = true
		}
	}
	var prevCursor uint64
	if p.cursor < len(p.addrs) {
		prevCursor = p.addrs[p.cursor]
	}
	p.addrs = p.addrs[:0]
	var b strings.Builder
	cursor := -1
	for i, in := range s.insts {
		p.addrs = append(p.addrs, in.Addr)
		if in.Addr == prevCursor {
			cursor = i
		}
	}
	if cursor < 0 {
		for i, a := range p.addrs {
			if a == s.where.PC {
				cursor = i
			}
		}
	}
	p.cursor = max(cursor, 0)
	for i, in := range s.insts {
		if src, ok := s.files[in.Addr]; ok {
			fmt.Fprintf(&b, "[teal]%s[-]\n", escape(src))
		}
		mark := "  "
		if in.Addr == s.where.PC {
			mark = "=>"
		}
		dot := " "
		if bpAt[in.Addr] {
			dot = "[red]●[-]"
		}
		line := fmt.Sprintf("%s%s %#x <%s> %s", mark, dot, in.Addr, escape(p.syms.Format(in.Addr)), escape(in.Text))
		switch {
		case in.Addr == s.where.PC:
			line = "[black:yellow]" + line + "[-:-]"
		case i == p.cursor:
			line = "[::r]" + line + "[::-]"
		}
		b.WriteString(line + "\n")
	}
	p.code.SetText(b.String())
	p.code.ScrollTo(max(0, p.cursorRow(s)-8), 0)

	b.Reset()
	for _, r := range s.regs {
		color := "white"
		if r.Changed {
			color = "yellow"
		}
		fmt.Fprintf(&b, "[%s]%-8s 0x%016x[-]\n", color, r.Name, r.Value)
	}
	p.regs.SetText(b.String())

	b.Reset()
	for i, f := range s.frames {
		fmt.Fprintf(&b, "#%d %s", i, escape(f.Func))
		if f.File != "" {
			fmt.Fprintf(&b, " [gray]%s:%d[-]", escape(f.File), f.Line)
		}
		b.WriteString("\n")
	}
	p.stack.SetText(b.String())
	p.showBreakpoints(s)
}

func (p *debugPane) showBreakpoints(s debugSnapshot) {
	var b strings.Builder
	for _, bp := range s.bps {
		state := ""
		if !bp.Enabled {
			state = " [gray](off)[-]"
		}
		if bp.OneShot {
			state += " once"
		}
		fmt.Fprintf(&b, "%d %s hits %d%s\n", bp.ID, escape(bp.Where), bp.Hits, state)
	}
	p.bps.SetText(b.String())
}

// cursorRow is the text row of the cursor line, source lines counted.
func (p *debugPane) cursorRow(s debugSnapshot) int {
	row := 0
	for i, in := range s.insts {
		if _, ok := s.files[in.Addr]; ok {
			row++
		}
		if i == p.cursor {
			return row
		}
		row++
	}
	return row
}

func escape(s string) string { return tview.Escape(s) }

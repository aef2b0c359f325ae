package ui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"umwb/debugger"
	"umwb/vm"
)

// debugPane shows one node's kernel as a debugger sees it: the code
// around the instruction pointer with its source lines, the registers
// (changed ones marked), the backtrace and the breakpoints, an output
// log and a gdb-like command line.
type debugPane struct {
	*tview.Flex
	u    *UI
	node *vm.Node
	eng  *debugger.Engine
	syms *debugger.Symbols

	code, regs, stack, bps, out *tview.TextView
	cmd                         *tview.InputField

	cursor  int      // index into addrs of the code cursor line
	addrs   []uint64 // the address of each instruction shown
	lastCmd string
	busy    bool // a command is running
}

func newDebugPane(u *UI, n *vm.Node, e *debugger.Engine, syms *debugger.Symbols) *debugPane {
	p := &debugPane{Flex: tview.NewFlex().SetDirection(tview.FlexRow), u: u, node: n, eng: e, syms: syms}
	box := func(title string) *tview.TextView {
		tv := tview.NewTextView().SetDynamicColors(true).SetWrap(false)
		tv.SetBorder(true).SetTitle(title).SetTitleAlign(tview.AlignLeft)
		return tv
	}
	p.code = box(" code ")
	p.regs = box(" registers ")
	p.stack = box(" backtrace ")
	p.bps = box(" breakpoints ")
	p.out = box(" output ")
	p.out.SetScrollable(true).SetWrap(true)
	p.cmd = tview.NewInputField().SetLabel(fmt.Sprintf("(udb %s) ", n.Name())).
		SetFieldBackgroundColor(tcell.ColorDefault)
	p.cmd.SetDoneFunc(p.onDone)
	p.cmd.SetInputCapture(p.capture)

	side := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(p.regs, 0, 3, false).
		AddItem(p.stack, 0, 2, false).
		AddItem(p.bps, 0, 1, false)
	top := tview.NewFlex().
		AddItem(p.code, 0, 2, false).
		AddItem(side, 0, 1, false)
	p.AddItem(top, 0, 1, false).
		AddItem(p.out, 8, 0, false).
		AddItem(p.cmd, 1, 0, true)
	p.log("[gray]" + tview.Escape("F5 continue  F6 pause  F7 step  F8 next  F10 finish  F9 breakpoint at the cursor (↑↓)  Esc close\n"+
		"commands: b WHERE, tbreak WHERE, delete N, disable N, enable N, si [N], n, finish, c, pause,\n"+
		"bt, x WHERE [LEN], info registers, info breakpoints, p SYMBOL, disas [WHERE], list [WHERE], sym TEXT, help") + "[-]")
	return p
}

func (p *debugPane) Focus(delegate func(tview.Primitive)) { delegate(p.cmd) }

func (p *debugPane) log(s string) {
	fmt.Fprintln(p.out, s)
	p.out.ScrollToEnd()
}

// capture gives the pane's keys their meaning before the command line
// sees them.
func (p *debugPane) capture(ev *tcell.EventKey) *tcell.EventKey {
	switch ev.Key() {
	case tcell.KeyF5:
		p.run("continue")
	case tcell.KeyF6:
		p.run("pause")
	case tcell.KeyF7:
		p.run("stepi")
	case tcell.KeyF8:
		p.run("next")
	case tcell.KeyF10:
		p.run("finish")
	case tcell.KeyF9:
		if p.cursor < len(p.addrs) {
			p.run(fmt.Sprintf("toggle *%#x", p.addrs[p.cursor]))
		}
	case tcell.KeyUp:
		p.moveCursor(-1)
	case tcell.KeyDown:
		p.moveCursor(1)
	case tcell.KeyPgUp:
		p.out.InputHandler()(ev, nil)
	case tcell.KeyEscape:
		p.u.closeDebug()
	default:
		return ev
	}
	return nil
}

func (p *debugPane) onDone(key tcell.Key) {
	if key != tcell.KeyEnter {
		return
	}
	line := strings.TrimSpace(p.cmd.GetText())
	p.cmd.SetText("")
	if line == "" {
		line = p.lastCmd // Enter repeats, as in gdb
	}
	if line == "" {
		return
	}
	p.lastCmd = line
	p.log("[yellow](udb) " + tview.Escape(line) + "[-]")
	p.run(line)
}

// run executes a command on a goroutine of its own (some wait for the
// kernel) and shows its output and the new state.
func (p *debugPane) run(line string) {
	if p.busy {
		p.log("[red]busy: the previous command is still running (F6 pauses)[-]")
		return
	}
	p.busy = true
	go func() {
		out, err := p.exec(line)
		p.node.SyncDebugState()
		snap := p.snapshot()
		p.u.app.QueueUpdateDraw(func() {
			p.busy = false
			if out != "" {
				p.log(tview.Escape(strings.TrimRight(out, "\n")))
			}
			if err != nil {
				p.log("[red]" + tview.Escape(err.Error()) + "[-]")
			}
			p.show(snap)
		})
	}()
}

// refresh reads the kernel's state anew, off the UI goroutine.
func (p *debugPane) refresh() {
	go func() {
		snap := p.snapshot()
		p.u.app.QueueUpdateDraw(func() { p.show(snap) })
	}()
}

func (p *debugPane) moveCursor(d int) {
	if len(p.addrs) == 0 {
		return
	}
	p.cursor = max(0, min(len(p.addrs)-1, p.cursor+d))
	p.refresh()
}

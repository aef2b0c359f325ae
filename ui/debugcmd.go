package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"umwb/debugger"
)

// exec runs one gdb-like command line against the engine and returns
// its output. It runs off the UI goroutine.
func (p *debugPane) exec(line string) (string, error) {
	f := strings.Fields(line)
	verb, args := f[0], f[1:]
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	e, syms := p.eng, p.syms
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	moved := func(st debugger.Stop, err error) (string, error) {
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s: %s", st.Reason, e.Locate(st.PC)), nil
	}

	switch verb {
	case "c", "continue", "cont":
		return "continuing", e.Continue()
	case "pause", "interrupt", "stop":
		return moved(e.Pause())
	case "s", "si", "stepi", "step", "ni":
		n := 1
		if arg(0) != "" {
			v, err := strconv.Atoi(arg(0))
			if err != nil || v < 1 || v > 1000000 {
				return "", fmt.Errorf("%s: %q is not a count", verb, arg(0))
			}
			n = v
		}
		if verb == "ni" {
			return moved(e.Next(ctx))
		}
		return moved(e.Step(n))
	case "n", "next":
		return moved(e.Next(ctx))
	case "finish", "fin":
		return moved(e.Finish(ctx))
	case "b", "break", "tbreak", "toggle":
		if arg(0) == "" {
			return "", fmt.Errorf("%s WHERE: a symbol, FILE:LINE or *ADDRESS", verb)
		}
		addr, label, err := debugger.Resolve(syms, arg(0))
		if err != nil {
			return "", err
		}
		if verb == "toggle" {
			for _, b := range e.Breakpoints() {
				if b.Addr == addr {
					return fmt.Sprintf("deleted breakpoint %d", b.ID), e.DeleteBreakpoint(b.ID)
				}
			}
		}
		b, err := e.AddBreakpoint(addr, label, verb == "tbreak")
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("breakpoint %d at %#x <%s>", b.ID, b.Addr, syms.Format(b.Addr)), nil
	case "d", "delete", "disable", "enable":
		if arg(0) == "" && (verb == "d" || verb == "delete") {
			for _, b := range e.Breakpoints() {
				e.DeleteBreakpoint(b.ID)
			}
			return "deleted every breakpoint", nil
		}
		id, err := strconv.Atoi(arg(0))
		if err != nil {
			return "", fmt.Errorf("%s: %q is not a breakpoint number", verb, arg(0))
		}
		switch verb {
		case "disable":
			return "", e.EnableBreakpoint(id, false)
		case "enable":
			return "", e.EnableBreakpoint(id, true)
		}
		return "", e.DeleteBreakpoint(id)
	case "bt", "backtrace", "where":
		frames, err := e.Backtrace(64)
		if err != nil {
			return "", err
		}
		return debugger.FormatFrames(frames), nil
	case "x":
		if arg(0) == "" {
			return "", fmt.Errorf("x WHERE [LEN]")
		}
		addr, _, err := debugger.Resolve(syms, arg(0))
		if err != nil {
			return "", err
		}
		n := 64
		if arg(1) != "" {
			if n, err = strconv.Atoi(arg(1)); err != nil || n < 1 || n > 4096 {
				return "", fmt.Errorf("x: length %q out of range (1 to 4096)", arg(1))
			}
		}
		mem, err := e.ReadMemory(addr, n)
		if err != nil {
			return "", err
		}
		return debugger.HexDump(addr, mem), nil
	case "p", "print":
		addr, _, err := debugger.Resolve(syms, arg(0))
		if err != nil {
			return "", err
		}
		mem, err := e.ReadMemory(addr, 8)
		if err != nil || len(mem) < 8 {
			return fmt.Sprintf("%s = %#x (not readable)", arg(0), addr), nil
		}
		v := uint64(0)
		for i := 7; i >= 0; i-- {
			v = v<<8 | uint64(mem[i])
		}
		return fmt.Sprintf("&%s = %#x, *(u64 *)%s = %#x (%d)", arg(0), addr, arg(0), v, int64(v)), nil
	case "disas", "disassemble":
		var addr uint64
		var err error
		if arg(0) != "" {
			addr, _, err = debugger.Resolve(syms, arg(0))
		} else {
			addr, _, _, err = e.Frame()
		}
		if err != nil {
			return "", err
		}
		code, err := e.ReadMemory(addr, 16*15)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		for i, in := range debugger.Disassemble(code, addr, syms.SymbolizeFunc()) {
			if i == 16 {
				break
			}
			fmt.Fprintf(&b, "%#x <%s>  %s\n", in.Addr, syms.Format(in.Addr), in.Text)
		}
		return b.String(), nil
	case "l", "list":
		return listSource(e, syms, arg(0))
	case "sym", "info-functions":
		var b strings.Builder
		for _, s := range syms.Search(arg(0), 30) {
			fmt.Fprintf(&b, "%#x %s\n", s.Addr, s.Name)
		}
		return b.String(), nil
	case "info", "i":
		switch arg(0) {
		case "registers", "r", "reg":
			regs, err := e.Registers()
			if err != nil {
				return "", err
			}
			var b strings.Builder
			for _, r := range regs {
				fmt.Fprintf(&b, "%-8s 0x%016x %d\n", r.Name, r.Value, int64(r.Value))
			}
			return b.String(), nil
		case "breakpoints", "b", "break":
			var b strings.Builder
			for _, bp := range e.Breakpoints() {
				fmt.Fprintf(&b, "%d  %#x  %s  enabled=%v once=%v hits=%d\n", bp.ID, bp.Addr, bp.Where, bp.Enabled, bp.OneShot, bp.Hits)
			}
			if b.Len() == 0 {
				return "no breakpoints", nil
			}
			return b.String(), nil
		}
		return "", fmt.Errorf("info registers | info breakpoints")
	case "detach":
		p.u.app.QueueUpdateDraw(p.u.closeDebug)
		return "", nil
	case "help", "h":
		return "b WHERE, tbreak WHERE, delete [N], disable N, enable N, si [N], n, finish, c, pause, " +
			"bt, x WHERE [LEN], p SYMBOL, disas [WHERE], list [WHERE], info registers, info breakpoints, " +
			"sym TEXT, detach\n" +
			"WHERE: sys_getpid, sys_getpid+0x10, kernel/sys.c:1005, *0x6005ae89", nil
	}
	return "", fmt.Errorf("unknown command %q (help lists them)", verb)
}

// listSource shows the source around WHERE, or around the pc, with the
// line marked, from the kernel tree the DWARF names.
func listSource(e *debugger.Engine, syms *debugger.Symbols, where string) (string, error) {
	var addr uint64
	var err error
	if where != "" {
		addr, _, err = debugger.Resolve(syms, where)
	} else {
		addr, _, _, err = e.Frame()
	}
	if err != nil {
		return "", err
	}
	file, line, ok := syms.Line(addr)
	if !ok {
		return "", fmt.Errorf("list: no source line for %#x <%s>", addr, syms.Format(addr))
	}
	tree := syms.Tree()
	if tree == "" {
		return "", fmt.Errorf("list: the kernel's source tree is not known")
	}
	lines, first, err := debugger.SourceLines(tree, file, line, 5)
	if err != nil {
		return "", fmt.Errorf("list: %w (is the kernel tree %s still there?)", err, tree)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d\n", file, line)
	for i, text := range lines {
		mark := "  "
		if first+i == line {
			mark = "=>"
		}
		fmt.Fprintf(&b, "%s %5d  %s\n", mark, first+i, text)
	}
	return b.String(), nil
}

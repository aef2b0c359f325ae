package debugger

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// mappingOf names the host mapping that holds addr, for addresses outside
// the kernel's own symbols: a paused UML kernel often sits in the host's
// C library, in a system call. It returns "libc.so.6+0x1234" or "".
func mappingOf(pid int, addr uint64) string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 7f...-7f... r-xp 00028000 fe:01 1234   /usr/lib/x86_64-linux-gnu/libc.so.6
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		off, err3 := strconv.ParseUint(fields[2], 16, 64)
		if err1 != nil || err2 != nil || err3 != nil || addr < start || addr >= end {
			continue
		}
		return fmt.Sprintf("%s+%#x", filepath.Base(fields[5]), addr-start+off)
	}
	return ""
}

// Locate describes pc as the views show it, naming host library code
// that the kernel's symbols do not cover.
func (e *Engine) Locate(pc uint64) Location {
	loc := Locate(e.Memory(), e.syms, pc)
	if _, _, ok := e.syms.Lookup(pc); !ok {
		if m := mappingOf(e.pid, pc); m != "" {
			loc.Func = m
		}
	}
	return loc
}

// Backtrace walks the current thread's frames, naming host library
// frames that the kernel's symbols do not cover.
func (e *Engine) Backtrace(max int) ([]Frame, error) {
	pc, sp, fp, err := e.Frame()
	if err != nil {
		return nil, err
	}
	frames := Backtrace(e.Memory(), pc, sp, fp, e.syms, max)
	for i := range frames {
		if frames[i].Func == "" {
			frames[i].Func = e.Locate(frames[i].PC).Func
		}
	}
	return frames, nil
}

// FormatFrames writes frames as gdb's bt does, one a line.
func FormatFrames(frames []Frame) string {
	var b strings.Builder
	for i, f := range frames {
		fmt.Fprintf(&b, "#%-2d %#x in %s", i, f.PC, f.Func)
		if f.Off != 0 && !strings.Contains(f.Func, "+") {
			fmt.Fprintf(&b, "+%#x", f.Off)
		}
		if f.File != "" {
			fmt.Fprintf(&b, " at %s:%d", f.File, f.Line)
		}
		b.WriteString("\n")
	}
	return b.String()
}

package debugger

import (
	"debug/dwarf"
	"debug/elf"
	"errors"
	"fmt"
	"sort"
)

// lineLoad is the line table as it loads in the background: done closes
// when table or err is set, and neither changes after that.
type lineLoad struct {
	done  chan struct{}
	table *lineTable
	err   error
}

// lineTable maps addresses to source lines: row i covers the addresses
// from addrs[i] up to addrs[i+1]. It keeps the is_stmt rows of the DWARF
// line programs, without repeats of one line, and a row with line 0 where
// a sequence ends or the compiler gave no line.
type lineTable struct {
	addrs []uint64
	rows  []lineRow
	files []string // relative to tree when inside it, else absolute
	tree  string   // the kernel's source tree, "" when unknown
}

type lineRow struct {
	file uint32 // index in files
	line uint32 // 0: no line
}

// startLineLoad loads f's line table in a goroutine and closes f after.
// Sequences whose start is not in text (code the linker dropped) are left
// out.
func startLineLoad(f *elf.File, inText func(uint64) bool) *lineLoad {
	l := &lineLoad{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		defer f.Close()
		defer recoverDecoder(&l.err)
		l.table, l.err = loadLineTable(f, inText)
	}()
	return l
}

// recoverDecoder turns a panic of debug/dwarf, which reads untrusted
// bytes, into an error: in a goroutine of its own it would take the whole
// program down. Deferred by each goroutine that decodes.
func recoverDecoder(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("decode DWARF: panic: %v", r)
	}
}

func loadLineTable(f *elf.File, inText func(uint64) bool) (*lineTable, error) {
	d, err := f.DWARF()
	if err != nil {
		return nil, fmt.Errorf("load line table: %w", err)
	}
	units, tree, err := compileUnits(d)
	if err != nil {
		return nil, fmt.Errorf("load line table: %w", err)
	}
	parts, err := readUnitsLines(d, units, inText)
	if err != nil {
		return nil, fmt.Errorf("load line table: %w", err)
	}
	return mergeLines(parts, tree), nil
}

// WaitLines waits until the line table has loaded and gives the error
// that stopped it, if any. Line, LineAddrs and Tree wait the same way.
func (s *Symbols) WaitLines() error {
	_, err := s.lineTable()
	return err
}

func (s *Symbols) lineTable() (*lineTable, error) {
	if s.lines == nil {
		return nil, errors.New("load line table: the symbols were not loaded by LoadSymbols")
	}
	<-s.lines.done
	return s.lines.table, s.lines.err
}

// Tree is the kernel source tree that the DWARF names (the folder holding
// init/main.c), or "" when it cannot tell. Line gives file names relative
// to it.
func (s *Symbols) Tree() string {
	t, err := s.lineTable()
	if err != nil {
		return ""
	}
	return t.tree
}

// Line gives the source line of the statement containing addr. Several
// statements often start at one address: a function's first instruction
// starts its opening line, its declarations and its first statement, and
// code inlined into it adds lines of other files. Line takes the last of
// them that is in the file of the function's own first line, as gdb does
// for the function's (not the inlined code's) frame: at sys_getpid's
// first instruction, kernel/sys.c and its return statement, not the
// include/linux/pid.h of the inlined task_tgid_vnr.
func (s *Symbols) Line(addr uint64) (file string, line int, ok bool) {
	t, err := s.lineTable()
	if err != nil {
		return "", 0, false
	}
	first, last := t.rowsAt(addr)
	if last < 0 || t.rows[last].line == 0 {
		return "", 0, false
	}
	pick := last
	if lo, _, ok := s.FuncRange(addr); ok {
		if f, l := t.rowsAt(lo); l >= 0 && t.addrs[f] == lo && t.rows[f].line != 0 {
			home := t.rows[f].file
			for pick = last; pick > first && t.rows[pick].file != home; pick-- {
			}
			if t.rows[pick].file != home {
				pick = last
			}
		}
	}
	return t.files[t.rows[pick].file], int(t.rows[pick].line), true
}

// rowsAt gives the rows that start at the last row address at or below
// addr, first to last; last is -1 when there is none.
func (t *lineTable) rowsAt(addr uint64) (first, last int) {
	last = sort.Search(len(t.addrs), func(i int) bool { return t.addrs[i] > addr }) - 1
	first = last
	for first > 0 && t.addrs[first-1] == t.addrs[last] && t.rows[first-1].line != 0 {
		first--
	}
	return first, last
}

// compileUnits lists the compilation units and guesses the source tree:
// the folder of the unit named .../init/main.c, which every kernel has,
// else the most common compilation directory (an in-tree build).
func compileUnits(d *dwarf.Data) ([]*dwarf.Entry, string, error) {
	var units []*dwarf.Entry
	tree := ""
	dirs := map[string]int{}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			return nil, "", fmt.Errorf("read compilation units: %w", err)
		}
		if e == nil {
			break
		}
		r.SkipChildren()
		if e.Tag != dwarf.TagCompileUnit {
			continue
		}
		units = append(units, e)
		if tree == "" {
			name, _ := e.Val(dwarf.AttrName).(string)
			tree = treeOf(name)
		}
		if dir, _ := e.Val(dwarf.AttrCompDir).(string); dir != "" {
			dirs[dir]++
		}
	}
	if tree == "" {
		best := 0
		for dir, n := range dirs {
			if n > best || n == best && dir < tree {
				tree, best = dir, n
			}
		}
	}
	return units, tree, nil
}

package debugger

import (
	"debug/dwarf"
	"debug/elf"
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
		defer func() {
			// debug/dwarf reads untrusted bytes; a panic in it must not
			// take the whole program down from this goroutine.
			if r := recover(); r != nil {
				l.table, l.err = nil, fmt.Errorf("load line table: decoder failed: %v", r)
			}
		}()
		l.table, l.err = loadLineTable(f, inText)
	}()
	return l
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
		return nil, fmt.Errorf("load line table: %w", ErrNoLine)
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

// Line gives the source line of the statement containing addr.
func (s *Symbols) Line(addr uint64) (file string, line int, ok bool) {
	t, err := s.lineTable()
	if err != nil {
		return "", 0, false
	}
	i := sort.Search(len(t.addrs), func(i int) bool { return t.addrs[i] > addr }) - 1
	if i < 0 || t.rows[i].line == 0 {
		return "", 0, false
	}
	return t.files[t.rows[i].file], int(t.rows[i].line), true
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
		if name, _ := e.Val(dwarf.AttrName).(string); tree == "" {
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

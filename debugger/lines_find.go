package debugger

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Line errors, for callers to test with errors.Is.
var (
	ErrNoLine        = errors.New("no code at that line")
	ErrNoFile        = errors.New("no source file matches")
	ErrAmbiguousFile = errors.New("several source files match")
)

// LineAddrs gives the addresses where the statements of file:line start,
// lowest first: in each function that has code for the line, the lowest
// such address (so a breakpoint on a loop's line stops once per pass, as
// in gdb). file matches by path suffix: "kernel/sys.c" or "sys.c"; a
// name that matches several files must be made longer.
//
// TODO: a line inlined twice into one function gets one address only,
// the lowest; telling the copies apart needs the DWARF inlining tree,
// which this table does not keep.
func (s *Symbols) LineAddrs(file string, line int) ([]uint64, error) {
	t, err := s.lineTable()
	if err != nil {
		return nil, fmt.Errorf("find %s:%d: %w", file, line, err)
	}
	id, err := t.findFile(file)
	if err != nil {
		return nil, fmt.Errorf("find %s:%d: %w", file, line, err)
	}
	if line <= 0 {
		return nil, fmt.Errorf("find %s:%d: %w", t.files[id], line, ErrNoLine)
	}

	var addrs []uint64
	next := 0 // the first line after line that has code, for the error
	for i, r := range t.rows {
		switch {
		case r.file != id || r.line == 0:
		case int(r.line) == line:
			if s.InText(t.addrs[i]) {
				addrs = append(addrs, t.addrs[i])
			}
		case int(r.line) > line && (next == 0 || int(r.line) < next):
			next = int(r.line)
		}
	}
	if len(addrs) == 0 {
		hint := ""
		if next != 0 {
			hint = fmt.Sprintf(" (the next line with code is %d)", next)
		}
		return nil, fmt.Errorf("find %s:%d: %w%s", t.files[id], line, ErrNoLine, hint)
	}
	return s.lowestPerFunc(addrs), nil
}

// lowestPerFunc keeps, of sorted addrs, the first in each function;
// addresses outside any function all stay.
func (s *Symbols) lowestPerFunc(addrs []uint64) []uint64 {
	slices.Sort(addrs)
	addrs = slices.Compact(addrs)
	out := addrs[:0]
	var prevLo uint64
	prevOK := false
	for _, a := range addrs {
		lo, _, ok := s.FuncRange(a)
		if ok && prevOK && lo == prevLo {
			continue
		}
		out = append(out, a)
		prevLo, prevOK = lo, ok
	}
	return out
}

// findFile picks the one file whose name is file or ends in "/"+file. An
// exact name wins over longer ones that end with it.
func (t *lineTable) findFile(file string) (uint32, error) {
	want := relPath(t.tree, file)
	want = strings.TrimPrefix(want, "./")
	if want == "" || want == "." {
		return 0, fmt.Errorf("%w %q", ErrNoFile, file)
	}
	var found []uint32
	for id, name := range t.files {
		switch {
		case name == want:
			return uint32(id), nil
		case strings.HasSuffix(name, "/"+want):
			found = append(found, uint32(id))
		}
	}
	switch len(found) {
	case 0:
		return 0, fmt.Errorf("%w %q", ErrNoFile, file)
	case 1:
		return found[0], nil
	}
	names := make([]string, 0, 6)
	for _, id := range found {
		if len(names) == 5 {
			names = append(names, "...")
			break
		}
		names = append(names, t.files[id])
	}
	return 0, fmt.Errorf("%w %q: %d of them: %s", ErrAmbiguousFile, file,
		len(found), strings.Join(names, ", "))
}

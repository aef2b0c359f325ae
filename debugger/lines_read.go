package debugger

import (
	"debug/dwarf"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// unitLines is one compilation unit's line program, reduced: its files by
// the unit's own numbering, and its sequences, each a run of rows by
// address that ends with a line-0 row at the sequence's end.
type unitLines struct {
	files []string
	seqs  [][]unitRow
}

type unitRow struct {
	addr uint64
	lineRow
}

// readUnitsLines decodes the units' line programs in parallel, one unit
// at a time per worker (debug/dwarf's Data is safe for concurrent line
// readers: they only read its sections).
func readUnitsLines(d *dwarf.Data, units []*dwarf.Entry,
	inText func(uint64) bool) ([]unitLines, error) {
	parts := make([]unitLines, len(units))
	errs := make([]error, len(units))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(units)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(units) {
					return
				}
				func() {
					defer recoverDecoder(&errs[i])
					parts[i], errs[i] = readUnitLines(d, units[i], inText)
				}()
			}
		})
	}
	wg.Wait()
	return parts, errors.Join(errs...)
}

func readUnitLines(d *dwarf.Data, cu *dwarf.Entry, inText func(uint64) bool) (unitLines, error) {
	var u unitLines
	lr, err := d.LineReader(cu)
	if err != nil || lr == nil {
		return u, err
	}
	local := map[*dwarf.LineFile]uint32{}
	var seq []unitRow
	var e dwarf.LineEntry
	for {
		if err := lr.Next(&e); err != nil {
			if err == io.EOF {
				return u, nil
			}
			name, _ := cu.Val(dwarf.AttrName).(string)
			return u, fmt.Errorf("read line program of %s: %w", name, err)
		}
		if e.EndSequence {
			if len(seq) > 0 && inText(seq[0].addr) {
				u.seqs = append(u.seqs, append(seq, unitRow{addr: e.Address}))
			}
			seq = nil
			continue
		}
		if !e.IsStmt {
			continue
		}
		row := unitRow{addr: e.Address}
		if e.File != nil && e.Line > 0 {
			fi, ok := local[e.File]
			if !ok {
				fi = uint32(len(u.files))
				u.files = append(u.files, e.File.Name)
				local[e.File] = fi
			}
			row.lineRow = lineRow{file: fi, line: uint32(e.Line)}
		}
		if n := len(seq); n > 0 && seq[n-1].lineRow == row.lineRow {
			continue // the same line goes on
		}
		seq = append(seq, row)
	}
}

// mergeLines numbers the files of all units as one list and lays the
// sequences out by address.
func mergeLines(parts []unitLines, tree string) *lineTable {
	t := &lineTable{tree: tree}
	ids := map[string]uint32{}
	var seqs [][]unitRow
	total := 0
	for _, u := range parts {
		remap := make([]uint32, len(u.files))
		for i, name := range u.files {
			name = relPath(tree, name)
			id, ok := ids[name]
			if !ok {
				id = uint32(len(t.files))
				t.files = append(t.files, name)
				ids[name] = id
			}
			remap[i] = id
		}
		for _, seq := range u.seqs {
			for i := range seq {
				if seq[i].line != 0 {
					seq[i].file = remap[seq[i].file]
				}
			}
			seqs = append(seqs, seq)
			total += len(seq)
		}
	}

	sort.SliceStable(seqs, func(i, j int) bool { return seqs[i][0].addr < seqs[j][0].addr })
	t.addrs = make([]uint64, 0, total)
	t.rows = make([]lineRow, 0, total)
	for _, seq := range seqs {
		for _, r := range seq {
			t.addrs = append(t.addrs, r.addr)
			t.rows = append(t.rows, r.lineRow)
		}
	}
	return t
}

// treeOf gives the tree holding a unit named .../init/main.c, else "".
func treeOf(unitName string) string {
	const mark = "/init/main.c"
	if !path.IsAbs(unitName) || !strings.HasSuffix(unitName, mark) {
		return ""
	}
	return path.Clean(strings.TrimSuffix(unitName, mark))
}

// relPath makes name relative to tree when it is inside it.
func relPath(tree, name string) string {
	name = path.Clean(name)
	if tree != "" && tree != "/" && strings.HasPrefix(name, tree+"/") {
		return name[len(tree)+1:]
	}
	return name
}

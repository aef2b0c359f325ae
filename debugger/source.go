package debugger

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
)

// maxSourceLine bounds one line of a source file.
const maxSourceLine = 1 << 20

// SourceLines reads the lines of file around line, context lines before
// and after it, and gives them with the number of the first. A relative
// file is in the kernel source tree at tree; an absolute one (a file
// generated in the build folder, as Line names it) is read as it is.
func SourceLines(tree, file string, line, context int) ([]string, int, error) {
	name := file
	if !filepath.IsAbs(name) {
		name = filepath.Join(tree, file)
	}
	if line < 1 {
		return nil, 0, fmt.Errorf("read source %s:%d: lines count from 1", file, line)
	}
	context = max(context, 0)
	first := max(line-context, 1)
	last := line + context

	f, err := os.Open(name)
	if err != nil {
		return nil, 0, fmt.Errorf("read source: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, maxSourceLine)
	var out []string
	n := 0 // lines read
	for n < last && sc.Scan() {
		if n++; n >= first {
			out = append(out, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("read source %s: %w", name, err)
	}
	if n < line {
		return nil, 0, fmt.Errorf("read source %s:%d: the file has %d lines", file, line, n)
	}
	return out, first, nil
}

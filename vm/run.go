package vm

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
)

// RunResult is what a command typed into a node's console printed and
// how it ended.
type RunResult struct {
	Output string `json:"output"`
	Status int    `json:"status"`
}

// Run types cmd into the node's console shell, as a user would, and
// returns what it printed and its exit status. The console must be at a
// shell prompt; whatever is on the current input line is cleared first.
//
// The command is typed as one line that prints a start and an end marker
// around it. It runs in a subshell (eval keeps any shell syntax of cmd to
// itself), so `exit` or `cd` in it leave the console's shell alone. The
// markers begin with a control character that the terminal does not
// draw, and the end marker carries $?. The typed line holds the markers
// only in escaped form, so its echo never matches.
func (n *Node) Run(ctx context.Context, cmd string) (RunResult, error) {
	fail := func(err error) (RunResult, error) {
		return RunResult{}, &NodeError{n.Spec.Name, "run", err}
	}
	if strings.ContainsAny(cmd, "\r\n") {
		return fail(fmt.Errorf("the command must be one line"))
	}
	n.mu.Lock()
	con, state := n.con, n.state
	n.mu.Unlock()
	if state != Up || con == nil {
		return fail(fmt.Errorf("node is %s, not up", state))
	}

	tag := strconv.FormatUint(rand.Uint64()>>16, 36)
	start := "\x01umwb-start-" + tag + "\r\n"
	endRe := regexp.MustCompile("\x01umwb-end-" + tag + " ([0-9]+)\r?\n")
	quoted := "'" + strings.ReplaceAll(cmd, "'", `'\''`) + "'"
	line := fmt.Sprintf("printf '\\001umwb-start-%s\\n'; (eval %s); printf '\\001umwb-end-%s %%d\\n' $?\r",
		tag, quoted, tag)

	out, unsubscribe := con.Subscribe()
	defer unsubscribe()
	// Ctrl-U clears anything half-typed on the prompt line.
	if _, err := con.Write([]byte("\x15" + line)); err != nil {
		return fail(err)
	}
	var buf bytes.Buffer
	searched := 0 // bytes of buf already searched for the end marker
	bodyAt := -1  // where the output starts in buf, once the start is seen
	for {
		select {
		case <-ctx.Done():
			return fail(fmt.Errorf("no end of output: %w", ctx.Err()))
		case chunk, ok := <-out:
			if !ok {
				return fail(fmt.Errorf("console closed"))
			}
			buf.Write(chunk)
			if buf.Len() > 64<<20 {
				return fail(fmt.Errorf("more than 64 MiB of output"))
			}
			b := buf.Bytes()
			if bodyAt < 0 {
				i := bytes.Index(b, []byte(start))
				if i < 0 {
					continue
				}
				bodyAt = i + len(start)
				searched = bodyAt
			}
			// Search only what is new, with a margin for a marker cut in
			// two by a chunk boundary.
			from := max(bodyAt, searched-64)
			searched = len(b)
			m := endRe.FindSubmatchIndex(b[from:])
			if m == nil {
				continue
			}
			body := b[bodyAt:]
			for i := range m {
				m[i] += from - bodyAt
			}
			status, _ := strconv.Atoi(string(body[m[2]:m[3]]))
			text := strings.ReplaceAll(string(body[:m[0]]), "\r\n", "\n")
			return RunResult{Output: text, Status: status}, nil
		}
	}
}

package vm

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// ClusterFile is a parsed cluster file: which nodes to boot and how.
type ClusterFile struct {
	Path   string     `toml:"-"` // where it was read from, for messages
	Name   string     `toml:"name"`
	Kernel string     `toml:"kernel"`
	RootFS string     `toml:"root_fs"`
	Mem    string     `toml:"mem"`
	Args   []string   `toml:"args"`
	Nodes  []NodeSpec `toml:"node"`
}

// NodeSpec describes one node of a cluster file.
type NodeSpec struct {
	Name string   `toml:"name"`
	Mem  string   `toml:"mem"`
	Args []string `toml:"args"`
	// Boot says whether the node boots when the cluster starts;
	// absent means yes.
	Boot *bool `toml:"boot"`
	// Index is the node's number, 1 for the first node of the file.
	Index int `toml:"-"`
}

// AutoBoot reports whether the node boots when the cluster starts.
func (s NodeSpec) AutoBoot() bool { return s.Boot == nil || *s.Boot }

// MaxNodes bounds a cluster's size; each node is a kernel process with
// its own memory.
const MaxNodes = 16

// ConfigError is a mistake in a cluster file. Line is 0 when the mistake
// has no single place (a missing field).
type ConfigError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

var (
	nameRe = regexp.MustCompile(`^[a-z][a-z0-9-]{0,23}$`)
	memRe  = regexp.MustCompile(`^([0-9]+)([KMG])$`)
)

// reservedArgs are kernel command-line words umwb sets itself; a cluster
// file that sets them would break the node's wiring.
var reservedArgs = []string{"ubd0", "umid", "uml_dir", "con", "con0", "ssl",
	"ssl0", "ssl1", "mem", "root", "mconsole", "umwb.name", "umwb.node"}

// ParseClusterFile parses and checks a cluster file. path is used in
// error messages only.
func ParseClusterFile(path string, data []byte) (*ClusterFile, error) {
	cf := &ClusterFile{Path: path}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cf); err != nil {
		return nil, tomlError(path, data, err)
	}
	lines := keyLines(data)
	bad := func(key, field, format string, a ...any) error {
		return &ConfigError{File: path, Line: lines[key], Field: field,
			Msg: fmt.Sprintf(format, a...)}
	}

	if cf.Name == "" {
		cf.Name = "default"
	}
	if !nameRe.MatchString(cf.Name) {
		return nil, bad("name", "name", "%q is not a valid cluster name "+
			"(lower-case letters, digits and '-', starting with a letter, at most 24)", cf.Name)
	}
	if cf.Mem == "" {
		cf.Mem = "64M"
	}
	if err := checkMem(cf.Mem); err != nil {
		return nil, bad("mem", "mem", "%v", err)
	}
	if err := checkArgs(cf.Args); err != nil {
		return nil, bad("args", "args", "%v", err)
	}
	if len(cf.Nodes) == 0 {
		return nil, &ConfigError{File: path, Field: "node", Msg: "no [[node]] tables: a cluster needs at least one node"}
	}
	if len(cf.Nodes) > MaxNodes {
		return nil, bad("node.1", "node", "%d nodes; at most %d are supported", len(cf.Nodes), MaxNodes)
	}
	seen := map[string]bool{}
	for i := range cf.Nodes {
		n := &cf.Nodes[i]
		n.Index = i + 1
		key := fmt.Sprintf("node.%d", n.Index)
		field := fmt.Sprintf("node[%d]", n.Index)
		if n.Name == "" {
			n.Name = fmt.Sprintf("node%d", n.Index)
		}
		if !nameRe.MatchString(n.Name) {
			return nil, bad(key+".name", field+".name", "%q is not a valid node name "+
				"(lower-case letters, digits and '-', starting with a letter, at most 24)", n.Name)
		}
		if n.Name == "all" {
			return nil, bad(key+".name", field+".name", `"all" names every node in commands; choose another name`)
		}
		if seen[n.Name] {
			return nil, bad(key+".name", field+".name", "node name %q is used twice", n.Name)
		}
		seen[n.Name] = true
		if n.Mem == "" {
			n.Mem = cf.Mem
		} else if err := checkMem(n.Mem); err != nil {
			return nil, bad(key+".mem", field+".mem", "%v", err)
		}
		if err := checkArgs(n.Args); err != nil {
			return nil, bad(key+".args", field+".args", "%v", err)
		}
	}
	return cf, nil
}

// checkMem accepts sizes such as "64M" between 32M and 4G.
func checkMem(s string) error {
	m := memRe.FindStringSubmatch(s)
	if m == nil {
		return fmt.Errorf("%q is not a memory size (a number and K, M or G, like \"64M\")", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not a memory size", s)
	}
	shift := map[string]uint{"K": 10, "M": 20, "G": 30}[m[2]]
	if n > 1<<20 || n<<shift < 32<<20 || n<<shift > 4<<30 {
		return fmt.Errorf("%s is out of range (32M to 4G)", s)
	}
	return nil
}

func checkArgs(args []string) error {
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n\x00") {
			return fmt.Errorf("%q: each kernel argument must be one word without spaces", a)
		}
		key, _, _ := strings.Cut(a, "=")
		for _, r := range reservedArgs {
			if key == r {
				return fmt.Errorf("%q: umwb sets %s itself", a, r)
			}
		}
	}
	return nil
}

// tomlError turns the TOML library's errors into ConfigErrors that name
// the file, line and field.
func tomlError(path string, data []byte, err error) error {
	var sm *toml.StrictMissingError
	if errors.As(err, &sm) && len(sm.Errors) > 0 {
		e := sm.Errors[0]
		row, _ := e.Position()
		return &ConfigError{File: path, Line: row, Field: strings.Join(e.Key(), "."),
			Msg: "unknown field (fields are name, kernel, root_fs, mem, args and [[node]] tables with name, mem, args, boot)"}
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		field := strings.Join(de.Key(), ".")
		if field == "" {
			field = fieldOnLine(data, row)
		}
		return &ConfigError{File: path, Line: row, Field: field,
			Msg: plainTypeError(firstLine(de.Error()))}
	}
	return &ConfigError{File: path, Msg: err.Error()}
}

// fieldOnLine names what line row (from 1) of a TOML document sets: the
// key before its "=", or the table it opens. Syntax errors carry no key.
func fieldOnLine(data []byte, row int) string {
	lines := strings.Split(string(data), "\n")
	if row < 1 || row > len(lines) {
		return ""
	}
	line := strings.TrimSpace(lines[row-1])
	if key, _, ok := strings.Cut(line, "="); ok {
		return strings.Trim(strings.TrimSpace(key), `"'`)
	}
	if strings.HasPrefix(line, "[") {
		return strings.Trim(line, "[] ")
	}
	return ""
}

// typeErrRe matches the TOML library's wording of a value of the wrong
// type, which names Go types.
var typeErrRe = regexp.MustCompile(`cannot decode TOML (\w+) into .* of type (\[\])?(\*?\w+)$`)

func plainTypeError(msg string) string {
	m := typeErrRe.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	want := strings.TrimPrefix(m[3], "*")
	if m[2] != "" {
		want = "list of " + want + "s"
	}
	return fmt.Sprintf("%s %s is given where %s %s is wanted", article(m[1]), m[1], article(want), want)
}

func article(w string) string {
	if w != "" && strings.ContainsRune("aeiou", rune(w[0])) {
		return "an"
	}
	return "a"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimPrefix(s, "toml: ")
}

// keyLines maps each key of a TOML document to the line it is on. Keys
// inside the n-th [[node]] table are named "node.N.key", counting from 1.
func keyLines(data []byte) map[string]int {
	lines := map[string]int{}
	var p unstable.Parser
	p.Reset(data)
	prefix := ""
	arrays := map[string]int{}
	for p.NextExpression() {
		e := p.Expression()
		var parts []string
		var first *unstable.Node
		it := e.Key()
		for it.Next() {
			k := it.Node()
			if first == nil {
				first = k
			}
			parts = append(parts, string(k.Data))
		}
		if first == nil {
			continue
		}
		line := p.Shape(first.Raw).Start.Line
		name := strings.Join(parts, ".")
		switch e.Kind {
		case unstable.Table:
			prefix = name + "."
			lines[name] = line
		case unstable.ArrayTable:
			arrays[name]++
			prefix = fmt.Sprintf("%s.%d.", name, arrays[name])
			lines[strings.TrimSuffix(prefix, ".")] = line
		case unstable.KeyValue:
			lines[prefix+name] = line
		}
	}
	return lines
}

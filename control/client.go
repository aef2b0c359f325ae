package control

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
)

// Client talks to one running umwb.
type Client struct {
	conn net.Conn
	sc   *bufio.Scanner
}

// ErrNoServer means no running umwb was found.
var ErrNoServer = errors.New("no running umwb found")

// Find locates the control socket of a running umwb under runBase: the
// one of the named cluster, or the only one running when cluster is "".
func Find(runBase, cluster string) (string, error) {
	if cluster != "" {
		p := filepath.Join(runBase, cluster, SocketName)
		if !alive(p) {
			return "", fmt.Errorf("%w for cluster %q (no socket answers at %s)", ErrNoServer, cluster, p)
		}
		return p, nil
	}
	paths, _ := filepath.Glob(filepath.Join(runBase, "*", SocketName))
	var live []string
	for _, p := range paths {
		if alive(p) {
			live = append(live, p)
		}
	}
	sort.Strings(live)
	switch len(live) {
	case 0:
		return "", fmt.Errorf("%w (looked in %s); start one with `umwb` or `umwb --headless`", ErrNoServer, runBase)
	case 1:
		return live[0], nil
	}
	var names []string
	for _, p := range live {
		names = append(names, filepath.Base(filepath.Dir(p)))
	}
	return "", fmt.Errorf("several clusters are running (%v): choose one with --cluster NAME", names)
}

func alive(path string) bool {
	if _, err := os.Stat(path); err != nil {
		return false
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Dial connects to the control socket at path.
func Dial(path string) (*Client, error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("connect to umwb: %w", err)
	}
	sc := bufio.NewScanner(conn)
	sc.Buffer(make([]byte, 64<<10), 256<<20)
	return &Client{conn: conn, sc: sc}, nil
}

// Close hangs up.
func (c *Client) Close() error { return c.conn.Close() }

// Call sends req and decodes the result into out (which may be nil).
func (c *Client) Call(req Request, out any) error {
	if err := json.NewEncoder(c.conn).Encode(req); err != nil {
		return fmt.Errorf("send request: %w", err)
	}
	resp, err := c.Next()
	if err != nil {
		return err
	}
	if resp.Error != "" {
		return errors.New(resp.Error)
	}
	if out != nil && resp.Result != nil {
		return json.Unmarshal(resp.Result, out)
	}
	return nil
}

// Next reads the next response, for streams.
func (c *Client) Next() (Response, error) {
	var resp Response
	if !c.sc.Scan() {
		if err := c.sc.Err(); err != nil {
			return resp, fmt.Errorf("read reply: %w", err)
		}
		return resp, fmt.Errorf("read reply: umwb closed the connection")
	}
	if err := json.Unmarshal(c.sc.Bytes(), &resp); err != nil {
		return resp, fmt.Errorf("read reply: %w", err)
	}
	return resp, nil
}

// Send sends a request without waiting for an answer, for streams.
func (c *Client) Send(req Request) error {
	return json.NewEncoder(c.conn).Encode(req)
}

package control

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"umwb/vm"
)

// newServer serves a cluster whose nodes are never booted: enough for
// the protocol's own checks. Real nodes are driven through this server
// in cmd/umwb's tests.
func newServer(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "uc")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("UMWB_RUN_DIR", base)
	cf, err := vm.ParseClusterFile("t.toml", []byte("name = \"c\"\n[[node]]\nname = \"a\"\n[[node]]\nname = \"b\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := vm.NewCluster(cf)
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(c.RunDir, SocketName)
	s, err := Listen(c, sock)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve()
	t.Cleanup(func() {
		s.Close()
		c.Close()
		os.RemoveAll(base)
	})
	return sock
}

func call(t *testing.T, sock string, req Request, out any) error {
	t.Helper()
	c, err := Dial(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.Call(req, out)
}

func TestServerAnswers(t *testing.T) {
	sock := newServer(t)
	var st vm.ClusterStatus
	if err := call(t, sock, Request{Cmd: "status"}, &st); err != nil {
		t.Fatal(err)
	}
	if st.Name != "c" || len(st.Nodes) != 2 || st.Nodes[1].Name != "b" || st.Nodes[0].State != vm.Off {
		t.Errorf("status: %+v", st)
	}

	cases := []struct {
		req  Request
		want string
	}{
		{Request{Cmd: "frobnicate"}, `unknown command "frobnicate"`},
		{Request{Cmd: "boot"}, "usage: boot NODE|all"},
		{Request{Cmd: "boot", Args: []string{"nosuch"}}, "no such node"},
		{Request{Cmd: "halt", Args: []string{"a"}}, "node is not running"},
		{Request{Cmd: "run", Args: []string{"a", "true"}}, "node is off, not up"},
		{Request{Cmd: "mconsole", Args: []string{"b", "version"}}, "node is not running"},
		{Request{Cmd: "wait", Args: []string{"a", "sleepy"}}, `unknown node state "sleepy"`},
	}
	for _, tc := range cases {
		err := call(t, sock, tc.req, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.req, err, tc.want)
		}
	}
	// Waiting for a state the node is in returns at once.
	if err := call(t, sock, Request{Cmd: "wait", Args: []string{"all", "off"}, Timeout: 1}, nil); err != nil {
		t.Errorf("wait all off: %v", err)
	}
}

func TestServerRejectsGarbage(t *testing.T) {
	sock := newServer(t)
	for _, line := range []string{"not json\n", "{\"cmd\": 3}\n", strings.Repeat("x", MaxLine+10) + "\n"} {
		conn, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		go conn.Write([]byte(line))
		var resp Response
		sc := bufio.NewScanner(conn)
		if !sc.Scan() {
			t.Fatalf("no answer to %.20q", line)
		}
		json.Unmarshal(sc.Bytes(), &resp)
		if !strings.HasPrefix(resp.Error, "bad request") {
			t.Errorf("answer to %.20q: %+v", line, resp)
		}
		if sc.Scan() {
			t.Errorf("connection still open after %.20q", line)
		}
		conn.Close()
	}
	// The server still answers afterwards.
	if err := call(t, sock, Request{Cmd: "status"}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestFind(t *testing.T) {
	sock := newServer(t)
	base := filepath.Dir(filepath.Dir(sock))
	got, err := Find(base, "")
	if err != nil || got != sock {
		t.Errorf("Find: %q, %v", got, err)
	}
	if _, err := Find(base, "other"); err == nil {
		t.Error("found a cluster that does not run")
	}
	if _, err := Find(t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "no running umwb") {
		t.Errorf("Find in an empty folder: %v", err)
	}
}

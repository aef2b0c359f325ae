// Package control is umwb's control socket: a Unix stream socket in the
// cluster's run directory over which `umwb ctl` (and scripts and tests)
// drive the same cluster methods as the TUI.
//
// The protocol is one JSON object a line. A client sends a Request; the
// server answers with one Response, or, for "events", with a stream of
// Responses each carrying one event until the client hangs up. Requests
// are untrusted input: a malformed or oversized line gets an error
// Response and the connection is closed.
package control

import "encoding/json"

// Request is one command.
type Request struct {
	Cmd  string   `json:"cmd"`
	Args []string `json:"args,omitempty"`
	// Timeout bounds commands that wait on a guest, in seconds.
	Timeout float64 `json:"timeout,omitempty"`
}

// Response answers a Request. Error is empty on success.
type Response struct {
	Error  string          `json:"error,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
}

// MaxLine bounds a request line.
const MaxLine = 1 << 20

// SocketName is the control socket's name inside the run directory.
const SocketName = "ctl.sock"

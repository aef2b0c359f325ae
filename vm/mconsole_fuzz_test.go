package vm

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// mconsoleSeeds are the reply datagrams of the transcripts in
// testdata/mconsole, the fuzz tests' seed corpus.
func mconsoleSeeds(f *testing.F) [][]byte {
	files, err := filepath.Glob("testdata/mconsole/*.txt")
	if err != nil || len(files) == 0 {
		f.Fatalf("no transcripts: %v", err)
	}
	var seeds [][]byte
	for _, file := range files {
		for _, x := range parseMconsoleTranscript(f, file) {
			for _, s := range x.node {
				seeds = append(seeds, mcDatagrams(f, s)...)
			}
		}
	}
	if len(seeds) == 0 {
		f.Fatal("transcripts did not give seeds")
	}
	return seeds
}

// FuzzMconsoleReply: the decoder takes any bytes without panicking, and
// what it accepts survives being laid out again.
func FuzzMconsoleReply(f *testing.F) {
	for _, s := range mconsoleSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeMconsoleReply(b)
		if err != nil {
			var fe *MconsoleFormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if len(r.Text) >= mconsoleMaxData || strings.IndexByte(r.Text, 0) >= 0 {
			t.Fatalf("text of %d bytes, or with a NUL: %q", len(r.Text), r.Text)
		}
		var more uint32
		if r.More {
			more = 1
		}
		again, err := decodeMconsoleReply(mcDatagram(r.Err, more, uint32(len(r.Text)+1), r.Text))
		if err != nil || again != r {
			t.Fatalf("laid out again: %+v, %v; was %+v", again, err, r)
		}
	})
}

// FuzzMconsoleAnswer: any run of datagrams, each preceded by a two-byte
// length, gathers into a bounded answer or a typed error.
func FuzzMconsoleAnswer(f *testing.F) {
	seeds := mconsoleSeeds(f)
	var all []byte
	for _, s := range seeds {
		all = binary.LittleEndian.AppendUint16(all, uint16(len(s)))
		all = append(all, s...)
	}
	f.Add(all)
	f.Add(all[:len(all)/2])
	f.Fuzz(func(t *testing.T, b []byte) {
		var a mconsoleAnswer
		for len(b) >= 2 && !a.done {
			n := min(int(binary.LittleEndian.Uint16(b)), len(b)-2)
			d := b[2 : 2+n]
			b = b[2+n:]
			r, err := decodeMconsoleReply(d)
			if err != nil {
				return
			}
			if err := a.add(r); err != nil {
				var fe *MconsoleFormatError
				if !errors.As(err, &fe) {
					t.Fatalf("error of type %T: %v", err, err)
				}
				return
			}
		}
		text, err := a.result("fuzz")
		var me *MconsoleError
		if err != nil && (!errors.As(err, &me) || len(me.Msg) > mconsoleMaxReply) {
			t.Fatalf("result error %v", err)
		}
		if len(text) > mconsoleMaxReply {
			t.Fatalf("text of %d bytes", len(text))
		}
	})
}

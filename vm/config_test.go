package vm

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"umwb/assets"
)

// TestClusterFiles reads each file in testdata/clusters; its first line
// says "# want: ok" or "# want: <start of the error message>".
func TestClusterFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/clusters/*.toml")
	if len(files) < 10 {
		t.Fatalf("found %d cluster files in testdata", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(data), "\n")
			want, ok := strings.CutPrefix(first, "# want: ")
			if !ok {
				t.Fatalf("first line %q has no '# want: '", first)
			}
			cf, err := ParseClusterFile(filepath.Base(f), data)
			if want == "ok" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if len(cf.Nodes) == 0 {
					t.Fatal("no nodes")
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", want)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is a %T, not a *ConfigError", err, err)
			}
			if !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("error\n  %v\nwant prefix\n  %s", err, want)
			}
		})
	}
}

func TestClusterDefaults(t *testing.T) {
	data, _ := os.ReadFile("testdata/clusters/ok-full.toml")
	cf, err := ParseClusterFile("x", data)
	if err != nil {
		t.Fatal(err)
	}
	a, b := cf.Nodes[0], cf.Nodes[1]
	if a.Mem != "128M" || b.Mem != "96M" {
		t.Errorf("mem: alpha %s beta %s, want 128M and the cluster's 96M", a.Mem, b.Mem)
	}
	if !a.AutoBoot() || b.AutoBoot() {
		t.Errorf("boot: alpha %v beta %v, want true false", a.AutoBoot(), b.AutoBoot())
	}
	if a.Index != 1 || b.Index != 2 {
		t.Errorf("index: %d %d", a.Index, b.Index)
	}

	cf, err = ParseClusterFile("built-in", assets.DefaultCluster)
	if err != nil {
		t.Fatalf("built-in cluster: %v", err)
	}
	if cf.Name != "default" || len(cf.Nodes) != 3 || cf.Nodes[2].Name != "node3" {
		t.Errorf("built-in cluster: %+v", cf)
	}
	data, _ = os.ReadFile("testdata/clusters/ok-minimal.toml")
	cf, _ = ParseClusterFile("x", data)
	if cf.Name != "default" || cf.Nodes[0].Name != "node1" || cf.Nodes[0].Mem != "64M" {
		t.Errorf("minimal defaults: %+v", cf.Nodes[0])
	}
}

func FuzzParseClusterFile(f *testing.F) {
	files, _ := filepath.Glob("testdata/clusters/*.toml")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cf, err := ParseClusterFile("fuzz", data)
		if err == nil && (len(cf.Nodes) == 0 || len(cf.Nodes) > MaxNodes) {
			t.Fatalf("accepted %d nodes", len(cf.Nodes))
		}
	})
}

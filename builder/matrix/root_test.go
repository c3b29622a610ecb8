package matrix

import (
	"strings"
	"testing"
)

// build.root and test.root: off unless asked, per target through
// overrides, and strict booleans.
func TestRootKeys(t *testing.T) {
	m, err := parse(t, head+`matrix: {distro: [debian:bookworm, debian:trixie, fedora:41]}
build: {root: true}
overrides:
  - match: {distro: "debian:*"}
    build: {root: false}
  - match: {distro: debian:trixie}
    test: {root: true}
`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]bool{ // build.root, test.root
		"debian-bookworm": {false, false},
		"debian-trixie":   {false, true},
		"fedora-41":       {true, false},
	}
	for _, tg := range m.Targets {
		if got := [2]bool{tg.Build.Root, tg.Test.Root}; got != want[tg.Name] {
			t.Errorf("%s: build.root, test.root = %v, want %v", tg.Name, got, want[tg.Name])
		}
	}

	_, err = parse(t, head+"matrix: {distro: [debian:bookworm]}\ntest: {root: \"yes please\"}\n")
	if err == nil || !strings.Contains(err.Error(), "inline.yaml:5:") || !strings.Contains(err.Error(), "test.root") {
		t.Errorf("a string for test.root: %v", err)
	}
}

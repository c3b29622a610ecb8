package matrix

import (
	"slices"
	"testing"
)

func TestMatchReport(t *testing.T) {
	tests := []struct {
		glob, path string
		want       bool
	}{
		{"junit.xml", "junit.xml", true},
		{"junit.xml", "sub/junit.xml", false},
		{"out/*.xml", "out/a.xml", true},
		{"out/*.xml", "out/sub/a.xml", false},
		{"out/*.xml", "out/a.txt", false},
		{"**/junit.xml", "junit.xml", true},
		{"**/junit.xml", "a/b/c/junit.xml", true},
		{"**/junit.xml", "a/b/c/junit.xml.bak", false},
		{"build/**/TEST-*.xml", "build/TEST-x.xml", true},
		{"build/**/TEST-*.xml", "build/a/b/TEST-x.xml", true},
		{"build/**/TEST-*.xml", "src/a/TEST-x.xml", false},
		{"t?st/[a-c].xml", "test/b.xml", true},
		{"t?st/[a-c].xml", "test/d.xml", false},
	}
	for _, tt := range tests {
		if err := ReportGlob(tt.glob); err != nil {
			t.Fatalf("%q refused: %v", tt.glob, err)
		}
		if got := MatchReport(tt.glob, tt.path); got != tt.want {
			t.Errorf("MatchReport(%q, %q) = %v, want %v", tt.glob, tt.path, got, tt.want)
		}
	}
}

func TestReportRoot(t *testing.T) {
	for glob, want := range map[string]string{
		"junit.xml":                "",
		"out/junit.xml":            "out",
		"out/tests/*.xml":          "out/tests",
		"out/*/junit.xml":          "out",
		"build/**/TEST-*.xml":      "build",
		"**/junit.xml":             "",
		"a/b[c]/d/e.xml":           "a",
		"tests/results/junit.xml":  "tests/results",
		"tests/res?lts/junit.xml":  "tests",
		"tests/results/j*/x/y.xml": "tests/results",
	} {
		if got := ReportRoot(glob); got != want {
			t.Errorf("ReportRoot(%q) = %q, want %q", glob, got, want)
		}
	}
}

func TestReportGlobRefused(t *testing.T) {
	for _, g := range []string{"", "/x.xml", "../x.xml", "a/../x.xml", "a//x.xml", "./x.xml", "dir/", "a/**", "x**.xml", "a\nb.xml", "[.xml"} {
		if ReportGlob(g) == nil {
			t.Errorf("%q accepted", g)
		}
	}
}

// Overrides may set or clear the list; targets never share it.
func TestReportsOverride(t *testing.T) {
	m, err := parse(t, head+`matrix: {distro: [debian:bookworm, debian:trixie, fedora:41]}
test:
  command: make check
  reports: [out/junit.xml]
overrides:
  - match: {distro: "fedora:*"}
    test: {reports: ["build/**/TEST-*.xml", out/junit.xml]}
  - match: {distro: debian:trixie}
    test: {reports: []}
`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"debian-bookworm": {"out/junit.xml"},
		"debian-trixie":   {},
		"fedora-41":       {"build/**/TEST-*.xml", "out/junit.xml"},
	}
	for _, tg := range m.Targets {
		if !slices.Equal(tg.Test.Reports, want[tg.Name]) {
			t.Errorf("%s: reports %q, want %q", tg.Name, tg.Test.Reports, want[tg.Name])
		}
	}
	m.Targets[0].Test.Reports[0] = "changed"
	if m.Targets[1].Test.Reports != nil && len(m.Targets[1].Test.Reports) > 0 || m.Targets[2].Test.Reports[1] == "changed" {
		t.Error("targets share their reports list")
	}
}

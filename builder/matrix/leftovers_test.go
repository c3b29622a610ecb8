package matrix

import (
	"strings"
	"testing"
)

func TestLeftoverGlob(t *testing.T) {
	for _, g := range []string{"/etc/hellodb.conf", "/var/lib/hellodb", "/var/lib/*/state", "/usr/**/__pycache__", "/etc/hellodb-[0-9].conf"} {
		if err := LeftoverGlob(g); err != nil {
			t.Errorf("%s refused: %v", g, err)
		}
	}
	for g, want := range map[string]string{
		"":                             "empty",
		"etc/x":                        "not absolute",
		"/var/lib/x/":                  "ends with '/'",
		"/":                            "ends with '/'",
		"/**":                          "nearly everything",
		"/*":                           "nearly everything",
		"/var/../etc":                  "'..'",
		"/var//x":                      "empty",
		"/var/lib/x**":                 "whole part",
		"/var/[x":                      "not a valid pattern",
		"/var/x\ny":                    "control character",
		"/" + strings.Repeat("a", 300): "longer than",
	} {
		err := LeftoverGlob(g)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", g, err, want)
		}
	}
}

func TestMatchLeftover(t *testing.T) {
	for _, c := range []struct {
		g, p string
		want bool
	}{
		{"/var/lib/hellodb", "/var/lib/hellodb", true},
		{"/var/lib/hellodb", "/var/lib/hellodb/state/x", true}, // under an allowed directory
		{"/var/lib/hellodb", "/var/lib/hellodb2", false},
		{"/var/lib/hellodb", "/var/lib", false}, // a parent is not allowed by its child
		{"/etc/*.conf", "/etc/hellodb.conf", true},
		{"/etc/*.conf", "/etc/x/hellodb.conf", false}, // * stays in one part
		{"/usr/**/__pycache__", "/usr/lib/python3/dist-packages/__pycache__/x.pyc", true},
		{"/usr/**/__pycache__", "/usr/__pycache__", true},
	} {
		if got := MatchLeftover(c.g, c.p); got != c.want {
			t.Errorf("MatchLeftover(%q, %q) = %v", c.g, c.p, got)
		}
	}
}

package matrix

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestSchemaWellFormed checks the table itself, so that a slip in a new
// line fails here rather than as a puzzling message for some matrix.
func TestSchemaWellFormed(t *testing.T) {
	var s Settings
	fields := map[any]string{} // field pointer -> key
	seen := map[string]bool{}
	for _, k := range schema {
		if k.path == "" || strings.HasPrefix(k.path, ".") || strings.HasSuffix(k.path, ".") {
			t.Errorf("bad path %q", k.path)
		}
		if seen[k.path] {
			t.Errorf("%s is listed twice", k.path)
		}
		seen[k.path] = true
		if len(sectionKeys(k.path, false)) > 0 {
			t.Errorf("%s is both a key and a section", k.path)
		}
		if k.override && k.field == nil {
			t.Errorf("%s: an override may set it, but it has no field", k.path)
		}
		if k.field == nil {
			if k.check != nil || k.def != "" && k.path != "source" {
				t.Errorf("%s: a check or default without a field is never used", k.path)
			}
			continue
		}
		p := k.field(&s)
		if other, dup := fields[p]; dup {
			t.Errorf("%s and %s point to the same field", k.path, other)
		}
		fields[p] = k.path
		switch p.(type) {
		case *string:
		case *bool, *[]string:
			if k.def != "" {
				t.Errorf("%s: only a string key has a default", k.path)
			}
			if _, isBool := p.(*bool); isBool && k.check != nil {
				t.Errorf("%s: a check on a boolean is never run", k.path)
			}
		default:
			t.Errorf("%s: field of type %T; the decoder reads *string, *bool and *[]string", k.path, p)
		}
	}
	if n := leafFields(reflect.TypeOf(s)); n != len(fields) {
		t.Errorf("Settings has %d fields, the schema %d keys with a field: a field without a key is never read", n, len(fields))
	}
	if got := sectionKeys("", false); !slices.Equal(got, []string{"name", "version", "source", "matrix", "exclude", "build", "test", "release", "overrides", "images", "timeout"}) {
		t.Errorf("top-level keys %q", got)
	}
	if got := overrideKeys(); !slices.Equal(got, []string{"match", "build", "test", "release", "timeout"}) {
		t.Errorf("override keys %q", got)
	}
}

// leafFields counts the fields of t that are not structs, nested ones too.
func leafFields(t reflect.Type) int {
	n := 0
	for i := range t.NumField() {
		if f := t.Field(i).Type; f.Kind() == reflect.Struct {
			n += leafFields(f)
		} else {
			n++
		}
	}
	return n
}

// An Override built in code changes exactly the keys in its Set, and may
// name only keys an override may set.
func TestOverrideInCode(t *testing.T) {
	f := &File{
		Name: "hellodb", Version: "1.0",
		Matrix: Axes{{Name: "distro", Values: []string{"debian:bookworm", "debian:trixie"}}},
		Settings: Settings{
			Test:    Test{Command: "make check", Preload: []string{"mariadb:10.11"}, Docker: true},
			Timeout: "2h",
		},
		Overrides: []Override{{
			Match:    Match{"distro": "debian:trixie"},
			Settings: Settings{Test: Test{Preload: []string{}, Command: "ignored: not in Set"}, Timeout: "none"},
			Set:      []string{"test.preload", "timeout"},
		}},
	}
	ts, err := Expand(f, testDistros)
	if err != nil {
		t.Fatal(err)
	}
	if b := ts[0]; b.Test.Command != "make check" || len(b.Test.Preload) != 1 || b.Timeout.Hours() != 2 || b.Release.Lint != LintWarn {
		t.Errorf("bookworm = %+v", b)
	}
	if tr := ts[1]; tr.Test.Command != "make check" || tr.Test.Preload == nil || len(tr.Test.Preload) != 0 || tr.Timeout != 0 {
		t.Errorf("trixie = %+v", tr)
	}
	f.Overrides[0].Set = []string{"name", "test.comand"}
	_, err = Expand(f, testDistros)
	want := "overrides[0]: an override cannot set \"name\"\noverrides[0]: an override cannot set \"test.comand\""
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

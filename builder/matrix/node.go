package matrix

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/dbuilder/dbuilder/builder/names"
	"gopkg.in/yaml.v3"
)

// spot is where one field was: its key (nil for list items) and its value.
// broken marks a value already reported as malformed, so that later checks
// do not pile a second message on it.
type spot struct {
	key, val *yaml.Node
	broken   bool
}

// spots maps field paths ("matrix.distro[1]") to their place in the file. A
// nil spots (a File built in code) gives no positions.
type spots map[string]spot

// val returns the value node for path, or nil.
func (s spots) val(path string) *yaml.Node { return s[path].val }

// key returns the key node for path (the value node for list items), or nil.
func (s spots) key(path string) *yaml.Node {
	if k := s[path].key; k != nil {
		return k
	}
	return s[path].val
}

// ok reports whether path decoded cleanly (or is unknown).
func (s spots) ok(path string) bool { return !s[path].broken }

// decoder walks the YAML node tree against the schema by hand, rather than
// with yaml.Node.Decode, so that it can report every problem at once, each
// with its position, and remember where every value came from.
type decoder struct {
	*problems
	spots spots
}

// field is one key/value pair of a mapping, after checking.
type field struct {
	name     string
	key, val *yaml.Node
}

// deref follows an alias to its anchored node. Positions are still taken
// from the alias, where the user used the value.
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// describe names what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch tag := n.ShortTag(); tag {
		case "!!null":
			return "nothing (null)"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		case "!!str":
			return "a string"
		default:
			return fmt.Sprintf("a value tagged %q", tag)
		}
	}
	return "an unexpected YAML node"
}

// mapping checks that n is a mapping with only known, unique keys and
// returns its fields in file order; known == nil accepts any key. where
// names the mapping in messages ("build", "the top level").
func (d *decoder) mapping(path string, n *yaml.Node, where string, known []string) ([]field, bool) {
	v := deref(n)
	if v.Kind != yaml.MappingNode {
		d.fail(path, n, "%s: expected a mapping, got %s", where, describe(v))
		return nil, false
	}
	var out []field
	ok := true
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.at(k, "%s: keys must be plain strings, got %s", where, describe(k))
			ok = false
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.at(k, "duplicate key %s in %s (first at line %d)", names.Quote(k.Value), where, first.Line)
			ok = false
			continue
		}
		seen[k.Value] = k
		if known != nil && !slices.Contains(known, k.Value) {
			d.at(k, "unknown key %s in %s (known: %s)%s", names.Quote(k.Value), where, strings.Join(known, ", "), didYouMean(k.Value, known))
			ok = false
			continue
		}
		out = append(out, field{k.Value, k, val})
	}
	return out, ok
}

// str reads a scalar as text. Numbers are taken as written ("version: 1.10"
// is "1.10"); booleans, null and collections are type errors.
func (d *decoder) str(path string, k, n *yaml.Node) (string, bool) {
	d.spots[path] = spot{key: k, val: n}
	v := deref(n)
	if v.Kind == yaml.ScalarNode {
		switch v.ShortTag() {
		case "!!str", "!!int", "!!float":
			return v.Value, true
		case "!!null":
			d.fail(path, n, "%s: missing value", path)
			return "", false
		}
	}
	d.fail(path, n, "%s: expected a string, got %s", path, describe(v))
	return "", false
}

// boolean reads true or false. "yes" and "on" are refused: YAML 1.2 reads
// them as strings, and guessing would surprise one way or the other.
func (d *decoder) boolean(path string, k, n *yaml.Node) (bool, bool) {
	d.spots[path] = spot{key: k, val: n}
	v := deref(n)
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
		switch strings.ToLower(v.Value) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	got := describe(v)
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" {
		got = names.Quote(v.Value)
	}
	d.fail(path, n, "%s: expected true or false, got %s", path, got)
	return false, false
}

// strList reads a list of strings. The result is never nil when the list is
// present, so that "deb: []" in an override differs from no deb key. Items
// that are not strings are reported and left out.
func (d *decoder) strList(path string, k, n *yaml.Node) ([]string, bool) {
	d.spots[path] = spot{key: k, val: n}
	v := deref(n)
	if v.Kind != yaml.SequenceNode {
		d.fail(path, n, "%s: expected a list, got %s", path, describe(v))
		return nil, false
	}
	out := make([]string, 0, len(v.Content))
	ok := true
	for i, item := range v.Content {
		s, good := d.str(fmt.Sprintf("%s[%d]", path, i), nil, item)
		ok = ok && good
		out = append(out, s) // kept even when broken, so indexes match paths
	}
	return out, ok
}

// fail reports a malformed value at n and marks its path broken.
func (d *decoder) fail(path string, n *yaml.Node, format string, args ...any) {
	s := d.spots[path]
	s.val, s.broken = n, true
	d.spots[path] = s
	d.at(n, format, args...)
}

// axisName is the grammar of axis names; they become keys in Target.Axes
// and may become environment variable names.
var axisName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// keyPath appends a user-chosen key to path, quoting it unless it is a plain
// identifier, so that a hostile key cannot break one-line messages.
func keyPath(path, key string) string {
	if !axisName.MatchString(key) || len(key) > 64 {
		return fmt.Sprintf("%s[%s]", path, names.Quote(key))
	}
	return path + "." + key
}

package matrix

import (
	"fmt"
	"slices"

	"github.com/dbuilder/dbuilder/builder/names"
	"gopkg.in/yaml.v3"
)

// The settings (build, test, release, timeout) are read, checked and
// merged by walking schema, so that a new key is a field of Settings and
// one line there.

// setting reads the value at path into s; rel is its schema path, "test"
// for a section or "test.preload" for a key. An override passes set: it
// then accepts only keys an override may change, and appends each one it
// reads cleanly to *set.
func (d *decoder) setting(rel, path string, k, n *yaml.Node, s *Settings, set *[]string) {
	if key := lookup(rel); key != nil {
		var given bool
		switch p := key.field(s).(type) {
		case *string:
			*p, given = d.str(path, k, n)
		case *bool:
			*p, given = d.boolean(path, k, n)
		case *[]string:
			*p, _ = d.strList(path, k, n)
			given = *p != nil // a list with a bad item is still set
		default:
			panic(fmt.Sprintf("matrix: key %s has a field of type %T", rel, p))
		}
		if given && set != nil {
			*set = append(*set, rel)
		}
		return
	}
	d.spots[path] = spot{key: k, val: n}
	fields, _ := d.mapping(path, n, path, sectionKeys(rel, set != nil))
	for _, fl := range fields {
		d.setting(rel+"."+fl.name, path+"."+fl.name, fl.key, fl.val, s, set)
	}
}

// settings checks the values of s that given says are set; prefix is ""
// for the file's own values, "overrides[0]." for an override's.
func (c *checker) settings(prefix string, s *Settings, given func(k key, path string) bool) {
	for _, k := range schema {
		p := prefix + k.path
		if k.check == nil || !given(k, p) {
			continue
		}
		switch v := k.field(s).(type) {
		case *string:
			c.value(p, *v, k.check)
		case *[]string:
			for i, item := range *v {
				c.value(fmt.Sprintf("%s[%d]", p, i), item, k.check)
			}
		}
	}
}

// value runs check on the value at path unless it is already reported.
func (c *checker) value(path, v string, check func(string) error) {
	if !c.spots.ok(path) {
		return
	}
	if err := check(v); err != nil {
		c.at(c.spots.val(path), "%s: %v", path, err)
	}
}

// inFile says whether the file's own value of k is set: present in the
// file, or not empty in a File built in code. An empty value otherwise is
// the default, not a choice.
func (c *checker) inFile(f *File) func(k key, path string) bool {
	return func(k key, path string) bool {
		if c.spots.val(path) != nil {
			return true
		}
		switch v := k.field(&f.Settings).(type) {
		case *string:
			return *v != ""
		case *[]string:
			return len(*v) > 0
		}
		return true
	}
}

// inOverride says whether o sets k.
func inOverride(o *Override) func(k key, path string) bool {
	return func(k key, _ string) bool { return slices.Contains(o.Set, k.path) }
}

// overrideSet reports keys in o.Set that an override may not change
// (possible only in a File built in code).
func (c *checker) overrideSet(prefix string, o *Override) {
	for _, p := range o.Set {
		if k := lookup(p); k == nil || !k.override {
			c.at(c.spots.val(prefix), "%s: an override cannot set %s", prefix, names.Quote(p))
		}
	}
}

// clone copies s, its lists too, so that targets never share them.
func (s Settings) clone() Settings {
	for _, k := range schema {
		if k.field == nil {
			continue
		}
		if p, ok := k.field(&s).(*[]string); ok {
			*p = slices.Clone(*p)
		}
	}
	return s
}

// withDefaults fills the string keys left empty with their defaults.
func (s *Settings) withDefaults() {
	for _, k := range schema {
		if k.def == "" || k.field == nil {
			continue
		}
		if p := k.field(s).(*string); *p == "" {
			*p = k.def
		}
	}
}

// apply replaces the values of s that o sets.
func (s *Settings) apply(o *Override) {
	for _, path := range o.Set {
		k := lookup(path)
		if k == nil || !k.override {
			continue // reported by validate
		}
		switch dst := k.field(s).(type) {
		case *string:
			*dst = *k.field(&o.Settings).(*string)
		case *bool:
			*dst = *k.field(&o.Settings).(*bool)
		case *[]string:
			*dst = slices.Clone(*k.field(&o.Settings).(*[]string))
		}
	}
}

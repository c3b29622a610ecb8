package matrix

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// decodeFile reads the document's root node into a File. It checks shape
// and types only; values are checked by validate. shaped reports whether the
// parts that expansion depends on (matrix, exclude, override matches)
// decoded cleanly. f is nil when the root is not a mapping at all.
func (d *decoder) decodeFile(root *yaml.Node) (f *File, shaped bool) {
	fields, _ := d.mapping("", root, "the top level", sectionKeys("", false))
	if deref(root).Kind != yaml.MappingNode {
		return nil, false
	}
	f, shaped = &File{}, true
	have := map[string]bool{}
	for _, fl := range fields {
		have[fl.name] = true
		switch fl.name {
		case "name":
			f.Name, _ = d.str("name", fl.key, fl.val)
		case "version":
			f.Version, _ = d.str("version", fl.key, fl.val)
		case "source":
			f.Source, _ = d.str("source", fl.key, fl.val)
		case "matrix":
			var good bool
			f.Matrix, good = d.axes(fl.key, fl.val)
			shaped = shaped && good
		case "exclude":
			var good bool
			f.Exclude, good = d.excludes(fl.key, fl.val)
			shaped = shaped && good
		case "overrides":
			var good bool
			f.Overrides, good = d.overrides(fl.key, fl.val)
			shaped = shaped && good
		case "images":
			d.images(fl.key, fl.val, &f.Images)
		default: // build, test, release, timeout
			d.setting(fl.name, fl.name, fl.key, fl.val, &f.Settings, nil)
		}
	}
	for _, k := range schema {
		if k.required && !have[k.path] {
			d.fail(k.path, root, "missing required key %q", k.path)
			shaped = shaped && k.path != "matrix"
		}
	}
	return f, shaped
}

// axes reads the matrix mapping, keeping the file's order of axes.
func (d *decoder) axes(k, n *yaml.Node) (Axes, bool) {
	d.spots["matrix"] = spot{key: k, val: n}
	fields, ok := d.mapping("matrix", n, "matrix", nil)
	var out Axes
	for _, fl := range fields {
		path := keyPath("matrix", fl.name)
		values, good := d.strList(path, fl.key, fl.val)
		ok = ok && good
		out = append(out, Axis{Name: fl.name, Values: values})
	}
	return out, ok
}

// match reads one {axis: glob} mapping of exclude or overrides.
func (d *decoder) match(path string, k, n *yaml.Node) (Match, bool) {
	d.spots[path] = spot{key: k, val: n}
	fields, ok := d.mapping(path, n, path, nil)
	m := Match{}
	for _, fl := range fields {
		v, good := d.str(keyPath(path, fl.name), fl.key, fl.val)
		ok = ok && good
		m[fl.name] = v
	}
	return m, ok
}

// list reads a YAML list, calling item for each element.
func (d *decoder) list(path string, k, n *yaml.Node, item func(path string, n *yaml.Node) bool) bool {
	d.spots[path] = spot{key: k, val: n}
	v := deref(n)
	if v.Kind != yaml.SequenceNode {
		d.fail(path, n, "%s: expected a list, got %s", path, describe(v))
		return false
	}
	ok := true
	for i, el := range v.Content {
		ok = item(fmt.Sprintf("%s[%d]", path, i), el) && ok
	}
	return ok
}

func (d *decoder) excludes(k, n *yaml.Node) ([]Match, bool) {
	out := []Match{}
	ok := d.list("exclude", k, n, func(path string, el *yaml.Node) bool {
		m, good := d.match(path, nil, el)
		out = append(out, m)
		return good
	})
	return out, ok
}

func (d *decoder) overrides(k, n *yaml.Node) ([]Override, bool) {
	out := []Override{}
	ok := d.list("overrides", k, n, func(path string, el *yaml.Node) bool {
		var o Override
		d.spots[path] = spot{val: el}
		fields, good := d.mapping(path, el, path, overrideKeys())
		hasMatch := false
		for _, fl := range fields {
			if fl.name != "match" {
				d.setting(fl.name, path+"."+fl.name, fl.key, fl.val, &o.Settings, &o.Set)
				continue
			}
			hasMatch = true
			var mgood bool
			o.Match, mgood = d.match(path+".match", fl.key, fl.val)
			good = good && mgood
		}
		if !hasMatch && deref(el).Kind == yaml.MappingNode {
			d.fail(path+".match", el, "%s: missing \"match\" (an override without one would apply to every target; change the base values instead)", path)
			good = false
		}
		out = append(out, o)
		return good
	})
	return out, ok
}

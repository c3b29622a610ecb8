package matrix

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// The keys each mapping of matrix.yaml accepts, in the order users read them.
var (
	topKeys      = []string{"name", "version", "source", "matrix", "exclude", "build", "test", "release", "overrides", "images", "timeout"}
	buildKeys    = []string{"deps"}
	depsKeys     = []string{"deb", "rpm"}
	testKeys     = []string{"docker", "preload", "command", "reports"}
	releaseKeys  = []string{"smoke", "lint"}
	overrideKeys = []string{"match", "build", "test", "release", "timeout"}
)

// decodeFile reads the document's root node into a File. It checks shape
// and types only; values are checked by validate. shaped reports whether the
// parts that expansion depends on (matrix, exclude, override matches)
// decoded cleanly. f is nil when the root is not a mapping at all.
func (d *decoder) decodeFile(root *yaml.Node) (f *File, shaped bool) {
	fields, _ := d.mapping("", root, "the top level", topKeys)
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
		case "build":
			d.build("build", fl.key, fl.val, &f.Build.Deps.Deb, &f.Build.Deps.Rpm)
		case "test":
			d.test(fl.key, fl.val, &f.Test)
		case "release":
			r := d.release("release", fl.key, fl.val)
			f.Release = Release{Smoke: deref0(r.Smoke), Lint: deref0(r.Lint)}
		case "overrides":
			var good bool
			f.Overrides, good = d.overrides(fl.key, fl.val)
			shaped = shaped && good
		case "images":
			d.images(fl.key, fl.val, &f.Images)
		case "timeout":
			f.Timeout = d.optStr("timeout", fl.key, fl.val)
		}
	}
	for _, k := range []string{"name", "version", "matrix"} {
		if !have[k] {
			d.fail(k, root, "missing required key %q", k)
			shaped = shaped && k != "matrix"
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

// build reads a build mapping into the two deps lists.
func (d *decoder) build(path string, k, n *yaml.Node, deb, rpm *[]string) {
	d.spots[path] = spot{key: k, val: n}
	fields, _ := d.mapping(path, n, path, buildKeys)
	for _, fl := range fields { // only "deps"
		dpath := path + ".deps"
		d.spots[dpath] = spot{key: fl.key, val: fl.val}
		deps, _ := d.mapping(dpath, fl.val, dpath, depsKeys)
		for _, dl := range deps {
			switch dl.name {
			case "deb":
				*deb, _ = d.strList(dpath+".deb", dl.key, dl.val)
			case "rpm":
				*rpm, _ = d.strList(dpath+".rpm", dl.key, dl.val)
			}
		}
	}
}

func (d *decoder) test(k, n *yaml.Node, t *Test) {
	d.spots["test"] = spot{key: k, val: n}
	fields, _ := d.mapping("test", n, "test", testKeys)
	for _, fl := range fields {
		switch fl.name {
		case "docker":
			t.Docker, _ = d.boolean("test.docker", fl.key, fl.val)
		case "preload":
			t.Preload, _ = d.strList("test.preload", fl.key, fl.val)
		case "command":
			t.Command, _ = d.str("test.command", fl.key, fl.val)
		case "reports":
			t.Reports, _ = d.strList("test.reports", fl.key, fl.val)
		}
	}
}

func (d *decoder) overrides(k, n *yaml.Node) ([]Override, bool) {
	out := []Override{}
	ok := d.list("overrides", k, n, func(path string, el *yaml.Node) bool {
		var o Override
		d.spots[path] = spot{val: el}
		fields, good := d.mapping(path, el, path, overrideKeys)
		hasMatch := false
		for _, fl := range fields {
			switch fl.name {
			case "match":
				hasMatch = true
				var mgood bool
				o.Match, mgood = d.match(path+".match", fl.key, fl.val)
				good = good && mgood
			case "build":
				var deb, rpm []string
				d.build(path+".build", fl.key, fl.val, &deb, &rpm)
				o.Build = &BuildOverride{}
				if deb != nil || rpm != nil {
					o.Build.Deps = &DepsOverride{Deb: deb, Rpm: rpm}
				}
			case "test":
				o.Test = d.testOverride(path+".test", fl.key, fl.val)
			case "release":
				o.Release = d.release(path+".release", fl.key, fl.val)
			case "timeout":
				o.Timeout = d.optStr(path+".timeout", fl.key, fl.val)
			}
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

func (d *decoder) testOverride(path string, k, n *yaml.Node) *TestOverride {
	d.spots[path] = spot{key: k, val: n}
	t := &TestOverride{}
	fields, _ := d.mapping(path, n, path, testKeys)
	for _, fl := range fields {
		switch fl.name {
		case "docker":
			if v, ok := d.boolean(path+".docker", fl.key, fl.val); ok {
				t.Docker = &v
			}
		case "preload":
			t.Preload, _ = d.strList(path+".preload", fl.key, fl.val)
		case "command":
			if v, ok := d.str(path+".command", fl.key, fl.val); ok {
				t.Command = &v
			}
		case "reports":
			t.Reports, _ = d.strList(path+".reports", fl.key, fl.val)
		}
	}
	return t
}

// release reads a release mapping; fields left out stay nil.
func (d *decoder) release(path string, k, n *yaml.Node) *ReleaseOverride {
	d.spots[path] = spot{key: k, val: n}
	r := &ReleaseOverride{}
	fields, _ := d.mapping(path, n, path, releaseKeys)
	for _, fl := range fields {
		switch fl.name {
		case "smoke":
			if v, ok := d.str(path+".smoke", fl.key, fl.val); ok {
				r.Smoke = &v
			}
		case "lint":
			if v, ok := d.str(path+".lint", fl.key, fl.val); ok {
				r.Lint = &v
			}
		}
	}
	return r
}

// optStr reads a string whose absence means something: a bad value gives
// a non-nil pointer too, so that validation knows the key was there.
func (d *decoder) optStr(path string, k, n *yaml.Node) *string {
	v, _ := d.str(path, k, n)
	return &v
}

// deref0 is *p, or "" for nil.
func deref0(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

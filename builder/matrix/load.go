package matrix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dbuilder/dbuilder/builder/names"
	"gopkg.in/yaml.v3"
)

// maxFileSize bounds what Load reads; a matrix is a page or two.
const maxFileSize = 1 << 20

// Load reads, checks and expands the matrix file at path against the
// builtin distro registry. Every problem in the file is reported at once:
// the error joins one *Error per problem (see Problems), sorted by position,
// one a line, each starting with path:LINE:COL.
func Load(path string) (*Matrix, error) { return LoadWith(path, nil) }

// LoadWith is Load with a given distro registry (nil: Builtin()).
func LoadWith(path string, reg Registry) (*Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("larger than %d bytes; is this really a matrix file?", maxFileSize)}
	}
	return Parse(path, data, reg)
}

// Parse checks and expands a matrix file's content. path names the file in
// errors and anchors a relative source directory; the source directory must
// exist. reg nil means Builtin().
func Parse(path string, data []byte, reg Registry) (*Matrix, error) {
	if reg == nil {
		reg = Builtin()
	}
	p := &problems{file: path}
	root, err := parseYAML(path, data)
	if err != nil {
		return nil, err
	}
	d := &decoder{problems: p, spots: spots{}}
	f, shaped := d.decodeFile(root)
	if f == nil {
		return nil, p.err()
	}
	c := &checker{problems: p, spots: d.spots, reg: reg}
	var targets []Target
	if c.validate(f) && shaped {
		targets = c.expand(f)
	}
	src := c.source(path, f.Source)
	if err := p.err(); err != nil {
		return nil, err
	}
	return &Matrix{
		Path:      path,
		SourceDir: src,
		Name:      f.Name,
		Version:   f.Version,
		Axes:      f.Matrix,
		Targets:   targets,
		Registry:  reg,
		Images:    f.Images,
	}, nil
}

// parseYAML returns the root node of the single document in data.
func parseYAML(path string, data []byte) (root *yaml.Node, err error) {
	// The parser is third-party code fed user input; a panic in it must
	// become an error, not a crash of the whole run.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, &Error{File: path, Msg: fmt.Sprintf("YAML parser failed: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: path, Msg: "the file is empty"}
		}
		return nil, yamlError(path, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		e := &Error{File: path, Msg: "more than one YAML document (\"---\"); a matrix file holds one"}
		if err == nil {
			e.Line = extra.Line
		}
		return nil, e
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &Error{File: path, Msg: "the file is empty"}
	}
	return doc.Content[0], nil
}

// source resolves the source directory (default: the matrix file's own
// directory) relative to the matrix file and checks that it is a directory.
func (c *checker) source(path, src string) string {
	if !c.spots.ok("source") {
		return ""
	}
	if src == "" {
		if c.spots.val("source") != nil {
			c.at(c.spots.val("source"), "source: empty path (leave the key out to use the matrix file's directory)")
			return ""
		}
		src = lookup("source").def
	}
	dir := src
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(filepath.Dir(path), dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		c.at(c.spots.val("source"), "source: %v", err)
		return ""
	}
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		c.at(c.spots.val("source"), "source: directory %s does not exist (resolved to %s)", names.Quote(src), abs)
	case err != nil:
		c.at(c.spots.val("source"), "source: %v", err)
	case !st.IsDir():
		c.at(c.spots.val("source"), "source: %s is not a directory (resolved to %s)", names.Quote(src), abs)
	default:
		// Follow links to the real directory: the tree is walked from
		// there, and a walk does not descend into a link.
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			c.at(c.spots.val("source"), "source: %v", err)
			return ""
		}
		return real
	}
	return ""
}

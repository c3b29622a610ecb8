package matrix

import (
	"bytes"
	"regexp"

	"gopkg.in/yaml.v3"
)

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns the YAML library's syntax error into an *Error. The
// library reports the line where the enclosing block began, not where the
// problem is ("did not find expected key" points at the mapping's first
// key), and no column. So the line is found again: it is the first line at
// which a prefix of the file fails with the same message. The column stays
// unknown rather than made up.
func yamlError(path string, data []byte, err error) error {
	msg := err.Error()
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return &Error{File: path, Msg: "invalid YAML: " + trimYAMLPrefix(msg)}
	}
	line := failingLine(data, m[2])
	if line == 0 {
		// Not found: keep the library's own words, which say "line N".
		return &Error{File: path, Msg: "invalid YAML: " + trimYAMLPrefix(msg)}
	}
	return &Error{File: path, Line: line, Msg: "invalid YAML: " + m[2]}
}

// The prefix search parses once per line; it is for files of matrix size.
const (
	maxSearchLines = 1000
	maxSearchBytes = 64 << 10
)

// failingLine returns the 1-based number of the first line whose prefix of
// data fails to parse with the message want, or 0.
func failingLine(data []byte, want string) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > maxSearchLines || len(data) > maxSearchBytes {
		return 0
	}
	end := 0
	for i, l := range lines {
		end += len(l)
		var n yaml.Node
		err := yaml.Unmarshal(data[:end], &n)
		if err == nil {
			continue
		}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil && m[2] == want {
			return i + 1
		}
	}
	return 0
}

func trimYAMLPrefix(s string) string {
	if len(s) > 6 && s[:6] == "yaml: " {
		return s[6:]
	}
	return s
}

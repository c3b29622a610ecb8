package ci

import (
	"bytes"
	"strings"

	"gopkg.in/yaml.v3"
)

// The pipeline is built as a yaml.Node tree, so that keys come out in the
// order they are added: the same input always gives the same bytes.

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }

func add(m *yaml.Node, key string, val *yaml.Node) {
	m.Content = append(m.Content, str(key), val)
}

// str is a string scalar; the encoder quotes it where YAML would read it
// as something else ("1", "true").
func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func boolean(b bool) *yaml.Node {
	v := "false"
	if b {
		v = "true"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v}
}

func seq(items ...string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, s := range items {
		n.Content = append(n.Content, str(s))
	}
	if len(items) == 0 {
		n.Style = yaml.FlowStyle // needs: []
	}
	return n
}

func seqNodes(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

// encode encodes doc with two-space indents and a blank line between jobs.
func encode(doc *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	// A blank line before each top-level key but the first, for people.
	lines := strings.SplitAfter(b.String(), "\n")
	var out strings.Builder
	seenKey := false
	for _, l := range lines {
		top := l != "" && l[0] != ' ' && l[0] != '#' && l[0] != '-' && l != "\n"
		if top && seenKey {
			out.WriteString("\n")
		}
		seenKey = seenKey || top
		out.WriteString(l)
	}
	return []byte(out.String()), nil
}

// shellJoin quotes each word for a POSIX shell where it needs it.
func shellJoin(words ...string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shellQuote(w)
	}
	return strings.Join(q, " ")
}

func shellQuote(w string) string {
	if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%") == "" {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

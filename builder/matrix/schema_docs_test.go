package matrix

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// matrixDoc is the matrix.yaml reference.
const matrixDoc = "../../docs/matrix.md"

func readMatrixDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(matrixDoc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSchemaDocumented: the key table of docs/matrix.md lists every key of
// schema, with its default and whether an override may set it, and no
// other; every key in its YAML examples exists; its first example loads.
func TestSchemaDocumented(t *testing.T) {
	for _, p := range docProblems(readMatrixDoc(t)) {
		t.Error(p)
	}
}

// TestDocProblemsFindsDrift shows that docProblems fails on each kind of
// drift, a key added to the schema without docs first.
func TestDocProblemsFindsDrift(t *testing.T) {
	doc := readMatrixDoc(t)
	t.Run("key added to the schema", func(t *testing.T) {
		saved := schema
		t.Cleanup(func() { schema = saved })
		schema = append(slices.Clone(schema), key{path: "test.extra", override: true, field: func(s *Settings) any { return &s.Test.Command }})
		wantProblem(t, docProblems(doc), "test.extra is not in the key table")
	})
	row := "| `test.command` | shell script run with `sh -e` in the built tree | none | yes |\n"
	if !strings.Contains(doc, row) {
		t.Fatalf("docs/matrix.md has no row %q", row)
	}
	for _, tt := range []struct{ name, old, new, want string }{
		{"row removed", row, "", "test.command is not in the key table"},
		{"unknown key in the table", row, row + "| `test.bogus` | x | none | yes |\n", "documents test.bogus, which is not a key"},
		{"override column wrong", row, strings.Replace(row, "| yes |", "| no |", 1), "test.command: override column says no"},
		{"default missing", "| `warn` | yes |", "| none | yes |", "release.lint: default column lacks `warn`"},
		{"unknown key in an example", "    test:\n      command: make check\n", "    test:\n      comand: make check\n", "an example uses test.comand"},
		{"override of a key it may not set", "        timeout: 3h\n", "        name: other\n", "an example uses overrides: name"},
		{"example that does not load", "distro: [debian:bookworm,", "distro: [debian:potato, debian:bookworm,", "the first example does not load"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(doc, tt.old) {
				t.Fatalf("docs/matrix.md has no %q", tt.old)
			}
			wantProblem(t, docProblems(strings.Replace(doc, tt.old, tt.new, 1)), tt.want)
		})
	}
}

func wantProblem(t *testing.T, problems []string, want string) {
	t.Helper()
	if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, want) }) {
		t.Errorf("want a problem containing %q, got %q", want, problems)
	}
}

// docProblems compares the matrix reference with schema.
func docProblems(doc string) []string {
	var out []string
	rows := keyTable(doc)
	for _, k := range schema {
		cells, ok := rows[k.path]
		switch {
		case !ok:
			out = append(out, k.path+" is not in the key table of docs/matrix.md")
			continue
		case (cells[2] == "yes") != k.override:
			out = append(out, fmt.Sprintf("%s: override column says %s", k.path, cells[2]))
		case k.def != "" && !strings.Contains(cells[1], "`"+k.def+"`"):
			out = append(out, fmt.Sprintf("%s: default column lacks `%s`", k.path, k.def))
		case k.required != strings.HasPrefix(cells[1], "required"):
			out = append(out, fmt.Sprintf("%s: default column %q, required is %v", k.path, cells[1], k.required))
		}
		delete(rows, k.path)
	}
	for path := range rows {
		out = append(out, "docs/matrix.md documents "+path+", which is not a key")
	}
	examples := yamlExamples(doc)
	if len(examples) < 3 {
		out = append(out, fmt.Sprintf("found %d YAML examples; is the code block pattern still right?", len(examples)))
		return out
	}
	for _, ex := range examples {
		var n yaml.Node
		if yaml.Unmarshal([]byte(ex), &n) != nil || len(n.Content) == 0 {
			continue // not YAML: sample output
		}
		for _, p := range unknownKeys(n.Content[0], "", false) {
			out = append(out, "an example uses "+p+", which is not a key")
		}
	}
	// The first example is a whole matrix.yaml at the repository's root.
	if _, err := Parse(filepath.Join("..", "..", "matrix.yaml"), []byte(examples[0]), nil); err != nil {
		out = append(out, fmt.Sprintf("the first example does not load: %v", err))
	}
	return out
}

// keyTable returns the rows of the "## Keys" table by key: what, default,
// override.
func keyTable(doc string) map[string][]string {
	_, section, _ := strings.Cut(doc, "\n## Keys\n")
	section, _, _ = strings.Cut(section, "\n## ")
	rows := map[string][]string{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 4 || !strings.HasPrefix(cells[0], "`") {
			continue
		}
		rows[strings.Trim(cells[0], "`")] = cells[1:]
	}
	return rows
}

// yamlExamples returns the indented code blocks of a Markdown page.
func yamlExamples(doc string) []string {
	var out []string
	var block strings.Builder
	for _, line := range strings.Split(doc+"\n\n", "\n") {
		if code, ok := strings.CutPrefix(line, "    "); ok {
			block.WriteString(code + "\n")
			continue
		}
		if line == "" && block.Len() > 0 {
			out = append(out, block.String())
			block.Reset()
		}
	}
	return out
}

// unknownKeys returns the keys of an example that schema does not have, or
// that an override may not set (overriding: n is an overrides: entry).
func unknownKeys(n *yaml.Node, section string, overriding bool) []string {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var out []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		name, val := n.Content[i].Value, n.Content[i+1]
		p := name
		if section != "" {
			p = section + "." + name
		}
		switch k := lookup(p); {
		case overriding && p == "match":
		case k != nil && (k.override || !overriding):
			if p == "overrides" {
				for _, entry := range val.Content {
					out = append(out, unknownKeys(entry, "", true)...)
				}
			}
		case k == nil && len(sectionKeys(p, overriding)) > 0:
			out = append(out, unknownKeys(val, p, overriding)...)
		case overriding:
			out = append(out, "overrides: "+p)
		default:
			out = append(out, p)
		}
	}
	return out
}

package docs_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// maxReadmeLines keeps the README a page a newcomer reads to the end; the
// reference material belongs in docs/.
const maxReadmeLines = 250

// TestLinks checks every link of README.md and docs/*.md: a relative link
// must name a file in the repository (and, with #fragment, a heading of that
// page); no link, and no path in backquotes, may point outside the
// repository.
func TestLinks(t *testing.T) {
	root, pages := repoPages(t)
	// The generated CLI reference is reached through its index page,
	// cli/dbuilder.md, so it is link-checked but need not be linked from
	// both indexes page by page (TestEveryPageLinked).
	ref, err := filepath.Glob(filepath.Join(root, "docs", "cli", "*.md"))
	if err != nil || len(ref) == 0 {
		t.Fatalf("no docs/cli/*.md (go run ./cmd/dbuilder-docs docs writes them): %v", err)
	}
	for _, p := range ref {
		pages = append(pages, filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator))))
	}
	problems, links := check(root, pages)
	for _, p := range problems {
		t.Error(p)
	}
	// The check must have something to check: a link syntax it fails to
	// see would otherwise pass silently.
	if links < 50 {
		t.Errorf("found only %d links in %d pages; is the link pattern still right?", links, len(pages))
	}
}

func TestReadmeLength(t *testing.T) {
	root, _ := repoPages(t)
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n > maxReadmeLines {
		t.Errorf("README.md has %d lines, more than %d: move the detail to a page in docs/", n, maxReadmeLines)
	}
}

// TestEveryPageLinked: a page no one links to is a page no one finds.
func TestEveryPageLinked(t *testing.T) {
	root, pages := repoPages(t)
	for _, from := range []string{"README.md", "docs/README.md"} {
		targets := map[string]bool{}
		for _, l := range pageLinks(t, root, from) {
			targets[l] = true
		}
		for _, p := range pages {
			if p == "README.md" || p == from || !strings.HasPrefix(p, "docs/") {
				continue
			}
			if !targets[p] {
				t.Errorf("%s does not link to %s", from, p)
			}
		}
	}
}

// TestCheckFindsBadLinks shows that check reports each kind of bad link.
func TestCheckFindsBadLinks(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("README.md", "# Top\n\n[ok](docs/a.md#part-one) [ok](#top) [gone](docs/missing.md)\n"+
		"[out](../shared/platform.md) [web](https://example.org/) [abs](/etc/passwd)\n"+
		"`[code](not-a-link.md)`, measured against `../shared/bench/hand.sh`\n\n    [indented](is-code-too.md) ../in/code/is/fine\n")
	write("docs/a.md", "# A\n\n## Part one\n\n[up](../README.md) [bad anchor](../README.md#nowhere)\n"+
		"```\n[fenced](nope.md)\n```\n")
	problems, links := check(root, []string{"README.md", "docs/a.md"})
	want := []string{
		"README.md: link docs/missing.md: no such file",
		"README.md: link ../shared/platform.md: leaves the repository",
		"README.md: link https://example.org/: leaves the repository",
		"README.md: link /etc/passwd: leaves the repository",
		"README.md: `../shared/bench/hand.sh` names a path outside the repository: describe it in words",
		"docs/a.md: link ../README.md#nowhere: README.md has no heading #nowhere",
	}
	sort.Strings(want)
	sort.Strings(problems)
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
	if links != 8 {
		t.Errorf("links = %d, want 8", links)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"What is tested for real, and what is not":                  "what-is-tested-for-real-and-what-is-not",
		"Where base images come from: `images`":                     "where-base-images-come-from-images",
		"Docker endpoints: `DOCKER_HOST`":                           "docker-endpoints-docker_host",
		"What release's tests prove for real, and what they do not": "what-releases-tests-prove-for-real-and-what-they-do-not",
		"matrix.yaml":                         "matrixyaml",
		"Incremental builds: `--incremental`": "incremental-builds---incremental",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// repoPages returns the repository root and the pages to check, relative
// to it.
func repoPages(t *testing.T) (string, []string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs/*.md under %s: %v", root, err)
	}
	pages := []string{"README.md"}
	for _, d := range docs {
		pages = append(pages, filepath.ToSlash(strings.TrimPrefix(d, root+string(filepath.Separator))))
	}
	return root, pages
}

// pageLinks returns the repository paths the relative links of page name.
func pageLinks(t *testing.T, root, page string) []string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(root, page))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range links(string(text)) {
		path, _, _ := strings.Cut(l, "#")
		if path == "" || strings.Contains(path, ":") {
			continue
		}
		out = append(out, filepath.ToSlash(filepath.Join(filepath.Dir(page), path)))
	}
	return out
}

// check returns one line per bad link in pages (paths relative to root) and
// how many links it looked at.
func check(root string, pages []string) (problems []string, n int) {
	headings := map[string]map[string]bool{} // page -> anchors
	anchors := func(page string) (map[string]bool, error) {
		if h, ok := headings[page]; ok {
			return h, nil
		}
		b, err := os.ReadFile(filepath.Join(root, page))
		if err != nil {
			return nil, err
		}
		headings[page] = headingAnchors(string(b))
		return headings[page], nil
	}
	for _, page := range pages {
		b, err := os.ReadFile(filepath.Join(root, page))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", page, err))
			continue
		}
		for _, c := range outsidePaths(string(b)) {
			problems = append(problems, fmt.Sprintf("%s: %s names a path outside the repository: describe it in words", page, c))
		}
		for _, l := range links(string(b)) {
			n++
			bad := func(format string, args ...any) {
				problems = append(problems, fmt.Sprintf("%s: link %s: ", page, l)+fmt.Sprintf(format, args...))
			}
			path, frag, _ := strings.Cut(l, "#")
			if strings.Contains(path, ":") || strings.HasPrefix(path, "/") {
				bad("leaves the repository")
				continue
			}
			target := page
			if path != "" {
				target = filepath.ToSlash(filepath.Join(filepath.Dir(page), path))
			}
			if target == ".." || strings.HasPrefix(target, "../") {
				bad("leaves the repository")
				continue
			}
			if _, err := os.Stat(filepath.Join(root, target)); err != nil {
				bad("no such file")
				continue
			}
			if frag == "" || !strings.HasSuffix(target, ".md") {
				continue
			}
			h, err := anchors(target)
			if err != nil {
				bad("%v", err)
			} else if !h[frag] {
				bad("%s has no heading #%s", target, frag)
			}
		}
	}
	return problems, n
}

var (
	inlineLink = regexp.MustCompile(`\[[^\]]*\]\(([^()\s]+)(?:\s+"[^"]*")?\)`)
	refLink    = regexp.MustCompile(`^ {0,3}\[[^\]]+\]:\s*(\S+)`)
	autoLink   = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*)>`)
	codeSpan   = regexp.MustCompile("`+[^`]*`+")
)

// links returns the link targets of a Markdown text, outside code.
func links(text string) []string {
	var out []string
	for _, line := range prose(text) {
		line = codeSpan.ReplaceAllString(line, "")
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			out = append(out, m[1])
		}
		for _, m := range autoLink.FindAllStringSubmatch(line, -1) {
			out = append(out, m[1])
		}
		if m := refLink.FindStringSubmatch(line); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// outsidePaths returns the code spans of prose that start with "../": a
// path a reader of the repository alone cannot follow.
func outsidePaths(text string) []string {
	var out []string
	for _, line := range prose(text) {
		for _, c := range codeSpan.FindAllString(line, -1) {
			if strings.HasPrefix(strings.Trim(c, "` "), "../") {
				out = append(out, c)
			}
		}
	}
	return out
}

// prose returns the lines of text that are not code: fenced blocks and
// indented blocks (4 spaces after a blank line) are left out. A list item's
// indented continuation follows a non-blank line, so it stays.
func prose(text string) []string {
	var out []string
	fenced, indented, prevBlank := false, false, true
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			fenced = !fenced
		case fenced:
		case trimmed == "":
		case indented || (prevBlank && strings.HasPrefix(line, "    ")):
			indented = strings.HasPrefix(line, "    ")
			if !indented {
				out = append(out, line)
			}
		default:
			out = append(out, line)
		}
		if trimmed == "" && !fenced {
			prevBlank = true
		} else {
			prevBlank = false
		}
	}
	return out
}

// headingAnchors returns the anchors GitHub makes for the ATX headings of a
// Markdown text ("## Pulling images" -> "pulling-images"; a repeated one
// gets -1, -2, ...).
func headingAnchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	for _, line := range prose(text) {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimLeft(line, "#")
		if title == "" || title[0] != ' ' {
			continue
		}
		s := slug(strings.TrimRight(strings.TrimSpace(title), "# "))
		if k := seen[s]; k > 0 {
			out[fmt.Sprintf("%s-%d", s, k)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

// slug is GitHub's heading anchor: lower case, letters, digits, '-' and
// '_' kept, spaces made '-', everything else dropped.
func slug(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

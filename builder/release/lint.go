package release

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
)

// Lint runs in the tools image: lintian for .deb (bookworm's, whatever the
// target's suite), rpmlint for .rpm. Their findings go to out/lint.txt,
// which is parsed here; the exit codes only tell whether the tool itself
// worked (lintian --fail-on none; rpmlint exits 64 or 66 for findings).
const lintDebScript = `mkdir -p out
lintian --fail-on none --tag-display-limit 0 pkgs/*.deb > out/lint.txt
cat out/lint.txt
`

const lintRPMScript = `mkdir -p out
code=0
rpmlint pkgs/*.rpm > out/lint.txt || code=$?
cat out/lint.txt
case $code in 0 | 64 | 66) ;; *) echo "rpmlint failed (exit code $code)"; exit 2 ;; esac
`

// lint runs the format's linter on pkgs and returns its findings.
func (r *releaser) lint(ctx context.Context, j plan.Job, dir string, pkgs []string, log *targetLog) ([]report.LintFinding, error) {
	script, tool := lintDebScript, "lintian"
	if j.Family.Format == "rpm" {
		script, tool = lintRPMScript, "rpmlint"
	}
	files := map[string]string{}
	for _, p := range pkgs {
		files["pkgs/"+path.Base(p)] = filepath.Join(dir, filepath.FromSlash(p))
	}
	tmp, err := os.MkdirTemp("", "dbuilder-lint-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	log.Printf("release: lint: %s", tool)
	b := box{Image: r.tools, Script: []byte(script), Files: files, Out: "out", OutDir: tmp, Labels: r.labels(j)}
	code, err := b.run(ctx, r.eng, log)
	if err != nil {
		return nil, err
	}
	if code != 0 {
		return nil, fmt.Errorf("%s failed (exit code %d)", tool, code)
	}
	out, err := os.ReadFile(filepath.Join(tmp, "lint.txt"))
	if err != nil {
		return nil, err
	}
	findings := parseLint(tool, out)
	if r.signed {
		// The rpms are unsigned when linted; the repository signs them.
		findings = slices.DeleteFunc(findings, func(f report.LintFinding) bool { return f.Tag == "no-signature" })
	}
	log.Printf("release: lint: %d finding(s), %d error(s) (release.lint: %s)", len(findings), countErrors(findings), j.Target.Release.Lint)
	return findings, nil
}

var (
	// lintian: "E: hellodb: tag-name detail..." (binary packages).
	lintianLine = regexp.MustCompile(`^([EWIPXO]): (\S+?)(?: \w+)?: (\S+)(?: (.*))?$`)
	// rpmlint: "hellodb.x86_64: W: tag-name detail...".
	rpmlintLine = regexp.MustCompile(`^(\S+?): ([EWI]): (\S+)(?: (.*))?$`)
	severities  = map[string]string{"E": "error", "W": "warning", "I": "info", "P": "pedantic", "X": "experimental", "O": "overridden"}
)

// parseLint reads a linter's output into findings; lines of another shape
// (notes, summaries) are left out.
func parseLint(tool string, out []byte) []report.LintFinding {
	findings := []report.LintFinding{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		var f report.LintFinding
		switch tool {
		case "lintian":
			m := lintianLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			f = report.LintFinding{Tool: tool, Severity: severities[m[1]], Package: m[2], Tag: m[3], Detail: m[4]}
		case "rpmlint":
			m := rpmlintLine.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			f = report.LintFinding{Tool: tool, Severity: severities[m[2]], Package: m[1], Tag: m[3], Detail: m[4]}
		}
		findings = append(findings, f)
	}
	return findings
}

func countErrors(fs []report.LintFinding) int {
	n := 0
	for _, f := range fs {
		if f.Severity == "error" {
			n++
		}
	}
	return n
}

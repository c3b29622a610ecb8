package release

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/distros"
)

// lint runs the format's linter on pkgs and returns its findings.
func (r *releaser) lint(ctx context.Context, j plan.Job, dir string, pkgs []string, log *targetLog) ([]report.LintFinding, error) {
	lint := j.Format.Lint()
	files := map[string]string{}
	for _, p := range pkgs {
		files["pkgs/"+path.Base(p)] = filepath.Join(dir, filepath.FromSlash(p))
	}
	tmp, err := os.MkdirTemp("", "dbuilder-lint-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	log.Printf("release: lint: %s", lint.Tool)
	b := box{Image: r.tools, Script: []byte(lint.Script), Files: files, Out: "out", OutDir: tmp, Labels: r.labels(j)}
	code, err := b.run(ctx, r.eng, log)
	if err != nil {
		return nil, err
	}
	if code != 0 {
		return nil, fmt.Errorf("%s failed (exit code %d)", lint.Tool, code)
	}
	out, err := os.ReadFile(filepath.Join(tmp, "lint.txt"))
	if err != nil {
		return nil, err
	}
	findings := parseLint(lint, out)
	if r.signed {
		// The packages are unsigned when linted; the repository signs them.
		findings = slices.DeleteFunc(findings, func(f report.LintFinding) bool { return slices.Contains(lint.Unsigned, f.Tag) })
	}
	log.Printf("release: lint: %d finding(s), %d error(s) (release.lint: %s)", len(findings), countErrors(findings), j.Target.Release.Lint)
	return findings, nil
}

var severities = map[string]string{"E": "error", "W": "warning", "I": "info", "P": "pedantic", "X": "experimental", "O": "overridden"}

// parseLint reads a linter's output (in the tools image, see
// distros.Lint) into findings; lines of another shape (notes, summaries)
// are left out.
func parseLint(lint distros.Lint, out []byte) []report.LintFinding {
	findings := []report.LintFinding{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := lint.Line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		findings = append(findings, report.LintFinding{Tool: lint.Tool, Severity: severities[m[lint.Severity]],
			Package: m[lint.Pkg], Tag: m[lint.Tag], Detail: m[lint.Detail]})
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

package release

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/run"
)

// Variation is the environment of the second build: everything a
// reproducible package must not depend on differs from the first build's
// (/build, umask 0022, no TZ, no locale set). The build time differs
// because the second build runs later; SOURCE_DATE_EPOCH comes from the
// changelog in both (see run.Variation).
var Variation = run.Variation{
	Root:  "/tmp/dbuilder-varied/build-path",
	Umask: "0002",
	Env:   []string{"TZ=GMT-14", "LC_ALL=C.UTF-8", "LANG=C.UTF-8"},
}

// secondBuild builds every target that built once more, in Variation,
// into a directory of the release's staging area (a killed run's is swept
// with it). It skips test.command: the packages are made before the tests
// run, and the tests need not pass twice. It returns the results by target.
func (r *releaser) secondBuild(ctx context.Context, jobs []plan.Job, built []report.Result, dir string) (map[string]report.Result, error) {
	var again []plan.Job
	for i, j := range jobs {
		if built[i].OK {
			j.Target.Test = matrix.Test{}
			again = append(again, j)
		}
	}
	if len(again) == 0 {
		return nil, nil
	}
	opt := r.opt.Build
	opt.OutputDir = dir
	opt.Run = ident.NewRun(r.opt.Run.Version)
	opt.Rebuild, opt.CCache, opt.Incremental = true, false, false
	v := Variation
	opt.Vary = &v
	opt.Stdout = r.out.prefixed("[second build] ")
	r.out.line(fmt.Sprintf("dbuilder: --check-reproducible: building %d target(s) a second time (run %s) under %s, umask %s, %s",
		len(again), opt.Run.ID, v.Root, v.Umask, strings.Join(v.Env, " ")))
	res, err := run.Build(ctx, r.eng, again, opt)
	if err != nil {
		return nil, fmt.Errorf("second build: %w", err)
	}
	out := map[string]report.Result{}
	for _, x := range res {
		out[x.Target] = x
	}
	return out, nil
}

// compare checks that the second build made the same package files, byte
// for byte. On a difference diffoscope explains it in DIR/<target>/diffoscope.txt.
func (r *releaser) compare(ctx context.Context, j plan.Job, first report.Result, second *report.Result, log *targetLog) (bool, string, error) {
	if second == nil || !second.OK {
		why := "it did not run"
		if second != nil {
			why = fmt.Sprintf("it failed in step %s: %v (log: %s)", second.Step, second.Err, second.Log)
		}
		return false, "", fmt.Errorf("second build: %s", why)
	}
	a, b := packages(first), packages(*second)
	names := func(list []string) []string {
		out := make([]string, len(list))
		for i, p := range list {
			out[i] = path.Base(p)
		}
		slices.Sort(out)
		return out
	}
	if an, bn := names(a), names(b); !slices.Equal(an, bn) {
		return false, "", fmt.Errorf("the second build made other files: %v, not %v", bn, an)
	}
	bByName := map[string]string{}
	for _, p := range b {
		bByName[path.Base(p)] = p
	}
	var differ []string
	files := map[string]string{}
	for _, p := range a {
		n := path.Base(p)
		fa, fb := filepath.Join(first.Dir, filepath.FromSlash(p)), filepath.Join(second.Dir, filepath.FromSlash(bByName[n]))
		same, err := sameFile(fa, fb)
		if err != nil {
			return false, "", err
		}
		if same {
			log.Printf("release: reproducible: %s is identical", n)
			continue
		}
		log.Printf("release: reproducible: %s differs", n)
		differ = append(differ, n)
		files["a/"+n], files["b/"+n] = fa, fb
	}
	if len(differ) == 0 {
		return true, "", nil
	}
	report, err := r.diffoscope(ctx, j, differ, files, first.Dir, log)
	return false, report, err
}

// diffoscopeScript compares each differing pair; diffoscope exits 1 when
// the files differ, which is the expected case here.
const diffoscopeScript = `mkdir -p out
: > out/` + DiffName + `
for f in $(cat names.txt); do
	code=0
	diffoscope --no-progress --text out/one.txt "a/$f" "b/$f" || code=$?
	if [ "$code" -gt 1 ]; then echo "diffoscope failed on $f (exit code $code)"; exit 2; fi
	cat out/one.txt >> out/` + DiffName + `
done
rm -f out/one.txt
head -n 60 out/` + DiffName + `
`

// diffoscope writes its report on the differing files into dir and
// returns the report's path.
func (r *releaser) diffoscope(ctx context.Context, j plan.Job, differ []string, files map[string]string, dir string, log *targetLog) (string, error) {
	log.Printf("release: reproducible: running diffoscope on %s", strings.Join(differ, ", "))
	tmp, err := os.MkdirTemp("", "dbuilder-diffoscope-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	b := box{Image: r.tools, Script: []byte(diffoscopeScript), Files: files,
		Data: map[string][]byte{"names.txt": []byte(strings.Join(differ, "\n") + "\n")},
		Out:  "out", OutDir: tmp, Labels: r.labels(j)}
	code, err := b.run(ctx, r.eng, log)
	if err != nil {
		return "", err
	}
	if code != 0 {
		return "", fmt.Errorf("diffoscope failed (exit code %d)", code)
	}
	data, err := os.ReadFile(filepath.Join(tmp, DiffName))
	if err != nil {
		return "", err
	}
	report := filepath.Join(dir, DiffName)
	if err := os.WriteFile(report, data, 0o644); err != nil {
		return "", err
	}
	return report, nil
}

// sameFile compares two files byte for byte (through their hashes).
func sameFile(a, b string) (bool, error) {
	ha, err := fileHash(a)
	if err != nil {
		return false, err
	}
	hb, err := fileHash(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ha, hb), nil
}

func fileHash(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// checksums describes a target's packages with their sha256.
func checksums(dir string, pkgs []string) ([]report.Artifact, error) {
	out := []report.Artifact{}
	for _, p := range pkgs {
		fp := filepath.Join(dir, filepath.FromSlash(p))
		st, err := os.Stat(fp)
		if err != nil {
			return nil, err
		}
		h, err := fileHash(fp)
		if err != nil {
			return nil, err
		}
		out = append(out, report.Artifact{Name: p, Size: st.Size(), SHA256: hex.EncodeToString(h)})
	}
	return out, nil
}

package release

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/distros"
)

// verifyScript starts the family's verify script with the packages, the
// smoke script and (for an upgrade test) the previous repository in place
// (see distros/scripts/verify-*.sh).
const verifyScript = `export DBUILDER_PKGS=/release/pkgs DBUILDER_SMOKE=/release/smoke.sh DBUILDER_OUT=/release/out
mkdir -p /release/out
exec sh -e /release/verify.sh
`

// verified is what verify found beyond pass or fail.
type verified struct {
	UpgradedFrom []string // "NAME OLD -> NEW"
	Leftovers    []string // paths left after purge that release.allow_leftovers does not allow
	Allowed      []string // paths left that it allows
}

// verifyError is a failed verify: the step of the verify script it failed
// in and, when the package manager said so, the maintainer script.
type verifyError struct {
	Step, Script string
	Err          error
}

func (e *verifyError) Error() string { return e.Err.Error() }

// verify installs the target's binary packages in a clean container of
// its distro's base image with the distro's own package manager, runs
// release.smoke, purges them and compares the file system with its state
// before. With up, it then installs the earlier versions from the previous
// repository and upgrades to the new ones, and does it all again. The
// package manager's own words are in the log when it fails.
func (r *releaser) verify(ctx context.Context, j plan.Job, dir string, pkgs []string, up *upgrade, log *targetLog) (verified, error) {
	var v verified
	if j.VerifyScript == nil {
		return v, fmt.Errorf("the %s family has no verify script", j.Family.Name)
	}
	files := map[string]string{}
	for _, p := range pkgs {
		if distros.IsSourcePackage(p) {
			continue
		}
		files["pkgs/"+path.Base(p)] = filepath.Join(dir, filepath.FromSlash(p))
	}
	smoke := ""
	if s := strings.TrimSpace(j.Target.Release.Smoke); s != "" {
		smoke = strings.TrimRight(j.Target.Release.Smoke, "\n") + "\n"
		log.Printf("release: verify: smoke command: %s", firstLine(s))
	}
	data := map[string][]byte{"verify.sh": j.VerifyScript, "smoke.sh": []byte(smoke)}
	for lib, text := range j.VerifyLibs {
		data[lib] = text
	}
	var env []string
	if up != nil {
		for p, f := range up.Files {
			files["prev/"+p] = f
		}
		data["prev/pkgs.txt"] = up.pkgsList()
		env = append(env, "DBUILDER_PREV="+Dir+"/prev", "DBUILDER_PREV_SUITE="+up.Suite)
		log.Printf("release: verify: then an upgrade from %s (%s)", up.describe(), up.From.Dir)
	}
	tmp, err := os.MkdirTemp("", "dbuilder-verify-")
	if err != nil {
		return v, err
	}
	defer os.RemoveAll(tmp)
	var said failureLines
	b := box{
		Image: j.Distro.Image, Script: []byte(verifyScript), Files: files, Data: data, Env: env,
		Out: "out", OutDir: tmp, Labels: r.labels(j),
	}
	code, err := b.run(ctx, r.eng, multiWriter(log, &said))
	if err != nil {
		return v, err
	}
	if code != 0 {
		step, script, desc := said.failure()
		msg := fmt.Sprintf("%s failed (exit code %d) in a clean %s container", j.Family.VerifyScript, code, j.Distro.Image)
		if step != "" {
			msg = fmt.Sprintf("%s failed in step %s (exit code %d) in a clean %s container", j.Family.VerifyScript, step, code, j.Distro.Image)
		}
		if desc != "" {
			msg += ": " + desc
		}
		return v, &verifyError{Step: step, Script: script, Err: fmt.Errorf("%s; the package manager's messages are in the log", msg)}
	}
	v.UpgradedFrom = readUpgraded(filepath.Join(tmp, "upgraded.txt"))
	for _, how := range []string{"install", "upgrade"} {
		left := readLines(filepath.Join(tmp, "leftovers-"+how+".txt"))
		bad, ok := allowLeftovers(left, j.Target.Release.AllowLeftovers)
		v.Leftovers, v.Allowed = appendNew(v.Leftovers, bad...), appendNew(v.Allowed, ok...)
	}
	if len(v.Allowed) > 0 {
		log.Printf("release: verify: %d path(s) left after purge, allowed by release.allow_leftovers: %s", len(v.Allowed), strings.Join(v.Allowed, " "))
	}
	if len(v.Leftovers) > 0 {
		return v, &verifyError{Step: "leftovers", Err: fmt.Errorf("purge left %d path(s) that were not there before install: %s (allow them with release.allow_leftovers, or remove them in postrm/%%postun)",
			len(v.Leftovers), listSome(v.Leftovers, 10))}
	}
	return v, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

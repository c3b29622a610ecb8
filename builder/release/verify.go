package release

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/distros"
)

// verifyScript starts the family's verify script with the packages and the
// smoke script in place (see distros/scripts/verify-*.sh).
const verifyScript = `export DBUILDER_PKGS=/release/pkgs DBUILDER_SMOKE=/release/smoke.sh
exec sh -e /release/verify.sh
`

// verify installs the target's binary packages in a clean container of
// its distro's base image with the distro's own package manager, runs
// release.smoke, and removes them again. The package manager's own words
// are in the log when it fails.
func (r *releaser) verify(ctx context.Context, j plan.Job, dir string, pkgs []string, log *targetLog) error {
	if j.VerifyScript == nil {
		return fmt.Errorf("the %s family has no verify script", j.Family.Name)
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
	b := box{
		Image: j.Distro.Image, Script: []byte(verifyScript), Files: files,
		Data: data, Labels: r.labels(j),
	}
	code, err := b.run(ctx, r.eng, log)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("%s failed (exit code %d) in a clean %s container; the package manager's messages are in the log", j.Family.VerifyScript, code, j.Distro.Image)
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

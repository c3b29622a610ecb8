package release

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/distros"
)

// makeRepos runs repo.sh in one container of the tools image, imports the
// key into it through stdin first (when there is one), copies the result
// into a staging directory, checks SHA256SUMS and publishes it as DIR/repo
// in place of the published one, which must not have changed meanwhile.
// Repositories this release does not touch (untouched) go in and come out
// as they are. The container holds the key only in its /dev/shm and is
// removed as soon as the files are out.
func (r *releaser) makeRepos(ctx context.Context, repos []*repo, untouched []*pubRepo, key *signingKey, rr *report.RepositoriesReport) error {
	stage, err := artifacts.NewStaging(r.opt.OutputDir, RepoDir, r.opt.Run.ID)
	if err != nil {
		return err
	}
	defer artifacts.TidyStaging(r.opt.OutputDir, r.opt.Run.ID)
	swapped := false
	defer func() {
		if !swapped {
			stage.Discard()
		}
	}()
	logFile, err := os.Create(filepath.Join(r.opt.OutputDir, RepoLog))
	if err != nil {
		return err
	}
	defer logFile.Close()
	log := &targetLog{w: logFile, con: r.out, prefix: "[repo] "}
	defer log.Flush()

	for _, rp := range repos {
		for _, n := range rp.Notes {
			log.Printf("%s/%s: %s", rp.Layout.Dir, rp.Name, n)
		}
		log.Printf("%s/%s: %d file(s) added, %d kept from earlier releases", rp.Layout.Dir, rp.Name, len(rp.Files), len(rp.Kept))
	}
	for _, pr := range untouched {
		log.Printf("%s/%s: not in this release, kept as it is", pr.Layout.Dir, pr.Name)
	}
	files, data, err := repoInputs(repos, untouched, r.pub)
	if err != nil {
		return err
	}
	if err := r.runRepoScript(ctx, files, data, key, log, stage.Dir); err != nil {
		return err
	}
	sums, err := checkSums(stage.Dir)
	if err != nil {
		return err
	}
	// A repository is there to be served: readable by all, like its files.
	if err := os.Chmod(stage.Dir, 0o755); err != nil {
		return err
	}
	if err := unchanged(rr.Dir, r.pub); err != nil {
		return err
	}
	if err := stage.Publish(); err != nil {
		return err
	}
	swapped = true
	describeRepos(rr, repos, untouched, sums, key != nil, logFile.Name())
	if key != nil {
		r.out.line(fmt.Sprintf("dbuilder: %d signed repositories in %s (public key %s)", len(rr.Repos), rr.Dir, rr.Key))
	} else {
		r.out.line(fmt.Sprintf("dbuilder: %d repositories in %s, UNSIGNED: no signing key was given (--sign-key FILE or DBUILDER_SIGNING_KEY); apt needs [trusted=yes] and dnf gpgcheck=0 to use them", len(rr.Repos), rr.Dir))
	}
	return nil
}

// repoInputs are what repo.sh gets: each repository's new files (under
// in/NAME/) and those published earlier (kept/NAME/, as they were), its
// format's repository script, repos.txt (one repository a line), the
// untouched repositories under repo/ as they are, and the published
// public key (published/KEY.asc), which the signing key must match.
func repoInputs(repos []*repo, untouched []*pubRepo, pub *published) (files map[string]string, data map[string][]byte, err error) {
	files, data = map[string]string{}, map[string][]byte{}
	var lines strings.Builder
	for _, rp := range repos {
		suite := rp.Suite
		if suite == "" {
			suite = "-"
		}
		fmt.Fprintf(&lines, "%s %s %s %s\n", rp.Layout.Script, rp.Layout.Dir, rp.Name, suite)
		for n, f := range rp.Files {
			files["in/"+rp.Name+"/"+n] = f
		}
		for n, f := range rp.Kept {
			files["kept/"+rp.Name+"/"+n] = f
		}
		if data[rp.Layout.Script], err = distros.Script(rp.Layout.Script); err != nil {
			return nil, nil, err
		}
	}
	for _, pr := range untouched {
		tree, err := pr.treeOf(pub.Dir)
		if err != nil {
			return nil, nil, err
		}
		for rel, f := range tree {
			files["repo/"+rel] = f
		}
	}
	if pub != nil && pub.Signed {
		files["published/"+KeyFile] = filepath.Join(pub.Dir, KeyFile)
	}
	data["repos.txt"] = []byte(lines.String())
	return files, data, nil
}

// runRepoScript runs repo.sh in a tools container (the key imported into
// its tmpfs first) and copies the repositories it made into dir. The
// container, and the key with it, is gone when it returns.
func (r *releaser) runRepoScript(ctx context.Context, files map[string]string, data map[string][]byte, key *signingKey, log *targetLog, dir string) error {
	env := []string{"DBUILDER_ORIGIN=" + r.opt.Origin}
	if key != nil {
		env = append(env, "GNUPGHOME="+gnupgHome)
	}
	// Its main process reads stdin, which stays attached to this process:
	// if dbuilder dies (even SIGKILL), stdin ends, the container stops
	// (and with it the tmpfs holding the key) and removes itself.
	id, err := engine.Create(ctx, r.eng, engine.ContainerSpec{
		Image: r.tools, Entrypoint: []string{"sh", "-c", "exec timeout 1800 cat >/dev/null"}, Env: env, WorkingDir: Dir,
		NetworkMode: "none", OpenStdin: true, AutoRemove: true, Labels: r.opt.Run.Labels(labels.RoleRelease, ident.Target{}),
	})
	if err != nil {
		return err
	}
	defer engine.RemoveContainer(r.eng, id)
	if err := copyIn(ctx, r.eng, id, repoScript, files, data, nil); err != nil {
		return err
	}
	stdin, err := r.eng.ContainerAttachStdin(ctx, id)
	if err != nil {
		return err
	}
	defer stdin.Close()
	if err := r.eng.ContainerStart(ctx, id); err != nil {
		return err
	}
	if key != nil {
		if err := importKey(ctx, r.eng, id, key, log); err != nil {
			return err
		}
	}
	code, err := r.eng.Exec(ctx, id, []string{"sh", "-e", Dir + "/run.sh"}, nil, log)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("repo.sh failed (exit code %d); see the log above", code)
	}
	if err := copyOut(ctx, r.eng, id, Dir+"/repo", dir); err != nil {
		return err
	}
	// The key goes with the container, now.
	if err := engine.RemoveContainer(r.eng, id); err != nil {
		return fmt.Errorf("removing the signing container: %w", err)
	}
	return nil
}

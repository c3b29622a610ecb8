package release

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/distros"
)

//go:embed scripts/repo.sh
var repoScript []byte

// RepoDir is the repositories' directory under the output directory.
const RepoDir = "repo"

// RepoLog is the log of making the repositories, in the output directory.
const RepoLog = "repo.log"

// Files in RepoDir.
const (
	KeyFile  = "KEY.asc"
	SumsFile = "SHA256SUMS"
	SumsSig  = "SHA256SUMS.asc"
)

// repo is one repository to make: every package of the targets of one distro.
type repo struct {
	Distro, Format, Name, Suite string
	Layout                      distros.Repo
	Files                       map[string]string // base name -> host file
	from                        map[string]string // base name -> target, for collisions
}

// RepoName is the directory of a distro's repository: "debian:bookworm" ->
// "debian-bookworm" (under its format's directory: apt/, rpm/).
func RepoName(distro string) string { return strings.NewReplacer(":", "-", "/", "-").Replace(distro) }

// Suite is the suite of a distro's repository, when its format has suites:
// the part after ':'.
func Suite(distro string) string {
	_, s, ok := strings.Cut(distro, ":")
	if !ok || s == "" {
		return "stable"
	}
	return s
}

// plan groups the targets' packages into one repository per distro. Two
// targets of one distro that make a file of the same name but other
// content cannot share its pool: that is an error.
func planRepos(jobs []plan.Job, built []report.Result) ([]*repo, error) {
	byDistro := map[string]*repo{}
	var order []string
	for i, j := range jobs {
		d := j.Target.Distro
		rp, ok := byDistro[d]
		if !ok {
			layout := j.Format.Repo()
			rp = &repo{Distro: d, Format: j.Format.Name(), Layout: layout, Name: RepoName(d), Files: map[string]string{}, from: map[string]string{}}
			if layout.Suite {
				rp.Suite = Suite(d)
			}
			byDistro[d] = rp
			order = append(order, d)
		}
		for _, p := range packages(built[i]) {
			name := path.Base(p)
			file := filepath.Join(built[i].Dir, filepath.FromSlash(p))
			if prev, dup := rp.Files[name]; dup {
				same, err := sameFile(prev, file)
				if err != nil {
					return nil, err
				}
				if !same {
					return nil, fmt.Errorf("targets %s and %s both make %s for %s, with different content; one repository per distro cannot hold both", rp.from[name], j.Name(), name, d)
				}
				continue
			}
			rp.Files[name], rp.from[name] = file, j.Name()
		}
	}
	sort.Strings(order)
	out := make([]*repo, 0, len(order))
	for _, d := range order {
		out = append(out, byDistro[d])
	}
	return out, nil
}

// repositories makes DIR/repo when every target passed; otherwise it
// leaves an earlier DIR/repo as it was.
func (r *releaser) repositories(ctx context.Context, jobs []plan.Job, built []report.Result, reps []report.ReleaseReport, key *signingKey) *report.RepositoriesReport {
	dir := filepath.Join(r.opt.OutputDir, RepoDir)
	rr := &report.RepositoriesReport{Dir: dir, Repos: []report.RepositoryInfo{}}
	failed := 0
	for _, t := range reps {
		if !t.OK {
			failed++
		}
	}
	if failed > 0 {
		rr.Error = fmt.Sprintf("no repositories made: %d target(s) failed; %s is left as it was", failed, dir)
		r.out.line("dbuilder: " + rr.Error)
		return rr
	}
	// Again, right before the files are sent: checking each target took
	// minutes, and the repositories must hold what was built.
	for i := range jobs {
		if err := checkRecorded(built[i], packages(built[i])); err != nil {
			rr.Error = "repositories: " + err.Error()
			r.out.line("dbuilder: " + rr.Error)
			return rr
		}
	}
	repos, err := planRepos(jobs, built)
	if err == nil {
		err = r.makeRepos(ctx, repos, key, rr)
	}
	if err != nil {
		rr.Error = "repositories: " + err.Error()
		r.out.line("dbuilder: " + rr.Error)
		return rr
	}
	for i, j := range jobs {
		for _, info := range rr.Repos {
			if info.Distro == j.Target.Distro {
				reps[i].Repository = info.Path
			}
		}
	}
	return rr
}

// makeRepos runs repo.sh in one container of the tools image, imports the
// key into it through stdin first (when there is one), copies the result
// into a staging directory, checks SHA256SUMS and publishes it as DIR/repo.
// The container holds the key only in its /dev/shm and is removed as soon
// as the files are out.
func (r *releaser) makeRepos(ctx context.Context, repos []*repo, key *signingKey, rr *report.RepositoriesReport) error {
	stage, err := artifacts.NewStaging(r.opt.OutputDir, RepoDir, r.opt.Run.ID)
	if err != nil {
		return err
	}
	defer artifacts.TidyStaging(r.opt.OutputDir, r.opt.Run.ID)
	published := false
	defer func() {
		if !published {
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

	files, data, err := repoInputs(repos)
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
	if err := stage.Publish(); err != nil {
		return err
	}
	published = true
	describeRepos(rr, repos, sums, key != nil, logFile.Name())
	if key != nil {
		r.out.line(fmt.Sprintf("dbuilder: %d signed repositories in %s (public key %s)", len(repos), rr.Dir, rr.Key))
	} else {
		r.out.line(fmt.Sprintf("dbuilder: %d repositories in %s, UNSIGNED: no signing key was given (--sign-key FILE or DBUILDER_SIGNING_KEY); apt needs [trusted=yes] and dnf gpgcheck=0 to use them", len(repos), rr.Dir))
	}
	return nil
}

// repoInputs are the packages each repository gets (under in/NAME/), its
// format's repository script, and repos.txt, one repository a line, that
// repo.sh reads.
func repoInputs(repos []*repo) (files map[string]string, data map[string][]byte, err error) {
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
		if data[rp.Layout.Script], err = distros.Script(rp.Layout.Script); err != nil {
			return nil, nil, err
		}
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
	if err := copyIn(ctx, r.eng, id, repoScript, files, data); err != nil {
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

// describeRepos fills the report's repository part from the published
// checksums (sums: paths relative to the repository directory).
func describeRepos(rr *report.RepositoriesReport, repos []*repo, sums []string, signed bool, logFile string) {
	rr.Sums = filepath.Join(rr.Dir, SumsFile)
	if signed {
		rr.Signed = true
		rr.Key = filepath.Join(rr.Dir, KeyFile)
		rr.SumsSig = filepath.Join(rr.Dir, SumsSig)
		rr.Fingerprint = fingerprintFromLog(logFile)
	}
	for _, rp := range repos {
		sub := rp.Layout.Dir
		info := report.RepositoryInfo{Distro: rp.Distro, Format: rp.Format, Path: path.Join(RepoDir, sub, rp.Name), Suite: rp.Suite, Packages: []string{}}
		prefix := sub + "/" + rp.Name + "/"
		for _, s := range sums {
			if strings.HasPrefix(s, prefix) && distros.IsPackage(s) {
				info.Packages = append(info.Packages, strings.TrimPrefix(s, prefix))
			}
		}
		rr.Repos = append(rr.Repos, info)
	}
}

// fingerprintFromLog finds the key repo.sh signed with in its log.
func fingerprintFromLog(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f, ok := strings.CutPrefix(l, "repo.sh: signing with key "); ok {
			return strings.TrimSpace(f)
		}
	}
	return ""
}

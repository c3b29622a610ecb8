package release

import (
	"context"
	_ "embed"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

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

// repo is one repository to make: every package of the targets of one
// distro, joined to what the published repository of that distro holds.
type repo struct {
	Distro, Format, Name, Suite string
	Layout                      distros.Repo
	Files                       map[string]string // base name -> host file: new in this release
	Kept                        map[string]string // base name -> host file: published earlier, sent as it is
	Notes                       []string          // what was already published
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

// planRepos groups the targets' files (packages, records of the build,
// and the format's source package, sources[format]) into one repository
// per distro, each joined to its published repository in pub. Two targets
// of one distro that make a file of the same name but other content
// cannot share its pool: that is an error, as is a file published earlier
// with other content. It also returns pub's repositories this release
// does not touch: they are kept as they are.
func planRepos(jobs []plan.Job, built []report.Result, sources map[string][]string, pub *published) ([]*repo, []*pubRepo, error) {
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
			for _, f := range sources[rp.Format] {
				rp.Files[filepath.Base(f)], rp.from[filepath.Base(f)] = f, "the source package"
			}
		}
		for _, p := range releaseFiles(built[i]) {
			name := path.Base(p)
			file := filepath.Join(built[i].Dir, filepath.FromSlash(p))
			if prev, dup := rp.Files[name]; dup {
				same, err := sameFile(prev, file)
				if err != nil {
					return nil, nil, err
				}
				if !same {
					return nil, nil, fmt.Errorf("targets %s and %s both make %s for %s, with different content; one repository per distro cannot hold both", rp.from[name], j.Name(), name, d)
				}
				continue
			}
			rp.Files[name], rp.from[name] = file, j.Name()
		}
	}
	sort.Strings(order)
	out := make([]*repo, 0, len(order))
	for _, d := range order {
		rp := byDistro[d]
		var err error
		if rp.Kept, rp.Notes, err = pub.find(rp.Layout, rp.Name).merge(rp.Files); err != nil {
			return nil, nil, err
		}
		out = append(out, rp)
	}
	var untouched []*pubRepo
	if pub != nil {
		for _, pr := range pub.Repos {
			if !slices.ContainsFunc(out, func(rp *repo) bool { return rp.Layout.Dir == pr.Layout.Dir && rp.Name == pr.Name }) {
				untouched = append(untouched, pr)
			}
		}
	}
	return out, untouched, nil
}

// releaseFiles are a target's files that its repository gets: the
// packages and, beside them, the records of the build (.changes,
// .buildinfo), relative to its directory.
func releaseFiles(b report.Result) []string {
	out := packages(b)
	for _, a := range b.Artifacts {
		if keptAsPublished(a) {
			out = append(out, a)
		}
	}
	return out
}

// repositories makes DIR/repo when every target passed: the published
// one (if any) with this release's files added. Otherwise, or when
// anything fails on the way, it leaves an earlier DIR/repo as it was.
func (r *releaser) repositories(ctx context.Context, jobs []plan.Job, built []report.Result, reps []report.ReleaseReport, key *signingKey) *report.RepositoriesReport {
	dir := filepath.Join(r.opt.OutputDir, RepoDir)
	rr := &report.RepositoriesReport{Dir: dir, Repos: []report.RepositoryInfo{}}
	fail := func(msg string) *report.RepositoriesReport {
		rr.Error = msg
		r.out.line("dbuilder: " + rr.Error)
		return rr
	}
	failed := 0
	for _, t := range reps {
		if !t.OK {
			failed++
		}
	}
	if failed > 0 {
		return fail(fmt.Sprintf("no repositories made: %d target(s) failed; %s is left as it was", failed, dir))
	}
	if r.sourceErr != nil {
		return fail(fmt.Sprintf("no repositories made: source package: %v; %s is left as it was", r.sourceErr, dir))
	}
	// Again, right before the files are sent: checking each target took
	// minutes, and the repositories must hold what was built.
	for i := range jobs {
		if err := checkRecorded(built[i], releaseFiles(built[i])); err != nil {
			return fail("repositories: " + err.Error())
		}
	}
	repos, untouched, err := planRepos(jobs, built, r.sources, r.pub)
	if err == nil {
		err = r.makeRepos(ctx, repos, untouched, key, rr)
	}
	if err != nil {
		return fail(fmt.Sprintf("repositories: %v; %s is left as it was", err, dir))
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

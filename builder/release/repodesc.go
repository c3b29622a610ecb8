package release

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/distros"
)

// describeRepos fills the report's repository part from the published
// checksums (sums: paths relative to the repository directory).
func describeRepos(rr *report.RepositoriesReport, repos []*repo, untouched []*pubRepo, sums []string, signed bool, logFile string) {
	rr.Sums = filepath.Join(rr.Dir, SumsFile)
	if signed {
		rr.Signed = true
		rr.Key = filepath.Join(rr.Dir, KeyFile)
		rr.SumsSig = filepath.Join(rr.Dir, SumsSig)
		rr.Fingerprint = fingerprintFromLog(logFile)
	}
	describe := func(distro, format, sub, name, suite string) report.RepositoryInfo {
		info := report.RepositoryInfo{Distro: distro, Format: format, Path: path.Join(RepoDir, sub, name), Suite: suite, Packages: []string{}}
		prefix := sub + "/" + name + "/"
		for _, s := range sums {
			rel, ok := strings.CutPrefix(s, prefix)
			if !ok {
				continue
			}
			if distros.IsPackage(s) {
				info.Packages = append(info.Packages, rel)
			}
			if distros.IsSourcePackage(s) || strings.HasSuffix(s, ".dsc") {
				info.Sources = append(info.Sources, rel)
			}
		}
		return info
	}
	for _, rp := range repos {
		info := describe(rp.Distro, rp.Format, rp.Layout.Dir, rp.Name, rp.Suite)
		for _, n := range sortedKeys(rp.Files) {
			if i := slices.IndexFunc(info.Packages, func(p string) bool { return path.Base(p) == n }); i >= 0 {
				info.Added = append(info.Added, info.Packages[i])
			}
		}
		rr.Repos = append(rr.Repos, info)
	}
	for _, pr := range untouched {
		info := describe(pr.Distro, pr.Format, pr.Layout.Dir, pr.Name, pr.Suite)
		info.Unchanged = true
		rr.Repos = append(rr.Repos, info)
	}
	sort.Slice(rr.Repos, func(i, j int) bool { return rr.Repos[i].Path < rr.Repos[j].Path })
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

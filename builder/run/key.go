package run

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/plan"
)

// resultKey hashes everything a target's result depends on:
//   - dbuilder's version and its identity (version.Identity: the code that
//     built it), the build-container contract (run.sh), and who runs the
//     build and the tests (the build user, or root: see user.go);
//   - --incremental and --no-ccache;
//   - the builder image's ID (only when the image is current for its base
//     images);
//   - the resolved target (test command included), the family's build
//     script and the scripts it sources;
//   - the preload images' IDs, the sidecar image's ID;
//   - the source tree's content.
//
// TestResultKeyInputs changes each on its own. "" means the result cannot
// be keyed now (the builder image does not exist yet, or dbuilder cannot
// tell its own identity).
func (r *runner) resultKey(ctx context.Context, j plan.Job) (string, error) {
	if r.self == "" {
		return "", nil
	}
	img, err := r.eng.Image(ctx, j.ImageTag)
	if err != nil {
		return "", nil
	}
	bases, err := baseIDs(ctx, r.eng, j.Bases)
	if err != nil || img.Labels[labels.Bases] != bases {
		return "", nil
	}
	src, err := r.sources.hash(j.SourceDir, r.skipDir(j))
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "dbuilder %s\x00incremental %v\x00", r.run.Version, r.opt.Incremental)
	fmt.Fprintf(h, "identity %s\x00ccache %v\x00", r.self, r.opt.CCache)
	h.Write(runScript("NONCE", usersOf(j.Target)))
	fmt.Fprintf(h, "\x00users %s\x00", usersOf(j.Target))
	fmt.Fprintf(h, "\x00image %s\x00source %s\x00", img.ID, src)
	t, _ := json.Marshal(j.Target)
	h.Write(t)
	// Which tests of the installed packages ran (release leaves out the
	// install test): a result is reused only where the same ones ran.
	fmt.Fprintf(h, "\x00package tests install=%v autopkgtest=%v\x00", j.InstallTest, j.Autopkgtest)
	h.Write(j.BuildScript)
	for _, lib := range sortedKeys(j.BuildLibs) {
		fmt.Fprintf(h, "\x00lib %s\x00", lib)
		h.Write(j.BuildLibs[lib])
	}
	for _, p := range j.Target.Test.Preload {
		pi, err := r.eng.Image(ctx, p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "\x00preload %s=%s", p, pi.ID)
	}
	if j.Target.Test.Docker {
		si, err := r.eng.Image(ctx, r.opt.Sidecar.Ref)
		if err != nil {
			return "", nil
		}
		fmt.Fprintf(h, "\x00sidecar %s=%s", r.opt.Sidecar.Ref, si.ID)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// skipDir is the output directory when it lies inside the job's source:
// it is not sent, so it is not hashed either. Both are compared resolved
// (the source is, see matrix.Load): a checkout reached through a link would
// otherwise send dist/ into every build, and no result would ever be cached.
func (r *runner) skipDir(j plan.Job) string {
	if out, err := resolvedPath(r.opt.OutputDir); err == nil && within(out, j.SourceDir) {
		return out
	}
	return ""
}

// sourceHashes hashes each source tree once per run.
type sourceHashes struct {
	mu   sync.Mutex
	done map[string]string
}

// hash is the content hash of the tree at dir as writeTree sends it: paths,
// modes, link targets and file contents; .git and skip left out.
func (s *sourceHashes) hash(dir, skip string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.done[dir+"\x00"+skip]; ok {
		return v, nil
	}
	h := sha256.New()
	var paths []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && (e.Name() == ".git" || (skip != "" && p == skip)) {
			return filepath.SkipDir
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(paths)
	for _, p := range paths {
		info, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00", filepath.ToSlash(rel), info.Mode(), info.Size())
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			fmt.Fprintf(h, "%s\x00", l)
		case info.Mode().IsRegular():
			f, err := os.Open(p)
			if err != nil {
				return "", err
			}
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				return "", err
			}
			h.Write([]byte{0})
		}
	}
	if s.done == nil {
		s.done = map[string]string{}
	}
	v := hex.EncodeToString(h.Sum(nil))
	s.done[dir+"\x00"+skip] = v
	return v, nil
}

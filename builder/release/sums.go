package release

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkSums checks dir's SHA256SUMS against the files: every line must
// match its file and every file (but SHA256SUMS and its signature) must
// have a line. It returns the listed paths, slash-separated.
func checkSums(dir string) ([]string, error) {
	f, err := os.Open(filepath.Join(dir, SumsFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	listed := map[string]bool{}
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			return nil, fmt.Errorf("%s: malformed line %q", SumsFile, sc.Text())
		}
		h, err := fileHash(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return nil, fmt.Errorf("%s lists %s: %w", SumsFile, name, err)
		}
		if hex.EncodeToString(h) != sum {
			return nil, fmt.Errorf("%s: %s does not match its checksum", SumsFile, name)
		}
		listed[name] = true
		names = append(names, name)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	err = filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel != SumsFile && rel != SumsSig && !listed[rel] {
			return fmt.Errorf("%s does not list %s", SumsFile, rel)
		}
		return nil
	})
	return names, err
}

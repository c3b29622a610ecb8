package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// ResultFile is written next to a target's artifacts after a good build:
// the key of every input and the artifacts with their checksums. A later
// build whose inputs give the same key reuses the result.
const ResultFile = "result.json"

// Record is the content of ResultFile.
type Record struct {
	Key       string     `json:"key"`
	Target    string     `json:"target"`
	Run       string     `json:"run"`
	Finished  time.Time  `json:"finished"`
	Artifacts []Artifact `json:"artifacts"`
	Reports   []Artifact `json:"reports,omitempty"` // the test.reports files, under ReportsDir
	// PackageTests are what the package tests said, for a reused result's
	// report.
	PackageTests []PackageTest `json:"package_tests,omitempty"`
}

// Artifact is one published file.
type Artifact struct {
	Name   string `json:"name"` // relative to DIR/<target>, slash-separated
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Describe measures the artifacts in dir.
func Describe(dir string, names []string) ([]Artifact, error) {
	out := make([]Artifact, 0, len(names))
	for _, n := range names {
		size, sum, err := sumFile(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return nil, err
		}
		out = append(out, Artifact{Name: n, Size: size, SHA256: sum})
	}
	return out, nil
}

// sumFile is p's size and hex sha256.
func sumFile(p string) (int64, string, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return size, hex.EncodeToString(h.Sum(nil)), nil
}

// WriteRecord writes ResultFile into dir (the staging directory, so it is
// published with the artifacts it describes, in one rename).
func WriteRecord(dir string, rec Record) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ResultFile), append(b, '\n'), 0o644)
}

// ReadRecord reads dir's ResultFile. Whether the files are still what it
// says is Check's job.
func ReadRecord(dir string) (Record, error) {
	var rec Record
	b, err := os.ReadFile(filepath.Join(dir, ResultFile))
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("%s: %w", ResultFile, err)
	}
	if len(rec.Artifacts) == 0 {
		return rec, fmt.Errorf("%s lists no artifacts", ResultFile)
	}
	return rec, nil
}

// Check says whether every artifact and report rec lists is in dir with
// its recorded size and sha256: a file changed in place (even keeping its
// size) must not be served, nor signed. Packages are a few MB; hashing
// them costs milliseconds.
func (rec Record) Check(dir string) error {
	for _, a := range slices.Concat(rec.Artifacts, rec.Reports) {
		p := filepath.Join(dir, filepath.FromSlash(a.Name))
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("%s of run %s is gone: %w", a.Name, rec.Run, err)
		}
		if st.Size() != a.Size {
			return fmt.Errorf("%s is %d bytes, not the %d that %s records (changed since run %s)", a.Name, st.Size(), a.Size, ResultFile, rec.Run)
		}
		_, sum, err := sumFile(p)
		if err != nil {
			return fmt.Errorf("%s: %w", a.Name, err)
		}
		if sum != a.SHA256 {
			return fmt.Errorf("%s does not match the sha256 that %s records (changed since run %s)", a.Name, ResultFile, rec.Run)
		}
	}
	return nil
}

package run

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
}

// Artifact is one published file.
type Artifact struct {
	Name   string `json:"name"` // relative to DIR/<target>, slash-separated
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// describe measures the artifacts in dir.
func describe(dir string, names []string) ([]Artifact, error) {
	out := make([]Artifact, 0, len(names))
	for _, n := range names {
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(n)))
		if err != nil {
			return nil, err
		}
		h := sha256.New()
		size, err := io.Copy(h, f)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, Artifact{Name: n, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))})
	}
	return out, nil
}

// writeRecord writes ResultFile into dir (the staging directory, so it is
// published with the artifacts it describes, in one rename).
func writeRecord(dir string, rec Record) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ResultFile), append(b, '\n'), 0o644)
}

// readRecord reads dir's ResultFile and checks that its artifacts are all
// still there with their sizes (a full checksum of large packages would
// cost the no-op build its speed; release verifies checksums).
func readRecord(dir string) (Record, error) {
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
	for _, a := range rec.Artifacts {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(a.Name)))
		if err != nil || st.Size() != a.Size {
			return rec, fmt.Errorf("artifact %s changed or missing", a.Name)
		}
	}
	return rec, nil
}

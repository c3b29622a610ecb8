package report

import (
	"encoding/json"
	"time"
)

// ReportFile is the run report in the output directory, for CI and scripts.
const ReportFile = "report.json"

// Report is the run report; its field names are a public interface, so
// they only ever grow.
type Report struct {
	Run      string         `json:"run"`
	Version  string         `json:"version"`
	Endpoint string         `json:"endpoint"`
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
	Targets  []TargetReport `json:"targets"`
	// Repositories is set by `dbuilder release`.
	Repositories *RepositoriesReport `json:"repositories,omitempty"`
}

// TargetReport is one target in the report.
type TargetReport struct {
	Name       string       `json:"name"`
	Distro     string       `json:"distro"`
	Arch       string       `json:"arch"`
	Emulated   bool         `json:"emulated"`
	Result     string       `json:"result"` // ok, cached, failed, cancelled
	FailedStep string       `json:"failed_step,omitempty"`
	Error      string       `json:"error,omitempty"`
	Seconds    float64      `json:"seconds"`
	Steps      []StepReport `json:"steps"`
	Log        string       `json:"log,omitempty"`
	Artifacts  []Artifact   `json:"artifacts"`
	Reports    []Artifact   `json:"reports"` // test.reports files copied out (failed-reports/... for a failed attempt)
	// PackageTests are the tests of the installed packages: each DEP-8
	// test autopkgtest ran, and the install test.
	PackageTests []PackageTest `json:"package_tests"`
	Cache        CacheReport   `json:"cache"`
	Resources    *Resources    `json:"resources,omitempty"`
	// Release is set by `dbuilder release` for the targets it checked.
	Release *ReleaseReport `json:"release,omitempty"`
}

// StepReport is one step's duration.
type StepReport struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
}

// CacheReport says what a target reused.
type CacheReport struct {
	ResultFromRun      string   `json:"result_from_run,omitempty"`
	BuilderImage       string   `json:"builder_image,omitempty"`
	BuilderImageReused bool     `json:"builder_image_reused"`
	BuilderImagePulled string   `json:"builder_image_pulled_from,omitempty"`
	PreloadCopied      []string `json:"preload_copied"`
	PreloadReused      []string `json:"preload_reused"`
}

// NewReport describes results.
func NewReport(run, version, endpoint string, started time.Time, results []Result) Report {
	rep := Report{Run: run, Version: version, Endpoint: endpoint, Started: started.UTC(), Finished: time.Now().UTC(), Targets: []TargetReport{}}
	for _, r := range results {
		t := TargetReport{
			Name: r.Target, Distro: r.Distro, Arch: r.Arch, Emulated: r.Emulated, Result: resultName(r), FailedStep: r.Step,
			Seconds: r.Duration.Seconds(), Steps: []StepReport{}, Log: r.Log, Artifacts: []Artifact{}, Reports: []Artifact{}, PackageTests: orNoTests(packageTests(r)),
			Cache: CacheReport{BuilderImage: r.BuilderImage, BuilderImageReused: r.BuilderImageReused, BuilderImagePulled: r.BuilderImagePulled,
				PreloadCopied: orNone(r.Preloaded), PreloadReused: orNone(r.PreloadReused)},
			Resources: r.Resources,
		}
		if r.OK {
			t.FailedStep = ""
		} else if r.Err != nil {
			t.Error = r.Err.Error()
		}
		for _, s := range r.Steps {
			t.Steps = append(t.Steps, StepReport{Name: s.Name, Seconds: s.Duration.Seconds()})
		}
		if r.Cached != nil {
			t.Cache.ResultFromRun = r.Cached.Run
		}
		switch {
		case r.OK && r.Record != nil:
			// Hashed once already: when published, or checked on a cache hit.
			t.Artifacts = r.Record.Artifacts
			if r.Record.Reports != nil {
				t.Reports = r.Record.Reports
			}
		case r.OK:
			if arts, err := Describe(r.Dir, r.Artifacts); err == nil {
				t.Artifacts = arts
			}
			fallthrough
		default:
			if reps, err := Describe(r.Dir, r.Reports); err == nil {
				t.Reports = reps
			}
		}
		rep.Targets = append(rep.Targets, t)
	}
	return rep
}

func orNone(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WriteReport writes rep to dir/ReportFile atomically.
func WriteReport(dir string, rep Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(dir, ReportFile, append(b, '\n'))
}

func orNoTests(t []PackageTest) []PackageTest {
	if t == nil {
		return []PackageTest{}
	}
	return t
}

package report

// The parts of report.json that `dbuilder release` fills in. Like the rest
// of the report, their field names only ever grow.

// ReleaseReport is what release found for one target.
type ReleaseReport struct {
	OK         bool   `json:"ok"`
	FailedStep string `json:"failed_step,omitempty"` // checksum, published, verify, lint, reproducible
	Error      string `json:"error,omitempty"`
	// VerifyStep is the step of the verify script that failed (install,
	// smoke, purge, leftovers, install-previous, upgrade, ...) and
	// MaintainerScript the script the package manager said failed
	// (preinst, postrm, %pre, ...), when it said so.
	VerifyStep       string `json:"verify_step,omitempty"`
	MaintainerScript string `json:"maintainer_script,omitempty"`
	// Verified: the packages installed in a clean container of the
	// distro, the smoke command passed, and they were removed cleanly.
	Verified bool `json:"verified"`
	// UpgradedFrom lists the upgrades verify made from the previous
	// repository ("NAME OLD -> NEW"); empty when there was none to make.
	UpgradedFrom []string `json:"upgraded_from,omitempty"`
	// Leftovers are the paths a purge left that release.allow_leftovers
	// does not allow (they fail the target); AllowedLeftovers those it does.
	Leftovers        []string      `json:"leftovers,omitempty"`
	AllowedLeftovers []string      `json:"allowed_leftovers,omitempty"`
	LintMode         string        `json:"lint_mode"` // error, warn, off
	Lint             []LintFinding `json:"lint"`
	// Reproducible is null when not checked (no --check-reproducible).
	Reproducible *bool  `json:"reproducible"`
	Diffoscope   string `json:"diffoscope,omitempty"` // the report, when the builds differ
	// Checksums are the target's packages with their sha256, as published.
	Checksums  []Artifact `json:"checksums"`
	Repository string     `json:"repository,omitempty"` // the repository holding them, relative to the output directory
	Log        string     `json:"log,omitempty"`
}

// LintFinding is one lintian or rpmlint finding.
type LintFinding struct {
	Tool     string `json:"tool"`     // lintian, rpmlint
	Severity string `json:"severity"` // error, warning, info, pedantic, experimental, overridden
	Package  string `json:"package"`
	Tag      string `json:"tag"`
	Detail   string `json:"detail,omitempty"`
}

// RepositoriesReport says where release put the repositories.
type RepositoriesReport struct {
	Dir    string `json:"dir"` // DIR/repo
	Signed bool   `json:"signed"`
	// Key is the public key file (KEY.asc) and its fingerprint, when signed.
	Key         string           `json:"key,omitempty"`
	Fingerprint string           `json:"fingerprint,omitempty"`
	Sums        string           `json:"sums"`               // SHA256SUMS
	SumsSig     string           `json:"sums_sig,omitempty"` // its detached signature
	Repos       []RepositoryInfo `json:"repositories"`
	Error       string           `json:"error,omitempty"` // why none were made
}

// RepositoryInfo is one apt or rpm repository.
type RepositoryInfo struct {
	Distro string `json:"distro"`
	Format string `json:"format"` // deb, rpm
	Path   string `json:"path"`   // relative to the output directory
	Suite  string `json:"suite,omitempty"`
	// Packages are the files it holds, relative to Path (earlier
	// releases' too); Added those this release added; Sources its source
	// packages (.dsc, .src.rpm).
	Packages []string `json:"packages"`
	Added    []string `json:"added,omitempty"`
	Sources  []string `json:"sources,omitempty"`
	// Unchanged: the release had no target of this distro and kept the
	// repository as it was published.
	Unchanged bool `json:"unchanged,omitempty"`
}

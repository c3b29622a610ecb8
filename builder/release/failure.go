package release

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
)

// failureLines keeps, from a verify script's output, the lines that say
// where it failed: its own "FAILED in step" line and the package
// manager's words about a maintainer script (dpkg) or scriptlet (rpm).
// Everything else goes only to the log; this keeps a few lines at most.
type failureLines struct {
	mu    sync.Mutex
	buf   []byte
	lines []string
}

const maxFailureLines = 32

var (
	stepLine = regexp.MustCompile(`: FAILED in step (\S+) \(exit code \d+\)`)
	// dpkg: " new dbtest package pre-installation script subprocess returned error exit status 1"
	dpkgScript = regexp.MustCompile(`(new|old|installed|lib) (\S+) package (pre-installation|post-installation|pre-removal|post-removal) script subprocess returned error exit status (\d+)`)
	// rpm: "error: %prein(dbtest-1.1-1.noarch) scriptlet failed, exit status 1"
	rpmScript = regexp.MustCompile(`%(\w+)\(([^)]+)\) scriptlet failed, exit status (\d+)`)
)

// dpkgNames are the maintainer scripts dpkg describes.
var dpkgNames = map[string]string{
	"pre-installation": "preinst", "post-installation": "postinst",
	"pre-removal": "prerm", "post-removal": "postrm",
}

func (f *failureLines) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf = append(f.buf, p...)
	for {
		i := strings.IndexByte(string(f.buf), '\n')
		if i < 0 {
			break
		}
		l := string(f.buf[:i])
		f.buf = f.buf[i+1:]
		if len(f.lines) < maxFailureLines && (stepLine.MatchString(l) || dpkgScript.MatchString(l) || rpmScript.MatchString(l)) {
			f.lines = append(f.lines, l)
		}
	}
	if len(f.buf) > 64*1024 { // a line that long says nothing here
		f.buf = f.buf[:0]
	}
	return len(p), nil
}

// failure is the step the script failed in, the first maintainer script
// the package manager said failed ("" when none did) and what it said,
// in words.
func (f *failureLines) failure() (step, script, desc string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range f.lines {
		if m := stepLine.FindStringSubmatch(l); m != nil {
			step = m[1]
		}
		if script != "" {
			continue
		}
		if m := dpkgScript.FindStringSubmatch(l); m != nil {
			script = dpkgNames[m[3]]
			desc = fmt.Sprintf("maintainer script %s of the %s %s package failed (exit status %s)", script, m[1], m[2], m[4])
		} else if m := rpmScript.FindStringSubmatch(l); m != nil {
			script = "%" + m[1]
			desc = fmt.Sprintf("scriptlet %s of %s failed (exit status %s)", script, m[2], m[3])
		}
	}
	return step, script, desc
}

// multiWriter writes to every writer, whatever each returns: the log
// must get everything even when a filter has had enough.
func multiWriter(ws ...io.Writer) io.Writer { return multi(ws) }

type multi []io.Writer

func (m multi) Write(p []byte) (int, error) {
	for _, w := range m {
		w.Write(p)
	}
	return len(p), nil
}

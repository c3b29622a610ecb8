package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// GitLab is plain output for GitLab CI job logs: each target's log lines
// become one collapsible section (collapsed unless the target failed).
//
// GitLab fixes whether a section starts collapsed in its first marker, and
// sections cannot interleave, while targets run at once and their lines
// do. So a target's lines are kept until it finishes and then printed as
// one whole section; meanwhile each step change is printed at once, one
// line, so a long build still shows where it is. Lines of dbuilder itself
// are printed at once. A very long log is cut in the middle (its first
// and last lines are kept); build.log always has all of it.
type GitLab struct {
	mu   sync.Mutex
	w    io.Writer
	now  func() time.Time
	open map[string]*section
	keep [2]int // lines kept at the head and at the tail of a section
}

type section struct {
	start   time.Time
	head    []string
	tail    []string // the last lines, a ring once full
	next    int      // where the ring writes next
	omitted int
}

// NewGitLab prints to w; now is the clock (time.Now).
func NewGitLab(w io.Writer, now func() time.Time) *GitLab {
	return &GitLab{w: w, now: now, open: map[string]*section{}, keep: [2]int{1000, 5000}}
}

func (g *GitLab) Plan([]string) {}

func (g *GitLab) Start(target string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open[target] = &section{start: g.now()}
}

func (g *GitLab) Step(target, step string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s := g.open[target]; s != nil {
		fmt.Fprintf(g.w, "%sstep %s (at %s)\n", prefix(target), step, Elapsed(g.now().Sub(s.start)))
	}
}

func (g *GitLab) Line(target, line string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.open[target]
	if s == nil {
		io.WriteString(g.w, prefix(target)+line+"\n")
		return
	}
	switch {
	case len(s.head) < g.keep[0]:
		s.head = append(s.head, line)
	case len(s.tail) < g.keep[1]:
		s.tail = append(s.tail, line)
	default:
		s.tail[s.next] = line
		s.next = (s.next + 1) % len(s.tail)
		s.omitted++
	}
}

func (g *GitLab) Finish(target string, o Outcome) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.open[target]
	if s == nil {
		return
	}
	delete(g.open, target)
	head := fmt.Sprintf("%s%s after %s", prefix(target), o.Word, Elapsed(o.Duration))
	if o.Log != "" {
		head += " (log: " + o.Log + ")"
	}
	g.print(target, s, head, !o.Failed)
}

// Close prints the sections of targets that never finished, open.
func (g *GitLab) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for target, s := range g.open {
		g.print(target, s, prefix(target)+"did not finish", false)
		delete(g.open, target)
	}
}

// print writes one whole section; the caller holds mu.
func (g *GitLab) print(target string, s *section, head string, collapsed bool) {
	name := SectionName(target)
	opt := ""
	if collapsed {
		opt = "[collapsed=true]"
	}
	fmt.Fprintf(g.w, "\x1b[0Ksection_start:%d:%s%s\r\x1b[0K%s\n", s.start.Unix(), name, opt, head)
	for _, l := range s.head {
		io.WriteString(g.w, inert(l)+"\n")
	}
	if s.omitted > 0 {
		fmt.Fprintf(g.w, "[... %d lines left out here; the whole log is in build.log ...]\n", s.omitted)
	}
	for i := range s.tail {
		io.WriteString(g.w, inert(s.tail[(s.next+i)%len(s.tail)])+"\n")
	}
	fmt.Fprintf(g.w, "\x1b[0Ksection_end:%d:%s\r\x1b[0K\n", g.now().Unix(), name)
}

// SectionName is a target's section in the job log: GitLab allows letters,
// digits, '_', '.' and '-'.
func SectionName(target string) string {
	return "dbuilder_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, target)
}

// inert keeps a package's own output from opening or closing sections:
// a line that looks like a marker loses the escape and carriage return
// that GitLab requires of one.
func inert(l string) string {
	if !strings.Contains(l, "section_start:") && !strings.Contains(l, "section_end:") {
		return l
	}
	return strings.NewReplacer("\x1b", "^[", "\r", "^M").Replace(l)
}

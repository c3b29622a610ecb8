package progress

import (
	"io"
	"sync"
)

// Plain prints every line as it comes, a target's prefixed "[target] ":
// the form of logs and of CI systems without sections.
type Plain struct {
	mu sync.Mutex
	w  io.Writer
}

// NewPlain prints to w.
func NewPlain(w io.Writer) *Plain { return &Plain{w: w} }

func (p *Plain) Plan([]string)            {}
func (p *Plain) Start(string)             {}
func (p *Plain) Step(string, string)      {}
func (p *Plain) Finish(string, Outcome)   {}
func (p *Plain) Close()                   {}
func (p *Plain) Line(target, line string) { p.write(prefix(target) + line + "\n") }

func (p *Plain) write(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	io.WriteString(p.w, s)
}

// prefix is what a target's lines start with in plain output.
func prefix(target string) string {
	if target == "" {
		return ""
	}
	return "[" + target + "] "
}

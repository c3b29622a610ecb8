package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/morikuni/aec"
)

// Board is the view for a terminal: one line per target (its step, time so
// far and last log line), redrawn in place a few times a second, with
// dbuilder's own lines printed above it. Targets' full logs go only to
// their build.log files.
type Board struct {
	mu     sync.Mutex
	w      io.Writer
	width  func() int
	now    func() time.Time
	rows   []*row
	byName map[string]*row
	own    []string // dbuilder's lines not printed yet
	drawn  int      // board lines on screen, the cursor just below them
	closed bool
	stop   chan struct{}
	done   chan struct{}
}

type row struct {
	name     string
	step     string
	last     string
	lastPkg  string // the last line that is not dbuilder's own
	start    time.Time
	started  bool
	finished bool
	out      Outcome
}

// NewBoard draws on w, a terminal width() columns wide, and redraws every
// interval (0: only on Plan, Start, Finish, dbuilder's own lines and Close).
func NewBoard(w io.Writer, width func() int, now func() time.Time, interval time.Duration) *Board {
	b := &Board{w: w, width: width, now: now, byName: map[string]*row{}, stop: make(chan struct{}), done: make(chan struct{})}
	if interval <= 0 {
		close(b.done)
		return b
	}
	go func() {
		defer close(b.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.mu.Lock()
				b.draw()
				b.mu.Unlock()
			}
		}
	}()
	return b
}

func (b *Board) Plan(targets []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range targets {
		b.get(t)
	}
	b.draw()
}

func (b *Board) Start(target string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.get(target)
	r.started, r.start, r.step = true, b.now(), "starting"
	b.draw()
}

func (b *Board) Step(target, step string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.get(target).step = step
}

func (b *Board) Line(target, line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if target == "" {
		b.own = append(b.own, line)
		b.draw()
		return
	}
	r := b.get(target)
	if !r.started {
		r.started, r.start, r.step = true, b.now(), "running"
	}
	r.last = Clean(line)
	if !strings.HasPrefix(line, "dbuilder: ") {
		r.lastPkg = r.last
	}
}

func (b *Board) Finish(target string, o Outcome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.get(target)
	r.finished, r.out = true, o
	b.draw()
}

// Close stops redrawing and leaves the final board on the screen.
func (b *Board) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	close(b.stop)
	b.mu.Unlock()
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.rows {
		if r.started && !r.finished {
			r.finished, r.out = true, Outcome{Word: "interrupted", Failed: true, Duration: b.now().Sub(r.start)}
		}
	}
	b.drawLocked()
}

// get returns target's row, adding one for a target not planned (the
// sidecar image being built).
func (b *Board) get(target string) *row {
	r := b.byName[target]
	if r == nil {
		r = &row{name: target, step: "waiting"}
		b.byName[target] = r
		b.rows = append(b.rows, r)
	}
	return r
}

// draw redraws unless closed; the caller holds mu.
func (b *Board) draw() {
	if !b.closed {
		b.drawLocked()
	}
}

// drawLocked moves up over the board drawn last and draws dbuilder's new
// lines there and the board below them. Old rows are erased one by one
// before a new line that may wrap over them; erasing the screen instead
// would push it into the scrollback of terminals such as tmux.
func (b *Board) drawLocked() {
	var s strings.Builder
	erase := aec.EraseLine(aec.EraseModes.All).String()
	if b.drawn > 0 {
		up := aec.Up(uint(b.drawn)).String()
		s.WriteString(up)
		if len(b.own) > 0 {
			for range b.drawn {
				s.WriteString("\r" + erase + aec.Down(1).String())
			}
			s.WriteString(up)
		}
	}
	for _, l := range b.own {
		s.WriteString("\r" + erase + l + "\n")
	}
	b.own = b.own[:0]
	width := b.width()
	if width <= 0 {
		width = 80
	}
	nameW := 0
	for _, r := range b.rows {
		nameW = max(nameW, len(r.name))
	}
	for _, r := range b.rows {
		s.WriteString("\r" + erase + fit(b.render(r, nameW), width-1) + "\n")
	}
	b.drawn = len(b.rows)
	io.WriteString(b.w, s.String())
}

// render is one target's line: name, state, time, last log line.
func (b *Board) render(r *row, nameW int) string {
	state, took, last := r.step, "", r.last
	switch {
	case r.finished:
		state, took = r.out.Word, Elapsed(r.out.Duration)
		switch {
		case !r.out.Failed:
			last = ""
		case r.lastPkg != "":
			last = r.lastPkg // the package's last words, rather than dbuilder's
		}
		if r.out.Word == "cached" {
			took = ""
		}
	case r.started:
		took = Elapsed(b.now().Sub(r.start))
	}
	return strings.TrimRight(fmt.Sprintf("%-*s  %-14s %7s  %s", nameW, r.name, state, took, last), " ")
}

// fit cuts s to n runes, so that no board line wraps (a wrapped line
// would throw off the redraw).
func fit(s string, n int) string {
	if n < 1 {
		n = 1
	}
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n])
}

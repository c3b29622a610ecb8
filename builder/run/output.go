package run

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
)

// console serialises lines from many targets onto one writer.
type console struct {
	mu sync.Mutex
	w  io.Writer
}

func (c *console) line(prefix, s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	io.WriteString(c.w, prefix+s+"\n")
}

// targetLog is a target's log: every byte goes to build.log, and complete
// lines go to the console prefixed with "[target] ". It remembers the step
// the build container last announced and the last lines, for the report.
type targetLog struct {
	mu      sync.Mutex
	file    io.Writer
	con     *console
	prefix  string
	partial []byte
	step    string
	tail    []string
}

const stepMarker = "##[dbuilder] step "

func newTargetLog(file io.Writer, con *console, target string) *targetLog {
	return &targetLog{file: file, con: con, prefix: "[" + target + "] "}
}

func (l *targetLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.file.Write(p)
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.emit(string(bytes.TrimRight(l.partial[:i], "\r")))
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

func (l *targetLog) emit(s string) {
	if strings.HasPrefix(s, stepMarker) {
		l.step = strings.TrimPrefix(s, stepMarker)
	}
	l.tail = append(l.tail, s)
	if len(l.tail) > 20 {
		l.tail = l.tail[len(l.tail)-20:]
	}
	if l.con != nil {
		l.con.line(l.prefix, s)
	}
}

// Printf writes one dbuilder line (not from the container) to the log.
func (l *targetLog) Printf(format string, a ...any) {
	l.Write([]byte(fmt.Sprintf(format, a...) + "\n"))
}

// Flush emits a trailing partial line.
func (l *targetLog) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.emit(string(l.partial))
		l.partial = nil
	}
}

// Step returns the last step the container announced.
func (l *targetLog) Step() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.step
}

// SetStep records a dbuilder-side step (image, sidecar, preload, collect).
func (l *targetLog) SetStep(s string) {
	l.mu.Lock()
	l.step = s
	l.mu.Unlock()
}

// Tail returns the last n lines.
func (l *targetLog) Tail(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.tail) <= n {
		return append([]string(nil), l.tail...)
	}
	return append([]string(nil), l.tail[len(l.tail)-n:]...)
}

package run

import "io"

// prefixed returns a writer that sends complete lines to the console only.
func prefixed(con *console, prefix string) *targetLog {
	l := newTargetLog(io.Discard, con, "")
	l.prefix = prefix
	return l
}

package run

import "io"

// prefixed returns a writer that sends complete lines to the console only.
func prefixed(con *console, prefix string) *targetLog {
	return &targetLog{file: io.Discard, con: con, prefix: prefix}
}

package run

// prefixed returns a writer that sends complete lines to the console.
func prefixed(con *console, prefix string) *targetLog {
	return &targetLog{file: discard{}, con: con, prefix: prefix}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

package run

import (
	"io"

	"github.com/dbuilder/dbuilder/builder/progress"
)

// aside returns a writer whose complete lines go to the view as the lines
// of a pseudo-target (the sidecar image build), and nowhere else.
func aside(view progress.View, name string) *targetLog {
	return newTargetLog(io.Discard, view, name)
}

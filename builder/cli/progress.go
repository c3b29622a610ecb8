package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/term"

	"github.com/dbuilder/dbuilder/builder/progress"
)

// boardInterval is how often the tty board redraws.
const boardInterval = 200 * time.Millisecond

// progressView picks how build shows progress: mode "tty" is the live
// board, "plain" prefixed lines (in GitLab sections when GITLAB_CI is set),
// "auto" the board when stdout is a terminal, else plain.
func progressView(mode string, stdout io.Writer) (progress.View, error) {
	f, isFile := stdout.(*os.File)
	tty := isFile && term.IsTerminal(int(f.Fd()))
	switch mode {
	case "auto":
	case "tty":
		tty = true
	case "plain":
		tty = false
	default:
		return nil, UsageError{fmt.Errorf("--progress must be auto, tty or plain, got %q", mode)}
	}
	if tty {
		return progress.NewBoard(stdout, func() int { return termWidth(f) }, time.Now, boardInterval), nil
	}
	if os.Getenv("GITLAB_CI") != "" {
		return progress.NewGitLab(stdout, time.Now), nil
	}
	return progress.NewPlain(stdout), nil
}

// termWidth is the terminal's width, else $COLUMNS, else 80.
func termWidth(f *os.File) int {
	if f != nil {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if w, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && w > 0 {
		return w
	}
	return 80
}

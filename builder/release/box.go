package release

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"sort"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/engine"
)

// Dir is where a release container gets its files and scripts.
const Dir = "/release"

// box is one short-lived container of a release step: files go in as a
// tar stream, a script runs, a directory comes out as one. Nothing is
// bind-mounted, so it works against a remote daemon too.
type box struct {
	Image  string
	Script []byte            // run with sh -e as Dir/run.sh
	Files  map[string]string // path under Dir -> host file to send
	Data   map[string][]byte // path under Dir -> generated content
	// Tree writes more into the tar stream (names start with "release/"):
	// a source tree, with its modes.
	Tree   func(tw *tar.Writer) error
	Env    []string
	Out    string // a directory under Dir to copy out ("" none) ...
	OutDir string // ... into this host directory
	Labels map[string]string
}

// run runs b to its end, its output going to log, and removes it, even
// when ctx is cancelled. The exit code is the script's.
func (b box) run(ctx context.Context, eng boxEngine, log io.Writer) (int, error) {
	id, err := engine.Create(ctx, eng, engine.ContainerSpec{
		Image: b.Image, Cmd: []string{"sh", "-e", Dir + "/run.sh"}, Env: b.Env,
		WorkingDir: Dir, Labels: b.Labels,
	})
	if err != nil {
		return -1, err
	}
	defer engine.RemoveContainer(eng, id)
	if err := copyIn(ctx, eng, id, b.Script, b.Files, b.Data, b.Tree); err != nil {
		return -1, err
	}
	if err := eng.ContainerStart(ctx, id); err != nil {
		return -1, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		eng.ContainerLogs(ctx, id, true, "all", log)
	}()
	code, err := eng.ContainerWait(ctx, id)
	<-done
	if err != nil {
		return code, err
	}
	// What a failed script left is not read: its error is the news.
	if code == 0 && b.Out != "" && b.OutDir != "" {
		if err := copyOut(ctx, eng, id, path.Join(Dir, b.Out), b.OutDir); err != nil {
			return code, err
		}
	}
	return code, nil
}

// copyIn streams the script and files (and what tree writes, when not
// nil) into Dir of container id.
func copyIn(ctx context.Context, eng copier, id string, script []byte, files map[string]string, data map[string][]byte, tree func(*tar.Writer) error) error {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := writeData(tw, "release/run.sh", 0o755, script)
		for _, name := range sortedKeys(data) {
			if err == nil {
				err = writeData(tw, "release/"+name, 0o644, data[name])
			}
		}
		for _, name := range sortedKeys(files) {
			if err == nil {
				err = writeHostFile(tw, "release/"+name, files[name])
			}
		}
		if err == nil && tree != nil {
			err = tree(tw)
		}
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	err := eng.CopyTo(ctx, id, "/", pr)
	pr.CloseWithError(err)
	if err != nil {
		return fmt.Errorf("copy files into the release container: %w", err)
	}
	return nil
}

// copyOut copies dir of container id into the host directory to (made if
// missing), through the checked extractor.
func copyOut(ctx context.Context, eng copier, id, dir, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	rc, err := eng.CopyFrom(ctx, id, dir)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = artifacts.Extract(rc, to)
	return err
}

// writeData adds one generated file (the daemon makes missing parents).
func writeData(tw *tar.Writer, name string, mode int64, data []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

func writeHostFile(tw *tar.Writer, name, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: st.Size(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

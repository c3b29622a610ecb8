package run

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
)

// unknownMachine is the ELF machine of unrunnableImage's binaries: IA-64,
// which neither the kernel nor any qemu-user handler runs.
const unknownMachine = elf.EM_IA_64

// elfHeader is the 64-byte header of a little-endian 64-bit executable for
// machine m: enough for the kernel to read the machine and refuse it.
func elfHeader(m elf.Machine) []byte {
	h := elf.Header64{Type: uint16(elf.ET_EXEC), Machine: uint16(m), Version: uint32(elf.EV_CURRENT),
		Entry: 0x400000, Phoff: 64, Ehsize: 64, Phentsize: 56}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS], h.Ident[elf.EI_DATA], h.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, h)
	return b.Bytes()
}

// unrunnableImage loads (docker load, no registry) an image for arch
// whose /usr/bin/uname is an unknownMachine executable, and removes it
// when the test ends. It first checks that no binfmt handler registered on
// this host would run that header: else the test proves nothing.
func unrunnableImage(t *testing.T, eng engine.Engine, arch string) string {
	t.Helper()
	bin := elfHeader(unknownMachine)
	if h := binfmtHandlerFor(t, bin); h != "" {
		t.Fatalf("binfmt handler %s runs %v executables here: pick another machine for unknownMachine", h, unknownMachine)
	}
	ref := "dbuilder-test/noemu-" + arch + ":" + dockertest.RunID(t)
	var layer bytes.Buffer
	lw := tar.NewWriter(&layer)
	for _, d := range []string{"usr/", "usr/bin/"} {
		lw.WriteHeader(&tar.Header{Name: d, Mode: 0o755, Typeflag: tar.TypeDir})
	}
	lw.WriteHeader(&tar.Header{Name: "usr/bin/uname", Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg})
	lw.Write(bin)
	lw.Close()
	diff := sha256.Sum256(layer.Bytes())
	config, _ := json.Marshal(map[string]any{
		"architecture": arch, "os": "linux",
		"config": map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, "Labels": map[string]string{"dbuilder-test": "noemu"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diff[:])}},
	})
	cfgSum := sha256.Sum256(config)
	cfgName := hex.EncodeToString(cfgSum[:]) + ".json"
	layerName := hex.EncodeToString(diff[:]) + "/layer.tar"
	manifest, _ := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{ref}, "Layers": []string{layerName}}})
	var img bytes.Buffer
	w := tar.NewWriter(&img)
	for _, f := range []struct {
		name string
		data []byte
	}{{cfgName, config}, {layerName, layer.Bytes()}, {"manifest.json", manifest}} {
		w.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg})
		w.Write(f.data)
	}
	w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := eng.ImageLoad(ctx, &img); err != nil {
		t.Fatalf("loading %s: %v", ref, err)
	}
	t.Cleanup(func() {
		if err := eng.ImageRemove(context.Background(), ref); err != nil {
			t.Errorf("removing %s: %v", ref, err)
		}
	})
	return ref
}

// binfmtHandlerFor returns the name of an enabled binfmt_misc handler on
// this host whose magic matches the start of exe, or "".
func binfmtHandlerFor(t *testing.T, exe []byte) string {
	t.Helper()
	dir := "/proc/sys/fs/binfmt_misc"
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() == "register" || e.Name() == "status" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if binfmtMatches(string(b), exe) {
			return e.Name()
		}
	}
	return ""
}

// binfmtMatches reports whether an enabled binfmt_misc entry (the text of
// /proc/sys/fs/binfmt_misc/NAME) recognizes exe by its magic.
func binfmtMatches(entry string, exe []byte) bool {
	var magic, mask []byte
	offset, enabled := 0, false
	for _, l := range strings.Split(entry, "\n") {
		k, v, _ := strings.Cut(l, " ")
		switch k {
		case "enabled":
			enabled = true
		case "offset":
			offset, _ = strconv.Atoi(v)
		case "magic":
			magic, _ = hex.DecodeString(v)
		case "mask":
			mask, _ = hex.DecodeString(v)
		}
	}
	if !enabled || len(magic) == 0 || offset+len(magic) > len(exe) {
		return false
	}
	for i, m := range magic {
		k := byte(0xff)
		if i < len(mask) {
			k = mask[i]
		}
		if exe[offset+i]&k != m&k {
			return false
		}
	}
	return true
}

// TestBinfmtMatches: the check that keeps TestArchWithoutEmulationReal
// honest recognizes a real handler (qemu-aarch64's entry as Debian
// registers it) for an arm64 header, and not for the stand-in's.
func TestBinfmtMatches(t *testing.T) {
	aarch64 := "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\noffset 0\n" +
		"magic 7f454c460201010000000000000000000200b700\nmask ffffffffffffff00fffffffffffffffffeffffff\n"
	if !binfmtMatches(aarch64, elfHeader(elf.EM_AARCH64)) {
		t.Error("qemu-aarch64 does not match an aarch64 header")
	}
	if binfmtMatches(aarch64, elfHeader(unknownMachine)) {
		t.Error("qemu-aarch64 matches the stand-in's header")
	}
	if binfmtMatches(strings.Replace(aarch64, "enabled", "disabled", 1), elfHeader(elf.EM_AARCH64)) {
		t.Error("a disabled handler matches")
	}
	if h := binfmtHandlerFor(t, elfHeader(unknownMachine)); h != "" {
		t.Errorf("handler %s on this host runs the stand-in", h)
	}
	// Where this host emulates arm64, the check finds its handler.
	if b, err := os.ReadFile("/proc/sys/fs/binfmt_misc/qemu-aarch64"); err == nil && strings.HasPrefix(string(b), "enabled") {
		if h := binfmtHandlerFor(t, elfHeader(elf.EM_AARCH64)); h == "" {
			t.Error("the host's enabled qemu-aarch64 handler was not found for an aarch64 header")
		}
	}
}

package release

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// rpmInfo is what release reads from an rpm file's headers, in Go (the
// headers are not compressed): its name and version, to pick the version
// an upgrade starts from, and where its signature header ends, to compare
// two packages whatever signatures they carry.
type rpmInfo struct {
	Name, Epoch, Version, Release, Arch string
	Source                              bool  // a source package (no SOURCERPM tag)
	Body                                int64 // offset of the main header: what follows is signed, not changed by signing
}

// EVR is the version as rpm and dnf write it: [EPOCH:]VERSION-RELEASE.
func (i rpmInfo) EVR() string {
	v := i.Version + "-" + i.Release
	if i.Epoch != "" {
		v = i.Epoch + ":" + v
	}
	return v
}

// Header tags read (rpmtag.h).
const (
	rpmTagName      = 1000
	rpmTagVersion   = 1001
	rpmTagRelease   = 1002
	rpmTagEpoch     = 1003
	rpmTagArch      = 1022
	rpmTagSourceRPM = 1044
)

const (
	rpmLeadSize   = 96
	rpmMaxHeader  = 64 << 20 // a header's index and store; real ones are KiB to a few MiB
	rpmTypeInt32  = 4
	rpmTypeString = 6
)

var (
	rpmLeadMagic   = []byte{0xed, 0xab, 0xee, 0xdb}
	rpmHeaderMagic = []byte{0x8e, 0xad, 0xe8, 0x01}
)

// readRPM reads the headers of the rpm file p.
func readRPM(p string) (rpmInfo, error) {
	f, err := os.Open(p)
	if err != nil {
		return rpmInfo{}, err
	}
	defer f.Close()
	info, err := parseRPM(f)
	if err != nil {
		return rpmInfo{}, fmt.Errorf("%s: %w", p, err)
	}
	return info, nil
}

func parseRPM(r io.ReaderAt) (rpmInfo, error) {
	lead := make([]byte, rpmLeadSize)
	if _, err := r.ReadAt(lead, 0); err != nil || !bytes.Equal(lead[:4], rpmLeadMagic) {
		return rpmInfo{}, errors.New("not an rpm package (no lead)")
	}
	// The signature header, padded to 8 bytes; then the main header.
	_, sigLen, err := readHeader(r, rpmLeadSize)
	if err != nil {
		return rpmInfo{}, fmt.Errorf("signature header: %w", err)
	}
	body := int64(rpmLeadSize) + sigLen
	if pad := body % 8; pad != 0 {
		body += 8 - pad
	}
	tags, _, err := readHeader(r, body)
	if err != nil {
		return rpmInfo{}, fmt.Errorf("header: %w", err)
	}
	info := rpmInfo{Body: body, Name: tags.str(rpmTagName), Version: tags.str(rpmTagVersion),
		Release: tags.str(rpmTagRelease), Arch: tags.str(rpmTagArch), Epoch: tags.str(rpmTagEpoch)}
	_, hasSource := tags[rpmTagSourceRPM]
	info.Source = !hasSource
	if info.Name == "" || info.Version == "" {
		return rpmInfo{}, errors.New("header without a name or version")
	}
	return info, nil
}

// rpmTags are the string and int32 values of one header, by tag.
type rpmTags map[uint32]string

func (t rpmTags) str(tag uint32) string { return t[tag] }

// readHeader reads the header structure at off: magic, reserved, the
// number of index entries and the store's size, the entries, the store.
// It returns the string and first int32 values and the header's length.
func readHeader(r io.ReaderAt, off int64) (rpmTags, int64, error) {
	intro := make([]byte, 16)
	if _, err := r.ReadAt(intro, off); err != nil {
		return nil, 0, err
	}
	if !bytes.Equal(intro[:4], rpmHeaderMagic) {
		return nil, 0, errors.New("bad header magic")
	}
	n := int64(binary.BigEndian.Uint32(intro[8:12]))
	size := int64(binary.BigEndian.Uint32(intro[12:16]))
	if n*16+size > rpmMaxHeader {
		return nil, 0, fmt.Errorf("header of %d entries and %d bytes is too large", n, size)
	}
	buf := make([]byte, n*16+size)
	if _, err := r.ReadAt(buf, off+16); err != nil {
		return nil, 0, err
	}
	store := buf[n*16:]
	tags := rpmTags{}
	for i := int64(0); i < n; i++ {
		e := buf[i*16 : i*16+16]
		tag, typ := binary.BigEndian.Uint32(e[0:4]), binary.BigEndian.Uint32(e[4:8])
		at := int64(binary.BigEndian.Uint32(e[8:12]))
		if at >= size {
			continue
		}
		switch typ {
		case rpmTypeString:
			if end := bytes.IndexByte(store[at:], 0); end >= 0 {
				tags[tag] = string(store[at : at+int64(end)])
			}
		case rpmTypeInt32:
			if at+4 <= size {
				tags[tag] = strconv.FormatUint(uint64(binary.BigEndian.Uint32(store[at:at+4])), 10)
			}
		}
	}
	return tags, 16 + n*16 + size, nil
}

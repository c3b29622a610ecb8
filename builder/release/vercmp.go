package release

import (
	"strings"
)

// Version comparison as dpkg and rpm do it: release picks the version an
// upgrade starts from (the newest earlier one in the previous repository).
// The verify script checks again with the distro's own tool.

// debCompare compares two Debian versions ([EPOCH:]UPSTREAM[-REVISION]) as
// dpkg --compare-versions does: <0, 0 or >0.
func debCompare(a, b string) int {
	ea, ua, ra := debSplit(a)
	eb, ub, rb := debSplit(b)
	if c := numCompare(ea, eb); c != 0 {
		return c
	}
	if c := debPart(ua, ub); c != 0 {
		return c
	}
	return debPart(ra, rb)
}

func debSplit(v string) (epoch, upstream, revision string) {
	if e, rest, ok := strings.Cut(v, ":"); ok {
		epoch, v = e, rest
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		return epoch, v[:i], v[i+1:]
	}
	return epoch, v, ""
}

// debOrder is dpkg's order of a character in the non-digit parts: '~'
// before everything, even the end; letters before the other characters.
func debOrder(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	c := s[i]
	switch {
	case c == '~':
		return -1
	case isDigit(c):
		return 0
	case isLetter(c):
		return int(c)
	}
	return int(c) + 256
}

// debPart is dpkg's verrevcmp: alternating non-digit parts (by debOrder)
// and digit parts (as numbers).
func debPart(a, b string) int {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for (i < len(a) && !isDigit(a[i])) || (j < len(b) && !isDigit(b[j])) {
			ac, bc := debOrder(a, i), debOrder(b, j)
			if ac != bc {
				return ac - bc
			}
			i++
			j++
		}
		si, sj := i, j
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		if c := numCompare(a[si:i], b[sj:j]); c != 0 {
			return c
		}
	}
	return 0
}

// rpmCompare compares two rpm versions ([EPOCH:]VERSION[-RELEASE]) as
// rpm's rpmvercmp does on each part: <0, 0 or >0.
func rpmCompare(a, b string) int {
	ea, va, ra := debSplit(a) // the same shape: epoch before ':', release after the last '-'
	eb, vb, rb := debSplit(b)
	if c := numCompare(ea, eb); c != 0 {
		return c
	}
	if c := rpmvercmp(va, vb); c != 0 {
		return c
	}
	return rpmvercmp(ra, rb)
}

// rpmvercmp is rpm's segment comparison: runs of digits or letters,
// separators ignored, '~' sorting before anything and '^' after the end
// but before anything else.
func rpmvercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		// Tilde: the side that has one is older.
		at, bt := i < len(a) && a[i] == '~', j < len(b) && b[j] == '~'
		if at || bt {
			if !at {
				return 1
			}
			if !bt {
				return -1
			}
			i++
			j++
			continue
		}
		// Caret: like the end, but newer than the end of the other.
		ac, bc := i < len(a) && a[i] == '^', j < len(b) && b[j] == '^'
		if ac || bc {
			if i >= len(a) {
				return -1
			}
			if j >= len(b) {
				return 1
			}
			if !ac {
				return 1
			}
			if !bc {
				return -1
			}
			i++
			j++
			continue
		}
		if i >= len(a) || j >= len(b) {
			break
		}
		si, sj := i, j
		var c int
		if isDigit(a[i]) {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			if sj == j {
				return 1 // a number is newer than letters
			}
			c = numCompare(a[si:i], b[sj:j])
		} else {
			for i < len(a) && isLetter(a[i]) {
				i++
			}
			for j < len(b) && isLetter(b[j]) {
				j++
			}
			if sj == j {
				return -1
			}
			c = strings.Compare(a[si:i], b[sj:j])
		}
		if c != 0 {
			return c
		}
	}
	switch {
	case i >= len(a) && j >= len(b):
		return 0
	case i >= len(a):
		return -1
	}
	return 1
}

// numCompare compares two runs of digits as numbers, however long.
func numCompare(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }

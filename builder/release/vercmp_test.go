package release

import "testing"

// Cases from dpkg's and rpm's own test suites (t/version and
// rpmvercmp.at), both ways round.
func TestVersionCompare(t *testing.T) {
	deb := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0}, {"1.0", "1.1", -1}, {"1.0-1", "1.0-2", -1}, {"1.0", "1.0-0", 0},
		{"1:0.9", "2.0", 1}, {"0:1.0", "1.0", 0}, {"1.0~rc1", "1.0", -1}, {"1.0~~", "1.0~", -1},
		{"1.0a", "1.0", 1}, {"1.0+b1", "1.0", 1}, {"1.0.1", "1.0+x", 1}, {"1.10", "1.9", 1},
		{"1.0-1ubuntu1", "1.0-1", 1}, {"2.0-1", "10.0-1", -1}, {"1.0001", "1.1", 0},
	}
	for _, c := range deb {
		if got := sign(debCompare(c.a, c.b)); got != c.want {
			t.Errorf("deb %s vs %s: %d, want %d", c.a, c.b, got, c.want)
		}
		if got := sign(debCompare(c.b, c.a)); got != -c.want {
			t.Errorf("deb %s vs %s: %d, want %d", c.b, c.a, got, -c.want)
		}
	}
	rpm := []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0}, {"1.0", "2.0", -1}, {"2.0.1", "2.0", 1}, {"2.0.1a", "2.0.1", 1},
		{"5.5p1", "5.5p2", -1}, {"5.5p10", "5.5p1", 1}, {"10xyz", "10.1xyz", -1}, {"xyz10", "xyz10.1", -1},
		{"xyz.4", "8", -1}, {"1.0aa", "1.0a", 1}, {"2a", "2.0", -1}, {"1.0~rc1", "1.0", -1},
		{"1.0~rc1", "1.0~rc2", -1}, {"1.0^", "1.0", 1}, {"1.0^git1", "1.0", 1}, {"1.0^git1", "1.01", -1},
		{"1.0^git1", "1.0~rc1", 1}, {"1.0-1", "1.0-2", -1}, {"1:1.0-1", "2.0-1", 1}, {"1.0-1", "1.0-1.fc41", -1},
		{"a+", "a_", 0}, {"+a", "_a", 0},
	}
	for _, c := range rpm {
		if got := sign(rpmCompare(c.a, c.b)); got != c.want {
			t.Errorf("rpm %s vs %s: %d, want %d", c.a, c.b, got, c.want)
		}
		if got := sign(rpmCompare(c.b, c.a)); got != -c.want {
			t.Errorf("rpm %s vs %s: %d, want %d", c.b, c.a, got, -c.want)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

package report

import (
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// reportedSuite is one testsuite of a package's own JUnit file, flattened.
type reportedSuite struct {
	name  string
	cases []junitCase
}

// The parts of the common JUnit dialects (Ant, Surefire, pytest, Go's
// go-junit-report, ...) that dbuilder carries over.
type xmlSuite struct {
	XMLName xml.Name
	Name    string     `xml:"name,attr"`
	Cases   []xmlCase  `xml:"testcase"`
	Suites  []xmlSuite `xml:"testsuite"`
}

type xmlCase struct {
	Name      string       `xml:"name,attr"`
	Classname string       `xml:"classname,attr"`
	Time      string       `xml:"time,attr"`
	Failure   []xmlOutcome `xml:"failure"`
	Error     []xmlOutcome `xml:"error"`
	Skipped   *xmlOutcome  `xml:"skipped"`
	SystemOut string       `xml:"system-out"`
	SystemErr string       `xml:"system-err"`
}

type xmlOutcome struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func (o xmlOutcome) ours() junitOutcome {
	return junitOutcome{Message: o.Message, Type: o.Type, Text: cleanText(o.Text)}
}

func outcomes(list []xmlOutcome) []junitOutcome {
	var out []junitOutcome
	for _, o := range list {
		out = append(out, o.ours())
	}
	return out
}

// readReport reads a JUnit XML file whose root is <testsuites> or
// <testsuite>, and returns its suites, nested ones flattened, each case
// with a classname (its own, else its suite's name).
func readReport(path string) ([]reportedSuite, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var root xmlSuite
	if err := xml.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	switch root.XMLName.Local {
	case "testsuites", "testsuite":
	default:
		return nil, fmt.Errorf("the root element is <%s>, not <testsuites> or <testsuite>", root.XMLName.Local)
	}
	var out []reportedSuite
	var walk func(s xmlSuite, class string)
	walk = func(s xmlSuite, class string) {
		if s.Name != "" {
			class = s.Name
		}
		rs := reportedSuite{name: s.Name}
		for _, c := range s.Cases {
			rs.cases = append(rs.cases, carry(c, class))
		}
		if len(rs.cases) > 0 {
			out = append(out, rs)
		}
		for _, sub := range s.Suites {
			walk(sub, class)
		}
	}
	walk(root, "")
	if len(out) == 0 {
		return nil, errors.New("no <testcase> in it")
	}
	return out, nil
}

// carry turns one of the package's testcases into one of ours.
func carry(c xmlCase, class string) junitCase {
	out := junitCase{Name: c.Name, Classname: c.Classname, Failure: outcomes(c.Failure), Error: outcomes(c.Error),
		SystemOut: text(cleanText(c.SystemOut)), SystemErr: text(cleanText(c.SystemErr))}
	if c.Skipped != nil {
		s := c.Skipped.ours()
		out.Skipped = &s
	}
	if out.Name == "" {
		out.Name = "(unnamed)"
	}
	if out.Classname == "" {
		out.Classname = class
	}
	// Surefire writes "1,234.5"; anything unreadable is left out.
	if t, err := strconv.ParseFloat(strings.ReplaceAll(c.Time, ",", ""), 64); err == nil && t >= 0 {
		out.Time = fmt.Sprintf("%.3f", t)
	}
	return out
}

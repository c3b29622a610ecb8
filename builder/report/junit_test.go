package report

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/report/junittest"
)

// A report that is not JUnit shows as an error case, not as nothing.
func TestJUnitBrokenReport(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "t", "reports"), 0o755)
	os.WriteFile(filepath.Join(dir, "t", "reports", "x.xml"), []byte("<html>no</html>"), 0o644)
	res := []Result{{Target: "t", OK: true, Dir: filepath.Join(dir, "t"), Planned: []string{"image", "build", "collect"},
		Steps: []Step{{"image", time.Second}, {"build", 2 * time.Second}, {"collect", 0}}, Reports: []string{"reports/x.xml"}}}
	if err := WriteJUnit(dir, res); err != nil {
		t.Fatal(err)
	}
	doc := junittest.Read(t, filepath.Join(dir, JUnitFile))
	last := doc.Suites[0].Cases[len(doc.Suites[0].Cases)-1]
	if len(last.Error) != 1 || doc.Suites[0].Errors != 1 || doc.Suites[0].Cases[0].Time != "1.000" {
		t.Errorf("suite: %+v", doc.Suites[0])
	}
	junittest.CheckCounts(t, doc)
	junittest.Validate(t, filepath.Join(dir, JUnitFile))
}

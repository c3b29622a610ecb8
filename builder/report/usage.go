package report

// Resources are what a target used: its build container (build and tests)
// and, with test.docker, its own daemon (the sidecar and every container
// its tests started there).
type Resources struct {
	Build  Usage  `json:"build"`
	Daemon *Usage `json:"daemon,omitempty"`
}

// Usage is one part's figures. A nil figure was not accounted (never a
// false 0), and NotAccounted says why.
type Usage struct {
	CPUSeconds   *float64 `json:"cpu_seconds"`
	PeakMemory   *int64   `json:"peak_memory_bytes"`
	ReadBytes    *int64   `json:"read_bytes"`
	WrittenBytes *int64   `json:"written_bytes"`
	// IOSource is where ReadBytes and WrittenBytes come from (IOProcess,
	// IOCgroupV2, IOCgroupV1) and IOCounts says in words what they count.
	IOSource string `json:"io_source,omitempty"`
	IOCounts string `json:"io_counts,omitempty"`
	// NotAccounted maps a figure left out ("cpu_seconds",
	// "peak_memory_bytes", "io") to the reason.
	NotAccounted map[string]string `json:"not_accounted,omitempty"`
}

// Where I/O figures come from.
const (
	IOProcess  = "process"
	IOCgroupV2 = "cgroup-v2"
	IOCgroupV1 = "cgroup-v1"
)

// ioCounts is what each source counts. The build's figures count what was
// written when it was written; a v2 cgroup's count what reached the disk.
var ioCounts = map[string]string{
	IOProcess:  "bytes the build's processes read from storage and wrote, counted when written, buffered writes included (/proc/PID/io of run.sh and every child it waited for)",
	IOCgroupV2: "bytes that reached the block devices (cgroup v2 io.stat, summed over devices): buffered writes count only once written back, so writes still in the page cache at the end are missing",
	IOCgroupV1: "reads and direct writes that reached the block devices (cgroup v1 blkio): buffered writes are written back outside the cgroup and are missing",
}

// NotAccountedFor leaves figure out of u, saying why.
func (u *Usage) NotAccountedFor(figure string, err error) {
	if u.NotAccounted == nil {
		u.NotAccounted = map[string]string{}
	}
	u.NotAccounted[figure] = err.Error()
}

// SetIO sets the I/O figures and says where they come from.
func (u *Usage) SetIO(r, w int64, source string) {
	u.ReadBytes, u.WrittenBytes, u.IOSource, u.IOCounts = &r, &w, source, ioCounts[source]
}

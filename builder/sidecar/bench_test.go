package sidecar_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// BenchmarkSidecarReady measures start-to-ready of a sidecar on a warm cache
// volume (create, lock, start, first answer from the inner daemon) and
// reports the median: go test -run X -bench SidecarReady -benchtime 20x.
func BenchmarkSidecarReady(b *testing.B) {
	ctx := context.Background()
	h := startOnHost(b, ctx)
	eng := h.eng
	tg := ident.ForTarget("bench", "ready-"+h.run.ID)
	b.Cleanup(func() { eng.VolumeRemove(context.Background(), tg.Cache) })
	cfg := sidecar.Config{Image: h.img, Mode: h.mode, Run: h.run, Target: tg}
	var ds []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		sc, err := sidecar.Start(ctx, eng, cfg)
		d := time.Since(t0)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		ds = append(ds, d)
		sc.Stop()
		b.StartTimer()
	}
	b.StopTimer()
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[len(ds)/2].Milliseconds()), "p50-ms")
	b.ReportMetric(float64(ds[len(ds)-1].Milliseconds()), "max-ms")
}

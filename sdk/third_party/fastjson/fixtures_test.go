package fastjson

import "os"

// largeFixture is upstream's testdata/large.json, which parser_timing_test.go
// (its benchmarks, left out with the other fixtures: see PATCHES.md) loads
// upstream.
var largeFixture = func() string {
	data, err := os.ReadFile("testdata/large.json")
	if err != nil {
		panic(err)
	}
	return string(data)
}()

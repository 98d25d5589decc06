// Package sdkassets serves the built SDK (loader, WebAssembly core, type
// declarations) from the service binary, so one static file is the whole
// deployment. The build writes the files, and their .br/.gz siblings, into
// dist/ before compiling the service.
package sdkassets

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var embedded embed.FS

// Dist is the embedded dist directory as the root of a file system.
func Dist() fs.FS {
	sub, err := fs.Sub(embedded, "dist")
	if err != nil {
		panic(err) // "dist" is a literal valid path; fs.Sub cannot fail on it
	}
	return sub
}

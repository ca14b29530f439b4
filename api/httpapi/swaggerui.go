package httpapi

import (
	"context"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"

	swaggerfiles "github.com/swaggo/files/v2"
	"golang.org/x/net/webdav"
)

// swaggerUIFiles serves the Swagger UI's assets from the binary. gin-swagger
// wants a webdav handler; swaggo/files v1 builds one by copying every asset
// into an in-memory file system at start (about 10 MB of heap for the life of
// the process), so the embedded files of swaggo/files/v2 are served through
// webdav's FileSystem interface instead, read-only.
func swaggerUIFiles() *webdav.Handler {
	return &webdav.Handler{FileSystem: readOnlyFS{swaggerfiles.FS}, LockSystem: webdav.NewMemLS()}
}

// readOnlyFS is an fs.FS as a webdav.FileSystem that refuses every change.
type readOnlyFS struct{ fsys fs.FS }

func (r readOnlyFS) Mkdir(context.Context, string, os.FileMode) error { return os.ErrPermission }
func (r readOnlyFS) RemoveAll(context.Context, string) error          { return os.ErrPermission }
func (r readOnlyFS) Rename(context.Context, string, string) error     { return os.ErrPermission }

func (r readOnlyFS) Stat(_ context.Context, name string) (os.FileInfo, error) {
	return fs.Stat(r.fsys, fsName(name))
}

func (r readOnlyFS) OpenFile(_ context.Context, name string, flag int, _ os.FileMode) (webdav.File, error) {
	if flag != os.O_RDONLY {
		return nil, os.ErrPermission
	}
	f, err := http.FS(r.fsys).Open(name)
	if err != nil {
		return nil, err
	}
	return readOnlyFile{f}, nil
}

// readOnlyFile is an http.File that refuses writes.
type readOnlyFile struct{ http.File }

func (readOnlyFile) Write([]byte) (int, error) { return 0, os.ErrPermission }

// fsName turns webdav's slash-rooted name into an fs.FS one.
func fsName(name string) string {
	if n := strings.TrimPrefix(path.Clean("/"+name), "/"); n != "" {
		return n
	}
	return "."
}

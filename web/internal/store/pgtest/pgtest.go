// Package pgtest starts a real PostgreSQL server for a test package and
// hands each caller a database of its own on it.
//
// The server runs from the machine's PostgreSQL (/usr/lib/postgresql/N/bin,
// the newest N), as the postgres OS user when the tests run as root (initdb
// and postgres refuse to run as root), in a temporary directory holding its
// data and its unix socket, on a free port bound to loopback, with fsync off:
// a test database needs no durability. It starts at the first DB call, so a
// package whose PostgreSQL tests are filtered out starts nothing, and Main
// stops it and removes the directory when the package's tests end.
//
// Start, NewDB and Stop are the same server outside a test binary, for the
// commands that give the browser tests and the benchmarks a PostgreSQL.
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		dsn := pgtest.DB(t) // postgres:///t1?host=/tmp/pgtest-…&port=…&user=postgres
//		…
//	}
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Glob finds the PostgreSQL installations pgtest may use; the newest wins.
const Glob = "/usr/lib/postgresql/*/bin/initdb"

// ErrUnavailable is why Start could not even try: PostgreSQL is not
// installed, or there is no user to run it as.
var ErrUnavailable = errors.New("PostgreSQL cannot run here")

var (
	mu      sync.Mutex
	inMain  bool
	srv     *Server
	srvErr  error // why the server could not start; sticky, so that every test reports it
	missing string
)

// Server is a running PostgreSQL server of Start.
type Server struct {
	dir    string
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
	// Version is the server's, such as "15.18 (Debian 15.18-0+deb12u1)".
	Version string
	// Startup is the whole start, Initdb the part initdb took.
	Startup, Initdb time.Duration

	mu    sync.Mutex // over admin, which one connection cannot share, and dbs
	admin *pgx.Conn
	dbs   int
}

// Main runs the tests, then stops the server if one started and removes
// its directory; it returns m.Run's code, or 1 when stopping failed.
func Main(m *testing.M) int {
	mu.Lock()
	inMain = true
	mu.Unlock()
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if srv != nil {
		if err := srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
			if code == 0 {
				code = 1
			}
		}
		srv = nil
	}
	return code
}

// DB returns the connection string of a new, empty database on the
// package's server, starting the server on first use. Without PostgreSQL
// installed it skips t, unless CI=true, where it fails t.
func DB(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if !inMain {
		t.Fatal("pgtest: the package's TestMain must run its tests through pgtest.Main, which stops the server")
	}
	if srv == nil && srvErr == nil && missing == "" {
		srv, srvErr = Start()
		if errors.Is(srvErr, ErrUnavailable) {
			missing, srvErr = srvErr.Error(), nil
		}
		if srv != nil {
			t.Logf("pgtest: PostgreSQL %s started in %s (initdb %s) in %s", srv.Version,
				srv.Startup.Round(time.Millisecond), srv.Initdb.Round(time.Millisecond), srv.dir)
		}
	}
	switch {
	case missing != "" && os.Getenv("CI") == "true":
		t.Fatalf("pgtest: %s (CI=true: PostgreSQL tests must run; .ci/run installs it)", missing)
	case missing != "":
		t.Skipf("pgtest: %s; skipping (apt-get install postgresql to run it; CI=true fails instead)", missing)
	case srvErr != nil:
		t.Fatal("pgtest: ", srvErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn, err := srv.NewDB(ctx)
	if err != nil {
		t.Fatal("pgtest: ", err)
	}
	return dsn
}

// NewDB makes a new, empty database on s and returns its connection string
// (postgres:///tN?host=…&port=…&user=postgres&sslmode=disable).
func (s *Server) NewDB(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dbs++
	name := fmt.Sprint("t", s.dbs)
	if _, err := s.admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return s.dsn(name), nil
}

func (s *Server) dsn(db string) string {
	q := url.Values{"host": {s.dir}, "port": {strconv.Itoa(s.port)}, "user": {"postgres"}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", Path: "/" + db, RawQuery: q.Encode()}).String()
}

// bindir returns the newest installation's bin directory, or "" when none.
func bindir() string {
	found, _ := filepath.Glob(Glob)
	slices.SortFunc(found, func(a, b string) int { return majorOf(a) - majorOf(b) })
	if len(found) == 0 {
		return ""
	}
	return filepath.Dir(found[len(found)-1])
}

func majorOf(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

// Start initialises and starts a server in a new temporary directory; Stop
// stops it and removes the directory. The server is this process's child,
// killed by the kernel if this process dies first. A PostgreSQL this machine
// lacks is an error wrapping ErrUnavailable.
func Start() (_ *Server, err error) {
	begin := time.Now()
	bin := bindir()
	if bin == "" {
		return nil, fmt.Errorf("%w: not installed (no %s)", ErrUnavailable, Glob)
	}
	// Root: run as the postgres user, straight from this process (no su or
	// runuser in between), so that the server is our child: we see it exit
	// and the kernel kills it if the test binary dies first.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("%w: running as root, and there is no postgres user to run it as", ErrUnavailable)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
	}
	command := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
		return cmd
	}
	data := filepath.Join(dir, "data")
	if out, err := command("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
		"--no-sync", "--no-instructions").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	initdb := time.Since(begin)
	version, err := command("postgres", "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("postgres --version: %w", err)
	}

	// A port another process takes between our probe and the server's bind
	// fails the start; a few tries cover that race.
	for try := 0; ; try++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{dir: dir, port: port, exited: make(chan struct{}), Initdb: initdb,
			Version: strings.TrimPrefix(strings.TrimSpace(string(version)), "postgres (PostgreSQL) ")}
		log, err := os.Create(filepath.Join(dir, "server.log"))
		if err != nil {
			return nil, err
		}
		s.cmd = command("postgres", "-D", data, "-p", strconv.Itoa(port), "-k", dir, "-h", "127.0.0.1",
			"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
			"-c", "max_connections=200", "-c", "shared_buffers=32MB")
		s.cmd.Stdout, s.cmd.Stderr = log, log
		err = s.cmd.Start()
		log.Close()
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		go func() { s.cmd.Wait(); close(s.exited) }()
		if err = s.connect(); err == nil {
			s.Startup = time.Since(begin)
			return s, nil
		}
		s.kill()
		logText, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		if try == 2 || !strings.Contains(string(logText), "could not bind") {
			return nil, fmt.Errorf("%w\nserver log:\n%s", err, logText)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// connect waits for the server to take connections and keeps one to make
// the databases on.
func (s *Server) connect() error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.dsn("postgres"))
		cancel()
		if err == nil {
			s.admin = conn
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited at start: %w", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres took no connection within 30 s: %w", err)
		}
	}
}

func (s *Server) kill() {
	s.cmd.Process.Kill()
	<-s.exited
}

// Stop shuts the server down at once (its data is thrown away anyway) and
// removes its directory.
func (s *Server) Stop() error {
	s.mu.Lock()
	if s.admin != nil {
		s.admin.Close(context.Background())
	}
	s.mu.Unlock()
	var err error
	// SIGQUIT is PostgreSQL's immediate shutdown: no checkpoint to wait for.
	if err = s.cmd.Process.Signal(syscall.SIGQUIT); err == nil {
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			err = errors.New("postgres still running 10 s after SIGQUIT; killed")
			s.kill()
		}
	}
	return errors.Join(err, os.RemoveAll(s.dir))
}

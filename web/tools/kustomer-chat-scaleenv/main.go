// Command kustomer-chat-scaleenv gives the browser tests and the benchmarks
// what several service instances share, on this machine: a PostgreSQL
// server with an empty database (pgtest's server: the machine's PostgreSQL
// in a temporary directory, on a free loopback port) and a NATS server in
// this process (loopback, a free port). It prints one JSON line,
//
//	{"db":"postgres:///t1?host=…","nats":"nats://127.0.0.1:N"}
//
// then runs until its standard input closes or it gets SIGTERM or SIGINT,
// and stops both, removing the temporary directory. Its parent needs no
// clean-up of its own: closing the pipe is enough, and if this process is
// killed the kernel kills PostgreSQL with it.
//
// Where PostgreSQL cannot run (not installed; root without a postgres user)
// it exits with status 3, so that a test can skip instead of failing, as
// pgtest's tests do; any other failure is status 1.
//
// A test tool, never a way to run the service in production: the database
// has fsync off and trusts every local connection.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store/pgtest"
)

// Env is the line printed on stdout.
type Env struct {
	DB   string `json:"db"`
	NATS string `json:"nats"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kustomer-chat-scaleenv:", err)
		os.Exit(exitCode(err))
	}
}

// exitUnavailable is the status of a machine where PostgreSQL cannot run.
const exitUnavailable = 3

func exitCode(err error) int {
	if errors.Is(err, pgtest.ErrUnavailable) {
		return exitUnavailable
	}
	return 1
}

// run starts both servers, prints their Env on stdout, and stops them when
// ctx ends or stdin reaches its end.
func run(ctx context.Context, stdin io.Reader, stdout io.Writer) (err error) {
	pg, err := pgtest.Start()
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, pg.Stop()) }()
	dbCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	db, err := pg.NewDB(dbCtx)
	if err != nil {
		return err
	}

	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: natsserver.RANDOM_PORT, NoLog: true, NoSigs: true})
	if err != nil {
		return fmt.Errorf("NATS: %w", err)
	}
	ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	if !ns.ReadyForConnections(10 * time.Second) {
		return errors.New("NATS: not ready within 10 s")
	}

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false) // the URL's & as is, for a reader of the line
	if err := enc.Encode(Env{DB: db, NATS: ns.ClientURL()}); err != nil {
		return err
	}
	closed := make(chan struct{})
	go func() { io.Copy(io.Discard, stdin); close(closed) }()
	select {
	case <-ctx.Done():
	case <-closed:
	}
	return nil
}

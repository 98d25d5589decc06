package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

func TestNATSUnreachableFailsTheStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close() // nothing listens there now
	db := filepath.Join(t.TempDir(), "chat.db")
	err = run(context.Background(), []string{"-addr", "127.0.0.1:0", "-db", db, "-nats", "nats://ann:s3cret@127.0.0.1:" + port},
		nil, io.Discard, io.Discard, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "-nats: cannot connect to NATS at nats://127.0.0.1:"+port+":") {
		t.Fatalf("run with no NATS server: %v", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("the error shows the password: %v", err)
	}
}

// With a live NATS, from the flag or the environment, the service starts
// connected and disconnects at its shutdown.
func TestNATSConnectsAndDisconnects(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	defer ns.Shutdown()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("the NATS server did not start")
	}
	db := filepath.Join(t.TempDir(), "chat.db")
	one := start(t, nil, "-addr", "127.0.0.1:0", "-db", db, "-nats", ns.ClientURL())
	two := start(t, map[string]string{"KUSTOMER_CHAT_NATS": ns.ClientURL()}, "-addr", "127.0.0.1:0", "-db", db)
	for _, r := range []*running{one, two} {
		if resp, err := http.Get(r.url + "/v1/ping"); err != nil || resp.StatusCode != 204 {
			t.Fatalf("ping: %v %v", resp, err)
		}
	}
	if n := ns.NumClients(); n != 2 {
		t.Fatalf("%d NATS clients, want 2", n)
	}
	one.shutdown(t)
	two.shutdown(t)
	// The server notices a closed connection a moment later.
	deadline := time.Now().Add(5 * time.Second)
	for ns.NumClients() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d NATS clients after the shutdowns", ns.NumClients())
		}
		time.Sleep(time.Millisecond)
	}
}

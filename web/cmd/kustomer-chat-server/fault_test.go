package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "modernc.org/sqlite"
)

// TestFaultsLoseNoAcknowledgedMessage runs the real binary under load from
// many clients and kills it, alternately with SIGKILL and SIGTERM: every
// message answered 2xx must be in the database afterwards, intact. It needs
// a binary with the SDK's files, which KUSTOMER_CHAT_TEST_SERVER names (make
// test-faults passes bin/kustomer-chat-server); it takes about 17 s.
func TestFaultsLoseNoAcknowledgedMessage(t *testing.T) {
	bin := os.Getenv("KUSTOMER_CHAT_TEST_SERVER")
	if bin == "" {
		t.Skip("KUSTOMER_CHAT_TEST_SERVER unset: make test-faults runs this on bin/kustomer-chat-server")
	}
	db := filepath.Join(t.TempDir(), "chat.db")
	const apiKey = "pk_fault"
	var url atomic.Value
	var proc *exec.Cmd
	startServer := func() {
		cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-db", db)
		cmd.Env = append(os.Environ(), "KUSTOMER_CHAT_API_KEY="+apiKey, "KUSTOMER_CHAT_JWT_SECRET=fault-secret", "KUSTOMER_CHAT_AGENT_KEY=fault-agent")
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(line)
		if err != nil || m == nil {
			cmd.Process.Kill()
			t.Fatalf("server did not start: %q %v", line, err)
		}
		url.Store(m[1])
		proc = cmd
	}
	startServer()

	client := &http.Client{Timeout: 5 * time.Second}
	post := func(path, session string, body any) (int, []byte) {
		data, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", url.Load().(string)+path, bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Kustomer-Api-Key", apiKey)
		if session != "" {
			req.Header.Set("Authorization", "Bearer "+session)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.Bytes()
	}

	ctx, stop := context.WithCancel(context.Background())
	var mu sync.Mutex
	acked := map[string]bool{} // message ids answered 2xx
	var emptyOK, sent atomic.Int64
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var session, conv string
			for ctx.Err() == nil {
				if session == "" {
					code, body := post("/v1/identities/anonymous", "", map[string]string{"trackingId": fmt.Sprint("device-", c)})
					var r struct{ SessionToken string }
					if code == 201 && json.Unmarshal(body, &r) == nil {
						session = r.SessionToken
					} else {
						time.Sleep(20 * time.Millisecond)
					}
					continue
				}
				id := uuid.NewString()
				var code int
				var body []byte
				if conv == "" {
					cid := uuid.NewString()
					code, body = post("/v1/conversations", session, map[string]string{"id": cid, "message": "first", "messageId": id})
					if code/100 == 2 {
						conv = cid
					}
				} else {
					code, body = post("/v1/conversations/"+conv+"/messages", session, map[string]string{"id": id, "body": "hello"})
				}
				sent.Add(1)
				if code/100 != 2 {
					if code == 0 || code == 503 {
						time.Sleep(20 * time.Millisecond)
					}
					continue
				}
				var r struct{ Message struct{ ID string } }
				if json.Unmarshal(body, &r) != nil || r.Message.ID != id {
					emptyOK.Add(1)
					continue
				}
				mu.Lock()
				acked[id] = true
				mu.Unlock()
			}
		}()
	}

	faults := map[string]int{}
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		time.Sleep(1200 * time.Millisecond)
		sig, name := syscall.SIGKILL, "SIGKILL"
		if i%2 == 1 {
			sig, name = syscall.SIGTERM, "SIGTERM"
		}
		proc.Process.Signal(sig)
		err := proc.Wait()
		if sig == syscall.SIGTERM && err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
		faults[name]++
		startServer()
	}
	time.Sleep(500 * time.Millisecond)
	stop()
	wg.Wait()
	proc.Process.Signal(syscall.SIGTERM)
	proc.Wait()

	d, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var integrity string
	if err := d.QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q %v", integrity, err)
	}
	stored := map[string]bool{}
	rows, err := d.Query(`SELECT id FROM messages`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		stored[id] = true
	}
	lost := 0
	for id := range acked {
		if !stored[id] {
			lost++
		}
	}
	t.Logf("faults %v; requests %d, acknowledged %d, stored %d, lost %d, 2xx without the message %d",
		faults, sent.Load(), len(acked), len(stored), lost, emptyOK.Load())
	if lost > 0 || emptyOK.Load() > 0 || faults["SIGKILL"] < 3 || faults["SIGTERM"] < 3 || len(acked) == 0 {
		t.Fatal("acknowledged messages lost, a 2xx without its message, or too few faults")
	}
}

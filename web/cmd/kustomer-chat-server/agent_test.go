package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// agentCmd runs "kustomer-chat-server agent ARGS" with stdin and returns its
// stdout and stderr.
func agentCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"agent"}, args...), strings.NewReader(stdin), &out, &errOut, func(string) string { return "" })
	return out.String(), errOut.String(), err
}

func newDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "chat.db")
	st, err := store.OpenSQLite(context.Background(), db, store.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return db
}

// signInOverHTTP signs in at a running server and returns the status and
// the Set-Cookie header.
func signInOverHTTP(t *testing.T, url, email, pw string) (int, string) {
	t.Helper()
	resp, err := http.Post(url+"/agent/api/sign-in", "application/json",
		strings.NewReader(`{"email":"`+email+`","password":"`+pw+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Set-Cookie")
}

// meOverHTTP asks who is signed in with the cookie a sign-in set.
func meOverHTTP(t *testing.T, url, setCookie string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/agent/api/me", nil)
	cookie, _, _ := strings.Cut(setCookie, ";")
	req.Header.Set("Cookie", cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var generatedPassword = regexp.MustCompile(`(?m)^password \(shown only now; give it to the agent\): ([A-Za-z0-9_-]{20})$`)

func TestAgentCommands(t *testing.T) {
	db := newDB(t)
	const pw = "correct horse battery"
	out, _, err := agentCmd(t, pw+"\r\nignored second line\n", "add", "-db", db, "--email", " Dana@Example.com", "--name", " Dana Scully ")
	if err != nil || out != "added agent dana@example.com (Dana Scully)\n" {
		t.Fatalf("add: %q, %v", out, err)
	}
	out, _, err = agentCmd(t, "", "add", "--db", db, "--email", "fox@example.com", "--name", "Fox")
	gen := generatedPassword.FindStringSubmatch(out)
	if err != nil || gen == nil {
		t.Fatalf("add with empty stdin: %q, %v", out, err)
	}

	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{pw + "\n", []string{"add", "-db", db, "--email", "DANA@example.com", "--name", "Again"}, "exists already"},
		{"\n", []string{"add", "-db", db, "--email", "new@example.com", "--name", "New"}, "empty password"},
		{"eleven char\n", []string{"add", "-db", db, "--email", "new@example.com", "--name", "New"}, "shorter than 12 characters"},
		{strings.Repeat("x", 73), []string{"add", "-db", db, "--email", "new@example.com", "--name", "New"}, "longer than 72 bytes"},
		{pw, []string{"add", "-db", db, "--email", "new", "--name", "New"}, "not an email address"},
		{pw, []string{"add", "-db", db, "--email", "new@example.com", "--name", "  "}, "--name must be 1 to 80"},
		{pw, []string{"add", "-db", db, "--email", "new@example.com"}, "--name is required"},
		{pw, []string{"add", "-db", db, "--name", "New"}, "--email is required"},
		{pw, []string{"add", "-db", filepath.Join(t.TempDir(), "typo.db"), "--email", "new@example.com", "--name", "New"}, "no database at"},
		{"", []string{"disable", "-db", db, "--email", "nobody@example.com"}, "no agent with email nobody@example.com"},
		{pw, []string{"reset-password", "-db", db, "--email", "nobody@example.com"}, "no agent with email"},
		{"short\n", []string{"reset-password", "-db", db, "--email", "dana@example.com"}, "shorter than 12 characters"},
		{"", []string{"frobnicate", "-db", db}, `no command "frobnicate"`},
		{"", []string{}, "name a command"},
		{"", []string{"list", "-db", db, "extra"}, "unexpected argument"},
	} {
		_, _, err := agentCmd(t, c.stdin, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("agent %q: error %v, want %q", c.args, err, c.want)
		}
	}
	out, _, err = agentCmd(t, "", "list", "-db", db)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if err != nil || len(lines) != 3 || !strings.HasPrefix(lines[0], "EMAIL") ||
		!regexp.MustCompile(`^dana@example\.com +Dana Scully +no +\d{4}-\d\d-\d\d \d\d:\d\d UTC +never$`).MatchString(lines[1]) ||
		!strings.HasPrefix(lines[2], "fox@example.com ") || strings.Contains(out, "$2") {
		t.Fatalf("list: %q, %v", out, err)
	}

	// The agents sign in at the service, which runs while the commands do.
	r := start(t, nil, "-addr", "127.0.0.1:0", "-db", db)
	code, dana := signInOverHTTP(t, r.url, "dana@example.com", pw)
	if code != 200 || meOverHTTP(t, r.url, dana) != 200 {
		t.Fatalf("dana's sign-in: %d", code)
	}
	code, fox := signInOverHTTP(t, r.url, "fox@example.com", gen[1])
	if code != 200 {
		t.Fatalf("fox's sign-in with the generated password: %d", code)
	}
	if _, _, err := agentCmd(t, "", "disable", "-db", db, "--email", "DANA@example.com"); err != nil {
		t.Fatal(err)
	}
	if code := meOverHTTP(t, r.url, dana); code != 401 {
		t.Fatalf("a disabled agent's session answered %d", code)
	}
	if code, _ := signInOverHTTP(t, r.url, "dana@example.com", pw); code != 401 {
		t.Fatalf("a disabled agent signed in: %d", code)
	}
	if out, _, _ := agentCmd(t, "", "list", "-db", db); !regexp.MustCompile(`(?m)^dana@example\.com +Dana Scully +\d{4}-\d\d-\d\d \d\d:\d\d UTC +\d{4}`).MatchString(out) {
		t.Fatalf("list after disable and a sign-in: %q", out)
	}
	if _, _, err := agentCmd(t, "", "enable", "-db", db, "--email", "dana@example.com"); err != nil {
		t.Fatal(err)
	}
	if code, _ := signInOverHTTP(t, r.url, "dana@example.com", pw); code != 200 {
		t.Fatalf("an enabled agent's sign-in: %d", code)
	}

	const newPW = "a new pass phrase"
	out, _, err = agentCmd(t, newPW+"\n", "reset-password", "-db", db, "--email", "fox@example.com")
	if err != nil || generatedPassword.MatchString(out) {
		t.Fatalf("reset-password: %q, %v", out, err)
	}
	if code := meOverHTTP(t, r.url, fox); code != 401 {
		t.Fatalf("a session outlived the password reset: %d", code)
	}
	if code, _ := signInOverHTTP(t, r.url, "fox@example.com", gen[1]); code != 401 {
		t.Fatalf("the old password still works: %d", code)
	}
	if code, _ := signInOverHTTP(t, r.url, "fox@example.com", newPW); code != 200 {
		t.Fatalf("the new password: %d", code)
	}
	r.shutdown(t)
	if strings.Contains(r.stderr.String(), newPW) || strings.Contains(r.stderr.String(), pw) {
		t.Fatal("a password reached the log")
	}
}

func TestDevDemoAgent(t *testing.T) {
	db := filepath.Join(t.TempDir(), "chat.db")
	demo := regexp.MustCompile(`email: +agent@example\.com\n +password: ([A-Za-z0-9_-]{20})\n`)
	var passwords []string
	// The second start also takes -behind-tls and a sign-in limit from the
	// environment.
	for i, env := range []map[string]string{nil, {"KUSTOMER_CHAT_BEHIND_TLS": "true", "KUSTOMER_CHAT_LIMIT_AGENT_SIGN_INS_PER_EMAIL": "1/1h,1"}} {
		r := start(t, env, "-addr", "127.0.0.1:0", "-db", db, "-dev")
		m := demo.FindStringSubmatch(r.stderr.String())
		if m == nil {
			t.Fatalf("no demo agent in the banner:\n%s", r.stderr)
		}
		passwords = append(passwords, m[1])
		code, set := signInOverHTTP(t, r.url, "agent@example.com", m[1])
		if code != 200 || meOverHTTP(t, r.url, set) != 200 {
			t.Fatalf("the demo agent's sign-in: %d", code)
		}
		if secure := strings.Contains(set, "; Secure"); secure != (i == 1) {
			t.Fatalf("start %d: Set-Cookie %q", i, set)
		}
		if i == 1 {
			if code, _ := signInOverHTTP(t, r.url, "agent@example.com", passwords[0]); code != 401 {
				t.Fatalf("the last start's password still works: %d", code)
			}
			if code, _ := signInOverHTTP(t, r.url, "agent@example.com", passwords[0]); code != 429 {
				t.Fatalf("the sign-in limit from the environment: %d", code)
			}
		}
		r.shutdown(t)
	}
	if passwords[0] == passwords[1] {
		t.Fatal("the same demo password twice")
	}
	r := start(t, nil, "-addr", "127.0.0.1:0", "-db", db)
	r.shutdown(t)
	if strings.Contains(r.stderr.String(), "agent@example.com") {
		t.Fatalf("demo agent announced without -dev:\n%s", r.stderr)
	}
	out, _, err := agentCmd(t, "", "list", "-db", db)
	if err != nil || !strings.Contains(out, "Dana (demo)") {
		t.Fatalf("list: %q, %v", out, err)
	}
}

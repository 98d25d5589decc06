package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/demo"
	"github.com/kustomer-chat/kustomer-chat/web/internal/password"
	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

const agentUsage = `usage: kustomer-chat-server agent COMMAND -db FILE [flags]

  add            --email E --name N   add an agent; the password is the first line of standard
                                      input, or generated and printed once when there is none
  list                                list the agents
  disable        --email E            sign the agent out everywhere and refuse its sign-ins
  enable         --email E            allow a disabled agent to sign in again
  reset-password --email E            set a new password (as for add) and end the agent's sessions

FILE is the service's -db. Run any command with -h for its flags.`

// runAgent runs an agent account command against the service's database.
// It may run while the service does: SQLite lets the two take turns, and a
// PostgreSQL database serves both.
func runAgent(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, agentUsage)
		return errors.New("agent: name a command")
	}
	cmd := args[0]
	flags := flag.NewFlagSet("kustomer-chat-server agent "+cmd, flag.ContinueOnError)
	flags.SetOutput(stderr)
	dbDefault := "kustomer-chat.db"
	if v := getenv("KUSTOMER_CHAT_DB"); v != "" {
		dbDefault = v
	}
	dbPath := flags.String("db", dbDefault, "the service's -db: its SQLite database file or postgres:// URL (env KUSTOMER_CHAT_DB)")
	var email, name *string
	switch cmd {
	case "add":
		email = flags.String("email", "", "the agent's email, by which it signs in")
		name = flags.String("name", "", "the agent's display name, which visitors see on its replies (1 to 80 characters)")
	case "disable", "enable", "reset-password":
		email = flags.String("email", "", "the agent's email")
	case "list":
	default:
		fmt.Fprintln(stderr, agentUsage)
		return fmt.Errorf("agent: no command %q", cmd)
	}
	if err := flags.Parse(args[1:]); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("agent %s: unexpected argument %q", cmd, flags.Arg(0))
	}
	if email != nil && *email == "" {
		return fmt.Errorf("agent %s: --email is required", cmd)
	}
	if name != nil && *name == "" {
		return fmt.Errorf("agent %s: --name is required", cmd)
	}
	// A mistyped path would otherwise make a new, empty database that the
	// service never reads, and the agent would seem to vanish.
	if !store.IsPostgresURL(*dbPath) {
		if _, err := os.Stat(*dbPath); err != nil {
			return fmt.Errorf("agent %s: no database at %s (give the service's -db, or start the service once to make it): %w", cmd, *dbPath, err)
		}
	}
	// Sessions are the service's business; the commands only revoke them.
	st, err := openStore(ctx, *dbPath, store.SessionPolicy{})
	if err != nil {
		return err
	}
	defer st.Close()

	now := time.Now()
	switch cmd {
	case "add":
		pw, generated, err := newPassword(stdin)
		if err != nil {
			return fmt.Errorf("agent add: %w", err)
		}
		hash, err := password.Hash(pw)
		if err != nil {
			return err
		}
		a, err := st.CreateAgent(ctx, store.NewAgent{Email: *email, Name: *name, PasswordHash: hash, Now: now})
		if err != nil {
			return agentError(cmd, *email, err)
		}
		fmt.Fprintf(stdout, "added agent %s (%s)\n", a.Email, a.Name)
		printGenerated(stdout, pw, generated)
	case "reset-password":
		pw, generated, err := newPassword(stdin)
		if err != nil {
			return fmt.Errorf("agent reset-password: %w", err)
		}
		hash, err := password.Hash(pw)
		if err != nil {
			return err
		}
		if err := st.SetAgentPassword(ctx, *email, hash, now); err != nil {
			return agentError(cmd, *email, err)
		}
		fmt.Fprintf(stdout, "new password set for %s; its sessions are ended\n", *email)
		printGenerated(stdout, pw, generated)
	case "disable", "enable":
		if err := st.SetAgentDisabled(ctx, *email, cmd == "disable", now); err != nil {
			return agentError(cmd, *email, err)
		}
		fmt.Fprintf(stdout, "%sd agent %s\n", cmd, *email)
	case "list":
		agents, err := st.Agents(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tNAME\tDISABLED\tCREATED\tLAST SIGN-IN")
		for _, a := range agents {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Email, a.Name, listTime(a.DisabledAt, "no"), listTime(a.CreatedAt, ""), listTime(a.LastSignInAt, "never"))
		}
		return tw.Flush()
	}
	return nil
}

// newPassword is the first line of stdin, or a new password (generated true)
// when stdin is a terminal, where a typed password would show, or empty.
func newPassword(stdin io.Reader) (pw string, generated bool, err error) {
	if stdin == nil {
		return password.Generate(), true, nil
	}
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return password.Generate(), true, nil
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("reading the password from standard input: %w", err)
	}
	if line == "" {
		return password.Generate(), true, nil
	}
	pw = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if err := password.Check(pw); err != nil {
		return "", false, fmt.Errorf("standard input's first line: %w", err)
	}
	return pw, false, nil
}

func printGenerated(stdout io.Writer, pw string, generated bool) {
	if generated {
		fmt.Fprintf(stdout, "password (shown only now; give it to the agent): %s\n", pw)
	}
}

func agentError(cmd, email string, err error) error {
	switch {
	case errors.Is(err, store.ErrAgentExists):
		return fmt.Errorf("agent %s: an agent with email %s exists already (agent reset-password gives it a new password)", cmd, email)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("agent %s: no agent with email %s (agent list shows them)", cmd, email)
	case errors.Is(err, store.ErrAgentEmail):
		return fmt.Errorf("agent %s: --email %q is not an email address: want name@domain, no spaces or control characters, at most 254 bytes", cmd, email)
	case errors.Is(err, store.ErrAgentName):
		return fmt.Errorf("agent %s: --name must be 1 to %d characters once trimmed, without control characters", cmd, store.MaxAgentNameRunes)
	}
	return err
}

func listTime(t time.Time, zero string) string {
	if t.IsZero() {
		return zero
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// demoAgentEmail is the demo agent -dev makes, so that a person trying the
// demo can play the visitor in one window and the agent in another. The demo
// shop names it next to its link to the inbox.
const demoAgentEmail = demo.AgentEmail

// demoAgent makes sure the demo agent exists and can sign in, with a new
// password each start (printed in the banner, never kept anywhere but as a
// hash): a password that outlived the run would be one more thing to leak.
func demoAgent(ctx context.Context, st store.Store) (string, error) {
	pw := password.Generate()
	hash, err := password.Hash(pw)
	if err != nil {
		return "", err
	}
	now := time.Now()
	_, err = st.CreateAgent(ctx, store.NewAgent{Email: demoAgentEmail, Name: "Dana (demo)", PasswordHash: hash, Now: now})
	if errors.Is(err, store.ErrAgentExists) {
		if err = st.SetAgentPassword(ctx, demoAgentEmail, hash, now); err == nil {
			err = st.SetAgentDisabled(ctx, demoAgentEmail, false, now)
		}
	}
	if err != nil {
		return "", fmt.Errorf("demo agent: %w", err)
	}
	return pw, nil
}

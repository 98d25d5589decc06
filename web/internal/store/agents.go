package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kustomer-chat/kustomer-chat/contract"
)

var (
	// ErrAgentExists is a new agent's email that another agent has.
	ErrAgentExists = errors.New("store: an agent with this email exists")
	// ErrAgentEmail is an email no agent may have.
	ErrAgentEmail = errors.New("store: not an email address (want name@domain, no spaces or control characters, at most 254 bytes)")
	// ErrAgentName is a display name no agent may have.
	ErrAgentName = errors.New("store: a name is 1 to 80 characters once trimmed, without control characters")
)

// MaxAgentNameRunes bounds an agent's display name, which visitors see on
// the agent's replies like any authorName.
const MaxAgentNameRunes = 80

// maxEmailBytes is the longest address SMTP carries (RFC 5321's path limit).
const maxEmailBytes = 254

// Agent is an inbox agent's account. DisabledAt and LastSignInAt are zero
// when the agent is enabled, or has never signed in.
type Agent struct {
	ID           string
	Email        string
	Name         string
	DisabledAt   time.Time
	CreatedAt    time.Time
	LastSignInAt time.Time
}

// NewAgent is an agent to create; PasswordHash is already hashed (package
// web/internal/password), so the store never sees a password.
type NewAgent struct {
	Email        string
	Name         string
	PasswordHash string
	Now          time.Time
}

// AgentSignIn is a new agent session: its token, which only the agent's
// cookie holds, the agent, and when the session ends at the latest (zero:
// no lifetime bound).
type AgentSignIn struct {
	Token   string
	Agent   Agent
	Expires time.Time
}

// agentEmail is email's canonical form if an agent may have it: contract's
// canonical form, with an '@' that has something on both sides.
func agentEmail(email string) (string, error) {
	email, err := contract.Email(email)
	if err != nil {
		return "", ErrAgentEmail
	}
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 || len(email) > maxEmailBytes {
		return "", ErrAgentEmail
	}
	return email, nil
}

// agentName trims a display name and checks it; a control character would
// let a name forge lines in the operator's agent list.
func agentName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n == 0 || n > MaxAgentNameRunes || !utf8.ValidString(name) ||
		strings.ContainsFunc(name, unicode.IsControl) {
		return "", ErrAgentName
	}
	return name, nil
}

const agentColumns = `id, email, name, disabled_at, created_at, last_sign_in_at`

// scanAgent reads agentColumns and then the columns after them into extra.
func scanAgent(sc scanner, extra ...any) (Agent, error) {
	var a Agent
	var disabled, lastSignIn sql.NullInt64
	var created int64
	err := sc.Scan(append([]any{&a.ID, &a.Email, &a.Name, &disabled, &created, &lastSignIn}, extra...)...)
	a.DisabledAt, a.CreatedAt, a.LastSignInAt = nullMillis(disabled), fromMillis(created), nullMillis(lastSignIn)
	return a, err
}

// newAgentOf checks na and makes the agent to store.
func newAgentOf(na NewAgent) (Agent, error) {
	email, err := agentEmail(na.Email)
	if err != nil {
		return Agent{}, err
	}
	name, err := agentName(na.Name)
	if err != nil {
		return Agent{}, err
	}
	return Agent{ID: newID(), Email: email, Name: name, CreatedAt: fromMillis(millis(na.Now))}, nil
}

// The agent accounts' statements, which both stores run (PostgreSQL's with
// pgParams).
const (
	insertAgentQuery = `INSERT INTO agents (id, email, name, password_hash, created_at, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (email) DO NOTHING`
	agentByEmailQuery = `SELECT ` + agentColumns + `, password_hash FROM agents WHERE email = ?`
	// Disabling keeps the first time it happened; enabling clears it.
	disableAgentQuery = `UPDATE agents SET disabled_at = CASE WHEN ?1 THEN COALESCE(disabled_at, ?2) END, updated_at = ?2
		WHERE email = ?3 RETURNING id`
	setAgentPasswordQuery    = `UPDATE agents SET password_hash = ?1, updated_at = ?2 WHERE email = ?3 RETURNING id`
	revokeAgentSessionsQuery = `UPDATE agent_sessions SET revoked_at = ?1 WHERE agent_id = ?2 AND revoked_at IS NULL`
	signInAgentQuery         = `UPDATE agents SET last_sign_in_at = ?1
		WHERE id = ?2 AND disabled_at IS NULL RETURNING ` + agentColumns
	insertAgentSessionQuery = `INSERT INTO agent_sessions (token_hash, agent_id, created_at, last_used_at)
		VALUES (?1, ?2, ?3, ?3)`
	agentSessionQuery = `SELECT a.id, a.email, a.name, a.disabled_at, a.created_at, a.last_sign_in_at,
			s.id, s.created_at, s.last_used_at
		FROM agent_sessions s JOIN agents a ON a.id = s.agent_id
		WHERE s.token_hash = ?1 AND s.revoked_at IS NULL`
	touchAgentSessionQuery  = `UPDATE agent_sessions SET last_used_at = ?1 WHERE id = ?2 AND last_used_at < ?1`
	revokeAgentSessionQuery = `UPDATE agent_sessions SET revoked_at = ?1 WHERE token_hash = ?2 AND revoked_at IS NULL`
)

func (s *SQLite) CreateAgent(ctx context.Context, na NewAgent) (Agent, error) {
	a, err := newAgentOf(na)
	if err != nil {
		return Agent{}, err
	}
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, insertAgentQuery, a.ID, a.Email, a.Name, na.PasswordHash, millis(a.CreatedAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrAgentExists
		}
		return nil
	})
	if err != nil {
		return Agent{}, err
	}
	return a, nil
}

func (s *SQLite) Agents(ctx context.Context) ([]Agent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+agentColumns+` FROM agents ORDER BY email`)
	return collect(rows, err, func(sc scanner) (Agent, error) { return scanAgent(sc) })
}

func (s *SQLite) AgentByEmail(ctx context.Context, email string) (Agent, string, error) {
	email, err := agentEmail(email)
	if err != nil {
		return Agent{}, "", ErrNotFound
	}
	var hash string
	a, err := scanAgent(s.r.QueryRowContext(ctx, agentByEmailQuery, email), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Agent{}, "", ErrNotFound
	}
	if err != nil {
		return Agent{}, "", err
	}
	return a, hash, nil
}

func (s *SQLite) SetAgentDisabled(ctx context.Context, email string, disabled bool, now time.Time) error {
	return s.updateAgent(ctx, email, now, disabled, disableAgentQuery, disabled)
}

func (s *SQLite) SetAgentPassword(ctx context.Context, email, passwordHash string, now time.Time) error {
	return s.updateAgent(ctx, email, now, true, setAgentPasswordQuery, passwordHash)
}

// updateAgent runs update with (value, now, the canonical email): it changes
// that agent and returns its id. Then, if revoke, it revokes the agent's live
// sessions in the same transaction.
func (s *SQLite) updateAgent(ctx context.Context, email string, now time.Time, revoke bool, update string, value any) error {
	email, err := agentEmail(email)
	if err != nil {
		return ErrNotFound
	}
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, update, value, millis(now), email).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil || !revoke {
			return err
		}
		_, err = tx.ExecContext(ctx, revokeAgentSessionsQuery, millis(now), id)
		return err
	})
}

func (s *SQLite) CreateAgentSession(ctx context.Context, agentID string, now time.Time) (AgentSignIn, error) {
	at := millis(now)
	in := AgentSignIn{Token: NewToken()}
	if s.sessions.AgentLifetime > 0 {
		in.Expires = fromMillis(at).Add(s.sessions.AgentLifetime)
	}
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		// The agent may have been disabled since its password was checked:
		// the single writer orders the two, and a disabled agent gets none.
		a, err := scanAgent(tx.QueryRowContext(ctx, signInAgentQuery, at, agentID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		in.Agent = a
		_, err = tx.ExecContext(ctx, insertAgentSessionQuery, hashToken(in.Token), agentID, at)
		return err
	})
	if err != nil {
		return AgentSignIn{}, err
	}
	return in, nil
}

func (s *SQLite) AgentSession(ctx context.Context, token string, now time.Time) (Agent, error) {
	var id, created, lastUsed int64
	a, err := scanAgent(s.r.QueryRowContext(ctx, agentSessionQuery, hashToken(token)), &id, &created, &lastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return Agent{}, ErrSessionInvalid
	}
	if err != nil {
		return Agent{}, err
	}
	at := millis(now)
	if !a.DisabledAt.IsZero() || !alive(s.sessions.AgentIdle, s.sessions.AgentLifetime, created, lastUsed, at) {
		return Agent{}, ErrSessionInvalid
	}
	if at-lastUsed >= TouchEvery.Milliseconds() {
		err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, touchAgentSessionQuery, at, id)
			return err
		})
	}
	return a, err
}

func (s *SQLite) RevokeAgentSession(ctx context.Context, token string, now time.Time) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, revokeAgentSessionQuery, millis(now), hashToken(token))
		return err
	})
}

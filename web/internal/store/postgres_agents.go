package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// The agent accounts' statements of the SQLite store, with PostgreSQL's
// placeholders.
var (
	pgInsertAgentQuery         = pgParams(insertAgentQuery)
	pgAgentByEmailQuery        = pgParams(agentByEmailQuery)
	pgDisableAgentQuery        = pgParams(disableAgentQuery)
	pgSetAgentPasswordQuery    = pgParams(setAgentPasswordQuery)
	pgRevokeAgentSessionsQuery = pgParams(revokeAgentSessionsQuery)
	pgSignInAgentQuery         = pgParams(signInAgentQuery)
	pgInsertAgentSessionQuery  = pgParams(insertAgentSessionQuery)
	pgAgentSessionQuery        = pgParams(agentSessionQuery)
	pgTouchAgentSessionQuery   = pgParams(touchAgentSessionQuery)
	pgRevokeAgentSessionQuery  = pgParams(revokeAgentSessionQuery)
)

func (p *Postgres) CreateAgent(ctx context.Context, na NewAgent) (Agent, error) {
	a, err := newAgentOf(na)
	if err != nil {
		return Agent{}, err
	}
	err = p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		// ON CONFLICT waits for a concurrent insert of the same email: of
		// two racing commands, one makes the agent, the other gets ErrAgentExists.
		tag, err := tx.Exec(ctx, pgInsertAgentQuery, a.ID, a.Email, a.Name, na.PasswordHash, millis(a.CreatedAt))
		if err == nil && tag.RowsAffected() == 0 {
			return ErrAgentExists
		}
		return err
	})
	if err != nil {
		return Agent{}, err
	}
	return a, nil
}

func (p *Postgres) Agents(ctx context.Context) ([]Agent, error) {
	var out []Agent
	err := p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+agentColumns+` FROM agents ORDER BY email`)
		out, err = collectRows(rows, err, func(sc scanner) (Agent, error) { return scanAgent(sc) })
		return err
	})
	return out, err
}

func (p *Postgres) AgentByEmail(ctx context.Context, email string) (Agent, string, error) {
	email, err := agentEmail(email)
	if err != nil {
		return Agent{}, "", ErrNotFound
	}
	var a Agent
	var hash string
	err = p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		a, err = scanAgent(tx.QueryRow(ctx, pgAgentByEmailQuery, email), &hash)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return Agent{}, "", err
	}
	return a, hash, nil
}

func (p *Postgres) SetAgentDisabled(ctx context.Context, email string, disabled bool, now time.Time) error {
	return p.updateAgent(ctx, email, now, disabled, pgDisableAgentQuery, disabled)
}

func (p *Postgres) SetAgentPassword(ctx context.Context, email, passwordHash string, now time.Time) error {
	return p.updateAgent(ctx, email, now, true, pgSetAgentPasswordQuery, passwordHash)
}

// updateAgent is SQLite's updateAgent. The UPDATE row-locks the agent until
// commit, so a concurrent sign-in (CreateAgentSession updates the same row)
// either committed its session before, and the revocation's new statement
// sees and revokes it, or waits and then finds the agent disabled.
func (p *Postgres) updateAgent(ctx context.Context, email string, now time.Time, revoke bool, update string, value any) error {
	email, err := agentEmail(email)
	if err != nil {
		return ErrNotFound
	}
	return p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var id string
		err := tx.QueryRow(ctx, update, value, millis(now), email).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil || !revoke {
			return err
		}
		_, err = tx.Exec(ctx, pgRevokeAgentSessionsQuery, millis(now), id)
		return err
	})
}

func (p *Postgres) CreateAgentSession(ctx context.Context, agentID string, now time.Time) (AgentSignIn, error) {
	at := millis(now)
	in := AgentSignIn{Token: NewToken()}
	if p.sessions.AgentLifetime > 0 {
		in.Expires = fromMillis(at).Add(p.sessions.AgentLifetime)
	}
	err := p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		// The agent may have been disabled since its password was checked.
		// With no single writer to order the two, the row lock does: this
		// UPDATE waits for a disabling one and then re-checks disabled_at on
		// the row as it committed.
		a, err := scanAgent(tx.QueryRow(ctx, pgSignInAgentQuery, at, agentID))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		in.Agent = a
		_, err = tx.Exec(ctx, pgInsertAgentSessionQuery, hashToken(in.Token), agentID, at)
		return err
	})
	if err != nil {
		return AgentSignIn{}, err
	}
	return in, nil
}

func (p *Postgres) AgentSession(ctx context.Context, token string, now time.Time) (Agent, error) {
	var a Agent
	var id, created, lastUsed int64
	err := p.read(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		a, err = scanAgent(tx.QueryRow(ctx, pgAgentSessionQuery, hashToken(token)), &id, &created, &lastUsed)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrSessionInvalid
		}
		return err
	})
	if err != nil {
		return Agent{}, err
	}
	at := millis(now)
	if !a.DisabledAt.IsZero() || !alive(p.sessions.AgentIdle, p.sessions.AgentLifetime, created, lastUsed, at) {
		return Agent{}, ErrSessionInvalid
	}
	if at-lastUsed >= TouchEvery.Milliseconds() {
		err = p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, pgTouchAgentSessionQuery, at, id)
			return err
		})
	}
	return a, err
}

func (p *Postgres) RevokeAgentSession(ctx context.Context, token string, now time.Time) error {
	return p.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, pgRevokeAgentSessionQuery, millis(now), hashToken(token))
		return err
	})
}

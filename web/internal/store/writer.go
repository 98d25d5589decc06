package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// maxBatch bounds how many writes share one commit.
const maxBatch = 128

// writer serialises all writes through one goroutine and commits them in
// groups ("group commit"). A commit in WAL mode costs a write of every dirty
// page plus the bookkeeping around it, whatever the transaction's size, so
// when many requests write at once, committing them together multiplies
// throughput; a lone write still commits at once, without waiting for company.
//
// A write that fails is rolled back alone and the rest of its group still
// commits: the group then runs again with each write inside its own
// SAVEPOINT. Writes run with the writer's own context, never the request's:
// cancelling a statement interrupts the connection, and SQLite may then roll
// back the whole shared transaction.
type writer struct {
	db *sql.DB
	// SAVEPOINT op, ROLLBACK TO op and RELEASE op, prepared on db.
	savepoint, rollbackTo, release *sql.Stmt

	ops    chan *writeOp
	mu     sync.RWMutex // held shared while sending on ops, exclusively by stop
	closed bool
	done   chan struct{}
	groups atomic.Int64 // transactions run, for tests
	// committed, if set, is called after each successful commit.
	committed func()
	// precommit, if set, runs before each commit; its error rolls the
	// transaction back instead.
	precommit func() error
}

type writeOp struct {
	ctx  context.Context // the caller's: checked before the op runs
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error
}

func (w *writer) start(db *sql.DB, savepoint, rollbackTo, release *sql.Stmt) {
	w.db = db
	w.savepoint, w.rollbackTo, w.release = savepoint, rollbackTo, release
	w.ops = make(chan *writeOp)
	w.done = make(chan struct{})
	go w.loop()
}

// stop ends the writer after the writes already handed over; it reports
// whether this call was the one that stopped it.
func (w *writer) stop() bool {
	w.mu.Lock()
	if w.closed || w.ops == nil {
		w.mu.Unlock()
		return false
	}
	w.closed = true
	close(w.ops)
	w.mu.Unlock()
	<-w.done
	return true
}

// write runs fn in a transaction on the writer connection and returns once
// that transaction has committed (nil) or fn's changes are rolled back (fn's
// error, or the commit's). fn may run more than once (its first run rolled
// back when another write of its group failed), so it must change nothing but
// the database and its own results, which it sets afresh on each run.
func (w *writer) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	select {
	case w.ops <- op:
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	w.mu.RUnlock()
	// Once handed over, wait even if ctx ends: the op may be committing.
	return classify(<-op.done)
}

func (w *writer) loop() {
	defer close(w.done)
	batch := make([]*writeOp, 0, maxBatch)
	for op := range w.ops {
		batch = append(batch[:0], op)
	fill:
		for len(batch) < maxBatch {
			select {
			case op, ok := <-w.ops:
				if !ok {
					break fill
				}
				batch = append(batch, op)
			default:
				break fill
			}
		}
		w.commit(batch)
	}
}

func (w *writer) commit(batch []*writeOp) {
	w.groups.Add(1)
	ctx := context.Background()
	errs := make([]error, len(batch))
	finish := func(all error) {
		for i, op := range batch {
			if all != nil && errs[i] == nil {
				errs[i] = all
			}
			op.done <- errs[i]
		}
	}
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		finish(err)
		return
	}
	if len(batch) == 1 {
		if errs[0] = run(ctx, tx, batch[0]); errs[0] != nil {
			tx.Rollback()
			finish(nil)
			return
		}
		finish(w.commitTx(tx))
		return
	}
	// Writes almost always succeed, so the group first runs without a
	// savepoint around each write: a savepoint costs two statements and a
	// copy of every page the write touches. If one fails, the group rolls
	// back and runs again, each write in its own savepoint.
	failed := false
	for _, op := range batch {
		if run(ctx, tx, op) != nil {
			failed = true
			break
		}
	}
	if !failed {
		finish(w.commitTx(tx))
		return
	}
	tx.Rollback()
	w.groups.Add(1)
	if tx, err = w.db.BeginTx(ctx, nil); err != nil {
		finish(err)
		return
	}
	for i, op := range batch {
		if _, err := tx.StmtContext(ctx, w.savepoint).ExecContext(ctx); err != nil {
			tx.Rollback()
			finish(err)
			return
		}
		if errs[i] = run(ctx, tx, op); errs[i] != nil {
			// A savepoint that cannot be rolled back to means SQLite has
			// already ended the transaction (I/O error, disk full): nothing
			// in this group was committed.
			if _, err := tx.StmtContext(ctx, w.rollbackTo).ExecContext(ctx); err != nil {
				tx.Rollback()
				finish(fmt.Errorf("group transaction lost: %w", errors.Join(errs[i], err)))
				return
			}
		}
		if _, err := tx.StmtContext(ctx, w.release).ExecContext(ctx); err != nil {
			tx.Rollback()
			finish(err)
			return
		}
	}
	finish(w.commitTx(tx))
}

func (w *writer) commitTx(tx *sql.Tx) error {
	if w.precommit != nil {
		if err := w.precommit(); err != nil {
			tx.Rollback()
			return err
		}
	}
	err := tx.Commit()
	if err == nil && w.committed != nil {
		w.committed()
	}
	return err
}

// run calls op.fn unless its caller has gone, turning a panic into an error
// so that one bad write cannot take the writer down.
func run(ctx context.Context, tx *sql.Tx, op *writeOp) (err error) {
	if err := op.ctx.Err(); err != nil {
		return err
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("store: write panicked: %v", v)
		}
	}()
	return op.fn(ctx, tx)
}

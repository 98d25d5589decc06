package store

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"
)

// checkpointInterval is the least time between two background checkpoints.
const checkpointInterval = 100 * time.Millisecond

// writerAutoCheckpoint is the WAL size (pages) at which the writer connection
// checkpoints by itself, a backstop for when the background checkpointer
// cannot keep up; with it running the WAL rarely gets near this.
const writerAutoCheckpoint = 16384

// walSizeLimit bounds the WAL file left on disk after the WAL restarts.
const walSizeLimit = 64 << 20

// checkpointer copies the WAL's pages into the database file on its own
// connection, off the write path.
//
// SQLite's automatic checkpoint runs inside the commit that crosses its
// threshold, on the committing connection: here the single writer, so every
// write queued behind that commit waited for the copy and its fsyncs. In the
// background the writer keeps appending to the WAL meanwhile (a PASSIVE
// checkpoint never blocks it), and as checkpoints run at most every
// checkpointInterval, a page written many times in between is copied once.
// Durability is the WAL's, not the checkpoint's, so nothing changes there.
type checkpointer struct {
	db    *sql.DB
	kick  chan struct{}
	stop  chan struct{}
	done  chan struct{}
	runs  atomic.Int64 // checkpoints run, for tests
	fails atomic.Int64
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// wake tells the checkpointer that the WAL grew; it never blocks.
func (c *checkpointer) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	defer close(c.done)
	pause := time.NewTimer(0)
	defer pause.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		// Errors (another process holding the checkpoint lock, say) leave
		// the frames for the next round or the writer's own backstop.
		if _, err := c.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
			c.fails.Add(1)
		}
		c.runs.Add(1)
		pause.Reset(checkpointInterval)
		select {
		case <-c.stop:
			return
		case <-pause.C:
		}
	}
}

// close stops the loop after the checkpoint under way, then closes its
// connection.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}

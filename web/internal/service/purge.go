package service

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/kustomer-chat/kustomer-chat/web/internal/store"
)

// PurgeEvery is how often the server deletes the sessions that ended more than
// store.PurgeGrace ago: their rows would otherwise grow with every login forever.
const PurgeEvery = time.Hour

// PurgeSessions deletes ended sessions from st once at once, then every every, until
// ctx ends; it returns then. A failed pass is logged and tried again at the next.
func PurgeSessions(ctx context.Context, st store.Store, every time.Duration, now func() time.Time, logger *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		n, err := st.PurgeSessions(ctx, now(), store.PurgeGrace)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && !errors.Is(err, context.Canceled):
			logger.Warn("purging ended sessions failed", "err", err, "purged", n)
		case n > 0:
			logger.Info("purged ended sessions", "sessions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

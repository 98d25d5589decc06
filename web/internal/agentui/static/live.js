// The live feed: a long poll on /agent/api/events that answers when any customer
// writes or a conversation changes, retried with a growing pause when it fails.
import { api } from './api.js';

const WAIT = 25; // seconds the service holds a poll (its maximum)
const MAX_PAUSE = 30_000;

// startLive polls until stop() and calls onNews({ messages, changed }) with each
// answer that has news. onTrouble(error|null) reports failing and recovering.
// ready settles once the feed knows where it starts (or failed to): what the page
// loads after that, the feed cannot miss.
export function startLive({ onNews, onTrouble }) {
  const abort = new AbortController();
  let stopped = false;
  let started;
  const ready = new Promise((resolve) => { started = resolve; });

  (async () => {
    let cursor = null;
    let pause = 1000;
    let failing = false;
    while (!stopped) {
      try {
        // The first call, without after, only learns where the feed is now: the
        // page has just loaded everything before it.
        const r = await api(cursor === null ? '/events' : `/events?after=${cursor}&wait=${WAIT}`, { signal: abort.signal });
        started();
        if (stopped) return;
        const had = cursor !== null;
        cursor = r.cursor;
        pause = 1000;
        // Messages wait for the cursor, but a close or an erase while the feed was
        // down is missed: the first answer after a failure counts as a change.
        const recovered = failing;
        if (failing) { failing = false; onTrouble(null); }
        // A first call that failed may have let the page load before the cursor
        // was known: what came in between is news too.
        if ((had || recovered) && (r.messages.length || r.changed || recovered)) {
          await onNews({ messages: r.messages, changed: r.changed || recovered });
        }
      } catch (e) {
        started();
        if (stopped || e.name === 'AbortError' || e.status === 401) return;
        if (!failing) { failing = true; onTrouble(e); }
        // A 429 says when to come back; else each failure doubles the pause.
        const wait = e.retryAfter ? e.retryAfter * 1000 : pause;
        pause = Math.min(MAX_PAUSE, pause * 2);
        await new Promise((r) => setTimeout(r, wait * (0.8 + Math.random() * 0.4)));
      }
    }
  })();

  return {
    ready,
    stop() {
      stopped = true;
      abort.abort();
    },
  };
}

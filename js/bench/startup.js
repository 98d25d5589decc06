// Start-up in headless Chromium, the core against the Go floor: how long from the
// moment a page asks for the program (reading ready in its script tag's onload)
// until it runs, on a cold and on a warm cache, and what a page that calls the API
// at once downloads. (What the tag costs a page whose visitor never chats is
// host.js's.)
import { readyProbe, responses } from './site.js';
import { median } from './stats.js';

// programs are the two things timed: the SDK (the loader, then the core) and the
// floor (its loader, then wasm/floor). first is one call once it is ready, so a
// program that fetches more before it can answer is counted.
function programs(service, floor) {
  return {
    core: {
      tags: ['core'], global: 'KustomerChat', base: new URL('/sdk/', service.url).href,
      first: () => KustomerChat.isLoggedIn('email', 'first-visit@example.com'),
    },
    floor: {
      tags: ['floor'], global: 'KustomerChatFloor', base: new URL('/floor/', floor.url).href,
      first: () => window.__kustomerChatFloor(),
    },
  };
}

async function readyAt(page) {
  const r = await page.evaluate(() => window.__ready);
  if (!r) throw new Error('could not observe ready (the script no longer defines its global with a ready Promise?)');
  return { fromAskMs: r.readyMs - r.askedMs, fromNavigationMs: r.readyMs };
}

// Every Playwright browser context is a separate off-the-record profile with its
// own, initially empty, in-memory HTTP cache; coldVisit still checks that every
// response of the program crossed the network, so a shared cache would fail
// loudly instead of flattering the figures.
async function coldVisit(browser, site, program) {
  const context = await browser.newContext();
  try {
    await context.addInitScript(readyProbe, program.global);
    const page = await context.newPage();
    const files = responses(page, program.base);
    await page.goto(site.page({ tags: program.tags })); // resolves at the load event
    const ready = await readyAt(page);
    await page.evaluate(program.first);
    const got = await files.take();
    const cached = got.filter((f) => f.fromCache || f.status !== 200);
    if (cached.length) throw new Error(`a cold visit got ${cached.map((f) => f.file).join(', ')} from the cache: contexts share an HTTP cache`);
    if (got.length === 0) throw new Error(`a cold visit fetched nothing under ${program.base}`);
    return { ...ready, files: got, bytes: got.reduce((a, f) => a + f.bytes, 0) };
  } finally {
    await context.close();
  }
}

// warmContext is a visitor coming back to the site in the same browser profile, so
// the loader (short max-age) and the .wasm (immutable, content-hashed) may come from
// the HTTP cache, and the compiled .wasm from the browser's code cache. Every
// navigation is a new page URL, like moving around a site, not a reload (which
// would revalidate). The first visit is untimed.
async function warmContext(browser, site, program) {
  const context = await browser.newContext();
  await context.addInitScript(readyProbe, program.global);
  const page = await context.newPage();
  const files = responses(page, program.base);
  await page.goto(site.page({ tags: program.tags }));
  await readyAt(page);
  await files.take();
  return {
    async visit() {
      await page.goto(site.page({ tags: program.tags }));
      const ready = await readyAt(page);
      return { ...ready, bytes: (await files.take()).reduce((a, f) => a + f.bytes, 0) };
    },
    close: () => context.close(),
  };
}

const summary = (visits) => ({
  fromAskMs: median(visits.map((v) => v.fromAskMs)),
  fromNavigationMs: median(visits.map((v) => v.fromNavigationMs)),
  samplesMs: visits.map((v) => v.fromAskMs),
});

// measureStartup makes `runs` cold visits and `runs` warm navigations of each
// program, the core's and the floor's interleaved so that the machine's drift hits
// both alike.
export async function measureStartup(browser, service, floor, site, { runs }) {
  const { core, floor: bare } = programs(service, floor);
  // Untimed: the browser's first navigations pay for spawning renderer processes,
  // which no visitor of a site waits for.
  await coldVisit(browser, site, core);
  await coldVisit(browser, site, bare);

  const cold = { core: [], floor: [] };
  for (let i = 0; i < runs; i++) {
    cold.core.push(await coldVisit(browser, site, core));
    cold.floor.push(await coldVisit(browser, site, bare));
  }

  const warm = { core: [], floor: [] };
  const contexts = [await warmContext(browser, site, core), await warmContext(browser, site, bare)];
  try {
    for (let i = 0; i < runs; i++) {
      warm.core.push(await contexts[0].visit());
      warm.floor.push(await contexts[1].visit());
    }
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
  }

  const result = { runs, cold: {}, warm: {} };
  for (const p of ['core', 'floor']) {
    result.cold[p] = summary(cold[p]);
    result.warm[p] = summary(warm[p]);
    // Bytes a warm navigation still downloads (0 when all is cached).
    result.warm[p].bytes = median(warm[p].map((w) => w.bytes));
  }
  result.cold.ratio = result.cold.core.fromAskMs / result.cold.floor.fromAskMs;
  result.warm.ratio = result.warm.core.fromAskMs / result.warm.floor.fromAskMs;
  const firstVisit = (visits) => {
    const bytes = visits.map((c) => c.bytes);
    return {
      bytes: median(bytes),
      // Should be exactly the same every run; reported so a difference shows.
      minBytes: Math.min(...bytes),
      maxBytes: Math.max(...bytes),
      files: visits[0].files.map(({ file, encoding, bytes: b }) => ({ file, encoding, bytes: b })),
    };
  };
  result.firstVisit = firstVisit(cold.core);
  result.floorFirstVisit = firstVisit(cold.floor);
  return result;
}

// Start-up in headless Chromium: what a page that calls the API at once downloads,
// and how long until KustomerChat.ready on a cold and on a warm cache. (What the tag
// costs a page whose visitor never chats is host.js's.)
import { readyProbe, sdkResponses } from './site.js';
import { median } from './stats.js';

// Every Playwright browser context is a separate off-the-record profile with its
// own, initially empty, in-memory HTTP cache; coldVisit still checks that every
// /sdk/ response crossed the network, so a shared cache would fail loudly
// instead of flattering the figures.
async function coldVisit(browser, service, url) {
  const context = await browser.newContext();
  try {
    await context.addInitScript(readyProbe);
    const page = await context.newPage();
    const sdk = sdkResponses(page, service);
    await page.goto(url); // resolves at the load event
    const readyMs = await readyAt(page);
    // The first call too, so a core that fetches more before it can answer is counted.
    await page.evaluate(() => KustomerChat.isLoggedIn('email', 'first-visit@example.com'));
    const files = await sdk.take();
    const cached = files.filter((f) => f.fromCache || f.status !== 200);
    if (cached.length) throw new Error(`a cold visit got ${cached.map((f) => f.file).join(', ')} from the cache: contexts share an HTTP cache`);
    if (files.length === 0) throw new Error('a cold visit fetched nothing under /sdk/');
    return { readyMs, files, bytes: files.reduce((a, f) => a + f.bytes, 0) };
  } finally {
    await context.close();
  }
}

async function readyAt(page) {
  const ms = await page.evaluate(() => window.__kcReady);
  if (typeof ms !== 'number') throw new Error('could not observe KustomerChat.ready (the loader no longer assigns window.KustomerChat with a ready Promise?)');
  return ms;
}

// measureStartup runs `runs` cold visits of the page with the script tag, then
// `runs` warm navigations in one context.
export async function measureStartup(browser, service, site, { runs }) {
  // One untimed visit first: the browser's first navigation pays for spawning
  // renderer processes, which no visitor of a site waits for.
  await coldVisit(browser, service, site.page());

  const cold = [];
  for (let i = 0; i < runs; i++) cold.push(await coldVisit(browser, service, site.page()));

  // Warm: the visitor comes back to the site in the same browser profile, so the
  // loader (short max-age) and the core (immutable when content-hashed) may come
  // from the HTTP cache. Every navigation is a new page URL, like moving
  // around a site, not a reload (which would revalidate).
  const warm = [];
  const context = await browser.newContext();
  try {
    await context.addInitScript(readyProbe);
    const page = await context.newPage();
    const sdk = sdkResponses(page, service);
    await page.goto(site.page());
    await readyAt(page);
    await sdk.take();
    for (let i = 0; i < runs; i++) {
      await page.goto(site.page());
      const readyMs = await readyAt(page);
      const files = await sdk.take();
      warm.push({ readyMs, bytes: files.reduce((a, f) => a + f.bytes, 0) });
    }
  } finally {
    await context.close();
  }

  const firstVisitBytes = cold.map((c) => c.bytes);
  return {
    runs,
    coldReadyMs: median(cold.map((c) => c.readyMs)),
    warmReadyMs: median(warm.map((w) => w.readyMs)),
    // Bytes of /sdk/ a warm navigation still downloads (0 when all is cached).
    warmSdkBytes: median(warm.map((w) => w.bytes)),
    firstVisit: {
      bytes: median(firstVisitBytes),
      // Should be exactly the same every run; reported so a difference shows.
      minBytes: Math.min(...firstVisitBytes),
      maxBytes: Math.max(...firstVisitBytes),
      files: cold[0].files.map(({ file, encoding, bytes }) => ({ file, encoding, bytes })),
    },
    samples: {
      coldReadyMs: cold.map((c) => c.readyMs),
      warmReadyMs: warm.map((w) => w.readyMs),
    },
  };
}

// What the script tag costs a host page whose visitor never chats: the bytes that
// visitor downloads (the page's load and 3 idle seconds after it: the loader and
// its launcher, never the core), how much the tag delays the page's load event,
// and the layout shift it causes.
//
// Each visit is a fresh browser context: a first-time visitor, with nothing of the
// SDK stored, who never touches the launcher. Nothing is injected into the page but
// a layout-shift observer, so the loader runs as it does on a real site.
import { responses } from './site.js';
import { median, percentile } from './stats.js';

// layoutShiftProbe runs before the page's scripts and adds up every layout shift
// not caused by input (buffered: also those before the observer was registered).
// The sum is an upper bound of Cumulative Layout Shift, which counts only the worst
// session window: 0 means the page never moved.
function layoutShiftProbe() {
  window.__layoutShift = 0;
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      window.__layoutShift += e.value;
      window.__shifts.push({ value: e.value, at: e.startTime, nodes: e.sources.map((s) => (s.node ? s.node.nodeName : '?')) });
    }
  }).observe({ type: 'layout-shift', buffered: true });
}

async function visit(browser, service, url, idleMs) {
  const context = await browser.newContext();
  try {
    await context.addInitScript(layoutShiftProbe);
    const page = await context.newPage();
    const sdk = responses(page, new URL('/sdk/', service.url).href);
    const api = [];
    page.on('request', (r) => { if (r.url().startsWith(`${service.url}/v1/`)) api.push(r.url()); });
    await page.goto(url); // resolves at the load event
    if (idleMs) await page.waitForTimeout(idleMs);
    const r = await page.evaluate(() => ({
      loadMs: performance.getEntriesByType('navigation')[0].loadEventStart,
      shift: window.__layoutShift,
      shifts: window.__shifts,
    }));
    const files = await sdk.take();
    return { ...r, files, bytes: files.reduce((a, f) => a + f.bytes, 0), apiRequests: api.length };
  } finally {
    await context.close();
  }
}

// measureHost visits the host page with the tag and the same page without it,
// `runs` times each, interleaved so that the machine's drift hits both alike.
export async function measureHost(browser, service, site, { runs, idleMs }) {
  // Untimed: the browser's first navigations pay for spawning renderer processes.
  await visit(browser, service, site.page({ host: true }), 0);
  await visit(browser, service, site.page({ host: true, tags: [] }), 0);

  const withTag = [];
  const without = [];
  const floor = [];
  for (let i = 0; i < runs; i++) {
    withTag.push(await visit(browser, service, site.page({ host: true }), idleMs));
    without.push(await visit(browser, service, site.page({ host: true, tags: [] }), 0));
    floor.push(await visit(browser, service, site.page({ host: true, tags: ['empty'] }), 0));
  }

  const withMs = withTag.map((v) => v.loadMs);
  const withoutMs = without.map((v) => v.loadMs);
  const floorMs = floor.map((v) => v.loadMs);
  const fileNames = [...new Set(withTag.flatMap((v) => v.files.map((f) => f.file)))];
  const loadWith = median(withMs);
  const loadWithout = median(withoutMs);
  return {
    runs,
    idleMs,
    loadEventWithTagMs: loadWith,
    loadEventWithoutTagMs: loadWithout,
    loadEventDelayMs: loadWith - loadWithout,
    // What the loader adds to any async script tag of a third party: the part of the
    // delay that is ours to remove. The rest is the HTML rule that load waits for
    // every async script, which only a tag added after load (see README) escapes.
    loadEventFloorTagMs: median(floorMs),
    loadEventDelayOverFloorMs: loadWith - median(floorMs),
    // The noise of the baseline: the interquartile range of the page's load event
    // without the tag. A delay inside it cannot be told from chance.
    loadEventNoiseMs: percentile(withoutMs, 75) - percentile(withoutMs, 25),
    layoutShift: Math.max(...withTag.map((v) => v.shift)),
    layoutShiftWithoutTag: Math.max(...without.map((v) => v.shift)),
    shifts: withTag.flatMap((v) => v.shifts).slice(0, 10),
    neverChats: {
      bytes: median(withTag.map((v) => v.bytes)),
      minBytes: Math.min(...withTag.map((v) => v.bytes)),
      maxBytes: Math.max(...withTag.map((v) => v.bytes)),
      files: withTag[0].files.map(({ file, encoding, bytes }) => ({ file, encoding, bytes })),
      // Over every run: any .wasm, or any file besides the loader, is a failure of
      // the lazy loading, whatever the byte count.
      wasmFiles: fileNames.filter((f) => f.endsWith('.wasm')).length,
      otherFiles: fileNames.filter((f) => f !== 'kustomer-chat.js').length,
      otherFileNames: fileNames.filter((f) => f !== 'kustomer-chat.js'),
      apiRequests: Math.max(...withTag.map((v) => v.apiRequests)),
    },
    samples: { loadEventWithTagMs: withMs, loadEventWithoutTagMs: withoutMs, loadEventFloorTagMs: floorMs },
  };
}

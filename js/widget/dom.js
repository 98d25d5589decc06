// DOM helpers. Nothing here parses markup: every piece of text becomes a text node,
// so a message can never be interpreted as HTML.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const name in attrs || {}) {
    const v = attrs[name];
    if (v === false || v == null) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), v);
    else if (name === 'class') el.className = v;
    else el.setAttribute(name, v === true ? '' : v);
  }
  el.append(...children.flat().filter((c) => c != null && c !== false));
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

// icon is a decorative 24x24 SVG: its button carries the accessible name.
export function icon(d) {
  const svg = document.createElementNS(SVG, 'svg');
  const path = document.createElementNS(SVG, 'path');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  path.setAttribute('d', d);
  svg.append(path);
  return svg;
}

// An http(s) URL in running text, up to whitespace or a character that cannot end one.
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

// linkify returns text as nodes, with each http(s) URL a link that cannot reach back
// into the page (noopener) or tell it where the visitor came from (noreferrer).
export function linkify(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(URL_IN_TEXT)) {
    const raw = m[0].replace(TRAILING, '');
    let url;
    try { url = new URL(raw); } catch { continue; }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    out.push(text.slice(last, m.index));
    out.push(h('a', { href: url.href, target: '_blank', rel: 'noopener noreferrer' }, raw));
    last = m.index + raw.length;
  }
  out.push(text.slice(last));
  return out.filter((s) => s !== '');
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

// when shows a time of today as a clock time and an older one as a date.
export function when(iso) {
  const t = new Date(iso);
  if (isNaN(t)) return h('time', null, '');
  const today = new Date().toDateString() === t.toDateString();
  return h('time', { datetime: t.toISOString() }, (today ? timeFormat : dayFormat).format(t));
}

// How the inbox names customers and dates: the same words on every part of the page.
import { h, icon } from './dom.js';

// customerName is how a customer is shown: email, else externalId, else they are
// an anonymous visitor.
export function customerName(c) {
  return c?.email || c?.externalId || 'Anonymous visitor';
}

// verifiedMark says, to the eye by a check and to a screen reader in words, that
// the site's backend vouched for this customer.
export function verifiedMark(c) {
  if (!c?.verified) return null;
  return h('span', { class: 'verified' }, icon('M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z'), h('span', { class: 'vh' }, ' (verified)'));
}

const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const dayAndClock = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

const isToday = (t) => new Date().toDateString() === t.toDateString();

// time is a <time> for iso: a clock time today, else a date (short: without the
// clock), and the full date and time as its title. Absent: an em dash.
export function time(iso, { short = false } = {}) {
  if (!iso) return h('span', null, '—');
  const t = new Date(iso);
  if (isNaN(t)) return h('span', null, '—');
  const text = isToday(t) ? clock.format(t) : (short ? day : dayAndClock).format(t);
  return h('time', { datetime: t.toISOString(), title: full.format(t) }, text);
}

// fullTime is a <time> with date and time in full, for the customer panel.
export function fullTime(iso) {
  if (!iso) return h('span', null, '—');
  const t = new Date(iso);
  return isNaN(t) ? h('span', null, '—') : h('time', { datetime: t.toISOString() }, full.format(t));
}

export const plural = (n, one, many = one + 's') => `${n} ${n === 1 ? one : many}`;

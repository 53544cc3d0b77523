// The searchable time-zone picker, as on the booking page (backend/static/zones.js): search
// by city, country-free id words, abbreviation or offset ("Tokyo", "JST", "+9", "+05:30"),
// accents optional. The zone list is the browser's own (Intl), so nothing is fetched.
import { el } from './common.js';

export const fold = (text) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const cityOf = (id) => id.split('/').pop().replaceAll('_', ' ');
const EXTRA = { JST: 'Asia/Tokyo', KST: 'Asia/Seoul', SGT: 'Asia/Singapore', HKT: 'Asia/Hong_Kong',
  CET: 'Europe/Berlin', CEST: 'Europe/Berlin', EET: 'Europe/Athens', WET: 'Europe/Lisbon',
  MSK: 'Europe/Moscow', UTC: 'UTC', GMT: 'Europe/London', PT: 'America/Los_Angeles',
  ET: 'America/New_York', CT: 'America/Chicago', MT: 'America/Denver', IST: 'Asia/Kolkata' };
const POPULAR = new Set(['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Europe/London',
  'Europe/Berlin', 'Europe/Paris', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney', 'UTC']);

export function offsetMinutes(offset) {
  const m = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?$/.exec(offset);
  if (!m) return null;
  return m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] || 0)) : 0;
}

export function typedOffset(q) {
  const m = /^(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?$/.exec(q);
  if (!m || Number(m[2]) > 14 || Number(m[3] || 0) > 59) return null;
  return (m[1] === '+' ? 1 : -1) * (Number(m[2]) * 60 + Number(m[3] || 0));
}

function zoneName(id, style) {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: id, timeZoneName: style })
      .formatToParts(new Date()).find((p) => p.type === 'timeZoneName')?.value || '';
  } catch {
    return '';
  }
}

export function zoneEntry(id) {
  const abbrs = new Set();
  const short = zoneName(id, 'short');
  if (short && !/^(GMT|UTC)[+-]/.test(short)) abbrs.add(short.toUpperCase());
  for (const [abbr, zone] of Object.entries(EXTRA)) if (zone === id) abbrs.add(abbr);
  const offset = zoneName(id, 'shortOffset');
  const city = cityOf(id);
  return { id, city, abbrs, offset, minutes: offsetMinutes(offset), fcity: fold(city),
    words: fold(id.replaceAll('_', ' ')) };
}

let cached = null;
export function allZones() {
  if (!cached) {
    const ids = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
    cached = (ids.includes('UTC') ? ids : [...ids, 'UTC']).map(zoneEntry);
  }
  return cached;
}

export function searchZones(entries, text, limit = 8) {
  const q = fold(text.trim()).replaceAll('_', ' ');
  if (!q) return [];
  const upper = q.toUpperCase().replace(/^UTC$/, 'UTC');
  const offset = typedOffset(q);
  const scored = [];
  for (const entry of entries) {
    let score = 0;
    if (fold(entry.id) === q) score = 100;
    else if (entry.fcity === q) score = 90;
    else if (entry.abbrs.has(upper)) score = 80;
    else if (entry.fcity.startsWith(q)) score = 70;
    else if (offset !== null && entry.minutes === offset) score = 50;
    else if (entry.words.includes(q)) score = 40;
    if (score) scored.push([score + (POPULAR.has(entry.id) ? 5 : 0), entry]);
  }
  scored.sort((a, b) => b[0] - a[0] || a[1].city.localeCompare(b[1].city));
  return scored.slice(0, limit).map(([, entry]) => entry);
}

let counter = 0;
// A combobox: type, arrow through the matches, Enter or click to choose.
export function zonePicker(cls, tzid, onChange) {
  const base = `sl-tz-${++counter}`;
  const input = el('input', { id: base, className: cls('input'), value: tzid, role: 'combobox',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': `${base}-list`, autocomplete: 'off' });
  input.value = tzid;
  const list = el('ul', { id: `${base}-list`, role: 'listbox', className: cls('zones'), 'aria-label': 'Time zones' });
  const status = el('p', { className: cls('muted'), role: 'status' });
  list.hidden = true;
  let shown = [];
  let active = -1;
  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute('aria-selected', String(i === j)));
    if (i >= 0) input.setAttribute('aria-activedescendant', `${base}-o${i}`);
    else input.removeAttribute('aria-activedescendant');
  };
  const close = () => { list.hidden = true; input.setAttribute('aria-expanded', 'false'); highlight(-1); };
  const choose = (entry) => {
    input.value = entry.id;
    close();
    status.textContent = `Times shown in ${entry.city} (${entry.offset}).`;
    onChange(entry.id);
  };
  const render = () => {
    shown = searchZones(allZones(), input.value);
    list.replaceChildren(...shown.map((entry, i) => el('li', { id: `${base}-o${i}`, role: 'option',
      'aria-selected': 'false', text: `${entry.city} · ${entry.offset}`, onclick: () => choose(entry) })));
    list.hidden = !shown.length;
    input.setAttribute('aria-expanded', String(Boolean(shown.length)));
    status.textContent = input.value.trim() && !shown.length
      ? `No time zone matches “${input.value.trim()}”. Try a city such as Berlin, or an offset such as +5:30.`
      : '';
    highlight(shown.length ? 0 : -1);
  };
  input.addEventListener('input', render);
  input.addEventListener('focus', () => input.select());
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' && shown.length) { event.preventDefault(); highlight(Math.min(active + 1, shown.length - 1)); }
    else if (event.key === 'ArrowUp' && shown.length) { event.preventDefault(); highlight(Math.max(active - 1, 0)); }
    else if (event.key === 'Escape') close();
    else if (event.key === 'Enter' && !list.hidden && active >= 0) { event.preventDefault(); choose(shown[active]); }
  });
  list.addEventListener('mousedown', (event) => event.preventDefault());
  input.addEventListener('blur', () => setTimeout(close, 150));
  const label = el('label', { for: base, text: 'Time zone' });
  return el('div', { className: cls('tz') }, [label, input, list, status]);
}

// schedlink-elements 1.0.0: Slot Picker, Availability Viewer, Availability Rules.
// Built by elements/build.mjs from elements/src/; do not edit.
// --- common.js
// Shared by every element: options (Cronofy-compatible), the API call with an element
// token, notifications, a shadow root with prefixed classes and colours, date helpers.

const VERSION = '1.0.0';

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'className') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

function validZone(tzid) {
  if (typeof tzid !== 'string' || !tzid) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tzid });
    return true;
  } catch {
    return false;
  }
}

function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// Options as Cronofy's elements take them; what is missing gets a default.
function normalizeOptions(options, element) {
  const o = { ...(options || {}) };
  const config = { ...(o.config || {}) };
  const styles = { ...(o.styles || {}) };
  const prefix = typeof styles.prefix === 'string' && /^[A-Za-z][\w-]{0,40}$/.test(styles.prefix)
    ? styles.prefix : 'sl';
  const warnings = [];
  let tzid = o.tzid;
  if (tzid !== undefined && !validZone(tzid)) {
    warnings.push(`tzid ${JSON.stringify(tzid)} is not a time zone; using the browser's`);
    tzid = undefined;
  }
  let apiDomain = typeof o.api_domain === 'string' && o.api_domain ? o.api_domain : '';
  if (apiDomain && !/^https?:\/\//.test(apiDomain)) apiDomain = `https://${apiDomain}`;
  apiDomain = apiDomain.replace(/\/+$/, '');
  return {
    element,
    token: o.element_token || '',
    targetId: o.target_id,
    apiDomain,
    tzid: tzid || browserZone(),
    config,
    prefix,
    colors: styles.colors || {},
    callback: typeof o.callback === 'function' ? o.callback : () => {},
    query: o.availability_query,
    demo: Boolean(o.demo),
    fetch: o.fetch || ((...args) => globalThis.fetch(...args)),
    warnings,
  };
}

function notify(opts, type, detail = {}) {
  try {
    opts.callback({ notification: { type, ...detail } });
  } catch (exc) {
    console.error('schedlink-elements: the callback failed', exc);
  }
}

async function api(opts, method, path, body) {
  const url = `${opts.apiDomain}${path}${path.includes('?') ? '&' : '?'}et=${encodeURIComponent(opts.token)}`;
  const headers = { 'Cronofy-Element': `v${VERSION}, ${opts.element}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
  const response = await opts.fetch(url, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit', mode: 'cors',
  });
  if (!response.ok) {
    const error = new Error(`${method} ${path} answered ${response.status}`);
    error.status = response.status;
    try { error.body = await response.json(); } catch { /* not JSON */ }
    throw error;
  }
  return response.json();
}

const COLOR_KEYS = {
  buttonActive: '--sl-accent', buttonActiveText: '--sl-accent-text', buttonText: '--sl-text',
  buttonConfirm: '--sl-accent', available: '--sl-available', unavailable: '--sl-unavailable',
  hairline: '--sl-line', background: '--sl-bg',
};

// The element lives in a shadow root: no CSS in, none out. Classes are prefixed as well
// (`styles.prefix`), so a host that styles ::part or copies markup still cannot collide.
function mount(opts, css) {
  const target = typeof opts.targetId === 'string' ? document.getElementById(opts.targetId) : null;
  if (!target) throw new Error(`schedlink-elements: no element with id ${JSON.stringify(opts.targetId)}`);
  const root = target.shadowRoot || target.attachShadow({ mode: 'open' });
  const vars = Object.entries(opts.colors)
    .filter(([key, value]) => COLOR_KEYS[key] && typeof value === 'string' && /^[#\w(),.%\s-]{1,40}$/.test(value))
    .map(([key, value]) => `${COLOR_KEYS[key]}:${value};`).join('');
  const text = `:host{all:initial;display:block;${vars}}${css.replaceAll('.P-', `.${opts.prefix}-`)}`;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text); // constructed sheets: no 'unsafe-inline' needed in the host's CSP
    root.adoptedStyleSheets = [sheet];
  } catch {
    root.replaceChildren(el('style', { text }));
  }
  const container = el('div', { className: `${opts.prefix}-root`, part: 'root' });
  root.append(container);
  return { target, root, container, cls: (name) => `${opts.prefix}-${name}` };
}

const BASE_CSS = `
.P-root{box-sizing:border-box;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--sl-text,#1f2937);background:var(--sl-bg,#fff);max-width:100%;padding:8px}
.P-root *{box-sizing:border-box}
.P-btn{font:inherit;min-height:44px;padding:8px 12px;border:1px solid var(--sl-line,#9ca3af);
border-radius:6px;background:var(--sl-bg,#fff);color:var(--sl-text,#1f2937);cursor:pointer}
.P-btn:focus-visible,.P-input:focus-visible{outline:3px solid var(--sl-accent,#1d4ed8);outline-offset:2px}
.P-btn[aria-pressed=true],.P-primary{background:var(--sl-accent,#1d4ed8);color:var(--sl-accent-text,#fff);
border-color:var(--sl-accent,#1d4ed8)}
.P-btn:disabled{cursor:not-allowed;opacity:.55}
.P-list{list-style:none;margin:0;padding:0;display:grid;gap:6px;grid-template-columns:repeat(auto-fill,minmax(150px,1fr))}
.P-heading{font-size:1.05em;margin:8px 0}
.P-row{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin:8px 0}
.P-input{font:inherit;min-height:44px;padding:6px 8px;border:1px solid var(--sl-line,#6b7280);border-radius:6px;width:100%;max-width:320px}
.P-muted{color:#4b5563;font-size:.9em}
.P-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.P-empty,.P-error{padding:12px;border:1px dashed var(--sl-line,#9ca3af);border-radius:6px}
.P-zones{list-style:none;margin:4px 0;padding:0;border:1px solid var(--sl-line,#9ca3af);border-radius:6px;max-width:320px}
.P-zones li{padding:8px;cursor:pointer;min-height:44px}
.P-zones li[aria-selected=true]{background:#e0e7ff}
`;

// --- dates ---------------------------------------------------------------------------------

function localParts(iso, tzid) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: tzid, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit',
    minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (type) => parts.find((p) => p.type === type).value;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

const ORDINAL = (n) => {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
};

// "Monday 1st January" for a local date "2027-01-04".
function dayLabel(date) {
  const d = new Date(`${date}T12:00:00Z`);
  const weekday = d.toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' });
  const month = d.toLocaleDateString('en-GB', { month: 'long', timeZone: 'UTC' });
  return `${weekday} ${ORDINAL(d.getUTCDate())} ${month}`;
}

function timeLabel(slot, tzid) {
  return `${localParts(slot.start, tzid).time} – ${localParts(slot.end, tzid).time}`;
}

// Slots grouped by the local date of their start in `tzid`, in time order.
function groupByDay(slots, tzid) {
  const days = new Map();
  for (const slot of [...slots].sort((a, b) => a.start.localeCompare(b.start))) {
    const { date } = localParts(slot.start, tzid);
    if (!days.has(date)) days.set(date, []);
    days.get(date).push(slot);
  }
  return [...days].map(([date, list]) => ({ date, slots: list }));
}

function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// The UTC instant of local wall time `date` `time` in `tzid` (two passes handle DST).
function zonedInstant(date, time, tzid) {
  const wanted = Date.parse(`${date}T${time}:00Z`);
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const p = localParts(new Date(guess).toISOString(), tzid);
    const seen = Date.parse(`${p.date}T${p.time}:00Z`);
    guess += wanted - seen;
  }
  return new Date(guess).toISOString().replace('.000Z', 'Z');
}

// --- zones.js
// The searchable time-zone picker, as on the booking page (backend/static/zones.js): search
// by city, country-free id words, abbreviation or offset ("Tokyo", "JST", "+9", "+05:30"),
// accents optional. The zone list is the browser's own (Intl), so nothing is fetched.

const fold = (text) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const cityOf = (id) => id.split('/').pop().replaceAll('_', ' ');
const EXTRA = { JST: 'Asia/Tokyo', KST: 'Asia/Seoul', SGT: 'Asia/Singapore', HKT: 'Asia/Hong_Kong',
  CET: 'Europe/Berlin', CEST: 'Europe/Berlin', EET: 'Europe/Athens', WET: 'Europe/Lisbon',
  MSK: 'Europe/Moscow', UTC: 'UTC', GMT: 'Europe/London', PT: 'America/Los_Angeles',
  ET: 'America/New_York', CT: 'America/Chicago', MT: 'America/Denver', IST: 'Asia/Kolkata' };
const POPULAR = new Set(['America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Europe/London',
  'Europe/Berlin', 'Europe/Paris', 'Asia/Kolkata', 'Asia/Tokyo', 'Australia/Sydney', 'UTC']);

function offsetMinutes(offset) {
  const m = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?$/.exec(offset);
  if (!m) return null;
  return m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] || 0)) : 0;
}

function typedOffset(q) {
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

function zoneEntry(id) {
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
function allZones() {
  if (!cached) {
    const ids = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC'];
    cached = (ids.includes('UTC') ? ids : [...ids, 'UTC']).map(zoneEntry);
  }
  return cached;
}

function searchZones(entries, text, limit = 8) {
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
function zonePicker(cls, tzid, onChange) {
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

// --- slot-picker.js
// Slot Picker: days → times → confirm (config.mode "confirm", the default) or days → times
// (`no_confirm`), in the invitee's time zone, with the searchable zone picker.

const PICKER_CSS = `${BASE_CSS}
.P-slot-picker .P-list .P-btn{width:100%}
.P-confirm{padding:12px;border:1px solid var(--sl-line,#9ca3af);border-radius:6px}
`;

// The query as sent: response_format only `slots` or `overlapping_slots` (the default).
function slotQuery(query, warn = () => {}) {
  const q = { ...(query || {}) };
  if (!['slots', 'overlapping_slots'].includes(q.response_format)) {
    if (q.response_format !== undefined) warn(`response_format ${JSON.stringify(q.response_format)} dropped`);
    q.response_format = 'overlapping_slots';
  }
  return q;
}

function SlotPicker(options) {
  let opts = normalizeOptions(options, 'SlotPicker');
  const { container, cls } = mount(opts, PICKER_CSS);
  container.classList.add(cls('slot-picker'));
  const mode = () => (opts.config.mode === 'no_confirm' ? 'no_confirm' : 'confirm');
  const state = { slots: null, tzid: opts.tzid, day: null, slot: null, selected: null };
  const live = el('p', { className: cls('sr'), role: 'status', 'aria-live': 'polite' });
  const view = el('div', { className: cls('view') });
  const zone = zonePicker(cls, state.tzid, (tzid) => { state.tzid = tzid; state.day = null; render(); });
  container.append(zone, view, live);
  for (const warning of opts.warnings) console.warn(`schedlink-elements: ${warning}`);

  const say = (text) => { live.textContent = text; };
  const focusFirst = () => view.querySelector('button, [tabindex]')?.focus();

  function daysView() {
    const days = groupByDay(state.slots, state.tzid);
    return [
      el('h2', { className: cls('heading'), id: 'days-h', text: 'Choose a day' }),
      el('ul', { className: cls('list'), 'aria-labelledby': 'days-h' }, days.map((d) => el('li', {}, [
        el('button', { type: 'button', className: cls('btn'), 'data-date': d.date,
          text: dayLabel(d.date), 'aria-label': `${dayLabel(d.date)}, ${d.slots.length} times`,
          onclick: () => { state.day = d.date; render(true); } }),
      ]))),
    ];
  }

  function timesView() {
    const day = groupByDay(state.slots, state.tzid).find((d) => d.date === state.day);
    if (!day) { state.day = null; return daysView(); }
    return [
      el('div', { className: cls('row') }, [
        el('button', { type: 'button', className: cls('btn'), text: '← Days',
          onclick: () => { state.day = null; render(true); } }),
      ]),
      el('h2', { className: cls('heading'), id: 'times-h', text: dayLabel(day.date) }),
      el('ul', { className: cls('list'), 'aria-labelledby': 'times-h' }, day.slots.map((slot) => el('li', {}, [
        el('button', { type: 'button', className: cls('btn'), 'data-start': slot.start,
          text: timeLabel(slot, state.tzid), onclick: () => pick(slot) }),
      ]))),
    ];
  }

  function confirmView() {
    const slot = state.slot;
    return [
      el('div', { className: cls('confirm') }, [
        el('h2', { className: cls('heading'), text: 'Confirm this time' }),
        el('p', { text: `${dayLabel(state.day)}, ${timeLabel(slot, state.tzid)} (${state.tzid})` }),
        el('div', { className: cls('row') }, [
          el('button', { type: 'button', className: cls('btn'), text: 'Back',
            onclick: () => { state.slot = null; render(true); } }),
          el('button', { type: 'button', className: `${cls('btn')} ${cls('primary')}`, text: 'Confirm',
            onclick: () => select(slot) }),
        ]),
      ]),
    ];
  }

  function selectedView() {
    return [el('p', { className: cls('done'), role: 'status',
      text: `Selected: ${dayLabel(state.day)}, ${timeLabel(state.selected, state.tzid)}` })];
  }

  function pick(slot) {
    if (mode() === 'no_confirm') return select(slot);
    state.slot = slot;
    render(true);
  }

  function select(slot) {
    state.selected = slot;
    state.slot = null;
    render(true);
    notify(opts, 'slot_selected', { slot: { start: slot.start, end: slot.end, participants: slot.participants } });
  }

  function render(moveFocus = false) {
    let children;
    if (state.slots === null) children = [el('p', { className: cls('muted'), text: 'Loading times…' })];
    else if (state.error) children = [el('p', { className: cls('error'), role: 'alert', text: 'Times could not be loaded.' })];
    else if (!state.slots.length) children = [el('p', { className: cls('empty'), text: 'No times are available.' })];
    else if (state.selected) children = selectedView();
    else if (state.slot) children = confirmView();
    else if (state.day) children = timesView();
    else children = daysView();
    view.replaceChildren(...children);
    if (moveFocus) focusFirst();
  }

  async function load() {
    state.slots = null;
    state.error = null;
    render();
    try {
      const answer = await api(opts, 'POST', '/v1/availability', slotQuery(opts.query, console.warn));
      globalThis.performance?.mark?.('schedlink:availability-answered');
      state.slots = answer.available_slots || [];
    } catch (error) {
      state.slots = [];
      state.error = error;
      render();
      notify(opts, 'error', { message: error.message, status: error.status });
      return;
    }
    render();
    globalThis.performance?.mark?.('schedlink:slots-rendered');
    container.dataset.ready = 'yes';
    if (!state.slots.length) notify(opts, 'no_slots_found', { query: opts.query });
    else say(`${groupByDay(state.slots, state.tzid).length} days with free times.`);
  }

  load();
  return {
    update(partial) {
      opts = normalizeOptions({ ...options, ...partial, config: { ...options.config, ...(partial || {}).config } }, 'SlotPicker');
      options = { ...options, ...partial };
      state.selected = null; state.slot = null; state.day = null;
      load();
    },
  };
}

// --- availability-viewer.js
// Availability Viewer: a week grid, rows of `interval` minutes between start_time and
// end_time, available and unavailable cells, week navigation; confirm | no_confirm |
// multi_select.

const VIEWER_CSS = `${BASE_CSS}
.P-grid{border-collapse:collapse;width:100%;table-layout:fixed;font-size:.85em}
.P-grid th,.P-grid td{border:1px solid var(--sl-line,#d1d5db);padding:0;text-align:center}
.P-grid th{padding:4px 2px;font-weight:600}
.P-cell{width:100%;min-height:28px;border:0;font:inherit;background:var(--sl-unavailable,#f3f4f6);color:#6b7280}
.P-cell.P-available{background:var(--sl-available,#dcfce7);color:#14532d;cursor:pointer}
.P-cell[aria-pressed=true]{background:var(--sl-accent,#1d4ed8);color:var(--sl-accent-text,#fff)}
.P-cell:focus-visible{outline:3px solid var(--sl-accent,#1d4ed8);outline-offset:-3px}
.P-scroll{overflow-x:auto}
`;

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function viewerConfig(config = {}) {
  const toMin = (t, d) => { const m = /^(\d{2}):(\d{2})$/.exec(t || d); return m ? Number(m[1]) * 60 + Number(m[2]) : toMin(d, d); };
  const start = toMin(config.start_time, '09:00');
  let end = config.end_time === '00:00' ? 1440 : toMin(config.end_time, '17:00');
  if (end <= start) end = Math.min(start + 480, 1440);
  let interval = Math.ceil(Number(config.interval || 15) / 15) * 15;
  if (interval === 45) interval = 60;
  interval = Math.min(Math.max(interval, 15), 60);
  const mode = ['confirm', 'no_confirm', 'multi_select'].includes(config.mode) ? config.mode : 'confirm';
  const weekStart = Math.max(DAYS.indexOf(config.week_start_day || 'sunday'), 0);
  return { start, end, interval, mode, weekStart, max: Number(config.max_selection_count) || Infinity };
}

const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

// The first day of the week holding `date` (local "YYYY-MM-DD").
function weekOf(date, weekStart) {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((dow - weekStart + 7) % 7));
}

// Rows of cells for one week: each cell {date, time, start, end, available}.
function weekGrid(firstDay, cfg, tzid, periods) {
  const spans = periods.map((p) => [Date.parse(p.start), Date.parse(p.end)]);
  const rows = [];
  for (let m = cfg.start; m + cfg.interval <= cfg.end; m += cfg.interval) {
    const cells = [];
    for (let d = 0; d < 7; d++) {
      const date = addDays(firstDay, d);
      const start = zonedInstant(date, hhmm(m), tzid);
      const end = m + cfg.interval >= 1440 ? zonedInstant(addDays(date, 1), '00:00', tzid) : zonedInstant(date, hhmm(m + cfg.interval), tzid);
      const s = Date.parse(start);
      const e = Date.parse(end);
      cells.push({ date, time: hhmm(m), start, end, available: spans.some(([a, b]) => a <= s && e <= b) });
    }
    rows.push(cells);
  }
  return rows;
}

function AvailabilityViewer(options) {
  const opts = normalizeOptions(options, 'AvailabilityViewer');
  const cfg = viewerConfig(opts.config);
  const { container, cls } = mount(opts, VIEWER_CSS);
  const tzid = opts.tzid;
  const query = { ...(opts.query || {}), response_format: 'periods' };
  const bounds = (query.query_periods || query.available_periods || []).map((p) => localParts(p.start, tzid).date).sort();
  const lastBound = (query.query_periods || query.available_periods || []).map((p) => localParts(p.end, tzid).date).sort().pop();
  const state = { periods: null, week: weekOf(bounds[0] || localParts(new Date().toISOString(), tzid).date, cfg.weekStart), pending: null, selected: [] };
  const live = el('p', { className: cls('sr'), role: 'status', 'aria-live': 'polite' });
  const view = el('div', {});
  container.append(view, live);
  const first = bounds.length ? weekOf(bounds[0], cfg.weekStart) : state.week;
  const last = lastBound ? weekOf(lastBound, cfg.weekStart) : state.week;
  const slotOf = (c) => ({ start: c.start, end: c.end, participants: [] });
  const isSelected = (c) => state.selected.some((s) => s.start === c.start);

  function navigate(step) {
    state.week = addDays(state.week, 7 * step);
    render();
    dates();
  }

  function dates() {
    notify(opts, 'displayed_dates_changed', { firstDay: state.week, lastDay: addDays(state.week, 6),
      hasNext: state.week < last, hasPrev: state.week > first });
  }

  function choose(cell) {
    const slot = slotOf(cell);
    if (cfg.mode === 'multi_select') {
      if (isSelected(cell)) {
        state.selected = state.selected.filter((s) => s.start !== cell.start);
        notify(opts, 'slot_removed', { slot, slots: state.selected });
      } else if (state.selected.length < cfg.max) {
        state.selected = [...state.selected, slot];
        notify(opts, 'slot_added', { slot, slots: state.selected });
      }
    } else if (cfg.mode === 'no_confirm') {
      state.selected = [slot];
      notify(opts, 'slot_selected', { slot });
    } else {
      state.pending = slot;
    }
    render(cell.start);
  }

  function render(focusStart) {
    if (state.periods === null) { view.replaceChildren(el('p', { className: cls('muted'), text: 'Loading…' })); return; }
    const rows = weekGrid(state.week, cfg, tzid, state.periods);
    const heads = rows[0].map((c) => new Date(`${c.date}T12:00:00Z`).toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }));
    const table = el('table', { className: cls('grid') }, [
      el('caption', { className: cls('sr'), text: `Availability, week of ${heads[0]} (${tzid})` }),
      el('thead', {}, [el('tr', {}, [el('th', { scope: 'col', text: 'Time' }), ...heads.map((h) => el('th', { scope: 'col', text: h }))])]),
      el('tbody', {}, rows.map((cells) => el('tr', {}, [
        el('th', { scope: 'row', text: cells[0].time }),
        ...cells.map((c, i) => el('td', {}, [el('button', {
          type: 'button', className: `${cls('cell')}${c.available ? ` ${cls('available')}` : ''}`,
          disabled: !c.available, 'aria-pressed': c.available ? String(isSelected(c) || state.pending?.start === c.start) : undefined,
          'aria-label': `${heads[i]} ${c.time}, ${c.available ? 'available' : 'unavailable'}`, 'data-start': c.start,
          text: c.available ? '✓' : '', onclick: () => choose(c),
        })])),
      ]))),
    ]);
    const nav = el('div', { className: cls('row') }, [
      el('button', { type: 'button', className: cls('btn'), text: '← Previous week', disabled: state.week <= first, onclick: () => navigate(-1) }),
      el('button', { type: 'button', className: cls('btn'), text: 'Next week →', disabled: state.week >= last, onclick: () => navigate(1) }),
    ]);
    const confirm = state.pending && cfg.mode === 'confirm' ? el('div', { className: cls('row') }, [
      el('span', { text: `${localParts(state.pending.start, tzid).date} ${localParts(state.pending.start, tzid).time}` }),
      el('button', { type: 'button', className: `${cls('btn')} ${cls('primary')}`, text: 'Confirm', onclick: () => {
        const slot = state.pending;
        state.pending = null;
        state.selected = [slot];
        render();
        notify(opts, 'slot_selected', { slot });
      } }),
    ]) : null;
    view.replaceChildren(nav, el('div', { className: cls('scroll') }, [table]), ...(confirm ? [confirm] : []));
    if (focusStart) view.querySelector(`[data-start="${focusStart}"]`)?.focus();
  }

  (async () => {
    render();
    try {
      const answer = await api(opts, 'POST', '/v1/availability', query);
      state.periods = answer.available_periods || [];
    } catch (error) {
      view.replaceChildren(el('p', { className: cls('error'), role: 'alert', text: 'Availability could not be loaded.' }));
      notify(opts, 'error', { message: error.message, status: error.status });
      return;
    }
    render();
    container.dataset.ready = 'yes';
    dates();
    if (!state.periods.length) notify(opts, 'no_slots_found', { query: opts.query });
  })();
  return {};
}

// --- availability-rules.js
// Availability Rules (permission managed_availability): the working-hours editor as an
// element — one time range per weekday, the rule's time zone, Save.

const RULES_CSS = `${BASE_CSS}
.P-days{display:grid;gap:6px;margin:8px 0}
.P-day{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.P-day label{min-width:110px}
.P-day .P-input{width:auto;min-width:110px}
`;
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

// weekly_periods → {day: {on, start, end}} (the first range of each day) and back.
function rulesToDays(rule) {
  const days = {};
  for (const day of WEEKDAYS) {
    const p = (rule.weekly_periods || []).find((x) => x.day === day);
    days[day] = p ? { on: true, start: p.start_time, end: p.end_time } : { on: false, start: '09:00', end: '17:00' };
  }
  return days;
}

function daysToRule(rule, days, tzid) {
  return {
    ...(rule.availability_rule_id ? { availability_rule_id: rule.availability_rule_id } : {}),
    tzid,
    weekly_periods: WEEKDAYS.filter((d) => days[d].on && days[d].start < days[d].end)
      .map((d) => ({ day: d, start_time: days[d].start, end_time: days[d].end })),
  };
}

function AvailabilityRules(options) {
  const opts = normalizeOptions(options, 'AvailabilityRules');
  const { container, cls } = mount(opts, RULES_CSS);
  const status = el('p', { className: cls('muted'), role: 'status' });
  container.append(el('p', { className: cls('muted'), text: 'Loading working hours…' }));

  (async () => {
    let rule;
    try {
      rule = (await api(opts, 'GET', '/v1/availability_rules')).availability_rules?.[0] || { weekly_periods: [] };
    } catch (error) {
      container.replaceChildren(el('p', { className: cls('error'), role: 'alert', text: 'Working hours could not be loaded.' }));
      notify(opts, 'error', { message: error.message, status: error.status });
      return;
    }
    const days = rulesToDays(rule);
    const tz = el('input', { id: 'rule-tz', className: cls('input'), value: rule.tzid || opts.tzid });
    tz.value = rule.tzid || opts.tzid;
    const edited = () => { status.textContent = 'Unsaved changes.'; notify(opts, 'availability_rule_edited', {}); };
    const rows = WEEKDAYS.map((day) => {
      const d = days[day];
      const name = day[0].toUpperCase() + day.slice(1);
      const on = el('input', { type: 'checkbox', id: `on-${day}`, checked: d.on, onchange: (e) => { d.on = e.target.checked; edited(); } });
      on.checked = d.on;
      const time = (key, label) => {
        const input = el('input', { type: 'time', className: cls('input'), 'aria-label': `${name} ${label}`, step: 900,
          onchange: (e) => { d[key] = e.target.value; edited(); } });
        input.value = d[key];
        return input;
      };
      return el('div', { className: cls('day') }, [el('label', { for: `on-${day}` }, [on, ` ${name}`]), time('start', 'from'), '–', time('end', 'until')]);
    });
    const save = el('button', { type: 'button', className: `${cls('btn')} ${cls('primary')}`, text: 'Save working hours', onclick: async () => {
      save.disabled = true;
      try {
        const saved = await api(opts, 'PUT', '/v1/availability_rules', daysToRule(rule, days, tz.value.trim()));
        status.textContent = 'Saved.';
        notify(opts, 'availability_rule_saved', { availability_rule: saved.availability_rule });
      } catch (error) {
        status.textContent = 'Not saved: check the times and the time zone.';
        notify(opts, 'error', { message: error.message, status: error.status, errors: error.body?.errors });
      } finally {
        save.disabled = false;
      }
    } });
    container.replaceChildren(
      el('h2', { className: cls('heading'), text: 'Working hours' }),
      el('label', { for: 'rule-tz', text: 'Time zone ' }), tz,
      el('div', { className: cls('days') }, rows),
      save, status,
    );
    container.dataset.ready = 'yes';
  })();
  return {};
}

export { VERSION, SlotPicker, AvailabilityViewer, AvailabilityRules };

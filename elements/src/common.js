// Shared by every element: options (Cronofy-compatible), the API call with an element
// token, notifications, a shadow root with prefixed classes and colours, date helpers.

export const VERSION = '1.1.0';

export function el(tag, props = {}, children = []) {
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

export function validZone(tzid) {
  if (typeof tzid !== 'string' || !tzid) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tzid });
    return true;
  } catch {
    return false;
  }
}

export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// Options as Cronofy's elements take them; what is missing gets a default.
export function normalizeOptions(options, element) {
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

export function notify(opts, type, detail = {}) {
  try {
    opts.callback({ notification: { type, ...detail } });
  } catch (exc) {
    console.error('schedlink-elements: the callback failed', exc);
  }
}

export async function api(opts, method, path, body) {
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
export function mount(opts, css) {
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

export const BASE_CSS = `
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

export function localParts(iso, tzid) {
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
export function dayLabel(date) {
  const d = new Date(`${date}T12:00:00Z`);
  const weekday = d.toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' });
  const month = d.toLocaleDateString('en-GB', { month: 'long', timeZone: 'UTC' });
  return `${weekday} ${ORDINAL(d.getUTCDate())} ${month}`;
}

export function timeLabel(slot, tzid) {
  return `${localParts(slot.start, tzid).time} – ${localParts(slot.end, tzid).time}`;
}

// Slots grouped by the local date of their start in `tzid`, in time order.
export function groupByDay(slots, tzid) {
  const days = new Map();
  for (const slot of [...slots].sort((a, b) => a.start.localeCompare(b.start))) {
    const { date } = localParts(slot.start, tzid);
    if (!days.has(date)) days.set(date, []);
    days.get(date).push(slot);
  }
  return [...days].map(([date, list]) => ({ date, slots: list }));
}

export function addDays(date, n) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// The UTC instant of local wall time `date` `time` in `tzid` (two passes handle DST).
export function zonedInstant(date, time, tzid) {
  const wanted = Date.parse(`${date}T${time}:00Z`);
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const p = localParts(new Date(guess).toISOString(), tzid);
    const seen = Date.parse(`${p.date}T${p.time}:00Z`);
    guess += wanted - seen;
  }
  return new Date(guess).toISOString().replace('.000Z', 'Z');
}

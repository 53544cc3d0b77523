// Availability Viewer: a week grid, rows of `interval` minutes between start_time and
// end_time, available and unavailable cells, week navigation; confirm | no_confirm |
// multi_select.
import { BASE_CSS, addDays, api, el, localParts, mount, normalizeOptions, notify, zonedInstant } from './common.js';

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

export function viewerConfig(config = {}) {
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
export function weekOf(date, weekStart) {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((dow - weekStart + 7) % 7));
}

// Rows of cells for one week: each cell {date, time, start, end, available}.
export function weekGrid(firstDay, cfg, tzid, periods) {
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

export function AvailabilityViewer(options) {
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

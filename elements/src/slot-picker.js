// Slot Picker: days → times → confirm (config.mode "confirm", the default) or days → times
// (`no_confirm`), in the invitee's time zone, with the searchable zone picker.
import { BASE_CSS, api, dayLabel, el, groupByDay, mount, normalizeOptions, notify, timeLabel } from './common.js';
import { zonePicker } from './zones.js';

const PICKER_CSS = `${BASE_CSS}
.P-slot-picker .P-list .P-btn{width:100%}
.P-confirm{padding:12px;border:1px solid var(--sl-line,#9ca3af);border-radius:6px}
`;

// The query as sent: response_format only `slots` or `overlapping_slots` (the default).
export function slotQuery(query, warn = () => {}) {
  const q = { ...(query || {}) };
  if (!['slots', 'overlapping_slots'].includes(q.response_format)) {
    if (q.response_format !== undefined) warn(`response_format ${JSON.stringify(q.response_format)} dropped`);
    q.response_format = 'overlapping_slots';
  }
  return q;
}

export function SlotPicker(options) {
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

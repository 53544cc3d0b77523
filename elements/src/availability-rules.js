// Availability Rules (permission managed_availability): the working-hours editor as an
// element — one time range per weekday, the rule's time zone, Save.
import { BASE_CSS, api, el, mount, normalizeOptions, notify } from './common.js';

const RULES_CSS = `${BASE_CSS}
.P-days{display:grid;gap:6px;margin:8px 0}
.P-day{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.P-day label{min-width:110px}
.P-day .P-input{width:auto;min-width:110px}
`;
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

// weekly_periods → {day: {on, start, end}} (the first range of each day) and back.
export function rulesToDays(rule) {
  const days = {};
  for (const day of WEEKDAYS) {
    const p = (rule.weekly_periods || []).find((x) => x.day === day);
    days[day] = p ? { on: true, start: p.start_time, end: p.end_time } : { on: false, start: '09:00', end: '17:00' };
  }
  return days;
}

export function daysToRule(rule, days, tzid) {
  return {
    ...(rule.availability_rule_id ? { availability_rule_id: rule.availability_rule_id } : {}),
    tzid,
    weekly_periods: WEEKDAYS.filter((d) => days[d].on && days[d].start < days[d].end)
      .map((d) => ({ day: d, start_time: days[d].start, end_time: days[d].end })),
  };
}

export function AvailabilityRules(options) {
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

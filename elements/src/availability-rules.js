// Availability Rules (permission managed_availability): the working-hours editor as an
// element — any number of time ranges per weekday, the rule's time zone, Save. Everything
// else in the rule (date overrides, notice, buffers) is carried through untouched.
import { BASE_CSS, api, el, mount, normalizeOptions, notify } from './common.js';

const RULES_CSS = `${BASE_CSS}
.P-days{display:grid;gap:10px;margin:8px 0;padding:0;list-style:none}
.P-day{border-top:1px solid var(--sl-line,#d1d5db);padding-top:6px}
.P-day h3{font-size:1em;margin:0 0 4px}
.P-range{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:4px 0}
.P-range .P-input{width:auto;min-width:110px}
.P-problem{color:#b91c1c;margin:4px 0}
`;
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

// A time input can't hold 24:00 (the end of the day): the editor shows it as 00:00.
const toInput = (t) => (t === '24:00' ? '00:00' : t);
const toRule = (t) => (t === '00:00' ? '24:00' : t);

// weekly_periods → {day: [{start, end}, …]} in stored order (an empty list is a day off).
export function rulesToDays(rule) {
  const days = Object.fromEntries(WEEKDAYS.map((d) => [d, []]));
  for (const p of rule.weekly_periods || []) {
    const day = String(p.day).toLowerCase();
    if (days[day]) days[day].push({ start: p.start_time, end: toInput(p.end_time) });
  }
  return days;
}

// What stops a save, per day: an empty time, an end not after its start, an overlap.
export function dayProblems(days) {
  const problems = [];
  for (const day of WEEKDAYS) {
    const ranges = days[day].map((r, i) => ({ ...r, i, end: toRule(r.end) }));
    for (const r of ranges) {
      if (!r.start || !r.end) problems.push({ day, index: r.i, message: 'Enter both times.' });
      else if (r.end <= r.start) problems.push({ day, index: r.i, message: `${r.start} – ${toInput(r.end)} ends before it starts.` });
    }
    const sorted = ranges.filter((r) => r.start && r.end && r.start < r.end).sort((a, b) => a.start.localeCompare(b.start));
    for (let k = 1; k < sorted.length; k++) {
      if (sorted[k].start < sorted[k - 1].end) {
        problems.push({ day, index: sorted[k].i, message: `${sorted[k].start} – ${toInput(sorted[k].end)} overlaps ${sorted[k - 1].start} – ${toInput(sorted[k - 1].end)}.` });
      }
    }
  }
  return problems;
}

// The rule to save: the loaded rule as it was, with these days and this zone.
export function daysToRule(rule, days, tzid) {
  return {
    ...rule,
    tzid,
    weekly_periods: WEEKDAYS.flatMap((day) => days[day].map((r) => ({ day, start_time: r.start, end_time: toRule(r.end) }))),
  };
}

// A new range: the hour after the day's last one when that fits, else the usual day.
export function nextRange(ranges) {
  const last = ranges[ranges.length - 1];
  const m = /^(\d{2}):(\d{2})$/.exec(last?.end || '');
  if (!m || last.end === '00:00' || Number(m[1]) >= 23) return { start: '09:00', end: '17:00' };
  const hour = Number(m[1]) + 1;
  return { start: last.end, end: `${String(hour).padStart(2, '0')}:${m[2]}` };
}

const title = (day) => day[0].toUpperCase() + day.slice(1);

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
    const tz = el('input', { id: 'rule-tz', className: cls('input') });
    tz.value = rule.tzid || opts.tzid;
    const edited = () => {
      status.textContent = 'Unsaved changes.';
      notify(opts, 'availability_rule_edited', { availability_rule: daysToRule(rule, days, tz.value.trim()) });
    };
    tz.addEventListener('change', edited);
    const boxes = {};
    // Problems and labels change in place: redrawing would take the caret out of a time input.
    const checkDay = (day) => {
      const box = boxes[day];
      const problems = dayProblems(days).filter((p) => p.day === day);
      box.querySelectorAll('[data-range]').forEach((row) => {
        const i = Number(row.dataset.range);
        const r = days[day][i];
        row.querySelectorAll('input').forEach((input) => input.setAttribute('aria-invalid', String(problems.some((p) => p.index === i))));
        row.querySelector('button').setAttribute('aria-label', `Remove ${title(day)} ${r.start || '?'} – ${r.end || '?'}`);
      });
      box.querySelector('[data-problems]').replaceChildren(...problems.map((p) => el('p', { className: cls('problem'), text: p.message })));
    };
    const drawDay = (day, focus) => {
      const name = title(day);
      const ranges = days[day].map((r, i) => {
        const time = (key, label) => {
          const input = el('input', { type: 'time', className: cls('input'), step: 300, 'aria-label': `${name} range ${i + 1} ${label}`,
            onchange: (e) => { r[key] = e.target.value; edited(); checkDay(day); } });
          input.value = r[key];
          input.dataset.focus = `${key}-${i}`;
          return input;
        };
        const remove = el('button', { type: 'button', className: cls('btn'), text: 'Remove',
          onclick: () => { days[day].splice(i, 1); edited(); drawDay(day, 'add'); } });
        return el('div', { className: cls('range'), 'data-range': i }, [time('start', 'from'), '–', time('end', 'until'), remove]);
      });
      const add = el('button', { type: 'button', className: cls('btn'), text: 'Add hours', 'aria-label': `Add hours on ${name}`,
        onclick: () => { days[day].push(nextRange(days[day])); edited(); drawDay(day, `start-${days[day].length - 1}`); } });
      add.dataset.focus = 'add';
      boxes[day].replaceChildren(
        el('h3', { id: `day-${day}`, text: name }),
        ...(ranges.length ? ranges : [el('p', { className: cls('muted'), text: 'Unavailable' })]),
        el('div', { 'data-problems': '', role: 'alert' }),
        add,
      );
      checkDay(day);
      if (focus) boxes[day].querySelector(`[data-focus="${focus}"]`)?.focus();
    };
    const list = el('ul', { className: cls('days') }, WEEKDAYS.map((day) => {
      boxes[day] = el('li', { className: cls('day'), 'aria-labelledby': `day-${day}`, 'data-day': day });
      drawDay(day);
      return boxes[day];
    }));
    const save = el('button', { type: 'button', className: `${cls('btn')} ${cls('primary')}`, text: 'Save working hours', onclick: async () => {
      const problems = dayProblems(days);
      if (problems.length) {
        status.textContent = `Not saved: ${title(problems[0].day)}: ${problems[0].message}`;
        return;
      }
      save.disabled = true;
      try {
        const saved = await api(opts, 'PUT', '/v1/availability_rules', daysToRule(rule, days, tz.value.trim()));
        rule = saved.availability_rule;
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
      list,
      save, status,
    );
    container.dataset.ready = 'yes';
  })();
  return {};
}

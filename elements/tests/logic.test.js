import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, dayLabel, groupByDay, normalizeOptions, timeLabel, zonedInstant } from '../src/common.js';
import { searchZones, typedOffset, zoneEntry } from '../src/zones.js';
import { slotQuery } from '../src/slot-picker.js';
import { viewerConfig, weekGrid, weekOf } from '../src/availability-viewer.js';
import { dayProblems, daysToRule, nextRange, rulesToDays } from '../src/availability-rules.js';

const slot = (start, end) => ({ start, end, participants: [{ sub: 'acc_1' }] });

test('slots are grouped by the local day of the invitee time zone', () => {
  const slots = [slot('2027-01-05T09:00:00Z', '2027-01-05T09:30:00Z'), slot('2027-01-04T23:30:00Z', '2027-01-05T00:00:00Z')];
  assert.deepEqual(groupByDay(slots, 'UTC').map((d) => [d.date, d.slots.length]), [['2027-01-04', 1], ['2027-01-05', 1]]);
  // In Tokyo (UTC+9) both are on the 5th, in time order.
  const tokyo = groupByDay(slots, 'Asia/Tokyo');
  assert.deepEqual(tokyo.map((d) => d.date), ['2027-01-05']);
  assert.equal(tokyo[0].slots[0].start, '2027-01-04T23:30:00Z');
  assert.equal(timeLabel(tokyo[0].slots[0], 'Asia/Tokyo'), '08:30 – 09:00');
});

test('day labels read like Cronofy\'s', () => {
  assert.equal(dayLabel('2027-01-04'), 'Monday 4th January');
  assert.equal(dayLabel('2027-02-01'), 'Monday 1st February');
  assert.equal(dayLabel('2027-02-22'), 'Monday 22nd February');
  assert.equal(dayLabel('2027-01-13'), 'Wednesday 13th January');
});

test('local wall time to UTC, across daylight saving', () => {
  assert.equal(zonedInstant('2027-01-04', '09:00', 'Europe/London'), '2027-01-04T09:00:00Z');
  assert.equal(zonedInstant('2027-07-05', '09:00', 'Europe/London'), '2027-07-05T08:00:00Z');
  assert.equal(zonedInstant('2027-07-05', '09:00', 'America/New_York'), '2027-07-05T13:00:00Z');
});

test('the zone search finds cities, abbreviations and offsets', () => {
  const entries = ['Asia/Tokyo', 'Europe/Berlin', 'America/Sao_Paulo', 'Asia/Kolkata', 'UTC'].map(zoneEntry);
  assert.equal(searchZones(entries, 'tokyo')[0].id, 'Asia/Tokyo');
  assert.equal(searchZones(entries, 'JST')[0].id, 'Asia/Tokyo');
  assert.equal(searchZones(entries, 'sao paulo')[0].id, 'America/Sao_Paulo');
  assert.equal(searchZones(entries, '+5:30')[0].id, 'Asia/Kolkata');
  assert.equal(searchZones(entries, '+9')[0].id, 'Asia/Tokyo');
  assert.deepEqual(searchZones(entries, 'atlantis'), []);
  assert.equal(typedOffset('gmt-3'), -180);
});

test('the Slot Picker asks for slots or overlapping_slots only', () => {
  const warnings = [];
  assert.equal(slotQuery({}).response_format, 'overlapping_slots');
  assert.equal(slotQuery({ response_format: 'slots' }).response_format, 'slots');
  assert.equal(slotQuery({ response_format: 'periods' }, (w) => warnings.push(w)).response_format, 'overlapping_slots');
  assert.equal(warnings.length, 1);
});

test('options: a bad tzid falls back with a warning, the class prefix is checked', () => {
  const opts = normalizeOptions({ tzid: 'Mars/Base', styles: { prefix: 'x"}' }, api_domain: 'api.example.com/' }, 'SlotPicker');
  assert.notEqual(opts.tzid, 'Mars/Base');
  assert.equal(opts.warnings.length, 1);
  assert.equal(opts.prefix, 'sl');
  assert.equal(opts.apiDomain, 'https://api.example.com');
  assert.equal(normalizeOptions({ styles: { prefix: 'acme' } }).prefix, 'acme');
});

test('requests carry the element token and the Cronofy-Element header, no cookies', async () => {
  const calls = [];
  const fetch = async (url, init) => { calls.push([url, init]); return { ok: true, json: async () => ({ available_slots: [] }) }; };
  const opts = normalizeOptions({ element_token: 'set_a b', api_domain: 'http://127.0.0.1:5000', fetch }, 'SlotPicker');
  await api(opts, 'POST', '/v1/availability', { x: 1 });
  assert.equal(calls[0][0], 'http://127.0.0.1:5000/v1/availability?et=set_a%20b');
  assert.match(calls[0][1].headers['Cronofy-Element'], /^v1\.\d+\.\d+, SlotPicker$/);
  assert.equal(calls[0][1].credentials, 'omit');
  const failing = normalizeOptions({ fetch: async () => ({ ok: false, status: 403, json: async () => ({}) }) }, 'SlotPicker');
  await assert.rejects(api(failing, 'GET', '/v1/userinfo'), (e) => e.status === 403);
});

test('viewer config follows Cronofy\'s rules for interval and times', () => {
  assert.equal(viewerConfig({ interval: 45 }).interval, 60);
  assert.equal(viewerConfig({ interval: 20 }).interval, 30);
  assert.equal(viewerConfig({ interval: 120 }).interval, 60);
  assert.equal(viewerConfig({ end_time: '00:00' }).end, 1440);
  assert.equal(viewerConfig({ mode: 'nonsense' }).mode, 'confirm');
  assert.equal(weekOf('2027-01-06', 0), '2027-01-03');
  assert.equal(weekOf('2027-01-06', 1), '2027-01-04');
});

test('the week grid marks cells inside available periods', () => {
  const cfg = viewerConfig({ start_time: '09:00', end_time: '11:00', interval: 30 });
  const rows = weekGrid('2027-01-04', cfg, 'UTC', [{ start: '2027-01-05T09:30:00Z', end: '2027-01-05T10:30:00Z' }]);
  assert.equal(rows.length, 4);
  assert.equal(rows[0].length, 7);
  const available = rows.flat().filter((c) => c.available).map((c) => c.start);
  assert.deepEqual(available, ['2027-01-05T09:30:00Z', '2027-01-05T10:00:00Z']);
});

test('working hours keep every range of a day and the rest of the rule', () => {
  const rule = { availability_rule_id: 'default', tzid: 'Europe/London',
    weekly_periods: [{ day: 'monday', start_time: '09:00', end_time: '12:00' }, { day: 'monday', start_time: '13:00', end_time: '17:00' },
      { day: 'friday', start_time: '20:00', end_time: '24:00' }],
    date_overrides: [{ date: '2027-12-24', periods: [] }], min_notice_minutes: 60, max_days_ahead: 30,
    buffer: { before: 5, after: 10 } };
  const days = rulesToDays(rule);
  assert.deepEqual(days.monday, [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:00' }]);
  assert.deepEqual(days.friday, [{ start: '20:00', end: '00:00' }]); // a time input's midnight
  assert.deepEqual(days.tuesday, []);
  // Unchanged, the rule saves as it was loaded: nothing lost, 24:00 kept.
  assert.deepEqual(daysToRule(rule, days, 'Europe/London'), rule);
  // Add a third Monday range, remove the first, add Tuesday: only those change.
  days.monday.push(nextRange(days.monday));
  days.monday.splice(0, 1);
  days.tuesday.push(nextRange(days.tuesday));
  const saved = daysToRule(rule, days, 'Europe/Paris');
  assert.deepEqual(saved.weekly_periods, [
    { day: 'monday', start_time: '13:00', end_time: '17:00' }, { day: 'monday', start_time: '17:00', end_time: '18:00' },
    { day: 'tuesday', start_time: '09:00', end_time: '17:00' }, { day: 'friday', start_time: '20:00', end_time: '24:00' }]);
  assert.equal(saved.tzid, 'Europe/Paris');
  assert.deepEqual(saved.date_overrides, rule.date_overrides);
  assert.deepEqual(saved.buffer, rule.buffer);
  assert.deepEqual(dayProblems(days), []);
});

test('backwards, empty and overlapping ranges stop a save, each named', () => {
  const days = rulesToDays({ weekly_periods: [] });
  days.monday = [{ start: '09:00', end: '12:00' }, { start: '11:00', end: '13:00' }];
  days.tuesday = [{ start: '12:00', end: '10:00' }];
  days.wednesday = [{ start: '', end: '10:00' }];
  days.thursday = [{ start: '13:00', end: '17:00' }, { start: '09:00', end: '13:00' }]; // touching, out of order: fine
  assert.deepEqual(dayProblems(days).map((p) => [p.day, p.index]), [['monday', 1], ['tuesday', 0], ['wednesday', 0]]);
  assert.match(dayProblems(days)[0].message, /overlaps 09:00 – 12:00/);
  assert.deepEqual(nextRange([{ start: '20:00', end: '23:30' }]), { start: '09:00', end: '17:00' });
});

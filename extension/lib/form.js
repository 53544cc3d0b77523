// The popup's form logic, kept free of the DOM so it can be unit-tested.

import { buildQuestions, DEFAULT_MAX_GUESTS, MAX_GUESTS, parseMaxGuests, PHONE_HELP, phoneNumber, questionInput } from './questions.js';

export const DEFAULTS = Object.freeze({ summary: 'Meeting', duration: 30, expiresDays: 14, maxUses: 1, maxGuests: DEFAULT_MAX_GUESTS });

export const BOUNDS = Object.freeze({
  name: 200,
  email: 320,
  summary: 200,
  duration: [1, 1440],
  expiresDays: [1, 365],
  maxUses: [1, 1000],
  placeDetail: 300,
});

const SOURCE_NAMES = {
  schedlink: 'schedlink markup',
  'json-ld': 'schema.org JSON-LD',
  microdata: 'schema.org microdata',
  'h-card': 'h-card',
  hcard: 'hCard',
  mailto: 'e-mail link',
};

/** Text for one contact in the list: {primary, secondary}, both plain strings. */
export function contactLabel(c) {
  const primary = c.name && c.email ? `${c.name} <${c.email}>` : c.name || c.email || '(no name)';
  const parts = [c.title, c.organization, c.reference && `ref. ${c.reference}`, c.tzid].filter(Boolean);
  if (c.source && SOURCE_NAMES[c.source]) parts.push(`from ${SOURCE_NAMES[c.source]}`);
  return { primary, secondary: parts.join(' · ') };
}

/** Form values pre-filled from a contact (or the defaults when there is none). */
export function formFromContact(c) {
  return {
    name: c?.name ?? '',
    email: c?.email ?? '',
    summary: c?.summary ?? DEFAULTS.summary,
    duration: String(c?.duration_minutes ?? DEFAULTS.duration),
  };
}

/** RFC 3339 UTC, seconds precision: "2026-12-01T09:00:00Z". */
export function toRfc3339(ms) {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function expiresAt(days, nowMs) {
  return toRfc3339(nowMs + days * 86_400_000);
}

function intField(raw, [min, max]) {
  const s = String(raw ?? '').trim();
  if (!/^\d+$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}

// Deliberately loose: one @, something on both sides, a dot in the domain.
// The server validates properly; this only catches typos before a round trip.
const EMAIL = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;

/**
 * Turn the form into the createLink payload, or field errors keyed by input id.
 * `contact` is the chosen detected contact (its organization, title, phone,
 * tzid and reference travel along); the typed name and e-mail win. `questionRows` maps each
 * question sent to its form row, for the server's errors (fieldErrorsByInput).
 * @returns {{ok: true, payload: object, questionRows: number[]} | {ok: false, errors: Object<string, string[]>}}
 */
export function buildLinkRequest(values, contact, nowMs) {
  const errors = {};
  const add = (id, msg) => (errors[id] ??= []).push(msg);
  const name = String(values.name ?? '').trim();
  const email = String(values.email ?? '').trim();
  const summary = String(values.summary ?? '').trim() || DEFAULTS.summary;
  if (name.length > BOUNDS.name) add('name', `At most ${BOUNDS.name} characters.`);
  if (!email) add('email', 'Enter the e-mail address of the person you invite.');
  else if (email.length > BOUNDS.email || !EMAIL.test(email)) add('email', 'This does not look like an e-mail address.');
  if (summary.length > BOUNDS.summary) add('summary', `At most ${BOUNDS.summary} characters.`);
  const duration = intField(values.duration, BOUNDS.duration);
  if (duration === null) add('duration', `Minutes, a whole number from ${BOUNDS.duration[0]} to ${BOUNDS.duration[1]}.`);
  const days = intField(values.expiresDays, BOUNDS.expiresDays);
  if (days === null) add('expires-days', `Days, a whole number from ${BOUNDS.expiresDays[0]} to ${BOUNDS.expiresDays[1]}.`);
  const maxUses = intField(values.maxUses, BOUNDS.maxUses);
  if (maxUses === null) add('max-uses', `A whole number from ${BOUNDS.maxUses[0]} to ${BOUNDS.maxUses[1]}.`);
  const placeType = String(values.placeType ?? '');
  const placeDetail = String(values.placeDetail ?? '').trim();
  let place = null;
  if (placeType === 'video') place = { type: 'video' };
  else if (placeType === 'phone') place = { type: 'phone', calls: 'host' };
  else if (placeType === 'phone_invitee') {
    const number = phoneNumber(values.placeNumber);
    if (!String(values.placeNumber ?? '').trim()) add('place-number', 'Enter the number they should call.');
    else if (number === null) add('place-number', PHONE_HELP);
    else place = { type: 'phone', calls: 'invitee', number };
  } else if (placeType === 'in_person' || placeType === 'custom') {
    const key = placeType === 'in_person' ? 'address' : 'text';
    if (!placeDetail) add('place-detail', placeType === 'in_person' ? 'Enter the address.' : 'Say where the meeting is.');
    else if (placeDetail.length > BOUNDS.placeDetail) add('place-detail', `At most ${BOUNDS.placeDetail} characters.`);
    else place = { type: placeType, [key]: placeDetail };
  } else if (placeType) add('place-type', 'Choose a place from the list.');
  const hosts = buildHosts(values, add);
  const { questions, rows: questionRows } = buildQuestions(values.questions, add);
  const guestsText = String(values.maxGuests ?? '').trim();
  const maxGuests = guestsText ? parseMaxGuests(guestsText) : DEFAULT_MAX_GUESTS;
  if (maxGuests === null) add('max-guests', `A whole number from 0 to ${MAX_GUESTS}.`);
  if (Object.keys(errors).length) return { ok: false, errors };

  const out = {};
  for (const key of ['organization', 'title', 'phone', 'tzid', 'reference']) {
    if (typeof contact?.[key] === 'string' && contact[key]) out[key] = contact[key];
  }
  if (name) out.name = name;
  out.email = email;
  return {
    ok: true,
    payload: {
      contact: out,
      summary,
      duration_minutes: duration,
      expires_at: expiresAt(days, nowMs),
      max_uses: maxUses,
      ...(place ? { place } : {}),
      ...(hosts ? { hosts } : {}),
      ...(questions.length ? { questions } : {}),
      // The server's default is left to the server.
      ...(maxGuests !== DEFAULT_MAX_GUESTS ? { max_guests: maxGuests } : {}),
    },
    questionRows,
  };
}

/**
 * The `hosts` group from the host picker: `values.hostsMode` ('me' | 'all' | 'one') and
 * `values.hostSubs` (the ticked members, in list order), `values.me` (the user's sub).
 * null means the user alone: the server's default, so nothing is sent.
 */
export function buildHosts(values, add = () => {}) {
  const mode = values.hostsMode ?? 'me';
  if (mode === 'me') return null;
  if (mode !== 'all' && mode !== 'one') {
    add('hosts-mode', 'Choose who hosts from the list.');
    return null;
  }
  const subs = [...new Set((values.hostSubs ?? []).filter((s) => typeof s === 'string' && s))];
  if (subs.length === 0) {
    add('hosts-mode', 'Tick at least one host.');
    return null;
  }
  if (subs.length === 1 && subs[0] === values.me) return null;
  return { members: subs.map((sub) => ({ sub })), required: mode === 'all' ? 'all' : 1 };
}

const PLACE_WORDS = {
  video: 'Video call',
  phone: 'Phone, you call',
  phone_invitee: 'Phone, they call',
  in_person: 'In person',
  custom: 'Other place',
};

/** One muted line under the closed "More options": what the hidden fields are set to. */
export function moreSummary(values) {
  const parts = [PLACE_WORDS[values.placeType] ?? PLACE_WORDS.video];
  const mode = values.hostsMode ?? 'me';
  if (mode !== 'me') {
    const n = new Set(values.hostSubs ?? []).size;
    parts.push(mode === 'all' ? `${n} hosts, all attend` : `${n} hosts, round robin`);
  }
  const asked = (values.questions ?? []).filter((q) => String(q?.label ?? '').trim()).length;
  if (asked) parts.push(`${asked} ${asked === 1 ? 'question' : 'questions'}`);
  const guests = String(values.maxGuests ?? '').trim();
  if (guests && guests !== String(DEFAULT_MAX_GUESTS)) parts.push(guests === '0' ? 'no guests' : `${guests} ${guests === '1' ? 'guest' : 'guests'}`);
  const days = String(values.expiresDays ?? '').trim();
  const uses = String(values.maxUses ?? '').trim();
  if (days) parts.push(`${days} ${days === '1' ? 'day' : 'days'}`);
  if (uses) parts.push(`${uses} ${uses === '1' ? 'use' : 'uses'}`);
  return parts.join(' · ');
}

/** Server 422 field names → popup input ids. */
export const SERVER_FIELD_TO_INPUT = Object.freeze({
  contact: 'email',
  'contact.name': 'name',
  'contact.email': 'email',
  summary: 'summary',
  duration_minutes: 'duration',
  expires_at: 'expires-days',
  max_uses: 'max-uses',
  'place.type': 'place-type',
  'place.calls': 'place-type',
  'place.number': 'place-number',
  'place.address': 'place-detail',
  'place.text': 'place-detail',
  hosts: 'hosts-mode',
  'hosts.required': 'hosts-mode',
  'hosts.members': 'hosts-mode',
  max_guests: 'max-guests',
});

function inputFor(field, questionRows) {
  if (SERVER_FIELD_TO_INPUT[field]) return SERVER_FIELD_TO_INPUT[field];
  // hosts.members.2.sub: one member the server refused (left the organization meanwhile)
  if (/^hosts\.members\.\d+\.sub$/.test(field)) return 'hosts-mode';
  return questionInput(field, questionRows);
}

/**
 * Split server field errors into those shown next to an input and the rest
 * (shown in #error as "field: message"). `questionRows`: buildLinkRequest's, so
 * `questions.0.label` lands on the row that question came from.
 */
export function fieldErrorsByInput(fields, questionRows = []) {
  const byInput = {};
  const other = [];
  for (const [field, messages] of Object.entries(fields || {})) {
    const id = inputFor(field, questionRows);
    if (id) (byInput[id] ??= []).push(...messages);
    else other.push(...messages.map((m) => `${field}: ${m}`));
  }
  return { byInput, other };
}

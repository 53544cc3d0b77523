import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULTS,
  buildLinkRequest,
  contactLabel,
  expiresAt,
  fieldErrorsByInput,
  formFromContact,
  toRfc3339,
} from '../lib/form.js';

const NOW = Date.UTC(2026, 10, 17, 9, 30, 15, 123);
const ada = {
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  organization: 'Analytical Engines Ltd',
  title: 'Engineer',
  phone: '+44 20 7946 0000',
  tzid: 'Europe/London',
  reference: 'candidate-4711',
  summary: 'Interview: Senior Engineer',
  duration_minutes: 45,
  source: 'schedlink',
};
const values = (over = {}) => ({ name: 'Ada Lovelace', email: 'ada@example.com', summary: 'Interview', duration: '45', expiresDays: '14', maxUses: '1', ...over });

describe('times', () => {
  it('RFC 3339 UTC with seconds precision', () => {
    assert.equal(toRfc3339(NOW), '2026-11-17T09:30:15Z');
    assert.equal(expiresAt(14, NOW), '2026-12-01T09:30:15Z');
  });
});

describe('formFromContact', () => {
  it('pre-fills from a contact', () => {
    assert.deepEqual(formFromContact(ada), { name: 'Ada Lovelace', email: 'ada@example.com', summary: 'Interview: Senior Engineer', duration: '45' });
  });
  it('uses the defaults without one, or for missing values', () => {
    assert.deepEqual(formFromContact(null), { name: '', email: '', summary: 'Meeting', duration: '30' });
    assert.deepEqual(formFromContact({ name: null, email: 'a@example.com', summary: null, duration_minutes: null }), { name: '', email: 'a@example.com', summary: DEFAULTS.summary, duration: '30' });
  });
});

describe('contactLabel', () => {
  it('describes a contact in plain text', () => {
    assert.deepEqual(contactLabel(ada), { primary: 'Ada Lovelace <ada@example.com>', secondary: 'Engineer · Analytical Engines Ltd · ref. candidate-4711 · Europe/London · from schedlink markup' });
    assert.deepEqual(contactLabel({ email: 'x@example.com', source: 'mailto' }), { primary: 'x@example.com', secondary: 'from e-mail link' });
    assert.equal(contactLabel({}).primary, '(no name)');
  });
});

describe('buildLinkRequest', () => {
  it('builds the createLink payload, carrying the detected contact details', () => {
    const r = buildLinkRequest(values(), ada, NOW);
    assert.equal(r.ok, true);
    assert.deepEqual(r.payload, {
      contact: {
        organization: 'Analytical Engines Ltd',
        title: 'Engineer',
        phone: '+44 20 7946 0000',
        tzid: 'Europe/London',
        reference: 'candidate-4711',
        name: 'Ada Lovelace',
        email: 'ada@example.com',
      },
      summary: 'Interview',
      duration_minutes: 45,
      expires_at: '2026-12-01T09:30:15Z',
      max_uses: 1,
    });
  });
  it('typed values win over detected ones; a typed-in contact has only name and e-mail', () => {
    const r = buildLinkRequest(values({ name: ' Grace ', email: ' grace@example.com ' }), null, NOW);
    assert.deepEqual(r.payload.contact, { name: 'Grace', email: 'grace@example.com' });
  });
  it('defaults an empty summary and leaves out an empty name', () => {
    const r = buildLinkRequest(values({ name: '', summary: '  ' }), null, NOW);
    assert.equal(r.payload.summary, 'Meeting');
    assert.deepEqual(r.payload.contact, { email: 'ada@example.com' });
  });
  const bad = [
    [{ email: '' }, 'email'],
    [{ email: 'not-an-email' }, 'email'],
    [{ email: 'a@b' }, 'email'],
    [{ email: 'a b@example.com' }, 'email'],
    [{ duration: '0' }, 'duration'],
    [{ duration: '2000' }, 'duration'],
    [{ duration: '30.5' }, 'duration'],
    [{ duration: 'abc' }, 'duration'],
    [{ expiresDays: '0' }, 'expires-days'],
    [{ expiresDays: '400' }, 'expires-days'],
    [{ maxUses: '' }, 'max-uses'],
    [{ maxUses: '-1' }, 'max-uses'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ summary: 'x'.repeat(201) }, 'summary'],
  ];
  for (const [over, field] of bad) {
    it(`rejects ${JSON.stringify(over).slice(0, 50)} on #${field}`, () => {
      const r = buildLinkRequest(values(over), null, NOW);
      assert.equal(r.ok, false);
      assert.deepEqual(Object.keys(r.errors), [field]);
    });
  }
});

describe('fieldErrorsByInput', () => {
  it('maps server field names to input ids, keeps the rest', () => {
    const r = fieldErrorsByInput({
      'contact.email': ['is not a valid e-mail address'],
      duration_minutes: ['must be at most 1440'],
      expires_at: ['must be in the future'],
      max_uses: ['too big'],
      'contact.name': ['too long'],
      summary: ['required'],
      conferencing: ['unknown profile'],
    });
    assert.deepEqual(r.byInput, {
      email: ['is not a valid e-mail address'],
      duration: ['must be at most 1440'],
      'expires-days': ['must be in the future'],
      'max-uses': ['too big'],
      name: ['too long'],
      summary: ['required'],
    });
    assert.deepEqual(r.other, ['conferencing: unknown profile']);
  });
});

describe('buildLinkRequest: the place', () => {
  it('adds the chosen place, and none when not set', () => {
    assert.equal('place' in buildLinkRequest(values(), ada, NOW).payload, false);
    assert.deepEqual(buildLinkRequest(values({ placeType: 'video' }), ada, NOW).payload.place, { type: 'video' });
    assert.deepEqual(buildLinkRequest(values({ placeType: 'phone' }), ada, NOW).payload.place, { type: 'phone', calls: 'host' });
    assert.deepEqual(
      buildLinkRequest(values({ placeType: 'in_person', placeDetail: ' 1 Main St ' }), ada, NOW).payload.place,
      { type: 'in_person', address: '1 Main St' },
    );
    assert.deepEqual(buildLinkRequest(values({ placeType: 'custom', placeDetail: 'Room 3' }), ada, NOW).payload.place, { type: 'custom', text: 'Room 3' });
  });
  it('asks for the address of an in-person meeting', () => {
    const r = buildLinkRequest(values({ placeType: 'in_person', placeDetail: ' ' }), ada, NOW);
    assert.equal(r.ok, false);
    assert.deepEqual(Object.keys(r.errors), ['place-detail']);
  });
});

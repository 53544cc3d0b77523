// The popup's phone place with both directions, booking questions and guests: form logic,
// the server's errors back on their inputs, the message schema and the service worker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeError } from '../lib/errors.js';
import { buildLinkRequest, fieldErrorsByInput, moreSummary } from '../lib/form.js';
import { MESSAGES } from '../lib/messages.js';
import { buildQuestions, parseMaxGuests, PHONE_HELP, phoneNumber, questionInput } from '../lib/questions.js';
import { createRouter } from '../lib/router.js';
import { createService } from '../lib/service.js';
import { fakeBrowser, fakeFetch, json } from './helpers.js';

const NOW = Date.UTC(2026, 10, 17, 9, 30, 15);
const values = (over = {}) => ({ email: 'ada@example.com', duration: '30', expiresDays: '14', maxUses: '1', placeType: 'video', ...over });
const LONGEST = `+44${' '.repeat(25)}20 7946 0018`; // 40 characters
const q = (over = {}) => ({ label: 'Company', type: 'text', required: false, choices: '', ...over });

describe('phoneNumber: the number the invitee calls', () => {
  for (const typed of ['+44 20 7946 0018', '0044 20 7946 0018', '+44 (0)20 7946 0018', '+1-415-555-2671', '+49.30.123456', ' +442079460018 ']) {
    it(`takes ${JSON.stringify(typed)}`, () => assert.equal(phoneNumber(typed), typed.trim()));
  }
  const bad = [
    ['', 'empty'],
    ['020 7946 0018', 'no country code'],
    ['+44 20 7946 0018 ext. 5', 'words'],
    ['+44 20 7946 0018a', 'a letter'],
    ['+12345', 'too few digits'],
    ['+4420794600189999', 'more than E.164 allows'],
    ['+0 20 7946 0018', 'a country code starting with 0'],
    [`+44 ${'1 '.repeat(20)}`, 'over 40 characters'],
    [null, 'not text'],
  ];
  for (const [typed, why] of bad) it(`refuses ${why}`, () => assert.equal(phoneNumber(typed), null));
});

describe('buildLinkRequest: phone, both ways', () => {
  it('"they call you" sends the host\'s number; "you call them" sends none', () => {
    const r = buildLinkRequest(values({ placeType: 'phone_invitee', placeNumber: ' +44 20 7946 0018 ' }), null, NOW);
    assert.deepEqual(r.payload.place, { type: 'phone', calls: 'invitee', number: '+44 20 7946 0018' });
    const host = buildLinkRequest(values({ placeType: 'phone', placeNumber: '+44 20 7946 0018' }), null, NOW);
    assert.deepEqual(host.payload.place, { type: 'phone', calls: 'host' });
  });
  for (const [typed, message] of [['', 'Enter the number they should call.'], ['020 7946 0018', PHONE_HELP]]) {
    it(`says what is wrong with ${JSON.stringify(typed)} on #place-number`, () => {
      const r = buildLinkRequest(values({ placeType: 'phone_invitee', placeNumber: typed }), null, NOW);
      assert.deepEqual(r.errors, { 'place-number': [message] });
    });
  }
  it('an unknown place is an error on #place-type', () => {
    assert.deepEqual(Object.keys(buildLinkRequest(values({ placeType: 'phone_both' }), null, NOW).errors), ['place-type']);
  });
});

describe('buildQuestions', () => {
  const good = [
    ['a required short text', [q({ required: true })], [{ label: 'Company', type: 'text', required: true }], [0]],
    ['choices split on commas, trimmed', [q({ type: 'choices', choices: ' Pay, Team ,,Remote ' })], [{ label: 'Company', type: 'choices', required: false, choices: ['Pay', 'Team', 'Remote'] }], [0]],
    ['choices typed under a text question are not sent', [q({ choices: 'a, b' })], [{ label: 'Company', type: 'text', required: false }], [0]],
    ['an empty row is left out, the next keeps its row', [q({ label: ' ' }), q({ type: 'phone' })], [{ label: 'Company', type: 'phone', required: false }], [1]],
    ['no rows', [], [], []],
    ['not a list', undefined, [], []],
  ];
  for (const [what, rows, questions, sent] of good) {
    it(what, () => {
      const problems = [];
      assert.deepEqual(buildQuestions(rows, (id, m) => problems.push([id, m])), { questions, rows: sent });
      assert.deepEqual(problems, []);
    });
  }
  const bad = [
    ['required without a label', [q({ label: '', required: true })], 'q-0-label'],
    ['a label over 200 characters', [q({ label: 'x'.repeat(201) })], 'q-0-label'],
    ['an unknown type', [q({ type: 'file' })], 'q-0-type'],
    ['a choice question without choices', [q({ type: 'choice', choices: ' , ' })], 'q-0-choices'],
    ['a choice given twice', [q({ type: 'choice', choices: 'Yes, Yes' })], 'q-0-choices'],
    ['31 choices', [q({ type: 'choices', choices: Array.from({ length: 31 }, (_, i) => `c${i}`).join(',') })], 'q-0-choices'],
    ['the second row', [q(), q({ label: '', type: 'choice', choices: 'a' })], 'q-1-label'],
  ];
  for (const [what, rows, input] of bad) {
    it(`refuses ${what} on #${input}`, () => {
      const problems = [];
      const { questions } = buildQuestions(rows, (id) => problems.push(id));
      assert.deepEqual(problems, [input]);
      assert.equal(questions.length, rows.length - 1);
    });
  }
  it('travel in the link request with max_guests, which is left out at the default', () => {
    const r = buildLinkRequest(values({ questions: [q({ required: true })], maxGuests: '0' }), null, NOW);
    assert.deepEqual(r.payload.questions, [{ label: 'Company', type: 'text', required: true }]);
    assert.equal(r.payload.max_guests, 0);
    const plain = buildLinkRequest(values({ maxGuests: '3' }), null, NOW).payload;
    assert.equal('questions' in plain || 'max_guests' in plain, false);
  });
});

describe('parseMaxGuests', () => {
  for (const [typed, n] of [['0', 0], [' 20 ', 20], ['3', 3], ['21', null], ['-1', null], ['2.5', null], ['', null], ['x', null]]) {
    it(`${JSON.stringify(typed)} → ${n}`, () => assert.equal(parseMaxGuests(typed), n));
  }
  it('a bad number is an error on #max-guests; empty is the default', () => {
    assert.deepEqual(Object.keys(buildLinkRequest(values({ maxGuests: '21' }), null, NOW).errors), ['max-guests']);
    assert.equal(buildLinkRequest(values({ maxGuests: ' ' }), null, NOW).ok, true);
  });
});

describe('the server\'s errors on their inputs', () => {
  it('a question\'s by the row it came from, the number and guests by theirs', () => {
    const { byInput, other } = fieldErrorsByInput({
      'questions.0.label': ['Each question needs a label.'],
      'questions.1.choices': ['Each choice may be given once.'],
      'questions.1.required': ['required must be true or false.'],
      'questions.5.label': ['no such row'],
      'place.number': [PHONE_HELP],
      max_guests: ['max_guests must be a whole number 0 to 20.'],
    }, [0, 2]);
    assert.deepEqual(byInput, {
      'q-0-label': ['Each question needs a label.'],
      'q-2-choices': ['Each choice may be given once.'],
      'q-2-type': ['required must be true or false.'],
      'place-number': [PHONE_HELP],
      'max-guests': ['max_guests must be a whole number 0 to 20.'],
    });
    assert.deepEqual(other, ['questions.5.label: no such row']);
  });
  it('names no input for fields that are not a question\'s', () => {
    for (const field of ['questions', 'questions.x', 'questions.0.id', 'hosts']) assert.equal(questionInput(field, [0]), null);
  });
});

describe('moreSummary with phone, questions and guests', () => {
  const table = [
    [{ placeType: 'phone' }, 'Phone, you call · 14 days · 1 use'],
    [{ placeType: 'phone_invitee', questions: [q(), q({ label: '' })] }, 'Phone, they call · 1 question · 14 days · 1 use'],
    [{ questions: [q(), q()], maxGuests: '0' }, 'Video call · 2 questions · no guests · 14 days · 1 use'],
    [{ maxGuests: '1' }, 'Video call · 1 guest · 14 days · 1 use'],
    [{ maxGuests: '3' }, 'Video call · 14 days · 1 use'],
  ];
  for (const [over, text] of table) it(text, () => assert.equal(moreSummary(values(over)), text));
});

describe('createLink message: place number, questions, max_guests', () => {
  const popup = { id: 'x'.repeat(32), url: `chrome-extension://${'x'.repeat(32)}/popup/popup.html` };
  const setup = () => {
    const seen = [];
    const handlers = Object.fromEntries(Object.keys(MESSAGES).map((t) => [t, async (p) => { seen.push(p); return {}; }]));
    return { seen, route: createRouter({ runtimeId: popup.id, extensionOrigin: `chrome-extension://${popup.id}/`, handlers, describeError }) };
  };
  const send = (over) => ({ type: 'createLink', payload: { contact: { email: 'ada@example.com' }, ...over } });
  const good = [
    ['the invitee calls', { place: { type: 'phone', calls: 'invitee', number: '+44 20 7946 0018' } }],
    ['questions of every type', { questions: ['text', 'textarea', 'phone', 'checkbox'].map((type) => ({ label: 'L', type, required: true })).concat([{ label: 'C', type: 'choice', choices: ['a', 'b'] }]) }],
    ['no guests', { max_guests: 0 }],
    ['the longest number the popup takes', { place: { type: 'phone', calls: 'invitee', number: LONGEST } }],
  ];
  it('(the popup takes that number)', () => assert.equal(phoneNumber(LONGEST), LONGEST));
  for (const [what, over] of good) {
    it(`accepts ${what}`, async () => assert.equal((await setup().route(send(over), popup)).ok, true));
  }
  const bad = [
    ['a number without its country code', { place: { type: 'phone', calls: 'invitee', number: '020 7946 0018' } }],
    ['a number with script in it', { place: { type: 'phone', calls: 'invitee', number: '+44<img src=x>' } }],
    ['six questions', { questions: Array.from({ length: 6 }, () => ({ label: 'L', type: 'text' })) }],
    ['no questions at all', { questions: [] }],
    ['an unknown question type', { questions: [{ label: 'L', type: 'file' }] }],
    ['a question without a label', { questions: [{ label: '', type: 'text' }] }],
    ['a question with its own id', { questions: [{ id: 'q9', label: 'L', type: 'text' }] }],
    ['required as text', { questions: [{ label: 'L', type: 'text', required: 'yes' }] }],
    ['31 choices', { questions: [{ label: 'L', type: 'choice', choices: Array.from({ length: 31 }, (_, i) => `c${i}`) }] }],
    ['21 guests', { max_guests: 21 }],
    ['guests as text', { max_guests: '2' }],
  ];
  for (const [what, over] of bad) {
    it(`refuses ${what}`, async () => {
      const { route, seen } = setup();
      const answer = await route(send(over), popup);
      assert.equal(answer.error?.code, 'bad_payload');
      assert.equal(seen.length, 0);
    });
  }
});

describe('service worker: createLink', () => {
  it('sends the place\'s number, the questions and max_guests to the server', async () => {
    const b = await fakeBrowser({ stored: { backendUrl: 'http://127.0.0.1:5000', apiKey: 'sk_test_0123456789abcdef' } });
    const link = { id: 'sl_1', url: 'http://127.0.0.1:5000/b/t', status: 'open', summary: 'Call', duration_minutes: 30 };
    const fetch = fakeFetch(() => json(201, { scheduling_link: link }));
    const over = {
      place: { type: 'phone', calls: 'invitee', number: '+44 20 7946 0018' },
      questions: [{ label: 'Company', type: 'text', required: true }],
      max_guests: 0,
    };
    await createService({ browser: b.api, fetch }).handlers.createLink({ contact: { email: 'ada@example.com' }, ...over });
    assert.deepEqual(fetch.calls[0].body, { contact: { email: 'ada@example.com' }, ...over });
  });
});

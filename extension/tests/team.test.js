// The popup's host picker and place (issues 23 and 25): form logic, the message schema,
// the API client's organization answer and the service worker's getTeam / createLink.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, cleanAnswers, cleanContact, cleanOrganization, createApiClient } from '../lib/api.js';
import { describeError } from '../lib/errors.js';
import { buildHosts, buildLinkRequest, fieldErrorsByInput, moreSummary } from '../lib/form.js';
import { MESSAGES } from '../lib/messages.js';
import { createRouter } from '../lib/router.js';
import { createService } from '../lib/service.js';
import { fakeBrowser, fakeFetch, json } from './helpers.js';

const ME = 'acc_me0000000000000000000000000';
const BEA = 'acc_bea000000000000000000000000';
const CY = 'acc_cy0000000000000000000000000';
const NOW = Date.UTC(2026, 10, 17, 9, 30, 15);
const values = (over = {}) => ({ name: 'Ada', email: 'ada@example.com', summary: 'Panel', duration: '45', expiresDays: '14', maxUses: '1', placeType: 'video', me: ME, ...over });

describe('buildHosts: the host picker', () => {
  const table = [
    ['just me sends nothing (the server default)', { hostsMode: 'me', hostSubs: [ME, BEA] }, null],
    ['no picker (no organization) sends nothing', {}, null],
    ['everyone picked: collective', { hostsMode: 'all', hostSubs: [ME, BEA] }, { members: [{ sub: ME }, { sub: BEA }], required: 'all' }],
    ['any one of them: round robin', { hostsMode: 'one', hostSubs: [BEA, CY] }, { members: [{ sub: BEA }, { sub: CY }], required: 1 }],
    ['only me ticked is just me', { hostsMode: 'all', hostSubs: [ME] }, null],
    ['duplicates collapse', { hostsMode: 'all', hostSubs: [ME, BEA, BEA] }, { members: [{ sub: ME }, { sub: BEA }], required: 'all' }],
  ];
  for (const [what, over, expected] of table) {
    it(what, () => {
      const errors = [];
      assert.deepEqual(buildHosts({ me: ME, ...over }, (id, m) => errors.push([id, m])), expected);
      assert.deepEqual(errors, []);
    });
  }
  for (const [what, over] of [['nobody ticked', { hostsMode: 'all', hostSubs: [] }], ['an unknown mode', { hostsMode: 'some', hostSubs: [ME] }]]) {
    it(`${what} is an error on #hosts-mode`, () => {
      const r = buildLinkRequest(values(over), null, NOW);
      assert.equal(r.ok, false);
      assert.deepEqual(Object.keys(r.errors), ['hosts-mode']);
    });
  }
  it('travels in the link request with the place', () => {
    const r = buildLinkRequest(values({ hostsMode: 'all', hostSubs: [ME, BEA], placeType: 'in_person', placeDetail: '1 Main St' }), null, NOW);
    assert.deepEqual(r.payload.hosts, { members: [{ sub: ME }, { sub: BEA }], required: 'all' });
    assert.deepEqual(r.payload.place, { type: 'in_person', address: '1 Main St' });
  });
  it('server errors on hosts and on the place land on their fields', () => {
    const { byInput, other } = fieldErrorsByInput({ 'hosts.members.1.sub': ['No account'], 'hosts.required': ['bad'], 'place.number': ['bad number'], 'hosts.members.x': ['odd'] });
    assert.deepEqual(byInput, { 'hosts-mode': ['No account', 'bad'], 'place-number': ['bad number'] });
    assert.deepEqual(other, ['hosts.members.x: odd']);
  });
});

describe('moreSummary: what the closed "More options" holds', () => {
  it('names the place, team, days and uses', () => {
    assert.equal(moreSummary(values()), 'Video call · 14 days · 1 use');
    assert.equal(moreSummary(values({ placeType: 'in_person', expiresDays: '1', maxUses: '3' })), 'In person · 1 day · 3 uses');
    assert.equal(moreSummary(values({ hostsMode: 'all', hostSubs: [ME, BEA] })), 'Video call · 2 hosts, all attend · 14 days · 1 use');
    assert.equal(moreSummary(values({ hostsMode: 'one', hostSubs: [BEA, CY, ME] })), 'Video call · 3 hosts, round robin · 14 days · 1 use');
  });
});

describe('createLink and getTeam messages', () => {
  const popup = { id: 'x'.repeat(32), url: `chrome-extension://${'x'.repeat(32)}/popup/popup.html` };
  const route = () => {
    const seen = [];
    const handlers = Object.fromEntries(Object.keys(MESSAGES).map((t) => [t, async (p) => { seen.push(p); return {}; }]));
    return { seen, route: createRouter({ runtimeId: popup.id, extensionOrigin: `chrome-extension://${popup.id}/`, handlers, describeError }) };
  };
  const base = { contact: { email: 'ada@example.com' } };
  const good = [
    ['collective hosts', { hosts: { members: [{ sub: ME }, { sub: BEA }], required: 'all' } }],
    ['round robin hosts', { hosts: { members: [{ sub: BEA }], required: 1 } }],
    ['pre-filled answers', { contact: { email: 'ada@example.com', answers: { company: 'Acme', q2: 'Yes' } } }],
    ['getTeam', null],
  ];
  for (const [what, over] of good) {
    it(`accepts ${what}`, async () => {
      const { route: r } = route();
      const message = over === null ? { type: 'getTeam', payload: {} } : { type: 'createLink', payload: { ...base, ...over } };
      assert.equal((await r(message, popup)).ok, true);
    });
  }
  const bad = [
    ['required 2', { hosts: { members: [{ sub: ME }], required: 2 } }],
    ['required "1"', { hosts: { members: [{ sub: ME }], required: '1' } }],
    ['no members', { hosts: { members: [], required: 'all' } }],
    ['members not a list', { hosts: { members: { 0: { sub: ME } }, required: 'all' } }],
    ['a sub that is no account id', { hosts: { members: [{ sub: '../../admin' }], required: 'all' } }],
    ['a member with extra keys', { hosts: { members: [{ sub: ME, role: 'admin' }], required: 'all' } }],
    ['51 members', { hosts: { members: Array.from({ length: 51 }, () => ({ sub: ME })), required: 'all' } }],
    ['an answer key in capitals', { contact: { email: 'a@example.com', answers: { Company: 'Acme' } } }],
    ['an answer that is not text', { contact: { email: 'a@example.com', answers: { company: 3 } } }],
    ['21 answers', { contact: { email: 'a@example.com', answers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) } }],
    ['getTeam with a payload', 'getTeam'],
  ];
  for (const [what, over] of bad) {
    it(`rejects ${what}`, async () => {
      const { route: r, seen } = route();
      const message = over === 'getTeam' ? { type: 'getTeam', payload: { sub: ME } } : { type: 'createLink', payload: { ...base, ...over } };
      const answer = await r(message, popup);
      assert.equal(answer.ok, false);
      assert.equal(answer.error.code, 'bad_payload');
      assert.equal(seen.length, 0);
    });
  }
});

describe('the API client: organization and answers', () => {
  const client = (fetch) => createApiClient({ fetch, baseUrl: 'http://127.0.0.1:5000', apiKey: 'sk_test_0123456789abcdef' });
  const ORG = { organization: { organization_id: 'org_1', name: 'Analytical Engines', members: [
    { sub: ME, name: 'Grace', email: 'grace@example.com', role: 'admin' },
    { sub: BEA, name: 'Bea\u202e', email: 'bea@example.com', role: 'owner' },
    { sub: '<img>', name: 'x', email: 'x@example.com', role: 'member' },
  ] } };
  it('cleans the organization: bounded text, known roles, only account ids', () => {
    assert.deepEqual(cleanOrganization(ORG), { name: 'Analytical Engines', members: [
      { sub: ME, name: 'Grace', email: 'grace@example.com', role: 'admin' },
      { sub: BEA, name: 'Bea', email: 'bea@example.com', role: 'member' },
    ] });
    assert.throws(() => cleanOrganization({ organization: { name: 'x' } }), ApiError);
  });
  it('is null without an organization (404), an error otherwise', async () => {
    assert.equal(await client(fakeFetch(() => json(404, { error: 'not_found', message: 'no organization' }))).organization(), null);
    await assert.rejects(client(fakeFetch(() => json(500, {}))).organization(), ApiError);
  });
  it('keeps well-formed pre-filled answers on a contact', () => {
    assert.deepEqual(cleanAnswers({ company: ' Acme ', 'Bad Key': 'x', empty: '', n: 3 }), { company: 'Acme' });
    assert.equal(cleanAnswers(['x']), null);
    assert.deepEqual(cleanContact({ email: 'a@example.com', answers: { q1: 'yes' } }).answers, { q1: 'yes' });
    assert.equal('answers' in cleanContact({ email: 'a@example.com', answers: {} }), false);
  });
});

describe('service worker: getTeam and createLink', () => {
  const configured = { backendUrl: 'http://127.0.0.1:5000', apiKey: 'sk_test_0123456789abcdef' };
  const backend = (routes) => fakeFetch((call) => {
    const route = routes[`${call.method} ${new URL(call.url).pathname}`];
    return route ? route(call) : json(404, { error: 'not_found', message: 'no route' });
  });
  it('getTeam answers the user and the organization (or null)', async () => {
    const b = await fakeBrowser({ stored: configured });
    const userinfo = () => json(200, { sub: ME, name: 'Grace', email: 'grace@example.com', tzid: 'UTC' });
    const withOrg = backend({ 'GET /v1/userinfo': userinfo, 'GET /v1/organization': () => json(200, { organization: { name: 'AE', members: [{ sub: ME, name: 'Grace', email: 'g@example.com', role: 'admin' }] } }) });
    const r = await createService({ browser: b.api, fetch: withOrg }).handlers.getTeam({});
    assert.deepEqual(r, { me: { sub: ME, name: 'Grace' }, organization: { name: 'AE', members: [{ sub: ME, name: 'Grace', email: 'g@example.com', role: 'admin' }] } });
    const alone = await createService({ browser: b.api, fetch: backend({ 'GET /v1/userinfo': userinfo }) }).handlers.getTeam({});
    assert.equal(alone.organization, null);
  });
  it('createLink sends hosts, place and the page\'s answers to the server', async () => {
    const b = await fakeBrowser({ stored: configured });
    const link = { id: 'sl_1', url: 'http://127.0.0.1:5000/b/t', status: 'open', summary: 'Panel', duration_minutes: 45 };
    const fetch = backend({ 'POST /v1/scheduling_links': () => json(201, { scheduling_link: link }) });
    const hosts = { members: [{ sub: ME }, { sub: BEA }], required: 'all' };
    await createService({ browser: b.api, fetch }).handlers.createLink({
      contact: { email: 'ada@example.com', answers: { company: 'Acme' } }, place: { type: 'video' }, hosts,
    });
    assert.deepEqual(fetch.calls[0].body, { contact: { email: 'ada@example.com', answers: { company: 'Acme' } }, place: { type: 'video' }, hosts });
  });
});

// The official Node SDK (npm `cronofy`, pinned in package.json) against a live schedlink:
// the base URL is the only change a user makes (`client.urls.api`). Prints one JSON object
// with what each call answered; tests/sdk/test_node_sdk.py checks it.
'use strict';

const Cronofy = require('cronofy');

const { SCHEDLINK_URL, SCHEDLINK_KEY, SCHEDLINK_SUB } = process.env;
const client = new Cronofy({ access_token: SCHEDLINK_KEY, client_secret: SCHEDLINK_KEY });
client.urls.api = SCHEDLINK_URL;

const MONDAY = '2030-01-07';
const at = (hour) => `${MONDAY}T${String(hour).padStart(2, '0')}:00:00Z`;

async function settle (promise) {
  try {
    return { ok: await promise };
  } catch (err) {
    return { status: err.statusCode, error: err.error ? err.error.entity : String(err) };
  }
}

async function main () {
  const out = {};
  out.account = await settle(client.accountInformation());
  out.userinfo = await settle(client.userInfo());
  out.profiles = await settle(client.profileInformation());
  const calendars = (await client.listCalendars()).calendars;
  const calendar = calendars[0].calendar_id;
  for (let i = 0; i < 7; i++) {
    await client.createEvent({
      calendar_id: calendar, event_id: `n${i}`, summary: `n${i}`, start: at(9 + i), end: at(10 + i), tzid: 'Etc/UTC'
    });
  }
  const first = await client.freeBusy({ from: '2030-01-06', to: '2030-01-09', tzid: 'Etc/UTC' });
  const blocks = [...first.free_busy];
  let pages = first.pages;
  while (pages.next_page) {
    const next = await client.freeBusy({ next_page: pages.next_page });
    blocks.push(...next.free_busy);
    pages = next.pages;
  }
  out.free_busy = { pages: first.pages.total, blocks };

  out.rule = await settle(client.upsertAvailabilityRule({
    availability_rule_id: 'interviews',
    tzid: 'Etc/UTC',
    calendar_ids: [calendar],
    weekly_periods: [{ day: 'monday', start_time: '18:00', end_time: '20:00' }]
  }));
  out.rules = await settle(client.listAvailabilityRules());
  out.read_rule = await settle(client.readAvailabilityRule({ availability_rule_id: 'interviews' }));
  out.period = await settle(client.upsertAvailablePeriod({
    available_period_id: 'saturday', start: '2030-01-12T10:00:00Z', end: '2030-01-12T12:00:00Z'
  }));
  out.periods = await settle(client.listAvailablePeriods({ from: '2030-01-06', to: '2030-01-14', tzid: 'Etc/UTC' }));
  out.slots = await settle(client.availability({
    participants: [{ members: [{ sub: SCHEDLINK_SUB, availability_rule_ids: ['interviews'] }], required: 'all' }],
    required_duration: { minutes: 60 },
    query_slots: [{ start: at(18) }, { start: at(9) }],
    response_format: 'slots'
  }));
  out.weekend = await settle(client.availability({
    participants: [{ members: [{ sub: SCHEDLINK_SUB }], required: 'all' }],
    required_duration: { minutes: 60 },
    query_periods: [{ start: '2030-01-12T00:00:00Z', end: '2030-01-13T00:00:00Z' }]
  }));
  out.delete_period = await settle(client.deleteAvailablePeriods({ available_period_id: 'saturday' }));
  out.periods_after = await settle(client.listAvailablePeriods({}));
  out.delete_rule = await settle(client.deleteAvailabilityRule({ availability_rule_id: 'interviews' }));
  out.rules_after = await settle(client.listAvailabilityRules());

  const profileId = out.profiles.ok.profiles[0].profile_id;
  out.create_calendar = await settle(client.createCalendar({ profile_id: profileId, name: 'Node' }));
  out.duplicate_calendar = await settle(client.createCalendar({ profile_id: profileId, name: 'Node' }));
  out.batch = await settle(client.batch({
    batch: [
      { method: 'POST', relative_url: `/v1/calendars/${calendar}/events`, data: { event_id: 'nb', summary: 'nb', start: at(20), end: at(21) } },
      { method: 'DELETE', relative_url: `/v1/calendars/${calendar}/events`, data: { event_id: 'n0' } },
      { method: 'GET', relative_url: '/v1/account' }
    ]
  }));
  out.bulk_delete = await settle(client.bulkDeleteEvents({ delete_all: true }));
  out.events_after = await settle(client.readEvents({ from: '2030-01-06', to: '2030-01-09', tzid: 'Etc/UTC' }));
  out.conferencing = await settle(client.conferencingServiceAuthorizations({ redirect_uri: 'https://app.example/back' }));
  const anonymous = new Cronofy({ access_token: 'not-a-key' });
  anonymous.urls.api = SCHEDLINK_URL;
  out.unauthorized = await settle(anonymous.accountInformation());
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});

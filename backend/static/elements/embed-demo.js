// The demo host page (/demo/embed): one of each element, options from the page's data.
// The bundle's exact-version URL comes from the page, where its modulepreload carries the SRI.
const data = document.getElementById('embed-demo').dataset;
const { AvailabilityRules, AvailabilityViewer, SlotPicker } = await import(data.bundle);
const output = document.getElementById('last-notification');
const start = new Date(Date.now() + 3600e3);
start.setUTCMinutes(0, 0, 0);
const end = new Date(start.getTime() + 13 * 86400e3);
const query = {
  participants: [{ required: 'all', members: [{ sub: data.sub }] }],
  required_duration: { minutes: 30 },
  query_periods: [{ start: start.toISOString().replace('.000Z', 'Z'), end: end.toISOString().replace('.000Z', 'Z') }],
};
const common = {
  element_token: data.token,
  api_domain: data.api,
  callback: ({ notification }) => { output.textContent = JSON.stringify(notification); },
};
SlotPicker({ ...common, target_id: 'slot-picker', availability_query: query, config: { mode: 'confirm' } });
AvailabilityViewer({ ...common, target_id: 'availability-viewer', availability_query: query,
  config: { start_time: '08:00', end_time: '18:00', interval: 30, mode: 'multi_select' } });
AvailabilityRules({ ...common, target_id: 'availability-rules' });

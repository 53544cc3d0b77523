// The toolbar popup: detect contacts on the active tab (through the service
// worker), let the user pick or type one, create the link, copy it.
//
// Every value from the page or the backend is put into the DOM as text.
// body[data-detect] = pending|done|failed and body[data-link] =
// ''|creating|created|failed tell tests when the popup is ready.

import { browserApi as browser } from '../lib/browser.js';
import {
  buildLinkRequest,
  contactLabel,
  DEFAULTS,
  fieldErrorsByInput,
  formFromContact,
  moreSummary,
} from '../lib/form.js';
import { detectionStatus } from '../lib/detection-status.js';
import { composeMessage } from '../lib/message-text.js';
import { clear, copyText, el, send, setFieldError } from '../lib/ui.js';
import { questionEditor } from './questions.js';

const $ = (id) => document.getElementById(id);
const MORE_IDS = ['place-type', 'place-detail', 'place-number', 'expires-days', 'max-uses', 'max-guests', 'hosts-mode'];
const FIXED_IDS = ['name', 'email', 'summary', 'duration', ...MORE_IDS];
// Every input that can carry an error, in the order the popup shows them (the question
// rows come and go). An error inside "More options" opens it.
const inputIds = () => [...FIXED_IDS, ...questions.inputIds()];

const questions = questionEditor({ list: $('question-list'), add: $('add-question'), onChange: () => updateMoreSummary() });

const state = {
  tabId: null,
  contacts: [],
  chosen: null, // the detected contact the form started from, or null
  link: null,
  site: null,
  created: 0, // links made in this popup: after the first, the button says "Create another"
  serverProblem: null, // why the server can't be used (down, key refused), kept until it works
  me: null, // the user's sub, once GET /v1/userinfo answered
};

// Short words for the status line; the error box below says the rest and how to fix it.
const PROBLEM_STATUS = {
  unreachable: "Can't reach the schedlink server.",
  timeout: 'The schedlink server did not answer.',
  unauthorized: 'The server refused the API key.',
  not_configured: 'schedlink is not set up yet.',
  bad_response: 'That address does not answer like a schedlink server.',
  redirect: 'The server address in Options redirects elsewhere.',
};

function setStatus(text) {
  $('status').textContent = text;
}

/** Show an error in #error; `optionsHint` adds a button that opens Options. */
function showError(err) {
  const box = $('error');
  clear(box);
  if (!err) {
    box.hidden = true;
    return;
  }
  // "… in Options." links there: the word itself opens the options page.
  const at = err.optionsHint ? err.message.lastIndexOf('Options') : -1;
  box.append(
    at < 0
      ? el('p', { text: err.message })
      : el('p', {}, [err.message.slice(0, at), optionsLink('Options'), err.message.slice(at + 'Options'.length)]),
  );
  if (err.other?.length) box.append(el('ul', {}, err.other.map((t) => el('li', { text: t }))));
  if (err.optionsHint && at < 0) {
    box.append(
      el('button', {
        type: 'button',
        id: 'error-options',
        className: 'link-button',
        text: 'Open Options',
        on: { click: () => browser.runtime.openOptionsPage() },
      }),
    );
  }
  box.hidden = false;
}

/** A link to the options page (opened the browser's way: a tab in Chrome, about:addons in Firefox). */
function optionsLink(text) {
  return el('a', {
    id: 'error-options',
    href: browser.runtime.getURL('options/options.html'),
    text,
    attrs: { target: '_blank' },
    on: {
      click: (event) => {
        event.preventDefault();
        browser.runtime.openOptionsPage();
      },
    },
  });
}

function clearFieldErrors() {
  for (const id of inputIds()) setFieldError($(id), null);
}

function fillForm(contact) {
  const v = formFromContact(contact);
  $('name').value = v.name;
  $('email').value = v.email;
  $('summary').value = v.summary;
  $('duration').value = v.duration;
}

function choose(index) {
  state.chosen = index === null ? null : state.contacts[index];
  fillForm(state.chosen);
  clearFieldErrors();
}

function renderContacts() {
  const list = $('contact-list');
  clear(list);
  if (state.contacts.length === 0) {
    $('contacts-box').hidden = true;
    return;
  }
  const option = (id, value, primary, secondary, checked) =>
    el('div', { className: 'contact' }, [
      el('input', {
        type: 'radio',
        name: 'contact',
        id,
        value,
        checked,
        on: { change: () => choose(value === 'manual' ? null : Number(value)) },
      }),
      el('label', { htmlFor: id }, [
        el('span', { className: 'primary', text: primary }),
        secondary ? el('span', { className: 'secondary', text: secondary }) : null,
      ]),
    ]);
  state.contacts.forEach((c, i) => {
    const { primary, secondary } = contactLabel(c);
    list.append(option(`contact-${i}`, String(i), primary, secondary, i === 0));
  });
  list.append(option('contact-manual', 'manual', 'Someone else', 'type the name and e-mail below', false));
  $('contacts-box').hidden = false;
}

async function resolveTabId() {
  const param = new URLSearchParams(location.search).get('tab');
  if (param !== null && /^\d+$/.test(param)) return Number(param);
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return Number.isSafeInteger(tab?.id) ? tab.id : null;
}

async function detect() {
  document.body.dataset.detect = 'pending';
  try {
    state.tabId = await resolveTabId();
    if (state.tabId === null) throw new Error('No active tab to look at. Type the contact in below.');
    const result = await send('detect', { tabId: state.tabId });
    state.contacts = result.contacts;
    state.site = result.site;
    renderContacts();
    choose(state.contacts.length > 0 ? 0 : null);
    setStatus(
      detectionStatus({
        contacts: state.contacts.length,
        candidates: result.candidates,
        unreadableFrames: result.unreadableFrames,
      }),
    );
    if (result.warnings?.length) showError({ message: 'The server noted:', other: result.warnings });
    $('badge-site-link').hidden = !state.site;
    document.body.dataset.detect = 'done';
    const first = state.contacts.length ? $('contact-0') : $('name');
    first.focus();
  } catch (err) {
    if (PROBLEM_STATUS[err.code]) state.serverProblem = err;
    setStatus(PROBLEM_STATUS[err.code] || '');
    showError(err);
    document.body.dataset.detect = 'failed';
    $('name').focus();
  }
}

function formValues() {
  return {
    name: $('name').value,
    email: $('email').value,
    summary: $('summary').value,
    duration: $('duration').value,
    expiresDays: $('expires-days').value,
    maxUses: $('max-uses').value,
    placeType: $('place-type').value,
    placeDetail: $('place-detail').value,
    placeNumber: $('place-number').value,
    maxGuests: $('max-guests').value,
    questions: questions.rows,
    hostsMode: $('hosts-field').hidden ? 'me' : $('hosts-mode').value,
    hostSubs: [...document.querySelectorAll('#host-list input:checked')].map((i) => i.value),
    me: state.me,
  };
}

function showFieldErrors(byInput) {
  let first = null;
  for (const id of inputIds()) {
    setFieldError($(id), byInput[id]);
    if (byInput[id] && !first) first = $(id);
  }
  if (first && $('more').contains(first)) $('more').open = true;
  first?.focus();
}

/**
 * The place's second field only where the place needs one (an address, a description,
 * the number the invitee calls). A hidden field keeps what was typed in it.
 */
function updatePlace() {
  const type = $('place-type').value;
  const needs = type === 'in_person' || type === 'custom';
  const calls = type === 'phone_invitee';
  $('place-detail-field').hidden = !needs;
  $('place-detail-label').textContent = type === 'custom' ? 'Details' : 'Address';
  $('place-detail').placeholder = type === 'custom' ? 'e.g. Room 3, 2nd floor' : 'Street, town';
  $('place-number-field').hidden = !calls;
  if (!needs) setFieldError($('place-detail'), null);
  if (!calls) setFieldError($('place-number'), null);
  updateMoreSummary();
}

function updateHosts() {
  $('host-members').hidden = $('hosts-mode').value === 'me';
  updateMoreSummary();
}

/** What was just opened comes into view (the open options run past Chrome's 600 px popup). */
function reveal(node) {
  if (!node.hidden) node.scrollIntoView({ block: 'nearest' });
}

function updateMoreSummary() {
  $('more-summary').textContent = moreSummary(formValues());
}

/** With an organization, the host picker: the user first (ticked), then the team. */
async function loadTeam() {
  let team;
  try {
    team = await send('getTeam');
  } catch {
    return; // detection reports a server problem; the link can still be made for the user alone
  }
  state.me = team.me?.sub ?? null;
  const members = team.organization?.members ?? [];
  if (!state.me || members.length < 2) return;
  const ordered = [
    ...members.filter((m) => m.sub === state.me),
    ...members.filter((m) => m.sub !== state.me),
  ];
  const list = $('host-list');
  clear(list);
  ordered.forEach((m, i) => {
    const id = `host-${i}`;
    const mine = m.sub === state.me;
    list.append(
      el('div', { className: 'host' }, [
        el('input', { type: 'checkbox', id, value: m.sub, checked: mine, on: { change: updateMoreSummary } }),
        // The address in the tooltip: names keep a small team on one line.
        el('label', { htmlFor: id, title: m.email || '' }, [
          mine ? `You (${m.name || m.email || 'me'})` : m.name || m.email || m.sub,
        ]),
      ]),
    );
  });
  $('host-members').querySelector('legend').textContent = team.organization.name
    ? `Members of ${team.organization.name}`
    : 'Team members';
  $('hosts-field').hidden = false;
  document.body.dataset.team = 'yes';
  updateHosts();
}

async function createLink(event) {
  event.preventDefault();
  if (document.body.dataset.link === 'creating') return;
  clearFieldErrors();
  const built = buildLinkRequest(formValues(), state.chosen, Date.now());
  if (!built.ok) {
    showFieldErrors(built.errors);
    // A known server problem stays in view: fixing the fields alone won't be enough.
    setStatus(state.serverProblem
      ? `Please fix the marked fields. ${PROBLEM_STATUS[state.serverProblem.code]}`
      : 'Please fix the marked fields.');
    return;
  }
  showError(null);
  document.body.dataset.link = 'creating';
  $('create').disabled = true;
  setStatus(state.created ? 'Creating another link…' : 'Creating the link…');
  try {
    const { link } = await send('createLink', built.payload);
    state.link = { ...link, requested: built.payload };
    state.serverProblem = null;
    state.created += 1;
    $('link-url').value = link.url;
    const who = built.payload.contact.name || built.payload.contact.email;
    const hosts = built.payload.hosts;
    const team = hosts ? ` · ${hosts.members.length} hosts, ${hosts.required === 'all' ? 'all attend' : 'round robin'}` : '';
    $('link-for').textContent = `For ${who} · ${link.summary} · ${link.duration_minutes} min${team}`;
    $('result-heading').textContent = state.created > 1 ? `One-time link (${state.created} made)` : 'One-time link';
    $('link-box').hidden = false;
    $('qr').hidden = true;
    $('create').textContent = 'Create another';
    document.body.dataset.link = 'created';
    const copied = await copyText(link.url, $('link-url'));
    const made = state.created > 1 ? 'Another link created' : 'Link created';
    setStatus(copied ? `${made} and copied to the clipboard.` : `${made}. Press Copy to copy it.`);
    window.scrollTo(0, 0);
    $('link-url').focus();
    $('link-url').select();
    loadQr(link.id);
  } catch (err) {
    document.body.dataset.link = 'failed';
    if (PROBLEM_STATUS[err.code]) state.serverProblem = err;
    setStatus(PROBLEM_STATUS[err.code] || 'The link was not created.');
    if (err.fields) {
      const { byInput, other } = fieldErrorsByInput(err.fields, built.questionRows);
      showFieldErrors(byInput);
      showError({ message: err.message, other });
    } else {
      showError(err);
    }
  } finally {
    $('create').disabled = false;
  }
}

async function loadQr(id) {
  try {
    const { dataUrl } = await send('getQr', { id });
    if (typeof dataUrl === 'string' && dataUrl.startsWith('data:image/svg+xml;base64,')) {
      $('qr').src = dataUrl;
      $('qr').hidden = false;
    }
  } catch {
    // The link works without its QR code; say nothing louder than that.
    $('qr').hidden = true;
  }
}

async function copyLink() {
  if (!state.link) return;
  const ok = await copyText(state.link.url, $('link-url'));
  setStatus(ok ? 'Link copied.' : 'Copy failed: select the link and copy it by hand.');
}

async function copyMessage() {
  if (!state.link) return;
  const text = composeMessage({
    name: state.link.requested.contact.name || state.link.contact?.name,
    summary: state.link.summary || state.link.requested.summary || DEFAULTS.summary,
    duration: state.link.duration_minutes || state.link.requested.duration_minutes,
    url: state.link.url,
  });
  const ok = await copyText(text);
  setStatus(ok ? 'Message copied.' : 'Copy failed.');
}

function openBadgeOptions() {
  const url = new URL(browser.runtime.getURL('options/options.html'));
  if (state.site) url.searchParams.set('site', state.site);
  browser.tabs.create({ url: url.href });
}

$('link-form').addEventListener('submit', createLink);
$('copy').addEventListener('click', copyLink);
$('copy-message').addEventListener('click', copyMessage);
$('open-options').addEventListener('click', () => browser.runtime.openOptionsPage());
$('badge-site-link').addEventListener('click', openBadgeOptions);
for (const id of FIXED_IDS) $(id).addEventListener('input', () => setFieldError($(id), null));
$('place-type').addEventListener('change', updatePlace);
$('more').addEventListener('toggle', () => {
  if ($('more').open) reveal($('create')); // the options and Create under them
});
$('hosts-mode').addEventListener('change', () => {
  setFieldError($('hosts-mode'), null);
  updateHosts();
  reveal($('host-members'));
});
for (const id of ['expires-days', 'max-uses', 'max-guests']) $(id).addEventListener('input', updateMoreSummary);

document.body.dataset.team = 'pending';
updatePlace();
detect();
loadTeam().finally(() => {
  if (document.body.dataset.team === 'pending') document.body.dataset.team = 'no';
});

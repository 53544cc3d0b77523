// Options: creating an account and connecting this browser (no key to copy), the server
// URL and API key (stored by the service worker), a connection test, and the sites where
// the toolbar shows a contact count.
//
// permissions.request() must run inside the click/submit handler before any
// await (Firefox only honours it while the user gesture is being handled), so
// the match patterns are computed synchronously with lib/url.js first.
//
// body[data-ready] = yes once the saved settings are shown; body[data-saved] = checked,
// failed (saved, but the key or server did not answer) or error after Save.

import { browserApi as browser } from '../lib/browser.js';
import { normalizeBackendUrl, originPattern, sitePattern } from '../lib/url.js';
import { clear, el, isFirefox, send, setFieldError } from '../lib/ui.js';

const $ = (id) => document.getElementById(id);

function say(id, text, isError = false) {
  const node = $(id);
  node.textContent = text;
  node.classList.toggle('error', isError);
}

function showError(id, err) {
  say(id, err.message, true);
  if (err.fields?.backendUrl) setFieldError($('backend-url'), err.fields.backendUrl);
  if (err.fields?.apiKey) setFieldError($('api-key'), err.fields.apiKey);
}

function showSettings(view) {
  $('backend-url').value = view.backendUrl;
  $('backend-url').placeholder = view.defaultBackendUrl;
  $('api-key').value = '';
  $('api-key').placeholder = view.apiKeySet ? `saved (${view.apiKeyHint}); type to replace` : 'paste your API key';
  $('clear-key').disabled = !view.apiKeySet;
  renderBadgeSites(view.badgeSites);
}

function renderBadgeSites(sites) {
  const list = $('badge-sites');
  clear(list);
  if (!sites.length) {
    list.append(el('li', { className: 'empty', text: 'None yet.' }));
    return;
  }
  for (const pattern of sites) {
    const label = pattern.replace(/\/\*$/, '');
    list.append(
      el('li', {}, [
        el('span', { className: 'site', text: label }),
        el('button', {
          type: 'button',
          className: 'revoke',
          text: 'Revoke',
          attrs: { 'aria-label': `Revoke ${label}` },
          dataset: { pattern },
          on: { click: () => revokeSite(pattern) },
        }),
      ]),
    );
  }
}

/** Host permission for the backend: needed in Firefox, a fallback elsewhere. */
function requestBackendAccess(pattern) {
  return browser.permissions.request({ origins: [pattern] }).catch(() => false);
}

function showGrantOffer(pattern) {
  $('grant-backend-text').textContent =
    `If the server does not allow this extension by CORS, the browser blocks its answers. Allowing access to ${pattern.replace(/\/\*$/, '')} lets them through.`;
  $('grant-backend').dataset.pattern = pattern;
  $('grant-backend-box').hidden = false;
}

async function save(event) {
  event.preventDefault();
  setFieldError($('backend-url'), null);
  setFieldError($('api-key'), null);
  const typedUrl = $('backend-url').value;
  // Synchronous part: ask for the host permission inside the user gesture.
  let permission = null;
  let pattern = null;
  try {
    pattern = originPattern(normalizeBackendUrl(typedUrl).url);
    if (isFirefox()) permission = requestBackendAccess(pattern);
  } catch {
    pattern = null; // the service worker reports the URL problem below
  }
  say('result', 'Saving and checking the key…');
  try {
    const view = await send('saveSettings', { backendUrl: typedUrl, apiKey: $('api-key').value });
    showSettings(view);
    const notes = ['Saved.'];
    if (view.warning) notes.push(view.warning);
    const granted = permission ? (await permission) !== false : true;
    // A saved key is tried at once (GET /v1/userinfo), so a wrong one is said here, not
    // first in the popup.
    let failed = null;
    if (view.apiKeySet) {
      try {
        notes.push(connectedAs((await send('testConnection', {})).userinfo));
      } catch (err) {
        failed = err;
      }
    }
    if (!granted) {
      notes.push('Access to the server was not granted, so Firefox may block its answers; use "Allow access" below.');
      showGrantOffer(pattern);
    }
    if (failed) {
      notes[0] = 'Saved, but the check failed:';
      // This page is Options: its messages' "in Options" points here.
      notes.splice(1, 0, failed.code === 'unauthorized' ? 'The server refused this API key (401).' : failed.message.replaceAll(' in Options', ' above'));
      if (failed.code === 'unauthorized') setFieldError($('api-key'), ['The server refused this key. Paste it again, or create a new one.']);
      if (failed.code === 'unreachable' && pattern) showGrantOffer(pattern);
    }
    say('result', notes.join(' '), Boolean(failed));
    document.body.dataset.saved = failed ? 'failed' : 'checked';
  } catch (err) {
    showError('result', err);
    document.body.dataset.saved = 'error';
  }
}

function connectedAs(userinfo) {
  const who = [userinfo.name, userinfo.email ? `<${userinfo.email}>` : ''].filter(Boolean).join(' ');
  return `Connected as ${who || userinfo.sub}.`;
}

async function test() {
  say('result', 'Testing…');
  try {
    const { userinfo } = await send('testConnection', {
      backendUrl: $('backend-url').value,
      apiKey: $('api-key').value,
    });
    say('result', connectedAs(userinfo));
    $('grant-backend-box').hidden = true;
  } catch (err) {
    showError('result', err);
    if (err.code === 'unreachable') {
      try {
        showGrantOffer(originPattern(normalizeBackendUrl($('backend-url').value).url));
      } catch {
        // an invalid URL is already reported
      }
    }
  }
}

async function clearKey() {
  try {
    const view = await send('saveSettings', { backendUrl: $('backend-url').value, clearApiKey: true });
    showSettings(view);
    say('result', 'The API key was removed from this browser.');
  } catch (err) {
    showError('result', err);
  }
}

function grantBackend() {
  const pattern = $('grant-backend').dataset.pattern;
  if (!pattern) return;
  requestBackendAccess(pattern).then((granted) => {
    say('result', granted ? 'Access granted. Test the connection again.' : 'Access was not granted.', !granted);
    if (granted) $('grant-backend-box').hidden = true;
  });
}

// ---- account: create one, or connect this browser --------------------------------------

async function createAccount() {
  say('account-result', 'Asking the server…');
  try {
    const { open, url } = await send('getSignup', { backendUrl: $('backend-url').value });
    if (!open) {
      say('account-result', 'This server does not take sign-ups. Ask its administrator for an account or an invitation.');
      return;
    }
    await browser.tabs.create({ url });
    say('account-result', 'Create your account in the new tab, open the link we e-mail you, then come back and connect this browser.');
  } catch (err) {
    showError('account-result', err);
  }
}

let polling = null;

function stopPolling() {
  if (polling !== null) clearTimeout(polling);
  polling = null;
}

async function poll(intervalMs) {
  try {
    const answer = await send('connectPoll');
    if (answer.status === 'pending') {
      polling = setTimeout(() => poll(intervalMs), intervalMs);
      return;
    }
    stopPolling();
    $('connect-code-box').hidden = true;
    if (answer.status === 'connected') {
      showSettings(answer.settings);
      const who = [answer.who?.name, answer.who?.email ? `<${answer.who.email}>` : ''].filter(Boolean).join(' ');
      say('account-result', `Connected as ${who}. This browser has its own API key now.`);
    } else {
      say('account-result', 'The request expired or was already used. Click "Connect this browser" to start again.', true);
    }
  } catch (err) {
    stopPolling();
    showError('account-result', err);
  }
}

function connect() {
  stopPolling();
  const typedUrl = $('backend-url').value || $('backend-url').placeholder;
  let permission = null;
  try {
    // Inside the user gesture (Firefox): the server's host permission, as Save asks.
    if (isFirefox()) permission = requestBackendAccess(originPattern(normalizeBackendUrl(typedUrl).url));
  } catch {
    permission = null; // the service worker reports the URL problem
  }
  say('account-result', 'Opening your schedlink server…');
  Promise.resolve(permission)
    .then(() => send('connectStart', { backendUrl: typedUrl }))
    .then(({ userCode, interval }) => {
      $('connect-code').textContent = userCode;
      $('connect-code-box').hidden = false;
      say('account-result', 'Sign in in the new tab and approve. This page updates by itself.');
      polling = setTimeout(() => poll(interval * 1000), interval * 1000);
    })
    .catch((err) => showError('account-result', err));
}

function addSite(event) {
  event.preventDefault();
  setFieldError($('badge-site'), null);
  let pattern;
  try {
    pattern = sitePattern($('badge-site').value);
  } catch (err) {
    setFieldError($('badge-site'), [err.message]);
    return;
  }
  // Inside the user gesture, before any await.
  browser.permissions
    .request({ origins: [pattern] })
    .catch(() => false)
    .then(async (granted) => {
      if (!granted) {
        say('badge-result', 'Permission was not granted, so no count is shown on that site.', true);
        return;
      }
      const { badgeSites } = await send('addBadgeSite', { pattern });
      renderBadgeSites(badgeSites);
      $('badge-site').value = '';
      say('badge-result', `The toolbar now shows the contact count on ${pattern.replace(/\/\*$/, '')}.`);
    })
    .catch((err) => say('badge-result', err.message, true));
}

async function revokeSite(pattern) {
  try {
    const { badgeSites } = await send('removeBadgeSite', { pattern });
    renderBadgeSites(badgeSites);
    say('badge-result', `Revoked ${pattern.replace(/\/\*$/, '')}.`);
  } catch (err) {
    say('badge-result', err.message, true);
  }
}

async function init() {
  const site = new URLSearchParams(location.search).get('site');
  if (site) $('badge-site').value = site.replace(/\/\*$/, '');
  try {
    showSettings(await send('getSettings'));
  } catch (err) {
    showError('result', err);
  }
  document.body.dataset.ready = 'yes';
}

$('settings-form').addEventListener('submit', save);
$('test').addEventListener('click', test);
$('clear-key').addEventListener('click', clearKey);
$('grant-backend').addEventListener('click', grantBackend);
$('badge-form').addEventListener('submit', addSite);
$('connect').addEventListener('click', connect);
$('signup').addEventListener('click', createAccount);
browser.permissions.onRemoved?.addListener(() => send('getSettings').then((v) => renderBadgeSites(v.badgeSites), () => {}));

init();

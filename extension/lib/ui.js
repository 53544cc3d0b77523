// Small helpers shared by the popup and options page.
//
// Untrusted values (from pages and from the backend) only ever reach the DOM
// as text: el() sets textContent / attributes / properties, never HTML.

import { browserApi as browser } from './browser.js';

/** An error answer from the service worker: {code, message, fields?, …}. */
export class WorkerError extends Error {
  constructor(error) {
    super(error?.message || 'Something went wrong.');
    this.name = 'WorkerError';
    this.code = error?.code || 'internal';
    this.fields = error?.fields || null;
    this.optionsHint = Boolean(error?.optionsHint);
    this.retryAfter = error?.retryAfter ?? null;
  }
}

/** Ask the service worker; resolves with its data or throws WorkerError. */
export async function send(type, payload = {}) {
  let answer;
  try {
    answer = await browser.runtime.sendMessage({ type, payload });
  } catch (err) {
    throw new WorkerError({ code: 'no_worker', message: `The extension's background worker did not answer (${err?.message || err}).` });
  }
  if (!answer || answer.ok !== true) throw new WorkerError(answer?.error);
  return answer.data;
}

/**
 * Create an element. `props`: className, id, text (textContent), attrs
 * (setAttribute), dataset, on (event listeners), and any other DOM property
 * such as type, value, checked, htmlFor, disabled.
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'attrs') for (const [a, v] of Object.entries(value)) node.setAttribute(a, String(v));
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'on') for (const [evt, fn] of Object.entries(value)) node.addEventListener(evt, fn);
    else node[key] = value;
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** Remove every child of `node`. */
export function clear(node) {
  node.replaceChildren();
}

/** Copy text to the clipboard; returns true on success. */
export async function copyText(text, fallbackInput = null) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Some contexts (an unfocused page, older Firefox) refuse the async API:
    // fall back to selecting a visible input and the legacy copy command.
    if (!fallbackInput) return false;
    try {
      fallbackInput.focus();
      fallbackInput.select();
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}

/** Show or clear the message under an input and mark the input invalid. */
export function setFieldError(input, messages) {
  const box = document.getElementById(`${input.id}-error`);
  const list = (messages || []).filter(Boolean);
  if (list.length) {
    input.setAttribute('aria-invalid', 'true');
    if (box) {
      box.textContent = list.join(' ');
      box.hidden = false;
    }
  } else {
    input.removeAttribute('aria-invalid');
    if (box) {
      box.textContent = '';
      box.hidden = true;
    }
  }
}

/** True in Firefox (its background page origin cannot be allow-listed by CORS). */
export function isFirefox() {
  return typeof browser.runtime.getBrowserInfo === 'function';
}

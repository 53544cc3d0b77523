// What the user reads when something fails. The service worker turns every
// failure into {code, message, status?, fields?, retryAfter?} with
// describeError(); the popup and options page show `message` (and the 422
// field messages) as text.

import { ApiError } from './api.js';
import { SettingsError } from './settings.js';
import { UrlError } from './url.js';

/** A failure whose message is meant for the user as it is. */
export class UserError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'UserError';
    this.code = code;
  }
}

function seconds(n) {
  return n === 1 ? '1 second' : `${n} seconds`;
}

function withServer(text, err) {
  return err.serverMessage ? `${text} The server said: ${err.serverMessage}` : text;
}

/**
 * @param {unknown} err
 * @param {{backendUrl?: string}} [ctx]
 * @returns {{code: string, message: string, status?: number,
 *   fields?: Object<string,string[]>, retryAfter?: number|null, optionsHint?: boolean}}
 */
export function describeError(err, ctx = {}) {
  if (err instanceof UrlError) {
    return { code: 'invalid_input', message: err.message, fields: { backendUrl: [err.message] } };
  }
  if (err instanceof SettingsError) {
    return { code: 'invalid_input', message: err.message, fields: { apiKey: [err.message] } };
  }
  if (err instanceof UserError) return { code: err.code, message: err.message };
  const backendUrl = ctx.backendUrl || (err instanceof ApiError ? err.backendUrl : '');
  const where = backendUrl ? ` at ${backendUrl}` : '';
  if (!(err instanceof ApiError)) {
    return { code: 'internal', message: 'Something went wrong inside the extension. Try again.' };
  }
  switch (err.kind) {
    case 'not_configured':
      return {
        code: 'not_configured',
        message: 'schedlink is not set up yet: enter the server URL and your API key in Options.',
        optionsHint: true,
      };
    case 'network':
      return {
        code: 'unreachable',
        message:
          `Can't reach the schedlink server${where}. Check that it is running and that the URL in Options is right. ` +
          '(In Firefox, or with a server the extension does not know, allow access to it in Options.)',
        optionsHint: true,
      };
    case 'timeout':
      return { code: 'timeout', message: `The schedlink server${where} did not answer in time. Try again.` };
    case 'redirect':
      return {
        code: 'redirect',
        message: 'The server answered with a redirect. Put its final address (often https://…) in Options.',
        optionsHint: true,
      };
    case 'bad_response':
      return {
        code: 'bad_response',
        message: `The answer from${where || ' the server'} was not understood. Is the URL in Options a schedlink server?`,
        optionsHint: true,
      };
    case 'page_unreadable':
      return {
        code: 'page_unreadable',
        message:
          err.serverMessage ||
          "This page can't be read by extensions (browser pages, extension stores and some viewers are off limits). Type the contact in below.",
      };
    default:
      break;
  }
  const status = err.status;
  const base = { code: err.code || `http_${status}`, status };
  switch (status) {
    case 400:
      return { ...base, message: withServer('The server rejected the request.', err) };
    case 401:
      return {
        ...base,
        code: 'unauthorized',
        message: 'The server refused the API key (401). Check the key in Options.',
        optionsHint: true,
      };
    case 403:
      return { ...base, message: withServer('This API key is not allowed to do that (403).', err) };
    case 404:
      return { ...base, message: withServer('Not found (404).', err) };
    case 409:
      return { ...base, message: withServer('That conflicts with the current state (409).', err) };
    case 410:
      return { ...base, message: withServer('That is no longer available (410).', err) };
    case 413:
      return {
        ...base,
        code: 'too_large',
        message: 'The contact markup on this page is too large for the server (413). Type the contact in instead.',
      };
    case 422: {
      const fields = err.fields || {};
      return {
        ...base,
        code: 'validation',
        message: Object.keys(fields).length ? 'Please fix the marked fields.' : withServer('The server did not accept the values.', err),
        fields,
      };
    }
    case 429:
      return {
        ...base,
        code: 'rate_limited',
        message:
          err.retryAfter != null
            ? `Too many requests. Try again in ${seconds(err.retryAfter)}.`
            : 'Too many requests. Try again in a moment.',
        retryAfter: err.retryAfter,
      };
    default:
      if (status >= 500) {
        return { ...base, message: `The schedlink server had a problem (${status}). Try again later.` };
      }
      return { ...base, message: withServer(`The server answered with an error (${status}).`, err) };
  }
}

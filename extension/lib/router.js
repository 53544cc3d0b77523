// The one message router of the service worker. Every runtime message goes
// through route(): sender check, type allow-list, size cap, payload schema,
// then the handler. Anything else is rejected with an error answer and the
// handler is never called.

import { MESSAGES, MAX_MESSAGE_BYTES, check } from './messages.js';

/** Rejections the router itself produces (handlers' failures use describeError). */
export class RejectedMessage extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'RejectedMessage';
    this.code = code;
  }
}

/**
 * What kind of context sent a message: 'extension' (one of our pages: popup,
 * options, also when opened in a tab), 'content' (a script running in a web
 * page's tab), or null (anything else, e.g. another extension).
 *
 * @param {object} sender runtime.MessageSender
 * @param {string} runtimeId runtime.id
 * @param {string} extensionOrigin runtime.getURL('') e.g. "chrome-extension://<id>/"
 */
export function senderKind(sender, runtimeId, extensionOrigin) {
  if (!sender || typeof sender !== 'object' || sender.id !== runtimeId || !runtimeId) return null;
  const url = typeof sender.url === 'string' ? sender.url : '';
  if (extensionOrigin && url.startsWith(extensionOrigin)) {
    // Chrome also reports the origin; when present it must agree.
    if (typeof sender.origin === 'string' && `${sender.origin}/` !== extensionOrigin) return null;
    return 'extension';
  }
  const tab = sender.tab;
  if (tab && Number.isSafeInteger(tab.id) && tab.id >= 0 && Number.isSafeInteger(sender.frameId)) {
    return 'content';
  }
  return null;
}

function byteLength(s) {
  return new TextEncoder().encode(s).length;
}

/**
 * @param {object} o
 * @param {string} o.runtimeId
 * @param {string} o.extensionOrigin
 * @param {Object<string, (payload: object, ctx: {sender: object, kind: string}) => Promise<object>>} o.handlers
 * @param {(err: unknown) => object} o.describeError maps a handler failure to {code, message, …}
 * @param {object} [o.vocabulary] defaults to MESSAGES
 * @param {number} [o.maxBytes]
 * @returns {(message: unknown, sender: object) => Promise<{ok: true, data: object} | {ok: false, error: object}>}
 */
export function createRouter({
  runtimeId,
  extensionOrigin,
  handlers,
  describeError,
  vocabulary = MESSAGES,
  maxBytes = MAX_MESSAGE_BYTES,
  log = () => {},
}) {
  for (const type of Object.keys(vocabulary)) {
    if (typeof handlers[type] !== 'function') throw new Error(`no handler for message type ${type}`);
  }

  function validate(message, sender) {
    const kind = senderKind(sender, runtimeId, extensionOrigin);
    if (kind === null) throw new RejectedMessage('forbidden_sender', 'Messages are accepted only from this extension.');
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      throw new RejectedMessage('bad_message', 'A message must be an object.');
    }
    const { type } = message;
    if (typeof type !== 'string' || !Object.hasOwn(vocabulary, type)) {
      throw new RejectedMessage('unknown_type', 'Unknown message type.');
    }
    for (const key of Object.keys(message)) {
      if (key !== 'type' && key !== 'payload') throw new RejectedMessage('bad_message', `Unexpected key ${key}.`);
    }
    let json;
    try {
      json = JSON.stringify(message);
    } catch {
      throw new RejectedMessage('bad_message', 'The message is not plain data.');
    }
    const limit = vocabulary[type].maxBytes ?? maxBytes;
    if (byteLength(json) > limit) throw new RejectedMessage('too_large', 'The message is too large.');
    const spec = vocabulary[type];
    if (spec.from !== kind) {
      throw new RejectedMessage('forbidden_sender', `${type} is not accepted from this context.`);
    }
    const payload = message.payload === undefined ? {} : message.payload;
    const problems = check(spec.payload, payload);
    if (problems.length) throw new RejectedMessage('bad_payload', problems.slice(0, 5).join('; '));
    return { type, payload, kind };
  }

  return async function route(message, sender) {
    let v;
    try {
      v = validate(message, sender);
    } catch (err) {
      log('rejected message', err.code, err.message);
      return { ok: false, error: { code: err.code, message: err.message } };
    }
    try {
      const data = await handlers[v.type](v.payload, { sender, kind: v.kind });
      return { ok: true, data: data ?? {} };
    } catch (err) {
      return { ok: false, error: describeError(err) };
    }
  };
}

// "Copy as message": a short, ready-to-send text with the link.

import { cleanText } from './api.js';
import { isHttpUrl } from './url.js';

const HONORIFICS = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'dame', 'herr', 'frau', 'mme', 'mlle']);

/**
 * The name to greet: the first given name. "Lovelace, Ada" → "Ada",
 * "Dr. Ada Lovelace" → "Ada", "" → "". Names come from web pages, so the
 * result is a single line without control or bidi characters.
 */
export function greetingName(fullName) {
  let name = cleanText(fullName, 200) || '';
  if (name.includes(',')) {
    const [last, rest] = name.split(',', 2);
    name = rest.trim() || last.trim();
  }
  const words = name.split(' ').filter(Boolean);
  while (words.length > 1 && HONORIFICS.has(words[0].replace(/\.$/, '').toLowerCase())) words.shift();
  return words[0] || '';
}

/**
 * "Hi Ada, please pick a time for Interview (45 min) here: https://…"
 * @param {{name?: string, summary?: string, duration?: number, url: string}} o
 */
export function composeMessage({ name, summary, duration, url }) {
  if (!isHttpUrl(url)) throw new TypeError('the link must be an http(s) URL');
  const who = greetingName(name);
  const what = cleanText(summary, 200) || 'a meeting';
  const mins = Number.isSafeInteger(duration) && duration > 0 ? ` (${duration} min)` : '';
  return `${who ? `Hi ${who},` : 'Hi,'} please pick a time for ${what}${mins} here: ${url}`;
}

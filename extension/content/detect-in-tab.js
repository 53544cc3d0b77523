// The content side of detection, run on click (and for badge sites on load).
//
// Nothing is registered in pages ahead of time: on each request the service
// worker injects lib/detect.js's findCandidates into the tab's top frame with
// scripting.executeScript({func}) (activeTab grant from the toolbar click, or
// a granted badge site), in the extension's isolated world. It runs fresh on
// every click, so markup a single-page app added after load is found. The
// function's return value comes back through executeScript, so the page gets
// no messaging channel to the extension, never sees the API key and makes no
// network request. Its result is untrusted (the renderer may be compromised)
// and re-validated here with sanitizeDetection().

import { ApiError } from '../lib/api.js';
import { DEFAULT_LIMITS, findCandidates, sanitizeDetection } from '../lib/detect.js';

/**
 * @param {object} scripting the scripting API namespace
 * @param {number} tabId
 * @returns {Promise<{candidates: {format: string, html: string}[], found: number, dropped: object, url: string|null}>}
 */
export async function detectInTab(scripting, tabId, limits = DEFAULT_LIMITS) {
  let results;
  try {
    results = await scripting.executeScript({
      target: { tabId },
      func: findCandidates,
      args: [null, { ...limits }],
    });
  } catch (err) {
    throw new ApiError({ kind: 'page_unreadable', code: String(err?.message || err).slice(0, 200) });
  }
  const first = Array.isArray(results) ? results[0] : null;
  if (!first || first.error !== undefined || first.result === undefined) {
    throw new ApiError({ kind: 'page_unreadable', code: 'no result from the page' });
  }
  try {
    return sanitizeDetection(first.result, limits);
  } catch (err) {
    throw new ApiError({ kind: 'page_unreadable', code: String(err?.message || err).slice(0, 200) });
  }
}

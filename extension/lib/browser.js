// The WebExtension namespace: `browser` in Firefox (and recent Chrome),
// `chrome` elsewhere. Both are promise-based in Manifest V3.
export const browserApi = globalThis.browser ?? globalThis.chrome;

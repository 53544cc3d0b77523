// The WebExtension namespace, for Chrome and Firefox from one source.
//
// Firefox provides `browser` (and a `chrome` alias); Chrome provides `chrome`
// (and, in recent versions, `browser` too). In Manifest V3 both namespaces
// return promises for every API this extension uses, so the code awaits calls
// and needs no callback wrappers or polyfill; `browser` is preferred where
// both exist, as Firefox documents it as the standard one.
//
// Other differences the code handles where they arise: Firefox runs
// background.js as an event page (background.scripts) rather than a service
// worker (lib/service.js keeps no state between events either way); host
// permissions are optional there and asked for at run time (options.js);
// storage.local.setAccessLevel is Chrome-only (service.restrictStorage);
// extension pages have a per-installation moz-extension://<uuid> origin.

/** `browser` where it exists, else `chrome`; undefined outside an extension. */
export function pickBrowserApi(scope = globalThis) {
  return scope.browser ?? scope.chrome;
}

export const browserApi = pickBrowserApi();

"""Real headless Firefox (Debian firefox-esr) with the extension, driven through Marionette,
Firefox's own remote protocol (PyPI marionette-driver; no geckodriver).

What differs from the Chromium harness (browser.py) and why:
- The add-on is installed as a *temporary* add-on from the Firefox package that
  `npm run package` builds (`Addons.install(path, temp=True)`), so it needs no signature
  (`xpinstall.signatures.required=false` in the profile's user.js).
- Firefox gives every installation a random `moz-extension://<uuid>` origin. The profile
  pre-sets it through the `extensions.webextensions.uuids` pref, so the server can be told the
  origin before the browser starts (`SCHEDLINK_CORS_ORIGINS`), and `extension_uuid()` reads it
  back from the pref in chrome context to prove the add-on really got it.
- The toolbar click is the browser action's own `triggerAction(window)` (the code path of
  the toolbar button and of the keyboard shortcut): the popup opens in its panel and the tab
  gets its activeTab grant. The popup runs in the extension process, which Marionette cannot
  switch into, so `FirefoxPopup.js` evaluates in the popup's window through a frame script on
  the popup browser's message manager (a sandbox over the page, as Marionette does for
  content) — the counterpart of CDP's Runtime.evaluate in the Chromium harness.
- Permission prompts (permissions.request for an optional host permission) are doorhangers;
  `answer_permission_prompt` reads and answers one in chrome context, as a person would.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from journey import PopupPage
from live_server import free_port

EXTENSION_DIR = Path(__file__).resolve().parent.parent / "extension"
ADDON_ID = json.loads((EXTENSION_DIR / "manifest.json").read_text())["browser_specific_settings"][
    "gecko"
]["id"]
FIREFOX_PACKAGE = EXTENSION_DIR / "dist" / "schedlink-firefox.zip"


def firefox_binary() -> str | None:
    for name in ("firefox-esr", "firefox"):
        found = shutil.which(name)
        if found:
            return found
    return None


def firefox_missing_reason() -> str | None:
    """Why Firefox tests cannot run here, or None when they can."""
    if firefox_binary() is None:
        return "firefox-esr not installed (scripts/test.sh installs the Debian package)"
    try:
        import marionette_driver  # noqa: F401
    except ImportError:
        return "marionette-driver not installed (pip install -e '.[test]')"
    if shutil.which("node") is None or not (EXTENSION_DIR / "node_modules" / "web-ext").is_dir():
        return "node or the extension's dev dependencies missing (cd extension && npm ci)"
    return None


def build_package(dist: Path | None = None) -> Path:
    """Build the Firefox package with the project's npm script (web-ext build)."""
    command = ["npm", "run", "--silent", "package", "--"]
    if dist is not None:
        command += ["--dist", str(dist)]
    subprocess.run(command, cwd=EXTENSION_DIR, check=True, capture_output=True, timeout=180)
    return (dist or FIREFOX_PACKAGE.parent) / FIREFOX_PACKAGE.name


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05, message: str = ""):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(message or f"condition not met within {timeout}s")
        time.sleep(interval)


# Runs in the popup's content process: evaluate an expression in a sandbox over the page's
# window (not subject to the page's CSP, like Marionette's own content scripts) and answer
# with its JSON value. Awaits promises, so async expressions work.
_FRAME_SCRIPT = r"""
// Loaded again when a ping goes unanswered: one listener per popup document regardless.
if (!content.windowGlobalChild.schedlinkTestListening) {
content.windowGlobalChild.schedlinkTestListening = true;
addMessageListener("schedlink-test:eval", async (msg) => {
  let value = null;
  let error = null;
  try {
    const sandbox = Cu.Sandbox(content, { sandboxPrototype: content, wantXrays: false });
    value = await Cu.evalInSandbox(msg.data.expr, sandbox);
    value = value === undefined ? null : JSON.parse(JSON.stringify(value));
  } catch (e) {
    error = String(e && e.message || e);
  }
  sendAsyncMessage("schedlink-test:result", { id: msg.data.id, value, error });
});
}
"""


class FirefoxPopup(PopupPage):
    """The extension's popup in its toolbar panel; the same helpers as browser.Popup."""

    def __init__(self, marionette):
        self.m = marionette
        # Firefox preloads the popup in a hidden panel and then swaps its docShell into the
        # toolbar panel: a frame script loaded into the wrong <browser> mid-swap is lost (CI
        # saw every later call time out). Load it, ping, and load again until it answers.
        deadline = time.monotonic() + 20
        while True:
            with self.m.using_context("chrome"):
                self.m.execute_script(
                    "const bs = document.querySelectorAll('browser.webextension-popup-browser');"
                    "if (bs.length === 1) bs[0].messageManager.loadFrameScript("
                    "'data:application/javascript;charset=utf-8,'"
                    " + encodeURIComponent(arguments[0]), false);",
                    script_args=[_FRAME_SCRIPT],
                )
            last = self._ask("document.readyState", wait_ms=2_000)
            if last.get("value") == "complete":
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the popup's test frame script never answered: {last}")

    def _ask(self, expression: str, wait_ms: int) -> dict:
        """Evaluate in the popup; {"value", "error"}, or {"error": "no answer"} after wait_ms."""
        with self.m.using_context("chrome"):
            answer = self.m.execute_async_script(
                """
                const [expr, waitMs, resolve] = arguments;
                const bs = document.querySelectorAll('browser.webextension-popup-browser');
                if (bs.length !== 1) { resolve({ error: 'the popup is not open' }); return; }
                const mm = bs[0].messageManager;
                const id = Math.random();
                const listener = (msg) => {
                  if (msg.data.id !== id) return;
                  mm.removeMessageListener('schedlink-test:result', listener);
                  resolve({ value: msg.data.value, error: msg.data.error });
                };
                mm.addMessageListener('schedlink-test:result', listener);
                setTimeout(() => {
                  mm.removeMessageListener('schedlink-test:result', listener);
                  resolve({ error: 'no answer' });
                }, waitMs);
                mm.sendAsyncMessage('schedlink-test:eval', { id, expr });
                """,
                script_args=[expression, wait_ms],
                script_timeout=wait_ms + 10_000,
            )
        return answer

    def js(self, expression: str):
        answer = self._ask(expression, wait_ms=20_000)
        if answer.get("error"):
            raise RuntimeError(f"popup script error: {answer['error']}")
        return answer.get("value")

    def close(self) -> None:
        with self.m.using_context("chrome"):
            self.m.execute_script(
                "const b = document.querySelector('browser.webextension-popup-browser');"
                "const panel = b && b.closest('panel');"
                "if (panel) panel.hidePopup();"
            )
        wait_until(lambda: not self._open(), message="the popup did not close")

    def _open(self) -> bool:
        with self.m.using_context("chrome"):
            return self.m.execute_script(
                "return !!document.querySelector('browser.webextension-popup-browser')"
            )


class Firefox:
    """One headless Firefox with a fresh profile, driven over Marionette."""

    def __init__(self, profile: Path, extension_uuid: str):
        from marionette_driver.marionette import Marionette

        self.profile = Path(profile)
        self.profile.mkdir(parents=True, exist_ok=True)
        self.uuid = extension_uuid
        port = free_port()
        prefs = {
            "marionette.port": port,
            "xpinstall.signatures.required": False,
            "extensions.webextensions.uuids": json.dumps({ADDON_ID: extension_uuid}),
            "browser.shell.checkDefaultBrowser": False,
            "datareporting.policy.dataSubmissionEnabled": False,
            "toolkit.telemetry.reportingpolicy.firstRun": False,
            "browser.aboutwelcome.enabled": False,
            "extensions.update.enabled": False,
            "app.update.disabledForTesting": True,
        }
        (self.profile / "user.js").write_text(
            "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())
        )
        self.log_path = self.profile.parent / f"{self.profile.name}-firefox.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    firefox_binary(),
                    "--headless",
                    "--marionette",
                    "-remote-allow-system-access",
                    "--no-remote",
                    "--profile",
                    str(self.profile),
                    "--window-size=1280,900",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "MOZ_CRASHREPORTER_DISABLE": "1"},
                start_new_session=True,
            )
        try:
            self.marionette = Marionette(host="127.0.0.1", port=port, startup_timeout=90)
            self.marionette.start_session()
            self.marionette.timeout.page_load = 30
        except Exception:
            self._kill()
            raise
        self.version = self.marionette.session_capabilities.get("browserVersion", "?")

    # --- the add-on ------------------------------------------------------------------------

    def install_addon(self, path: Path) -> str:
        from marionette_driver.addons import Addons

        addon_id = Addons(self.marionette).install(str(path), temp=True)
        assert addon_id == ADDON_ID, addon_id
        assert self.extension_uuid() == self.uuid
        return addon_id

    def extension_uuid(self) -> str | None:
        """The add-on's moz-extension:// host, as Firefox assigned it (chrome context)."""
        with self.marionette.using_context("chrome"):
            raw = self.marionette.execute_script(
                "return Services.prefs.getStringPref('extensions.webextensions.uuids', '{}')"
            )
        return json.loads(raw).get(ADDON_ID)

    def extension_url(self, path: str) -> str:
        return f"moz-extension://{self.uuid}/{path.lstrip('/')}"

    def has_host_permission(self, origin_pattern: str) -> bool:
        with self.marionette.using_context("chrome"):
            return self.marionette.execute_async_script(
                """
                const [id, pattern, resolve] = arguments;
                const { ExtensionPermissions } = ChromeUtils.importESModule(
                  'resource://gre/modules/ExtensionPermissions.sys.mjs');
                ExtensionPermissions.get(id).then(p => resolve(p.origins.includes(pattern)),
                                                 e => resolve(String(e)));
                """,
                script_args=[ADDON_ID, origin_pattern],
            )

    # --- the toolbar button and prompts ----------------------------------------------------

    def trigger_action(self) -> FirefoxPopup:
        """Click the toolbar button on the selected tab; returns the opened popup."""
        with self.marionette.using_context("chrome"):
            self.marionette.execute_script(
                """
                const { ExtensionParent } = ChromeUtils.importESModule(
                  'resource://gre/modules/ExtensionParent.sys.mjs');
                const ext = ExtensionParent.GlobalManager.getExtension(arguments[0]);
                ExtensionParent.apiManager.global.browserActionFor(ext).triggerAction(window);
                """,
                script_args=[ADDON_ID],
            )
        wait_until(self._popup_loaded, timeout=15, message="the popup did not open")
        return FirefoxPopup(self.marionette)

    def _popup_loaded(self) -> bool:
        with self.marionette.using_context("chrome"):
            return self.marionette.execute_script(
                "const bs = document.querySelectorAll('browser.webextension-popup-browser');"
                "return bs.length === 1 && !!bs[0].currentURI"
                " && bs[0].currentURI.spec.endsWith('/popup/popup.html');"
            )

    def permission_prompt(self, timeout: float = 20.0) -> str:
        """Wait for the add-on permission doorhanger; returns its text."""

        def text():
            with self.marionette.using_context("chrome"):
                return self.marionette.execute_script(
                    """
                    const n = PopupNotifications.getNotification('addon-webext-permissions');
                    if (!n) return null;
                    const el = PopupNotifications.panel.querySelector(
                      'popupnotification#addon-webext-permissions-notification');
                    return el ? el.textContent.replace(/\\s+/g, ' ').trim() : n.message || 'shown';
                    """
                )

        return wait_until(text, timeout=timeout, message="no permission prompt appeared")

    def answer_permission_prompt(self, allow: bool) -> None:
        self.permission_prompt()
        with self.marionette.using_context("chrome"):
            self.marionette.execute_script(
                """
                const el = PopupNotifications.panel.querySelector(
                  'popupnotification#addon-webext-permissions-notification');
                (arguments[0] ? el.button : el.secondaryButton).click();
                """,
                script_args=[allow],
            )

    # --- the end ----------------------------------------------------------------------------

    def quit(self) -> None:
        with contextlib.suppress(Exception):
            self.marionette.delete_session()
        self._kill()

    def _kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def start_firefox(profile: Path, package: Path, extension_uuid: str) -> Firefox:
    """A fresh Firefox with the add-on installed from `package` under `extension_uuid`."""
    browser = Firefox(profile, extension_uuid)
    try:
        browser.install_addon(package)
    except Exception:
        browser.quit()
        raise
    return browser

"""In-page candidate finding (extension/lib/detect.js findCandidates) in real headless Chromium,
and beside it in real headless Firefox.

Starts Chromium with the unpacked extension (the e2e harness's start_chromium), opens the
extension's own bench page chrome-extension://<id>/bench/detect-bench.html, which builds a
10 000-element page with every format mixed in, one row in five inside a web component's open
shadow root, and times findCandidates against a baseline measured in the same run (a JS walk
testing every element, shadow roots included, against the same selector), and prints the
result. Target (issues #3 and #16): median under 10 ms in Chromium.

Then, where firefox-esr and marionette-driver are installed, the same page in Firefox: the
Firefox test build (`node scripts/package.mjs --e2e-dir DIR --browser firefox`, bench/
included) as a temporary add-on, moz-extension://<uuid>/bench/detect-bench.html. Firefox's
figure is printed beside Chromium's; the target is Chromium's.

    .venv/bin/python bench/bench_detect_chromium.py [--elements 10000] [--runs 51] [--no-firefox]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

for _folder in ("e2e", "tests"):  # the browser harnesses and the helpers they share
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / _folder))

from browser import EXTENSION_DIR, EXTENSION_ID, start_chromium  # noqa: E402
from firefox import Firefox, firefox_missing_reason  # noqa: E402

TARGET_MS = 10.0


def wait_for_result(execute_script, timeout: float) -> dict:
    """Poll the bench page until it reports, then return its JSON result."""
    deadline = time.monotonic() + timeout
    while True:
        median = execute_script("return document.body.dataset.medianMs ?? null")
        if median is not None:
            break
        if time.monotonic() > deadline:
            raise TimeoutError("the bench page never set body[data-median-ms]")
        time.sleep(0.1)
    raw = execute_script("return (document.getElementById('result') || {}).textContent || ''")
    result = json.loads(raw) if raw.strip() else {}
    result.setdefault("median_ms", float(median))
    return result


def measure_firefox(elements: int, runs: int, timeout: float = 180.0) -> dict:
    work = Path(tempfile.mkdtemp(prefix="schedlink-bench-ff-"))
    browser = None
    try:
        build = work / "extension"
        subprocess.run(
            ["node", "scripts/package.mjs", "--e2e-dir", str(build), "--browser", "firefox"],
            cwd=EXTENSION_DIR,
            check=True,
            capture_output=True,
            timeout=120,
        )
        browser = Firefox(work / "profile", str(uuid.uuid4()))
        browser.install_addon(build)
        browser.marionette.navigate(
            browser.extension_url(f"bench/detect-bench.html?elements={elements}&runs={runs}")
        )
        result = wait_for_result(browser.marionette.execute_script, timeout)
        result["browser"] = browser.version
        return result
    finally:
        if browser is not None:
            browser.quit()
        shutil.rmtree(work, ignore_errors=True)


def measure(elements: int, runs: int, timeout: float = 120.0) -> dict:
    profile = Path(tempfile.mkdtemp(prefix="schedlink-bench-"))
    driver = start_chromium(profile)
    try:
        driver.set_page_load_timeout(60)
        driver.get(
            f"chrome-extension://{EXTENSION_ID}/bench/detect-bench.html"
            f"?elements={elements}&runs={runs}"
        )
        result = wait_for_result(driver.execute_script, timeout)
        result["browser"] = driver.capabilities.get("browserVersion", "?")
        return result
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def describe(name: str, result: dict, target: float | None) -> None:
    median = float(result["median_ms"])
    verdict = ""
    if target is not None:
        verdict = f" (target < {target:g} ms) — {'ok' if median < target else 'OVER TARGET'}"
    print(f"{name} {result['browser']}: median {median:.3f} ms{verdict}")
    if "p90_ms" in result:
        print(f"  p90 {float(result['p90_ms']):.3f} ms over {result.get('runs', '?')} runs")
    baseline = result.get("baseline_median_ms")
    if baseline is not None:
        ratio = result.get("ratio_to_baseline")
        ratio_text = f", ratio {ratio}" if ratio is not None else ""
        print(
            f"  baseline (JS walk testing matches() on every element, into shadow roots): "
            f"median {float(baseline):.3f} ms{ratio_text}"
        )
    print(
        f"  {result.get('elements', '?')} elements ({result.get('shadow_roots', '?')} shadow "
        f"roots), {result.get('candidates', '?')} candidates "
        f"{json.dumps(result.get('by_format', {}))}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elements", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=51)
    parser.add_argument("--no-firefox", action="store_true", help="Chromium only")
    args = parser.parse_args()
    count = f"{args.elements:,}".replace(",", " ")
    print(f"candidate finding (findCandidates) on {count} elements, shadow roots included")
    chromium = measure(args.elements, args.runs)
    describe("Chromium", chromium, TARGET_MS)
    reason = "--no-firefox" if args.no_firefox else firefox_missing_reason()
    if reason:
        print(f"Firefox: not measured ({reason})")
    else:
        describe("Firefox", measure_firefox(args.elements, args.runs), None)
    return 0 if float(chromium["median_ms"]) < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())

"""In-page candidate finding (extension/lib/detect.js findCandidates) in real headless Chromium.

Starts Chromium with the unpacked extension (the e2e harness's start_chromium), opens the
extension's own bench page chrome-extension://<id>/bench/detect-bench.html, which builds a
10 000-element page with every format mixed in and times findCandidates against a baseline
measured in the same run (a JS walk testing every element against the same selector), and
prints the result. Target (issue #3): median under 10 ms.

    .venv/bin/python bench/bench_detect_chromium.py [--elements 10000] [--runs 51]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))

from browser import EXTENSION_ID, start_chromium  # noqa: E402

TARGET_MS = 10.0


def measure(elements: int, runs: int, timeout: float = 120.0) -> dict:
    profile = Path(tempfile.mkdtemp(prefix="schedlink-bench-"))
    driver = start_chromium(profile)
    try:
        driver.set_page_load_timeout(60)
        driver.get(
            f"chrome-extension://{EXTENSION_ID}/bench/detect-bench.html"
            f"?elements={elements}&runs={runs}"
        )
        deadline = time.monotonic() + timeout
        while True:
            median = driver.execute_script("return document.body.dataset.medianMs ?? null")
            if median is not None:
                break
            if time.monotonic() > deadline:
                raise TimeoutError("the bench page never set body[data-median-ms]")
            time.sleep(0.1)
        raw = driver.execute_script(
            "return (document.getElementById('result') || {}).textContent || ''"
        )
        result = json.loads(raw) if raw.strip() else {}
        result.setdefault("median_ms", float(median))
        result["browser"] = driver.capabilities.get("browserVersion", "?")
        return result
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elements", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=51)
    args = parser.parse_args()
    result = measure(args.elements, args.runs)
    median = float(result["median_ms"])
    count = f"{args.elements:,}".replace(",", " ")
    print(
        f"candidate finding on {count} elements: median {median:.3f} ms "
        f"(target < {TARGET_MS:g} ms) — {'ok' if median < TARGET_MS else 'OVER TARGET'}"
    )
    if "p90_ms" in result:
        print(f"  p90 {float(result['p90_ms']):.3f} ms over {result.get('runs', '?')} runs")
    baseline = result.get("baseline_median_ms")
    if baseline is not None:
        ratio = result.get("ratio_to_baseline")
        ratio_text = f", ratio {ratio}" if ratio is not None else ""
        print(
            f"  baseline (JS walk testing matches() on every element): median "
            f"{float(baseline):.3f} ms{ratio_text}"
        )
    print(
        f"  Chromium {result['browser']}, {result.get('elements', '?')} elements in the document, "
        f"{result.get('candidates', '?')} candidates {json.dumps(result.get('by_format', {}))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

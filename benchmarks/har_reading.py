"""HAR benchmark: does `authdoctor har` read (and sanitize) a recording in time linear in its size,
with memory that does not grow with it?

For each shape, writes a HAR of about n MB and one of 4n MB, runs `authdoctor har FILE` (and, with
--sanitize, `authdoctor har FILE --sanitize OUT`) in a fresh process, and prints the wall time,
the peak RSS and the ratios 4n/n. Linear reading gives a time ratio near 4; bounded memory gives
an RSS ratio near 1. Issue 14 names a 200 MB recording: the 4n size of the default n=50.

Shapes:
    bodies   a browser's export: entries with 64 KB response bodies (scripts, pages)
    dense    many small entries: headers and cookies only, the most JSON tokens per byte

    .venv/bin/python benchmarks/har_reading.py                 # n = 50 MB (4n = 200 MB)
    .venv/bin/python benchmarks/har_reading.py --mb 10 --sanitize
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

APP = "http://chat.example.test:8080"


def _entry(i: int, body: str) -> str:
    headers = [{"name": "Accept", "value": "*/*"}, {"name": "Cookie", "value": f"token=tok{i}; other=v{i}"}]
    return json.dumps({
        "startedDateTime": "2026-11-28T10:00:00.000Z", "time": 1,
        "request": {"method": "GET", "url": f"{APP}/api/v1/chats/{i}?page=1", "httpVersion": "HTTP/1.1",
                    "headers": headers, "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                     "headers": [{"name": "content-type", "value": "text/javascript"}] * 8,
                     "cookies": [],
                     "content": {"size": len(body), "mimeType": "text/javascript", "text": body},
                     "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}})


def write(path: Path, megabytes: int, shape: str) -> None:
    body = "x" * (64 * 1024) if shape == "bodies" else ""
    target = megabytes * 1024 * 1024
    written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('{"log":{"version":"1.2","creator":{"name":"bench","version":"1"},"entries":[')
        i = 0
        while written < target:
            text = ("," if i else "") + _entry(i, body)
            out.write(text)
            written += len(text)
            i += 1
        out.write("]}}")


def run(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `authdoctor ARGS` in a fresh process."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "authdoctor", *args], capture_output=True, check=False,
                   timeout=900)
    elapsed = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--sanitize", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for shape in ("bodies", "dense"):
            results = []
            for size in (options.mb, 4 * options.mb):
                path = Path(folder) / f"{shape}-{size}.har"
                write(path, size, shape)
                args = ["har", str(path), "--format", "json", "--timeout", "900"]
                if options.sanitize:
                    args += ["--sanitize", str(Path(folder) / "out.har")]
                seconds, peak = run(args)
                results.append((size, seconds, peak))
                path.unlink()
                print(f"{shape:7} {size:5} MB  {seconds:7.2f} s  peak RSS (max so far) {peak:7.1f} MB")
            (_, t1, _), (_, t4, _) = results
            print(f"{shape:7} time ratio {t4 / t1:.2f} (linear: about 4)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

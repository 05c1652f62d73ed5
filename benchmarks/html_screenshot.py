"""Check the HTML report in a real browser: headless Chromium renders it offline, and we look.

    python benchmarks/html_screenshot.py [PROOF_FILE_OR_ID ...] [--out DIR]

Writes DIR/report.html (``symderiv check … --html``), then has Chromium (Debian's ``chromium``; the
network stays closed, every asset is inlined) dump the DOM after the scripts ran and take a
screenshot of the page and of one counterexample opened (``#claim-…``). It prints how many formulas
KaTeX set and how many it could not (``.katex-error``), and exits 1 if none was set or any failed.
Look at DIR/report.png and DIR/counterexample.png.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--virtual-time-budget=5000"]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if exe is None:
        sys.exit("no Chromium on PATH (Debian: apt-get install chromium)")
    return subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=120)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("targets", nargs="*", default=["pal2019.theorem1", "pal2019.eq3", "pal2019.lemma1"])
    ap.add_argument("--out", default="html-check")
    a = ap.parse_args()
    out = Path(a.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    report = out / "report.html"
    subprocess.run([sys.executable, "-m", "symderiv", "check", *a.targets, "--html", str(report), "-qq"])
    url = report.as_uri()
    dom = chromium("--dump-dom", url, profile=out / "profile").stdout
    set_ = len(re.findall(r'class="katex"', dom))
    failed = len(re.findall(r'class="katex-error"', dom))
    print(f"KaTeX set {set_} formulas, {failed} failed")
    chromium(f"--screenshot={out / 'report.png'}", "--window-size=1400,1000", url, profile=out / "profile")
    first = re.search(r"<section id='(claim-[^']+)' class='claim [a-z]+' data-outcome='[a-z]+'>(?:(?!</section>).)*"
                      r"class='counterexample'", report.read_text(), re.S)
    if first:
        chromium(f"--screenshot={out / 'counterexample.png'}", "--window-size=1400,1400", f"{url}#{first.group(1)}",
                 profile=out / "profile")
    print(f"screenshots: {out / 'report.png'}" + (f", {out / 'counterexample.png'}" if first else ""))
    return 0 if set_ and not failed else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Looks at the course report the way a reader's browser does.

For every page under the site folder: every local link and image must exist, and headless
Chromium must load it without a console message (a script error, a resource that failed to
load). Screenshots of the index and of each lesson page are saved for a person to look at.
Exits non-zero on the first kind of problem found, after listing them all.

Usage: scripts/check-report.py [SITE_DIR] [SCREENSHOT_DIR]
"""
import html.parser
import os
import shutil
import subprocess
import sys
import urllib.parse

site = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".tokenwise/site")
shots = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(site), "screenshots"))
problems = []


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.targets = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.targets.append((tag, value))


pages = sorted(os.path.join(d, f) for d, _, files in os.walk(site) for f in files if f.endswith(".html"))
if not pages:
    print(f"no pages under {site}")
    sys.exit(1)

for page in pages:
    parser = Links()
    with open(page, encoding="utf-8") as handle:
        parser.feed(handle.read())
    for tag, target in parser.targets:
        parsed = urllib.parse.urlparse(target)
        if parsed.scheme in ("http", "https"):
            problems.append(f"{os.path.relpath(page, site)}: <{tag}> points at the network: {target}")
            continue
        if parsed.scheme or target.startswith("#"):
            continue
        path = os.path.normpath(os.path.join(os.path.dirname(page), urllib.parse.unquote(parsed.path)))
        if not os.path.exists(path):
            problems.append(f"{os.path.relpath(page, site)}: broken <{tag}> target {target}")

browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
if not browser:
    problems.append("no chromium to render the pages with (apt-get install chromium)")
else:
    os.makedirs(shots, exist_ok=True)
    for page in pages:
        name = os.path.relpath(page, site).replace(os.sep, "-").replace(".html", ".png")
        result = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,1800",
             "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
             f"--screenshot={os.path.join(shots, name)}", "file://" + page],
            capture_output=True, text=True, timeout=120)
        console = [line for line in result.stderr.splitlines() if "CONSOLE" in line or "Failed to load resource" in line]
        for line in console:
            problems.append(f"{os.path.relpath(page, site)}: console: {line.strip()}")
        if result.returncode != 0 or not os.path.exists(os.path.join(shots, name)):
            problems.append(f"{os.path.relpath(page, site)}: chromium failed ({result.returncode})")

for problem in problems:
    print(problem)
print(f"checked {len(pages)} pages; screenshots in {shots}; {len(problems)} problem(s)")
sys.exit(1 if problems else 0)

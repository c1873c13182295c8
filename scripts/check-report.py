#!/usr/bin/env python3
"""Looks at the course report the way a reader's browser does.

For every page under the site folder: every local link and image must exist, every #anchor
(on the page or on another) must name an element's id there, ids must be unique on a page, and
headless Chromium must load it without a console message (a script error, a resource that failed
to load). Screenshots of the index and of each lesson page are saved for a person to look at,
and each page's height is printed in 1280 x 800 screens (what a reader scrolls through, with
collapsed blocks closed). Exits non-zero on the first kind of problem found, after listing them all.

Usage: scripts/check-report.py [SITE_DIR] [SCREENSHOT_DIR]
"""
import html.parser
import os
import re
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
        self.ids = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.targets.append((tag, value))
            if name == "id" and value:
                self.ids.append(value)


def parse(page):
    parser = Links()
    with open(page, encoding="utf-8") as handle:
        parser.feed(handle.read())
    return parser


pages = sorted(os.path.join(d, f) for d, _, files in os.walk(site) for f in files if f.endswith(".html"))
if not pages:
    print(f"no pages under {site}")
    sys.exit(1)

parsed_pages = {page: parse(page) for page in pages}
for page, parser in parsed_pages.items():
    name = os.path.relpath(page, site)
    duplicates = sorted({i for i in parser.ids if parser.ids.count(i) > 1})
    if duplicates:
        problems.append(f"{name}: ids used more than once: {', '.join(duplicates[:5])}")
    for tag, target in parser.targets:
        parsed = urllib.parse.urlparse(target)
        if parsed.scheme in ("http", "https"):
            problems.append(f"{name}: <{tag}> points at the network: {target}")
            continue
        if parsed.scheme:
            continue
        path = page if not parsed.path else os.path.normpath(
            os.path.join(os.path.dirname(page), urllib.parse.unquote(parsed.path)))
        if not os.path.exists(path):
            problems.append(f"{name}: broken <{tag}> target {target}")
            continue
        if parsed.fragment and path.endswith(".html"):
            ids = parsed_pages[path].ids if path in parsed_pages else parse(path).ids
            if urllib.parse.unquote(parsed.fragment) not in ids:
                problems.append(f"{name}: <{tag}> target {target} names no id on its page")

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

    # Page heights: a frame of a reader's window (1280 x 800) loads the page, and a script in
    # the frame's parent reads how tall it is (file pages may read each other with
    # --allow-file-access-from-files); the number comes back in the dumped DOM.
    print("page heights, in 1280 x 800 screens:")
    for page in pages:
        if os.path.dirname(page) not in (site, os.path.join(site, "lessons")):
            continue
        probe = os.path.join(shots, ".height-probe.html")
        with open(probe, "w", encoding="utf-8") as handle:
            handle.write(
                "<!doctype html><body style='margin:0'><iframe id=f style='width:1280px;height:800px;border:0' "
                f"src='{urllib.parse.quote('file://' + page, safe='/:')}'></iframe><script>"
                "document.getElementById('f').onload = function () {"
                " var d = this.contentDocument.documentElement;"
                " document.body.setAttribute('data-height', d.scrollHeight); };"
                "</script></body>")
        result = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
             "--window-size=1300,900", "--virtual-time-budget=5000", "--dump-dom", "file://" + probe],
            capture_output=True, text=True, timeout=120)
        os.remove(probe)
        height = re.search(r'data-height="(\d+)"', result.stdout)
        if height:
            print(f"  {os.path.relpath(page, site):40s} {int(height.group(1)) / 800:5.1f}")
        else:
            problems.append(f"{os.path.relpath(page, site)}: its height could not be measured")

for problem in problems:
    print(problem)
print(f"checked {len(pages)} pages; screenshots in {shots}; {len(problems)} problem(s)")
sys.exit(1 if problems else 0)

"""A realtimed client for RealtimeServiceTests: the official Socket.IO JS client in headless
Chromium (the page browser/index.html, which realtimed serves as its DASHBOARD_DIR).

Usage: realtime_browser_client.py PAGE_URL CONFIG
  PAGE_URL: realtimed's URL of the page, e.g. http://127.0.0.1:5002/
  CONFIG:   JSON {"auth": {...}, "actions": [...]} handed to the page in its URL's hash.

Prints what the page reports, one JSON object per line, in realtime_client.py's shape. Runs
until killed.
"""
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts", "dashboard"))
from headless_page import HeadlessPage  # noqa: E402

URL, CONFIG = sys.argv[1], sys.argv[2]

with HeadlessPage(URL + "#" + urllib.parse.quote(CONFIG)) as tools:
    reported = 0
    while True:
        raw = tools.evaluate(f"JSON.stringify((window.__events || []).slice({reported}))")
        if raw is not None:
            for record in json.loads(raw):
                print(json.dumps(record), flush=True)
                reported += 1
        time.sleep(0.05)

"""Loads the realtimed dashboard in headless Chromium and checks, from the live DOM, that it
connected and that live records arrived. Driven over the Chrome DevTools protocol (websocket-client),
polling with a deadline. Exit status 0: live values arrived; 1: they did not; 2: a tool is missing.
"""
import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # websocket-client

STATE_JS = r"""JSON.stringify({
  connection: document.body.dataset.connection || "",
  clients: (document.getElementById("clients") || {dataset: {}}).dataset.value || "",
  transport: (document.getElementById("transport") || {dataset: {}}).dataset.value || "",
  chartPoints: Number((document.getElementById("chart") || {dataset: {}}).dataset.points || 0),
  rows: Array.from(document.querySelectorAll("tr[data-topic]")).map(r => ({
    topic: r.dataset.topic, count: Number(r.dataset.count || 0), family: r.dataset.family || "",
    value: (r.querySelector(".value") || {}).textContent || ""}))
})"""


def find_chromium():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class DevTools:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=10)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="the dashboard, e.g. http://127.0.0.1:5002/")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for live values (30)")
    parser.add_argument("--min-count", type=int, default=2,
                        help="live records at least one topic must have received (2)")
    parser.add_argument("--topic", action="append", default=[],
                        help="a topic that must have received live records (repeatable)")
    parser.add_argument("--require-chart", action="store_true", help="the chart must show points too")
    parser.add_argument("--screenshot", help="save a PNG screenshot of the page here")
    args = parser.parse_args()

    chromium = find_chromium()
    if not chromium:
        print("check-dashboard: chromium not found (apt-get install chromium; scripts/setup-env installs it)",
              file=sys.stderr)
        return 2
    profile = tempfile.mkdtemp(prefix="check-dashboard-")
    browser = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-dev-shm-usage", "--remote-debugging-port=0", "--remote-allow-origins=*",
         f"--user-data-dir={profile}", "--window-size=1280,1400", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + args.timeout
    state = None
    try:
        port = None
        for line in browser.stderr:
            match = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if match:
                port = int(match.group(1))
                break
            if time.monotonic() > deadline:
                break
        if port is None:
            print("check-dashboard: chromium did not start its DevTools endpoint", file=sys.stderr)
            return 1
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        tools.call("Page.navigate", url=args.url)
        while time.monotonic() < deadline:
            time.sleep(0.5)
            result = tools.call("Runtime.evaluate", expression=STATE_JS, returnByValue=True)
            raw = result.get("result", {}).get("value")
            if not isinstance(raw, str):
                continue  # the page is still loading
            state = json.loads(raw)
            counts = {row["topic"]: row["count"] for row in state["rows"]}
            live = [topic for topic, count in counts.items() if count >= args.min_count]
            wanted = all(counts.get(topic, 0) >= args.min_count for topic in args.topic)
            if state["connection"] == "connected" and live and wanted and (
                    not args.require_chart or state["chartPoints"] > 0):
                break
        else:
            print(f"check-dashboard: FAIL: no live values within {args.timeout:.0f} s at {args.url}",
                  file=sys.stderr)
            print(json.dumps(state, indent=1) if state else "  (the page never answered)", file=sys.stderr)
            return 1
        if args.screenshot:
            shot = tools.call("Page.captureScreenshot", format="png")
            with open(args.screenshot, "wb") as out:
                out.write(base64.b64decode(shot["data"]))
        print(f"check-dashboard: OK: {args.url} connected over {state['transport'] or '?'}, "
              f"connected_clients={state['clients'] or '?'}, chart points={state['chartPoints']}")
        for row in state["rows"]:
            print(f"  {row['topic']:<24} {row['count']:>6} live  [{row['family']}]  {row['value'][:70]}")
        return 0
    finally:
        try:
            os.killpg(browser.pid, signal.SIGTERM)
            browser.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(browser.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Loads the realtimed dashboard in headless Chromium and checks, from the live DOM, that it
connected and that live records arrived. Driven over the Chrome DevTools protocol (websocket-client),
polling with a deadline. Exit status 0: live values arrived; 1: they did not; 2: a tool is missing.
"""
import argparse
import base64
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from headless_page import HeadlessPage  # noqa: E402

STATE_JS = r"""JSON.stringify({
  connection: document.body.dataset.connection || "",
  clients: (document.getElementById("clients") || {dataset: {}}).dataset.value || "",
  transport: (document.getElementById("transport") || {dataset: {}}).dataset.value || "",
  chartPoints: Number((document.getElementById("chart") || {dataset: {}}).dataset.points || 0),
  rows: Array.from(document.querySelectorAll("tr[data-topic]")).map(r => ({
    topic: r.dataset.topic, count: Number(r.dataset.count || 0), family: r.dataset.family || "",
    age: r.dataset.age || "", lag: r.dataset.lag || "",
    value: (r.querySelector(".value") || {}).textContent || ""}))
})"""


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", help="the dashboard, e.g. http://127.0.0.1:5002/")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for live values (30)")
    parser.add_argument("--min-count", type=int, default=2,
                        help="live records at least one topic must have received (2)")
    parser.add_argument("--topic", action="append", default=[],
                        help="a topic that must have received live records (repeatable)")
    parser.add_argument("--require-chart", action="store_true", help="the chart must show points too")
    parser.add_argument("--require-freshness", action="store_true",
                        help="every live topic must show its age and ingestd's consumer lag too")
    parser.add_argument("--screenshot", help="save a PNG screenshot of the page here")
    args = parser.parse_args()

    deadline = time.monotonic() + args.timeout
    state = None
    try:
        page = HeadlessPage(args.url)
        tools = page.__enter__()
    except RuntimeError as error:
        print(f"check-dashboard: {error}", file=sys.stderr)
        return 2 if "not found" in str(error) else 1
    try:
        while time.monotonic() < deadline:
            time.sleep(0.5)
            raw = tools.evaluate(STATE_JS)
            if raw is None:
                continue  # the page is still loading
            state = json.loads(raw)
            counts = {row["topic"]: row["count"] for row in state["rows"]}
            live = [topic for topic, count in counts.items() if count >= args.min_count]
            wanted = all(counts.get(topic, 0) >= args.min_count for topic in args.topic)
            fresh = all(row["age"] != "" and row["lag"] != "" for row in state["rows"] if row["topic"] in live)
            if state["connection"] == "connected" and live and wanted and (
                    not args.require_chart or state["chartPoints"] > 0) and (not args.require_freshness or fresh):
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
            print(f"  {row['topic']:<24} {row['count']:>6} live  [{row['family']}]  age {row['age'] or '-'} s  "
                  f"lag {row['lag'] or '-'}  {row['value'][:60]}")
        return 0
    finally:
        page.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())

"""One page in headless Chromium, driven over the Chrome DevTools protocol (websocket-client):
used by check_dashboard.py and by the realtimed tests' browser client."""
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import websocket  # websocket-client


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

    def evaluate(self, expression):
        """The value of a JavaScript expression that gives a string, or None while loading."""
        raw = self.call("Runtime.evaluate", expression=expression, returnByValue=True).get("result", {}).get("value")
        return raw if isinstance(raw, str) else None


def _die_with_parent():
    """In the browser process before exec: SIGKILL it when the process that started it dies
    (Linux PR_SET_PDEATHSIG), so a Python client killed with SIGKILL leaves no browser behind."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _exit_on_signal(number, _frame):
    sys.exit(128 + number)  # SystemExit: context managers close, so the browser is stopped


class HeadlessPage:
    """Headless Chromium with a throwaway profile, showing `url`; use as a context manager.
    Raises RuntimeError when Chromium is missing or does not start its DevTools endpoint."""

    def __init__(self, url, window_size="1280,1400", start_timeout=30):
        self.url, self.window_size, self.start_timeout = url, window_size, start_timeout

    def __enter__(self):
        chromium = find_chromium()
        if not chromium:
            raise RuntimeError("chromium not found (apt-get install chromium; scripts/setup-env installs it)")
        # Clients run "until killed": SIGTERM and SIGINT unwind through __exit__ (Python's default
        # for SIGTERM ends the process at once, leaving the browser, in its own session, running).
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):
                signal.signal(number, _exit_on_signal)
        self.profile = tempfile.mkdtemp(prefix="headless-page-")
        self.browser = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-dev-shm-usage", "--remote-debugging-port=0", "--remote-allow-origins=*",
             f"--user-data-dir={self.profile}", f"--window-size={self.window_size}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + self.start_timeout
        port = None
        for line in self.browser.stderr:
            match = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if match:
                port = int(match.group(1))
                break
            if time.monotonic() > deadline:
                break
        if port is None:
            self.__exit__(None, None, None)
            raise RuntimeError("chromium did not start its DevTools endpoint")
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        self.tools = DevTools(page["webSocketDebuggerUrl"])
        self.tools.call("Page.enable")
        self.tools.call("Page.navigate", url=self.url)
        return self.tools

    def __exit__(self, *_):
        try:
            os.killpg(self.browser.pid, signal.SIGTERM)
            self.browser.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.browser.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)
        return False

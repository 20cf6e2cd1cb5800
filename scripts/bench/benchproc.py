"""Process helpers shared by the benchmark drivers: free ports, readiness, a Tansu broker, and a
process's CPU time and memory read from /proc."""
import os
import socket
import subprocess
import time
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")


def add_stack_arguments(parser) -> None:
    """The executables a realtime benchmark runs: --ingestd, --realtimed, --sio-bench, --tansu."""
    for name in ("--ingestd", "--realtimed", "--sio-bench", "--tansu"):
        parser.add_argument(name, required=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def wait_http_ok(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=1).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 within {timeout} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def write_calls(pid: int) -> int:
    """Write system calls the process has made (syscw of /proc/<pid>/io: write and writev, so
    every socket write of a NIO server)."""
    with open(f"/proc/{pid}/io") as io:
        for line in io:
            if line.startswith("syscw:"):
                return int(line.split()[1])
    raise RuntimeError(f"syscw missing from /proc/{pid}/io")


def status_kib(pid: int, key: str) -> int:
    """A KiB figure of /proc/<pid>/status, e.g. VmRSS or VmHWM (peak RSS)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} missing from /proc/{pid}/status")


def peak_rss_mb(pid: int) -> float:
    return status_kib(pid, "VmHWM") / 1024


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it does not exit in time."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class TansuBroker:
    """A Tansu broker with memory storage on a free loopback port."""

    def __init__(self, binary: str):
        port = free_port()
        self.bootstrap = f"127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [binary, "broker", "--listener-url", f"tcp://{self.bootstrap}",
             "--advertised-listener-url", f"tcp://{self.bootstrap}", "--storage-engine", "memory://tansu/"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(port)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()

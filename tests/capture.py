"""Capture loopback traffic with tshark, and read it back decrypted with a key log."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from contextlib import contextmanager

TSHARK = shutil.which("tshark")


def tshark_bin() -> str:
    if TSHARK is None:
        raise RuntimeError("tshark is missing: run the README's test command (./.ci/test) to install it")
    return TSHARK


@contextmanager
def capture(port: int, path: str):
    """Capture ``tcp port <port>`` on the loopback interface into ``path`` while the block runs."""
    proc = subprocess.Popen(
        [tshark_bin(), "-i", "lo", "-f", f"tcp port {port}", "-w", path],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen = []
    deadline = time.monotonic() + 20
    try:
        # tshark says "Capture started" once packets are really being recorded.
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                raise RuntimeError("tshark exited before capturing:\n" + b"".join(seen).decode(errors="replace"))
            seen.append(line)
            if b"Capture started" in line:
                break
        else:
            raise RuntimeError("tshark did not start capturing:\n" + b"".join(seen).decode(errors="replace"))
        yield
        time.sleep(0.3)  # let the last segments reach the capture
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def decrypted_records(path: str, port: int, keylog: str) -> list[tuple[str, str, str]]:
    """(content types, handshake types, decrypted application data hex) per frame, as tshark sees them."""
    out = subprocess.run(
        [
            tshark_bin(), "-r", path, "-o", f"tls.keylog_file:{keylog}", "-d", f"tcp.port=={port},tls",
            "-T", "fields", "-e", "tls.record.content_type", "-e", "tls.handshake.type", "-e", "data.data",
        ],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout
    rows = []
    for line in out.splitlines():
        parts = (line.split("\t") + ["", "", ""])[:3]
        if any(parts):
            rows.append(tuple(parts))
    return rows

"""``python -m fasttls``: the README's main-job command must work on a fresh machine."""

from __future__ import annotations

import json
import subprocess
import sys


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fasttls", *args], capture_output=True, text=True, timeout=timeout)


def test_demo_full_then_resumed_handshake_then_transfer():
    p = run("demo", "--megabytes", "2")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "SHA-256 fingerprint:" in out
    # the trace shows the handshake messages and key changes
    for needle in ("--> ClientHello", "<-- ServerHello", "<-- Certificate", "<-- CertificateVerify", "--> Finished", "SERVER_TRAFFIC_SECRET_0"):
        assert needle in out, needle
    assert out.count("echoed back: b'hello over TLS\\n'") == 2
    resumed = [line.split()[-1] for line in out.splitlines() if line.strip().startswith("resumed ")]
    assert resumed == ["no", "yes"]
    assert "2 MiB received by the server" in out


def test_demo_json_trace_is_one_object_per_line():
    p = run("demo", "--megabytes", "1", "--trace", "json")
    assert p.returncode == 0, p.stderr
    events = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    assert events, p.stdout
    kinds = {e.get("event") or e.get("kind") or e.get("type") for e in events}
    assert len(kinds) > 1
    assert any("ClientHello" in json.dumps(e) for e in events)

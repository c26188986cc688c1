"""NSS key log: a real tool (tshark) decrypts a captured fasttls session with it."""

from __future__ import annotations

import socket
import threading

import pytest

from fasttls.config import Config
from fasttls.constants import ProtocolVersion
from fasttls.keylog import KeyLogFile
from fasttls.socket import wrap_socket

from .capture import capture, decrypted_records

MARKER = b"fasttls-keylog-marker-0123456789"

LABELS13 = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"}


def run_session(pki, version: int, keylog_path: str, pcap_path: str) -> int:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    errors: list[BaseException] = []
    server_cfg = Config(certificates=[pki.server()], min_version=version, max_version=version)

    def serve() -> None:
        try:
            raw, _ = listener.accept()
            raw.settimeout(20)
            with wrap_socket(raw, server_cfg, server_side=True) as s:
                s.sendall(s.recv(1000)[::-1])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    with listener, capture(port, pcap_path):
        t = threading.Thread(target=serve, daemon=True)
        t.start()
        cfg = Config(trust_store=pki.store, min_version=version, max_version=version, keylog=KeyLogFile(keylog_path))
        with wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20), cfg, server_hostname="localhost") as s:
            s.sendall(MARKER)
            got = b""
            while len(got) < len(MARKER):
                got += s.recv(1000)
            assert got == MARKER[::-1]
        t.join(20)
    assert not errors, errors
    return port


@pytest.mark.parametrize("version", [ProtocolVersion.TLS13, ProtocolVersion.TLS12], ids=["tls13", "tls12"])
def test_tshark_decrypts_a_session_with_our_key_log(pki, tmp_path, version):
    keys, pcap = str(tmp_path / "keys.log"), str(tmp_path / "session.pcapng")
    port = run_session(pki, version, keys, pcap)
    lines = open(keys).read().splitlines()
    assert lines[0].startswith("# ")  # OpenSSL's files start with a comment too
    labels = {line.split()[0] for line in lines[1:]}
    if version == ProtocolVersion.TLS13:
        assert labels == LABELS13
    else:
        assert labels == {"CLIENT_RANDOM"}
    rows = decrypted_records(pcap, port, keys)
    data = [bytes.fromhex(d.replace(":", "")) for _, _, d in rows if d]
    # Both directions in clear: the marker and the server's reversed echo.
    assert MARKER in data and MARKER[::-1] in data
    if version == ProtocolVersion.TLS13:
        # The encrypted handshake is readable too: Certificate (11), CertificateVerify (15), Finished (20).
        hs_types = {t for _, h, _ in rows for t in h.split(",") if t}
        assert {"11", "15", "20"} <= hs_types


def test_without_the_key_log_tshark_sees_no_clear_data(pki, tmp_path):
    keys, pcap = str(tmp_path / "keys.log"), str(tmp_path / "session.pcapng")
    port = run_session(pki, ProtocolVersion.TLS13, keys, pcap)
    empty = tmp_path / "empty.log"
    empty.write_text("")
    rows = decrypted_records(pcap, port, str(empty))
    assert not any(d for _, _, d in rows)


def test_sslkeylogfile_environment(monkeypatch, tmp_path):
    from fasttls import keylog

    monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "env.log"))
    writer = keylog.from_environment()
    writer("CLIENT_RANDOM 00 11")
    assert (tmp_path / "env.log").read_text().splitlines()[1:] == ["CLIENT_RANDOM 00 11"]
    monkeypatch.delenv("SSLKEYLOGFILE")
    assert keylog.from_environment() is None

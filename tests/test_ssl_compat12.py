"""The ssl drop-in over TLS 1.2: the facade with Python ssl peers, channel bindings, key log."""

from __future__ import annotations

import socket
import ssl
import threading

import pytest

import fasttls

from .compat import files, no_leaks, ssl_server_context  # noqa: F401 - fixtures


def _client_ctx(files, **kw):
    ctx = fasttls.create_default_context(cafile=files.ca)
    ctx.maximum_version = fasttls.TLSVersion.TLSv1_2
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


def _run_pair(server_ctx, client_ctx, server_hostname="localhost"):
    """One connection; returns (client facts, server facts) gathered while both are open."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    result: dict = {}
    ready = threading.Event()

    def serve():
        try:
            raw, _ = listener.accept()
            with server_ctx.wrap_socket(raw, server_side=True) as s:
                result["server"] = {
                    "version": s.version(),
                    "cipher": s.cipher(),
                    "unique": s.get_channel_binding("tls-unique"),
                }
                ready.wait(10)
                s.sendall(s.recv(100))
        except BaseException as exc:  # noqa: BLE001
            result["error"] = exc

    t = threading.Thread(target=serve)
    t.start()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
            with client_ctx.wrap_socket(raw, server_hostname=server_hostname) as c:
                facts = {
                    "version": c.version(),
                    "cipher": c.cipher(),
                    "unique": c.get_channel_binding("tls-unique"),
                    "reused": c.session_reused,
                }
                ready.set()
                c.sendall(b"ping")
                facts["echo"] = c.recv(100)
    finally:
        ready.set()
        t.join(20)
        listener.close()
    assert "error" not in result, result.get("error")
    return facts, result["server"]


@pytest.mark.parametrize("server_kind", ["ssl", "fasttls"])
def test_tls12_with_the_facade_and_tls_unique(files, server_kind):
    if server_kind == "ssl":
        server_ctx = ssl_server_context(files)
        server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    else:
        server_ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(files.cert, files.key)
    client, server = _run_pair(server_ctx, _client_ctx(files))
    assert client["version"] == server["version"] == "TLSv1.2"
    assert client["cipher"][0] == server["cipher"][0] and client["cipher"][0].startswith("ECDHE-ECDSA-")
    # RFC 5929: tls-unique is the first Finished of the handshake; both ends agree (ssl computes its own).
    assert client["unique"] and len(client["unique"]) == 12 and client["unique"] == server["unique"]
    assert client["echo"] == b"ping"


def test_python_ssl_client_to_fasttls_server_over_tls12(files):
    server_ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(files.cert, files.key)
    server_ctx.maximum_version = fasttls.TLSVersion.TLSv1_2
    client_ctx = ssl.create_default_context(cafile=files.ca)
    client, server = _run_pair(server_ctx, client_ctx)
    assert client["version"] == server["version"] == "TLSv1.2"
    assert client["unique"] == server["unique"] and client["echo"] == b"ping"


def test_tls12_key_log_and_set_ciphers(files, tmp_path):
    keylog = tmp_path / "keys.log"
    ctx = _client_ctx(files, keylog_filename=str(keylog))
    ctx.set_ciphers("ECDHE-ECDSA-CHACHA20-POLY1305")
    server_ctx = ssl_server_context(files)
    client, _ = _run_pair(server_ctx, ctx)
    assert client["cipher"][0] == "ECDHE-ECDSA-CHACHA20-POLY1305"
    lines = [line for line in keylog.read_text().splitlines() if not line.startswith("#")]
    assert len(lines) == 1 and lines[0].startswith("CLIENT_RANDOM ")


def test_refuses_a_tls12_server_without_a_suite_in_common(files):
    ctx = _client_ctx(files)
    ctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")  # the server's certificate is ECDSA
    with pytest.raises(ssl.SSLError):
        _run_pair(ssl_server_context(files), ctx)


def test_crl_flags_are_kept_beside_the_others():
    """The CRL flags (tests/test_crl.py) combine with VERIFY_X509_STRICT as in ssl."""
    ctx = fasttls.create_default_context()
    ref = ssl.create_default_context()
    for c in (ctx, ref):
        c.verify_flags |= ssl.VERIFY_CRL_CHECK_CHAIN | ssl.VERIFY_X509_STRICT
    assert ctx.verify_flags == ref.verify_flags
    assert ctx._config_for(server_side=False).crl_check == "chain"

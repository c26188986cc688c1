"""TLS 1.3 external pre-shared keys (RFC 8446 2.2, 4.2.11): ssl's ``set_psk_client_callback``
and ``set_psk_server_callback`` (Python 3.13), against the openssl command line tool
(``-psk``, which uses OpenSSL's same callbacks) and between fasttls endpoints."""

from __future__ import annotations

import socket
import ssl
import sys
import threading

import pytest

import fasttls
from fasttls.errors import AlertReceived

from .compat import files, no_leaks  # noqa: F401 - fixtures
from .peers import openssl_client, openssl_server

KEY = bytes.fromhex("c0ffee" * 11)
OTHER_KEY = bytes.fromhex("facade" * 11)


def psk_client(identity="client1", key=KEY, **settings) -> fasttls.SSLContext:
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    for name, value in settings.items():
        setattr(ctx, name, value)
    ctx.set_psk_client_callback(lambda hint: (identity, key))
    return ctx


def psk_server(table=None, **settings) -> fasttls.SSLContext:
    table = {"client1": KEY} if table is None else table
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    for name, value in settings.items():
        setattr(ctx, name, value)
    ctx.set_psk_server_callback(lambda identity: table.get(identity, b""))
    return ctx


def exchange(server_ctx, client_ctx, connections: int = 1) -> list[dict]:
    """``connections`` handshakes and one echo each; what each side saw (or raised)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    results: list[dict] = [{} for _ in range(connections)]

    def serve() -> None:
        for r in results:
            try:
                raw, _ = listener.accept()
            except OSError as exc:
                r["server"] = exc
                return
            raw.settimeout(10)
            try:
                with server_ctx.wrap_socket(raw, server_side=True) as tls:
                    r["server"] = (tls.version(), tls.cipher()[0], tls.session_reused, tls.getpeercert(True))
                    tls.sendall(tls.recv(100).upper())
            except Exception as exc:  # noqa: BLE001 - reported to the test thread
                r["server"] = exc

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        for r in results:
            try:
                with client_ctx.wrap_socket(socket.create_connection(listener.getsockname(), timeout=10), server_hostname="localhost") as tls:
                    tls.sendall(b"psk")
                    r["client"] = (tls.version(), tls.cipher()[0], tls.session_reused, tls.getpeercert(True), tls.recv(100))
            except Exception as exc:  # noqa: BLE001
                r["client"] = exc
    finally:
        thread.join(30)
        listener.close()
    assert not thread.is_alive()
    return results


def test_fasttls_both_ends():
    [r] = exchange(psk_server(), psk_client())
    # No certificate on either side: the PSK authenticates both (RFC 8446 2.2); as
    # OpenSSL, a PSK handshake counts as reused.
    assert r["server"] == ("TLSv1.3", "TLS_AES_128_GCM_SHA256", True, None)
    assert r["client"] == ("TLSv1.3", "TLS_AES_128_GCM_SHA256", True, None, b"PSK")


def test_wrong_key_fails_the_binder():
    [r] = exchange(psk_server({"client1": OTHER_KEY}), psk_client())
    assert isinstance(r["server"], fasttls.FastTLSError) and r["server"].reason == "BINDER_DOES_NOT_VERIFY"
    assert isinstance(r["client"], AlertReceived) and "DECRYPT_ERROR" in str(r["client"])


def test_unknown_identity_falls_back_to_certificates(files):
    """An identity the server's callback does not know (empty key) is no PSK: the handshake
    goes on with certificates, verified as usual."""
    server = psk_server()
    server.load_cert_chain(files.cert, files.key)
    client = psk_client(identity="stranger")
    client.verify_mode = ssl.CERT_REQUIRED
    client.load_verify_locations(files.ca)
    [r] = exchange(server, client)
    assert r["server"][2] is False
    assert r["client"][2] is False and r["client"][3]  # the server's certificate


def test_server_without_psk_callback_ignores_the_offer(files):
    server = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(files.cert, files.key)
    [r] = exchange(server, psk_client())
    assert r["client"][2] is False and r["client"][3]


def test_an_empty_key_offers_no_psk():
    [r] = exchange(psk_server(), psk_client(key=b""))
    # No PSK and no certificate: nothing the server can use (as ssl: a handshake failure).
    assert isinstance(r["server"], fasttls.FastTLSError)
    assert isinstance(r["client"], AlertReceived) and "HANDSHAKE_FAILURE" in str(r["client"])


def test_sha384_suite_preference_gives_way_to_the_psk():
    """The key is a SHA-256 one: a server that would pick TLS_AES_256_GCM_SHA384 picks a
    SHA-256 suite instead when a PSK identity matches (OpenSSL does the same)."""
    server = psk_server()
    server.options |= fasttls.OP_CIPHER_SERVER_PREFERENCE
    server.set_ciphersuites("TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256")
    [r] = exchange(server, psk_client())
    assert r["client"][:3] == ("TLSv1.3", "TLS_AES_128_GCM_SHA256", True)


def test_a_ticket_and_the_psk_offered_together():
    """After a PSK handshake the server's ticket is offered first, the PSK after it; the
    server resumes the ticket (RFC 8446 4.2.11: identities in the client's order)."""
    client = psk_client()
    offered: list = []
    client._psk_client_callback = lambda hint: offered.append(hint) or ("client1", KEY)
    server = psk_server()
    taken: list = []
    callback = server._psk_server_callback
    server.set_psk_server_callback(lambda identity: taken.append(identity) or callback(identity))
    r1, r2 = exchange(server, client, connections=2)
    assert r1["client"][2] is True and r2["client"][2] is True
    assert client.session_stats()["hits"] == 2
    # The second ClientHello offered the ticket and the PSK; the server, trying tickets
    # first, resumed the ticket (the callback still saw the identity when it looked).
    assert offered == [None, None] and taken == ["client1", "client1"]


def test_callback_arguments_and_errors(monkeypatch):
    seen: list = []
    reported: list = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append((type(u).__name__, u.exc_type)))
    client = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    client.set_psk_client_callback(lambda hint: seen.append(hint) or ("client1", KEY))
    server = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    server.set_psk_server_callback(lambda identity: seen.append(identity) or KEY, "a hint")
    [r] = exchange(server, client)
    assert r["client"][2] is True
    assert seen == [None, "client1"]  # TLS 1.3 sends no identity hint
    # As ssl: an exception in a callback is reported and no PSK is used (new client
    # contexts: the first one holds a ticket now).
    client = psk_client()
    client.set_psk_client_callback(lambda hint: 1 / 0)
    [r] = exchange(server, client)
    assert isinstance(r["client"], ssl.SSLError)
    server.set_psk_server_callback(lambda identity: "not bytes")
    [r] = exchange(server, psk_client())
    assert isinstance(r["server"], ssl.SSLError)
    # The hook's argument is the interpreter's own type, which the default hook takes.
    assert reported == [("UnraisableHookArgs", ZeroDivisionError), ("UnraisableHookArgs", TypeError)]


def test_identity_must_not_be_empty_in_tls13():
    [r] = exchange(psk_server(), psk_client(identity=None))
    assert isinstance(r["client"], fasttls.FastTLSError) and "non-empty PSK identity" in str(r["client"])


def test_context_checks_as_ssl():
    with pytest.raises(ssl.SSLError, match="Cannot add PSK client callback to a PROTOCOL_TLS_SERVER context"):
        fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER).set_psk_client_callback(lambda hint: ("a", KEY))
    with pytest.raises(ssl.SSLError, match="Cannot add PSK server callback to a PROTOCOL_TLS_CLIENT context"):
        fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT).set_psk_server_callback(lambda identity: KEY)
    server = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    with pytest.raises(TypeError, match="callback must be callable"):
        server.set_psk_server_callback(5)
    with pytest.raises(TypeError, match="identity_hint"):
        server.set_psk_server_callback(None, 5)
    with pytest.raises(ValueError, match="failed to set identity hint"):
        server.set_psk_server_callback(None, "h" * 300)
    server.set_psk_server_callback(None)
    assert fasttls.HAS_PSK is True


@pytest.mark.parametrize("groups", [[], ["-groups", "P-256"]], ids=["one-round-trip", "hello-retry-request"])
def test_fasttls_client_against_openssl(groups):
    """After a HelloRetryRequest the binder covers the first exchange (RFC 8446 4.2.11.2)."""
    with openssl_server(["-nocert", "-psk", KEY.hex(), "-psk_identity", "client1", "-rev", *groups]) as srv:
        with psk_client().wrap_socket(socket.create_connection(("127.0.0.1", srv.port), timeout=10)) as tls:
            tls.sendall(b"hello\n")
            assert tls.recv(100) == b"olleh\n"
            assert tls.session_reused is True and tls.getpeercert(True) is None
            assert tls.connection.hello_retry_request is bool(groups)


def test_fasttls_client_wrong_key_against_openssl():
    with openssl_server(["-nocert", "-psk", OTHER_KEY.hex(), "-psk_identity", "client1", "-rev"]) as srv:
        with pytest.raises(AlertReceived, match="ILLEGAL_PARAMETER"):  # OpenSSL's alert for a bad binder
            psk_client().wrap_socket(socket.create_connection(("127.0.0.1", srv.port), timeout=10))
        srv.wait_for("BINDER_DOES_NOT_VERIFY|binder does not verify")


@pytest.mark.parametrize("suite", ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"])
def test_openssl_client_against_fasttls(suite):
    server = psk_server()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    seen: dict = {}

    def serve() -> None:
        raw, _ = listener.accept()
        raw.settimeout(10)
        try:
            with server.wrap_socket(raw, server_side=True) as tls:
                seen["reused"] = tls.session_reused
                seen["cipher"] = tls.cipher()[0]
                tls.sendall(tls.recv(100)[::-1])
                tls.recv(100)  # until the client goes
        except Exception as exc:  # noqa: BLE001
            seen["error"] = exc

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        args = ["-psk", KEY.hex(), "-psk_identity", "client1", "-tls1_3", "-ciphersuites", suite]
        with openssl_client(listener.getsockname()[1], args) as cli:
            cli.send(b"abc\n")
            cli.wait_for(r"\ncba")
            assert f"Reused, TLSv1.3, Cipher is {suite}" in cli.text()
            cli.close_stdin()
            cli.wait()
    finally:
        thread.join(30)
        listener.close()
    assert seen == {"reused": True, "cipher": suite}


def test_odd_callback_results_mean_no_psk_as_in_ssl(files):
    """What OpenSSL's callbacks cannot take (an identity over 256 bytes or not UTF-8, a key
    over 512 bytes) is no PSK, and the handshake goes on with certificates, as in ssl."""
    server = psk_server({"client1": KEY, "big": b"k" * 600})
    server.load_cert_chain(files.cert, files.key)
    for identity, key in [("x" * 300, KEY), ("client1", b"k" * 600), ("client\udc80", KEY), ("big", KEY)]:
        [r] = exchange(server, psk_client(identity=identity, key=key))
        assert r["client"][2] is False and r["client"][3], (identity, r)  # a certificate handshake


def test_sans_io_callbacks_must_return_buffers():
    """On the Config API a key must be a buffer: ``bytes(True)`` or ``bytes(32)`` would make
    a zero key anyone knowing the identity could use, so an int or bool fails the handshake."""
    from fasttls.config import Config
    from fasttls.connection import Connection

    for bad in (True, 32):
        server = Connection(Config(psk_server_callback=lambda identity, bad=bad: bad), server_side=True)
        client = Connection(Config(verify_peer=False, psk_client_callback=lambda hint: ("alice", b"\x00" * 32)), server_side=False)
        client.start()
        server.start()
        with pytest.raises(fasttls.FastTLSError, match="psk_server_callback failed"):
            server.receive_data(client.data_to_send())
        assert not server.handshake_complete


def test_the_key_is_dropped_whatever_the_handshake_did(files):
    """RFC 8446 7.1: the PSK goes once the Early Secret is made, and from a connection that
    did not use it too: a server that resumed a ticket instead, a client that got TLS 1.2,
    a handshake that failed."""
    import gc
    import types

    def holds_key(tls) -> bool:
        """KEY reachable from the connection, short of the application's own callbacks
        (its Config and context hold them, and their closures the key)."""
        seen, frontier = {id(tls.connection)}, [tls.connection]
        while frontier:
            nxt = []
            for obj in frontier:
                if isinstance(obj, (bytes, bytearray)):
                    if KEY in obj:
                        return True
                    continue
                if isinstance(obj, (type, types.ModuleType, types.FunctionType, fasttls.Config, ssl.SSLContext)):
                    continue
                for ref in gc.get_referents(obj):
                    if id(ref) not in seen:
                        seen.add(id(ref))
                        nxt.append(ref)
            frontier = nxt
        return False

    client = psk_client()
    server = psk_server()
    kept = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def serve(n):
        for _ in range(n):
            raw, _ = listener.accept()
            raw.settimeout(10)
            try:
                with server.wrap_socket(raw, server_side=True) as tls:
                    tls.sendall(tls.recv(10))
                    kept.append(holds_key(tls))
            except ssl.SSLError:
                kept.append("failed")

    thread = threading.Thread(target=serve, args=(2,))
    thread.start()
    try:
        for _ in range(2):  # the second offers [ticket, PSK] and the server resumes the ticket
            with client.wrap_socket(socket.create_connection(listener.getsockname(), timeout=10), server_hostname="localhost") as tls:
                tls.sendall(b"x")
                assert tls.recv(10) == b"x"
                assert not holds_key(tls)
    finally:
        thread.join(30)
        listener.close()
    assert kept == [False, False]
    # A client that got TLS 1.2 (no PSK there), and one whose handshake failed.
    tls12 = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    tls12.load_cert_chain(files.cert, files.key)
    tls12.maximum_version = fasttls.TLSVersion.TLSv1_2
    nobody = psk_server({})
    for server_ctx in (tls12, nobody):
        a, b = socket.socketpair()
        a.settimeout(10)
        b.settimeout(10)
        t = threading.Thread(target=lambda: _quietly(lambda: server_ctx.wrap_socket(a, server_side=True).recv(1)))
        t.start()
        c = psk_client().wrap_socket(b, server_hostname="localhost", do_handshake_on_connect=False)
        try:
            c.do_handshake()
        except ssl.SSLError:
            pass
        assert not holds_key(c)
        c.close()
        t.join(30)
        a.close()


def _quietly(fn) -> None:
    try:
        fn()
    except (ssl.SSLError, OSError):
        pass


# Python 3.13's ssl has the same callbacks (on OpenSSL's): where the running ssl has them
# (CI runs the suite on 3.13 too), fasttls meets it on either side.
def _ssl_psk_client(identity="client1", key=KEY):
    from fasttls.context import _StdSSLContext

    ctx = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_psk_client_callback(lambda hint: (identity, key))
    return ctx


def _ssl_psk_server(table=None):
    from fasttls.context import _StdSSLContext

    table = {"client1": KEY} if table is None else table
    ctx = _StdSSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_psk_server_callback(lambda identity: table.get(identity, b""))
    return ctx


def _against_pythons_own_psk():
    # OpenSSL's server picks a SHA-256 suite for its callbacks' keys (ChaCha20 first here).
    [r] = exchange(_ssl_psk_server(), psk_client())
    assert r["client"][0] == "TLSv1.3" and r["client"][2:] == (True, None, b"PSK"), r
    [r] = exchange(psk_server(), _ssl_psk_client())
    assert r["server"] == ("TLSv1.3", "TLS_AES_128_GCM_SHA256", True, None), r
    [r] = exchange(psk_server({"client1": OTHER_KEY}), _ssl_psk_client())
    assert isinstance(r["server"], fasttls.FastTLSError) and r["server"].reason == "BINDER_DOES_NOT_VERIFY"
    [r] = exchange(_ssl_psk_server({"client1": OTHER_KEY}), psk_client())
    assert isinstance(r["client"], AlertReceived) and "ILLEGAL_PARAMETER" in str(r["client"])  # OpenSSL's alert


if getattr(ssl, "HAS_PSK", False):  # defined where it can run, not skipped elsewhere
    test_against_pythons_own_psk = _against_pythons_own_psk

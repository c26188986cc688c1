"""Cryptographic hygiene (issue 8): secrets dropped when no longer needed, never logged,
compared in constant time, randomness only from the OS.

The key log callback tells the test every secret a handshake made; the test
then looks for those bytes in the connection's object graph after the
handshake and in everything the ``fasttls`` loggers printed at DEBUG.
"""

from __future__ import annotations

import ast
import gc
import logging
import os
import pathlib
import ssl
import sys
import types
import weakref

import pytest

from fasttls.config import Config
from fasttls.constants import AlertDescription, ProtocolVersion
from fasttls.errors import (
    AlertReceived,
    SSLCertVerificationError,
    SSLEOFError,
    SSLError,
    SSLZeroReturnError,
    TLSError,
    fresh_copy,
)

from .compat import files  # noqa: F401 - fixture
from .pairs import do_handshake, exchange, make_pair
from .test_ssl_compat import _handshake, _pump, client, fasttls_server

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "fasttls"


def reachable_bytes(root, depth: int = 30) -> set[bytes]:
    """Every bytes/bytearray value reachable from ``root`` through Python containers and objects."""
    # Each object goes into a frontier once: marking objects only when they were visited
    # let one level repeat an object once per path to it, and on Python 3.12 a level
    # grew past 20 GiB.
    # Modules' namespaces are not the connection's: through a function's globals the walk
    # reached the whole interpreter (on Python 3.12, after the HTTP client tests, past
    # 20 GiB).  fasttls keeps no secret at module level.
    seen: set[int] = {id(root)} | {id(vars(m)) for m in list(sys.modules.values()) if m is not None}
    found: set[bytes] = set()
    frontier = [root]
    for _ in range(depth):
        nxt = []
        for obj in frontier:
            if isinstance(obj, (bytes, bytearray, memoryview)):
                try:
                    found.add(bytes(obj))
                except ValueError:
                    pass  # a released memoryview holds nothing
                continue
            if isinstance(obj, (str, int, float, type, types.ModuleType)) or obj is None:
                continue
            for ref in _referents(obj):
                if id(ref) not in seen:
                    seen.add(id(ref))
                    nxt.append(ref)
        frontier = nxt
    return found


def _referents(obj) -> list:
    """What ``obj`` refers to: gc's referents and its slots' values."""
    out = list(gc.get_referents(obj))
    for slot in getattr(type(obj), "__slots__", ()):
        try:
            out.append(getattr(obj, slot))
        except AttributeError:
            pass
    return out


def handshake_with_keylog(pki, version):
    lines: list[str] = []
    cc = Config(trust_store=pki.store, min_version=version, max_version=version, keylog=lines.append)
    sc = Config(certificates=[pki.server()], min_version=version, max_version=version, keylog=lines.append)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    secrets = {}
    for line in lines:
        label, _, secret = line.split()
        secrets.setdefault(label, set()).add(bytes.fromhex(secret))
    return c, s, secrets


def test_reachable_bytes_finds_a_nested_secret():
    """The walker below sees bytes held deep in objects, dicts, lists and slots."""

    class Slotted:
        __slots__ = ("value",)

    class Plain:
        pass

    secret = os.urandom(32)
    inner = Slotted()
    inner.value = {"k": [(1, bytearray(secret))]}
    outer = Plain()
    outer.a = Plain()
    outer.a.b = inner
    assert secret in reachable_bytes(outer)


def test_handshake_traffic_secrets_are_dropped_when_the_handshake_completes(pki):
    """TLS 1.3: after the handshake nothing reachable from either connection holds a
    handshake traffic secret (RFC 8446 7.1; issue 8: drop secrets after key derivation).
    What stays is what later steps need: the current application traffic secrets (for
    KeyUpdate) and the exporter secret."""
    c, s, secrets = handshake_with_keylog(pki, ProtocolVersion.TLS13)
    gone = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET"}
    assert gone <= set(secrets)
    for conn in (c, s):
        held = reachable_bytes(conn)
        assert secrets["CLIENT_TRAFFIC_SECRET_0"] & held  # the walker does reach the key material
        for label in gone:
            assert not (secrets[label] & held), f"{label} still reachable from the {'server' if conn.server_side else 'client'}"
    # After a key update in each direction, the generation-0 application secrets are gone too.
    c.key_update(request_peer=True)
    s.receive_data(c.data_to_send())
    c.receive_data(s.data_to_send())
    for conn in (c, s):
        held = reachable_bytes(conn)
        for label in ("CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"):
            assert not (secrets[label] & held), f"{label} kept after the key update"


@pytest.mark.parametrize("version", [ProtocolVersion.TLS13, ProtocolVersion.TLS12])
def test_no_secret_in_debug_logs(pki, version, caplog):
    caplog.set_level(logging.DEBUG, logger="fasttls")
    c, s, secrets = handshake_with_keylog(pki, version)
    c.send(b"application data")
    s.receive_data(c.data_to_send())
    if version == ProtocolVersion.TLS13:
        c.key_update(request_peer=True)
        s.receive_data(c.data_to_send())
    text = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    assert caplog.records, "the trace logger printed nothing at DEBUG"
    for label, values in secrets.items():
        for secret in values:
            assert secret.hex() not in text and secret.hex().upper() not in text, f"{label} in the debug log"


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")) + sorted(PACKAGE.rglob("*.pyx")):
        yield path, path.read_text()


def test_randomness_only_from_the_os():
    """os.urandom / secrets only: no ``random`` module anywhere in the package."""
    for path, text in _sources():
        if path.suffix != ".py":
            assert "import random" not in text, path
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                assert all(a.name != "random" for a in node.names), f"{path}:{node.lineno} imports random"
            elif isinstance(node, ast.ImportFrom):
                assert node.module != "random", f"{path}:{node.lineno} imports from random"


SECRET_WORDS = ("verify_data", "binder", "finished", "mac", "tag")


def test_secret_comparisons_are_constant_time():
    """No ``==``/``!=`` between values named like Finished data, binders, MACs or tags:
    those go through hmac.compare_digest (RFC 8446 4.4.4 and 4.2.11; timing side channels)."""
    offenders = []
    for path, text in _sources():
        if path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.Compare) or not any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
                continue
            for operand in [node.left, *node.comparators]:
                name = ast.unparse(operand).lower()
                if isinstance(operand, ast.Constant) or name.startswith("alertdescription."):
                    continue
                if any(w in name.split(".")[-1].split("[")[0] for w in SECRET_WORDS) and "len(" not in name and "type" not in name:
                    offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {ast.unparse(node)}")
    assert not offenders, "\n".join(offenders)
    # And the constant-time comparisons are there.
    common = (PACKAGE / "handshake" / "common.py").read_text()
    server13 = (PACKAGE / "handshake" / "server13.py").read_text()
    assert "hmac.compare_digest(expected, received)" in common
    assert "hmac.compare_digest(expected, self.client_hello.psk_binders[i])" in server13


def test_session_ticket_keys_and_nonces_come_from_the_os(monkeypatch):
    """Ticket keys (made on first use) and each ticket's nonce are drawn from os.urandom."""
    from fasttls import tickets

    calls = []
    real = os.urandom

    def counting(n):
        calls.append(n)
        return real(n)

    monkeypatch.setattr(os, "urandom", counting)
    keys = tickets.TicketKeys()
    sealed = keys.seal(b"session state")
    assert 32 in calls, calls  # the AES-256-GCM ticket key
    before = len(calls)
    keys.seal(b"session state")
    assert len(calls) > before  # a fresh nonce per ticket
    assert keys.open(sealed) == b"session state"


@pytest.fixture
def gc_off():
    """The cyclic GC off for the test (and a collection before and after): what the test
    drops must go by reference counting alone.  Yields a check that takes weak
    references to the dropped objects and fails naming those still alive."""

    def assert_freed(refs):
        alive = [type(r()).__name__ for r in refs if r() is not None]
        assert not alive, f"kept alive by a reference cycle: {alive}"

    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield assert_freed
    finally:
        gc.collect()
        if enabled:
            gc.enable()


@pytest.mark.parametrize("resume", [False, True], ids=["full", "resumed"])
@pytest.mark.parametrize("version", [ProtocolVersion.TLS13, ProtocolVersion.TLS12], ids=["tls13", "tls12"])
def test_a_dropped_connection_is_freed_at_once(pki, version, resume, gc_off):
    """Reference counting alone frees a connection, its handshake state machines and the
    secrets they hold: no reference cycle leaves them for the cyclic GC (which may run
    much later, or never while it is disabled).  Checked with the GC off, after a full
    or resumed handshake, application data both ways and, in TLS 1.3, a KeyUpdate."""
    cc = Config(trust_store=pki.store, min_version=version, max_version=version)
    sc = Config(certificates=[pki.server()], min_version=version, max_version=version)
    if resume:  # a first connection fills the client's session cache
        c, s = make_pair(cc, sc)
        do_handshake(c, s)
        exchange(s, c, b"tickets travel with the first data")
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    assert exchange(c, s, b"ping") == b"ping"
    assert exchange(s, c, b"pong") == b"pong"
    assert c.session_reused is resume and s.session_reused is resume
    if version == ProtocolVersion.TLS13:
        c.key_update(request_peer=True)
        s.receive_data(c.data_to_send())
        c.receive_data(s.data_to_send())
    refs = []
    for conn in (c, s):
        hs = conn._handshake
        refs += [weakref.ref(o) for o in (conn, hs, hs.state13, hs.state12) if o is not None]
    assert len(refs) == 6
    del c, s, conn, hs
    gc_off(refs)


def test_a_dropped_sslobject_is_freed_at_once(files, gc_off):
    """The same through the ``ssl``-compatible facade: ``wrap_bio`` objects on both sides
    (asyncio's path) and their connections go with their last reference."""
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c = client(files).wrap_bio(bios[0], bios[1], server_hostname="localhost")
    s = fasttls_server(files).wrap_bio(bios[2], bios[3], server_side=True)
    _handshake(c, s, bios)
    c.write(b"ping")
    _pump(c, s, *bios)
    assert s.read(100) == b"ping"
    s.write(b"pong")
    _pump(c, s, *bios)
    assert c.read(100) == b"pong"
    refs = [weakref.ref(o) for o in (c, s, c._conn, s._conn, c._conn._handshake, s._conn._handshake)]
    del c, s, bios
    gc_off(refs)


@pytest.mark.parametrize("how", ["bad-certificate", "eof-mid-handshake"])
def test_a_failed_connection_is_freed_at_once(pki, how, gc_off):
    """A connection that failed keeps its error and raises it again (a new object of the
    same type and message each time), but neither the raised error's traceback nor its
    suspended handshake keeps it alive: it goes with its last reference too."""
    cc = Config(trust_store=pki.store)
    sc = Config(certificates=[pki.server()])
    c, s = make_pair(cc, sc, server_hostname="localhost" if how == "eof-mid-handshake" else "wrong.example")
    c.start()
    s.receive_data(c.data_to_send())
    if how == "bad-certificate":
        with pytest.raises(SSLCertVerificationError) as first:
            c.receive_data(s.data_to_send())
        with pytest.raises(AlertReceived):
            s.receive_data(c.data_to_send())  # the client's bad_certificate alert
    else:
        with pytest.raises(SSLEOFError) as first:
            s.receive_eof()  # the client went away after its ClientHello
    failed = c if how == "bad-certificate" else s
    with pytest.raises(type(first.value)) as again:
        failed.receive_data(b"")
    assert str(again.value) == str(first.value) and again.value is not first.value
    # Both sides failed on a bad certificate (the server by the client's alert); after an
    # EOF only the server did (the client is merely abandoned mid-handshake).
    refs = []
    for conn in (c, s) if how == "bad-certificate" else (s,):
        hs = conn._handshake
        refs += [weakref.ref(o) for o in (conn, hs, hs.state13, hs.state12) if o is not None]
    del c, s, conn, hs, failed, first, again  # the raised errors' tracebacks hold the frames
    gc_off(refs)


@pytest.mark.parametrize(
    "error",
    [
        TLSError(AlertDescription.decode_error, "ClientHello truncated"),
        AlertReceived(AlertDescription.handshake_failure),
        SSLCertVerificationError(AlertDescription.bad_certificate, "unable to get local issuer certificate (no anchor)", 20, "unable to get local issuer certificate"),
        SSLEOFError("EOF occurred in violation of protocol (handshake not complete)"),
        SSLZeroReturnError(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_the_error_a_failed_connection_raises_again_is_the_same_error(error):
    """``fresh_copy`` (what a failed connection keeps and raises again) rebuilds the same
    error: type, message and the fields callers read, with no traceback."""
    try:
        raise error
    except SSLError as exc:
        copy = fresh_copy(exc)
    assert copy is not error and type(copy) is type(error) and copy.__traceback__ is None
    assert str(copy) == str(error) and copy.args == error.args
    for field in ("alert", "reason", "library", "verify_code", "verify_message"):
        assert getattr(copy, field, None) == getattr(error, field, None), field


@pytest.mark.parametrize("side", ["client", "server"])
def test_a_connection_closed_mid_handshake_is_freed_at_once(pki, side, gc_off):
    """``close()`` before the handshake completed ends the handshake: its suspended
    generator and its secrets (our key share) go with the connection's last reference,
    and a handshake message that still arrives is an error, as ``ssl``'s "shutdown
    while in init", not a handshake carried on after our close_notify."""
    c, s = make_pair(Config(trust_store=pki.store), Config(certificates=[pki.server()]))
    c.start()
    hello = c.data_to_send()
    s.receive_data(hello)  # the server now waits for the client's Finished
    flight = s.data_to_send()
    closing, peer_bytes = (c, flight) if side == "client" else (s, b"")
    hs = closing._handshake
    assert hs.connection() is closing and (hs.key_shares if side == "client" else hs.state13.client_share)
    closing.close()
    for obj in (hs, hs.state13):  # the links back and the key shares are gone
        assert obj is None or all(obj.__dict__.get(name) is None for name in ("conn", "share", "client_share", "key_shares"))
    close_notify = closing.data_to_send()
    assert close_notify  # the alert went out (in the clear or under handshake keys)
    if side == "client":
        with pytest.raises(SSLError, match="handshake was abandoned"):
            c.receive_data(peer_bytes)  # the server's flight, after our close_notify
    else:
        c.receive_data(flight + close_notify)  # the client reads the flight, then the close
        assert c.peer_closed
    refs = [weakref.ref(o) for o in (closing, hs, hs.state13, hs.state12) if o is not None]
    del c, s, closing, hs, obj
    gc_off(refs)


@pytest.mark.parametrize(
    "message",
    [b"\x02" + (70000).to_bytes(3, "big"), b"\x02\x00\x00\x01\x00", b"\x0b" + (70000).to_bytes(3, "big")],
    ids=["oversized", "truncated", "oversized-other-type"],
)
def test_a_message_after_an_abandoned_handshake_is_refused_alike(pki, message):
    """After close() mid-handshake every handshake message is the same error, whatever
    its size or shape (the type the dead handshake last waited for used to decide)."""
    c, _ = make_pair(Config(trust_store=pki.store), Config(certificates=[pki.server()]))
    c.start()
    c.data_to_send()
    c.close()
    with pytest.raises(SSLError, match="handshake was abandoned"):
        c.receive_data(b"\x16\x03\x03" + len(message).to_bytes(2, "big") + message)


@pytest.mark.parametrize("side", ["client", "server"])
def test_a_connection_dropped_mid_handshake_is_freed_at_once(pki, side, gc_off):
    """Without close(): the handshake holds its connection weakly (and its version's
    state its handshake), so dropping the last reference to a connection whose
    handshake waits for the peer frees it, its suspended generator and its key shares."""
    c, s = make_pair(Config(trust_store=pki.store), Config(certificates=[pki.server()]))
    c.start()
    hello = c.data_to_send()  # the client waits for the ServerHello
    if side == "client":
        dropped, hs = c, c._handshake
        assert hs.key_shares  # our ephemeral key share, held by the handshake alone
        objects = [dropped, hs]
    else:
        s.receive_data(hello)  # the server waits for the client's Finished
        dropped, hs = s, s._handshake
        assert hs.state13.handshake_secret  # a key schedule stage, held by the state alone
        objects = [dropped, hs, hs.state13]
    assert not dropped.handshake_complete and dropped._gen is not None
    refs = [weakref.ref(o) for o in objects]
    del c, s, dropped, hs, objects
    gc_off(refs)


def test_a_socket_closed_mid_handshake_is_freed_at_once(files, gc_off):
    """The same through the socket facade: a client whose handshake timed out against a
    silent server, then closed, goes at once with its connection (nothing sent, as ssl)."""
    import socket

    listener = socket.create_server(("127.0.0.1", 0))
    raw = socket.create_connection(listener.getsockname(), timeout=0.2)
    peer, _ = listener.accept()
    try:
        tls = client(files).wrap_socket(raw, server_hostname="localhost", do_handshake_on_connect=False)
        with pytest.raises(TimeoutError):
            tls.do_handshake()
        conn = tls._conn
        refs = [weakref.ref(o) for o in (tls, conn, conn._handshake, conn._handshake.state13) if o is not None]
        tls.close()
        assert peer.recv(4096)[:1] == b"\x16"  # the ClientHello went out; after it, nothing
        peer.settimeout(0.2)
        assert peer.recv(4096) == b""
        del tls, conn
        gc_off(refs)
    finally:
        peer.close()
        listener.close()


def test_an_sslobject_dropped_mid_handshake_is_freed_at_once(files, gc_off):
    """asyncio drops its ``SSLObject`` when a handshake times out or the transport is
    lost: the connection it drove, with the suspended handshake and its key shares,
    goes with it."""
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c = client(files).wrap_bio(bios[0], bios[1], server_hostname="localhost")
    s = fasttls_server(files).wrap_bio(bios[2], bios[3], server_side=True)
    with pytest.raises(ssl.SSLWantReadError):
        c.do_handshake()
    bios[2].write(bios[1].read())
    with pytest.raises(ssl.SSLWantReadError):
        s.do_handshake()  # the server sent its flight and waits for the client's Finished
    refs = []
    for obj in (c, s):
        conn = obj._conn
        assert not conn.handshake_complete and conn._handshake.connection() is conn
        refs += [weakref.ref(o) for o in (obj, conn, conn._handshake, conn._handshake.state13) if o is not None]
    assert len(refs) == 7  # the client has no TLS 1.3 state before the ServerHello
    del c, s, obj, conn, bios
    gc_off(refs)


def test_a_connection_its_facade_lets_go_of_is_freed_at_once(files, gc_off):
    """``unwrap()`` and ``detach()`` drop the facade's connection while the facade lives
    on: the connection's weak reference to its owner (and that reference's callback,
    which ends an unfinished handshake when the facade goes) must not hold it."""
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c = client(files).wrap_bio(bios[0], bios[1], server_hostname="localhost")
    s = fasttls_server(files).wrap_bio(bios[2], bios[3], server_side=True)
    _handshake(c, s, bios)
    refs = [weakref.ref(c._conn), weakref.ref(c._conn._handshake)]
    c._conn = None  # what unwrap() and detach() do once they are done with it
    gc_off(refs)
    assert c.pending() == 0  # the facade itself lives on


def _kept_locals(exc: BaseException) -> list:
    """What a kept exception holds: its frames' local variables, down its traceback."""
    out: list = []
    tb = exc.__traceback__
    while tb is not None:
        out.append(dict(tb.tb_frame.f_locals))
        tb = tb.tb_next
    return out


def _record_protectors(root, kinds=("RecordSealer", "RecordOpener")) -> list:
    """The record sealers and openers (AEAD keys inside), or other ``kinds`` of our
    objects, reachable from ``root``."""
    import fasttls.record.aead as pure

    # Module namespaces are left out, as in reachable_bytes (the whole interpreter is
    # behind them).
    seen = {id(root)} | {id(vars(m)) for m in list(sys.modules.values()) if m is not None}
    stack, found = [root], []
    while stack:
        obj = stack.pop()
        if isinstance(obj, (str, bytes, int, float, type, types.ModuleType)) or obj is None:
            continue
        if type(obj).__name__ in kinds:
            found.append(obj)
        if type(obj).__module__ not in ("builtins", pure.__name__) and not type(obj).__module__.startswith("fasttls"):
            continue  # others' objects (cryptography's, the socket module's): not ours to walk
        for ref in _referents(obj):
            if id(ref) not in seen:
                seen.add(id(ref))
                stack.append(ref)
    return found


def test_a_kept_handshake_error_holds_no_secret(files, tmp_path):
    """Applications keep exceptions (urllib3's retry history, futures, error lists), and a
    traceback keeps its frames' locals, the connection among them.  ssl frees its SSL object
    on close whatever the application keeps; a failed connection here drops its keys and
    secrets when it fails, so a kept verification error (TLS 1.3: the handshake secrets
    exist by then) reaches none of them."""
    import socket

    from .test_ssl_compat import echo_server, ssl_server

    ctx = client(files)
    ctx.keylog_filename = str(tmp_path / "keys.log")
    with echo_server(ssl_server(files, files.untrusted_cert, files.untrusted_key)) as srv:
        raw = socket.create_connection(("127.0.0.1", srv.port), timeout=20)
        try:
            with pytest.raises(SSLCertVerificationError) as info:
                ctx.wrap_socket(raw, server_hostname="localhost")
        finally:
            raw.close()
    kept = _kept_locals(info.value)
    lines = [line for line in (tmp_path / "keys.log").read_text().splitlines() if line and not line.startswith("#")]
    # Held as text: on Python 3.10 the walk reaches this frame's own locals (the error's
    # traceback starts here), and would find the secrets as this test holds them.
    secrets_hex = {line.split()[-1].lower() for line in lines}
    assert len(secrets_hex) >= 1
    assert any(type(v).__name__ == "Connection" for frame in kept for v in frame.values())  # the walk does reach it
    reached_hex = {b.hex() for b in reachable_bytes(kept)}
    assert not (secrets_hex & reached_hex), "a kept error still reaches a secret of its connection"
    assert _record_protectors(kept) == []


@pytest.mark.parametrize("version", [ProtocolVersion.TLS13, ProtocolVersion.TLS12])
def test_a_connection_that_failed_after_the_handshake_holds_no_secret(pki, version):
    """A damaged record after the handshake: the connection fails, and holds none of its
    traffic, exporter or master secrets, nor its record keys, from then on."""
    c, s, secrets = handshake_with_keylog(pki, version)
    s.send(b"hello")
    record = bytearray(s.data_to_send())
    record[-1] ^= 1
    with pytest.raises(TLSError):
        c.receive_data(bytes(record))
    every = set().union(*secrets.values())
    assert every & reachable_bytes(s)  # the healthy side still has its own
    assert not (every & reachable_bytes(c))
    assert _record_protectors(s)  # the walk does reach a healthy side's
    assert _record_protectors(c) == []
    with pytest.raises(TLSError):
        c.send(b"after the failure")  # refused, never sent in the clear
    with pytest.raises(AlertReceived) as alert:
        s.receive_data(c.data_to_send())  # only the alert, sealed before the keys went
    assert alert.value.alert == AlertDescription.bad_record_mac
    # RFC 5246 7.2.2: a session that ended in a fatal alert is not resumed (OpenSSL: either version).
    assert c.session is None and c.config.session_cache.get(c.server_hostname) is None


@pytest.mark.parametrize("version", [ProtocolVersion.TLS13, ProtocolVersion.TLS12])
@pytest.mark.parametrize("how", ["bad record", "no close_notify"])
def test_a_failed_connection_refuses_to_export_keying_material(pki, version, how):
    """With its secrets gone, a failed connection (a damaged record, or a transport that
    closed without close_notify) says so when asked for keying material (RFC 5705/8446
    7.5 exporters, tls-exporter channel bindings), instead of a TypeError from the KDF."""
    c, s, _ = handshake_with_keylog(pki, version)
    assert len(c.export_keying_material(b"EXPORTER-test", None, 32)) == 32
    if how == "bad record":
        s.send(b"hello")
        record = bytearray(s.data_to_send())
        record[-1] ^= 1
        with pytest.raises(TLSError):
            c.receive_data(bytes(record))
    else:
        with pytest.raises(ssl.SSLEOFError):
            c.receive_eof()
    with pytest.raises(ssl.SSLError, match="cannot export keying material: the connection failed"):
        c.export_keying_material(b"EXPORTER-test", None, 32)


def test_a_kept_connect_error_holds_no_key_share(files):
    """connect() on a wrapped socket, and the server resets after the ClientHello: the
    kept ConnectionResetError reaches no key share (their private keys); the connection's
    handshake run ends when connect() fails, as when the socket is closed."""
    import socket
    import struct

    from .test_ssl_compat import one_connection

    def serve(raw):
        raw.recv(65536)  # the ClientHello
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    with one_connection(serve) as (port, _):
        with client(files).wrap_socket(socket.socket(), server_hostname="localhost") as s:
            s.settimeout(20)
            with pytest.raises(ConnectionResetError) as info:
                s.connect(("127.0.0.1", port))
    kept = _kept_locals(info.value)
    assert any(type(v).__name__ == "Connection" for frame in kept for v in frame.values())
    assert _record_protectors(kept, kinds=("KeyShare",)) == []


def _freed_without_the_cyclic_gc(fail) -> bool:
    """Whether the exception ``fail()`` raises is free of its own traceback (as ssl's
    errors are).  One raised from a local variable is kept alive by that traceback: error,
    traceback, frame, the local; with the frame's other locals (the socket, the connection
    and its keys) it waits for the cyclic GC.  (ssl.SSLError takes no weak reference, so
    the frames are searched.)"""
    try:
        fail()
    except Exception as exc:
        tb = exc.__traceback__.tb_next  # (the first frame is this one, which holds ``exc``)
        while tb is not None:
            if any(value is exc for value in tb.tb_frame.f_locals.values()):
                return False
            tb = tb.tb_next
        return True
    raise AssertionError("nothing was raised")  # pragma: no cover - the test's own mistake


def test_raised_errors_hold_no_reference_cycle(pki, tmp_path, monkeypatch):
    import fasttls
    from cryptography.hazmat.primitives.serialization import Encoding

    from fasttls.verify import TrustStore

    from .test_security_level import rsa_leaf

    empty = tmp_path / "empty.pem"
    empty.write_text("no certificate here\n")
    assert _freed_without_the_cyclic_gc(lambda: TrustStore().load_verify_locations(cafile=str(empty)))
    assert _freed_without_the_cyclic_gc(lambda: TrustStore().add_der(pki.ca.cert.public_bytes(Encoding.DER) + b"\x30"))  # NOT_ENOUGH_DATA
    # A chain under the default security level: a 1024-bit RSA leaf.
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    certfile, keyfile = rsa_leaf(pki.ca, 1024).write(tmp_path)
    assert _freed_without_the_cyclic_gc(lambda: ctx.load_cert_chain(certfile, keyfile))
    c, _ = make_pair(Config(trust_store=pki.store), Config(certificates=[pki.server()]))
    assert _freed_without_the_cyclic_gc(c.verify_client_post_handshake)  # before the handshake
    # An unexpected exception inside the handshake: internal_error, through _guard.
    c, s = make_pair(Config(trust_store=pki.store), Config(certificates=[pki.server()]))

    def bug(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(s, "_advance", bug)
    c.start()
    wire = c.data_to_send()
    assert _freed_without_the_cyclic_gc(lambda: s.receive_data(wire))


@pytest.mark.parametrize("bad", ["tag", "tag-alone", "inner-type"])
@pytest.mark.parametrize("path", ["receive_data", "receive_into"])
def test_a_kept_record_error_holds_no_key(pki, twin, bad, path):
    """A bad record after the handshake: the error's traceback holds the record layer's
    frames (ReadHalf.read, Connection._open_into, the pure twin's open_records), whose
    locals held the opener, and so the key, after the connection had dropped it."""
    from fasttls.constants import ContentType

    c, s = make_pair(Config(trust_store=pki.store), Config(certificates=[pki.server()]), twin=twin)
    do_handshake(c, s)
    if bad != "tag-alone":
        c._write.write_record(ContentType.APPLICATION_DATA, b"ping")
    if bad == "inner-type":
        c._write.write_record(0x30, b"x")
        wire = c.data_to_send()
    else:
        c._write.write_record(ContentType.APPLICATION_DATA, b"pong")
        wire = bytearray(c.data_to_send())
        wire[-1] ^= 1
        wire = bytes(wire)
    with pytest.raises(TLSError) as info:
        if path == "receive_data":
            s.receive_data(wire)
        else:
            s._receive_into(wire, memoryview(bytearray(100)))
    kept = _kept_locals(info.value)[1:]  # (the first frame is this test's)
    assert kept, "the error has no traceback to check"
    assert _record_protectors(kept) == []


def test_a_kept_write_error_holds_no_key(pki, twin):
    """The write side's own error (the AEAD usage limit, or the end of a TLS 1.2
    sequence number): write_record held the sealer in a local."""
    for version in (ProtocolVersion.TLS12, ProtocolVersion.TLS13):
        cfg = dict(min_version=version, max_version=version)
        c, s = make_pair(Config(trust_store=pki.store, **cfg), Config(certificates=[pki.server()], **cfg), twin=twin)
        do_handshake(c, s)
        c._write.record_limit = c._write.seq  # the next record would pass the limit
        c._write.soft_limit = c._write.record_limit + 1  # (no KeyUpdate first in TLS 1.3)
        with pytest.raises(TLSError, match="usage limit") as info:
            c.send(b"x")
        # (TLS 1.2 has no key update to have missed: the message says so.)
        assert ("without a key update" in str(info.value)) == (version == ProtocolVersion.TLS13)
        kept = _kept_locals(info.value)[1:]
        assert kept and _record_protectors(kept) == []

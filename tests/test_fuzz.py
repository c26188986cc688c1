"""Property fuzzing (hypothesis): hostile bytes give fasttls errors and alerts, nothing else.

Targets: the record parser, every handshake message parser, and the client and
server state machines fed mutated copies of a real peer's flight.  The
invariant: only fasttls errors come out (``TLSError`` with a specific alert,
never ``internal_error``, which is how the connection wraps a stray
``IndexError``/``struct.error``), and each input finishes within hypothesis'
deadline.  ``FASTTLS_FUZZ_EXAMPLES`` raises the example count for a long run.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fasttls.config import Config
from fasttls.connection import Connection
from fasttls.constants import AlertDescription, HandshakeType
from fasttls.errors import AlertReceived, SSLError, TLSError
from fasttls.messages import parse_handshake

EXAMPLES = int(os.environ.get("FASTTLS_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=2000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])


def check_error(exc: BaseException) -> None:
    """The one acceptable failure: a fasttls error naming a real protocol problem."""
    assert isinstance(exc, SSLError), f"not a fasttls error: {exc!r}"
    if isinstance(exc, TLSError):
        assert exc.alert != AlertDescription.internal_error, f"a parser crashed and was wrapped: {exc!r} (cause {exc.__cause__!r})"


# ---- record parser ------------------------------------------------------------------------------


@FUZZ
@given(data=st.binary(max_size=600), expected=st.sampled_from([0, 0x0301, 0x0303]))
def test_record_parser(twin, data, expected):
    buf = twin.framing.RecordBuffer()
    buf.feed(data)
    try:
        while buf.next_record(expected, 16384 + 256) is not None:
            pass
    except SSLError as exc:
        check_error(exc)


# ---- every handshake message parser -------------------------------------------------------------

TYPES = [t for t in HandshakeType if t not in (HandshakeType.message_hash,)] if hasattr(HandshakeType, "message_hash") else list(HandshakeType)


@FUZZ
@given(msg_type=st.sampled_from(TYPES), body=st.binary(max_size=400), tls13=st.booleans())
def test_handshake_message_parsers(msg_type, body, tls13):
    data = bytes([msg_type]) + len(body).to_bytes(3, "big") + body
    try:
        parse_handshake(data, tls13)
    except SSLError as exc:
        check_error(exc)


# ---- state machines fed mutated real flights -----------------------------------------------------


@pytest.fixture(scope="module")
def flights(pki):
    """The client's first flight and the server's reply, from a real fasttls handshake."""
    cc = Config(trust_store=pki.store, session_cache=None)
    sc = Config(certificates=[pki.server()])
    client = Connection(cc, server_side=False, server_hostname="localhost")
    server = Connection(sc, server_side=True)
    client.start()
    hello = client.data_to_send()
    server.receive_data(hello)
    reply = server.data_to_send()
    return cc, sc, hello, reply


mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.integers(1, 64)),
)


def mutate(data: bytes, ops) -> bytes:
    b = bytearray(data)
    for op, pos, val in ops:
        if not b:
            break
        i = pos % len(b)
        if op == "flip":
            b[i] ^= val
        elif op == "truncate":
            del b[i:]
        elif op == "insert":
            b.insert(i, val)
        else:
            del b[i : i + val]
    return bytes(b)


def feed(conn: Connection, data: bytes, chunk: int) -> None:
    try:
        for i in range(0, max(len(data), 1), chunk):
            conn.receive_data(data[i : i + chunk])
    except AlertReceived:
        pass
    except SSLError as exc:
        check_error(exc)
        out = conn.data_to_send()
        if not getattr(exc, "send_alert", True):
            # Bytes that are not TLS at all (the version is not 3.x): no alert, as OpenSSL.
            assert exc.reason in ("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "HTTPS_PROXY_REQUEST") and not out, (exc, out)
            return
        # The peer is told: an alert record is queued.
        assert out and out[0] == 21 or (len(out) > 5 and out[0] == 23), "no alert queued for the peer"


@FUZZ
@given(ops=st.lists(mutation, min_size=1, max_size=4), chunk=st.sampled_from([1, 7, 100, 100000]))
def test_server_with_mutated_client_hello(flights, ops, chunk):
    cc, sc, hello, _ = flights
    server = Connection(sc, server_side=True)
    feed(server, mutate(hello, ops), chunk)


@FUZZ
@given(ops=st.lists(mutation, min_size=1, max_size=4), chunk=st.sampled_from([1, 13, 100000]))
def test_client_with_mutated_server_flight(flights, ops, chunk):
    cc, sc, hello, reply = flights
    # A fresh client with the same first flight cannot be rebuilt (fresh randoms and shares),
    # so the mutated reply goes to a client that sent its own hello: the unmutated reply would
    # fail its binder/transcript checks anyway; what is fuzzed is the parsing and state logic.
    client = Connection(cc, server_side=False, server_hostname="localhost")
    client.start()
    client.data_to_send()
    feed(client, mutate(reply, ops), chunk)

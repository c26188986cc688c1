"""``SSLObject.read``: asyncio's buffered read (``read(n, buffer)``) and copied read
(``read(n)``), where records are opened straight into the caller's buffer or into
the returned bytes in the steady state (``Connection._receive_into``).

Every way out of that path is driven here against real peers (Python's ``ssl``
and fasttls): records that are not application data in the same chunk as data
(tickets, a KeyUpdate, close_notify), records split across chunks, a buffer
smaller than a record, a damaged record, and a tracer (the general path).  The
bytes must come out whole and in order, and nothing may be written past ``n``.
The whole suite also runs on the pure-Python record twin.
"""

from __future__ import annotations

import contextlib
import logging
import os
import ssl

import pytest

import fasttls

from .compat import files, no_leaks  # noqa: F401 - fixtures
from .test_ssl_compat import _handshake, _pump, client, client_of, connect, echo, echo_server, fasttls_server, ssl_server

SERVERS = {"ssl": ssl_server, "fasttls": fasttls_server}


def bio_pair(files, server_kind, client_kind="fasttls"):
    """A handshaken client (fasttls's, or ``client_kind``'s) and server (``server_kind``'s)
    over MemoryBIOs, and the four BIOs."""
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c = client_of(client_kind, files).wrap_bio(bios[0], bios[1], server_hostname="localhost")
    s = SERVERS[server_kind](files).wrap_bio(bios[2], bios[3], server_side=True)
    _handshake(c, s, bios)
    return c, s, bios


MODES = ["buffer", "bytes"]


def read_all(obj, buf, mode="buffer") -> bytes:
    """Reads until SSLWantReadError, as asyncio's sslproto does: into ``buf``
    (its buffered read) or returning bytes of at most ``len(buf)`` (its copied read)."""
    out = bytearray()
    while True:
        try:
            if mode == "buffer":
                k = obj.read(len(buf), buf)
                chunk = buf[:k]
            else:
                chunk = obj.read(len(buf))
                assert type(chunk) is bytes and len(chunk) <= len(buf)
                k = len(chunk)
        except ssl.SSLWantReadError:
            return bytes(out)
        if not k:
            return bytes(out)
        out += chunk


def read_tickets(c, s, bios):
    """Let the client take the server's TLS 1.3 tickets (with nothing after them)."""
    _pump(c, s, *bios)
    try:
        c.read(1)
    except ssl.SSLWantReadError:
        pass


def server_to_client(c, s, bios):
    """Hand the server's output to the client's input (one chunk), nothing else."""
    data = bios[3].read()
    bios[0].write(data)
    return data


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("tickets", ["read before", "in the same chunk"])
@pytest.mark.parametrize("server_kind", ["ssl", "fasttls"])
def test_many_records_in_one_read(files, server_kind, tickets, mode):
    c, s, bios = bio_pair(files, server_kind)
    if tickets == "read before":
        _pump(c, s, *bios)
        with pytest.raises(ssl.SSLWantReadError):
            c.read(1)  # the server's TLS 1.3 tickets, alone
    msgs = [os.urandom(n) for n in (1, 100, 16384, 3000, 16384, 17)]
    for m in msgs:
        s.write(m)
    server_to_client(c, s, bios)
    buf = bytearray(1 << 17)
    assert read_all(c, buf, mode) == b"".join(msgs)
    assert c.pending() == 0
    for m in msgs:  # and again, one read per record
        s.write(m)
        server_to_client(c, s, bios)
        assert read_all(c, buf, mode) == m


@pytest.mark.parametrize("tickets", ["read before", "in the same chunk"])
@pytest.mark.parametrize("server_kind", ["ssl", "fasttls"])
def test_a_copied_read_returns_one_record_as_ssl(files, server_kind, tickets):
    """``read(n)`` without a buffer returns one record's data at most, as OpenSSL's SSL_read,
    however many records the incoming BIO holds.  anyio/trio streams read once per receive,
    and httpcore's HTTP/2 tasks each wait for their own WINDOW_UPDATE: when one read took
    several streams' updates, the next task blocked on the socket (hypercorn, 1 run in 2)."""
    sizes = (13, 13, 13, 9, 16384, 16384, 100)  # small frames (h2 WINDOW_UPDATEs), then bulk
    results = {}
    for kind in ("ssl", "fasttls"):
        c, s, bios = bio_pair(files, server_kind, kind)
        if tickets == "read before":
            read_tickets(c, s, bios)
        msgs = [os.urandom(n) for n in sizes]
        for m in msgs:
            s.write(m)
        server_to_client(c, s, bios)
        got = []
        while True:
            try:
                got.append(c.read(65536))
            except ssl.SSLWantReadError:
                break
        assert b"".join(got) == b"".join(msgs)
        results[kind] = [len(g) for g in got]
    assert results["fasttls"] == results["ssl"] == list(sizes)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("server_kind", ["ssl", "fasttls"])
def test_records_split_across_chunks(files, server_kind, mode):
    c, s, bios = bio_pair(files, server_kind)
    read_tickets(c, s, bios)
    data = os.urandom(40_000)
    s.write(data)
    wire = bios[3].read()
    buf = bytearray(65536)
    got = bytearray()
    # Chunk sizes that cut headers, bodies and tags at every kind of place.
    sizes = [1, 2, 3, 4, 5, 6, 7, 100, 16000, 404, 5, 17, 1]
    pos = i = 0
    while pos < len(wire):
        step = sizes[i % len(sizes)]
        bios[0].write(wire[pos : pos + step])
        pos += step
        i += 1
        got += read_all(c, buf, mode)
    assert bytes(got) == data


@pytest.mark.parametrize("limit", [1, 10, 1000, 16383])
def test_a_limit_smaller_than_a_record_and_nothing_past_it(files, limit):
    c, s, bios = bio_pair(files, "ssl")
    data = os.urandom(50_000)
    s.write(data)
    server_to_client(c, s, bios)
    buf = bytearray(b"\xee" * 20_000)
    got = bytearray()
    while True:
        try:
            k = c.read(limit, buf)
        except ssl.SSLWantReadError:
            break
        assert 0 < k <= limit
        assert buf[limit:] == b"\xee" * (len(buf) - limit)  # past n: untouched
        got += buf[:k]
    assert bytes(got) == data


@pytest.mark.parametrize("mode", MODES)
def test_key_update_between_records_is_answered(files, mode):
    c, s, bios = bio_pair(files, "fasttls")
    read_tickets(c, s, bios)
    s.write(b"before")
    s.connection.key_update(request_peer=True)
    s.write(b"after the update")
    server_to_client(c, s, bios)  # one chunk: data, KeyUpdate, data under the new key
    buf = bytearray(4096)
    assert read_all(c, buf, mode) == b"before" + b"after the update"
    # The client answered with its own KeyUpdate; the server reads it and what follows.
    c.write(b"client data")
    _pump(c, s, *bios)
    assert read_all(s, buf) == b"client data"


@pytest.mark.parametrize("server_kind", ["ssl", "fasttls"])
def test_close_notify_after_data_in_the_same_chunk(files, server_kind):
    c, s, bios = bio_pair(files, server_kind)
    s.write(b"last words")
    with pytest.raises(ssl.SSLWantReadError):
        s.unwrap()  # queues close_notify, waits for ours
    server_to_client(c, s, bios)
    buf = bytearray(4096)
    assert c.read(4096, buf) == 10 and buf[:10] == b"last words"
    assert c.read(4096, buf) == 0  # the peer closed cleanly
    assert c.read(4096, buf) == 0


@pytest.mark.parametrize("server_kind", ["ssl", "fasttls"])
def test_a_damaged_record_is_an_error_and_an_alert(files, server_kind):
    c, s, bios = bio_pair(files, server_kind)
    read_tickets(c, s, bios)
    s.write(b"good")
    s.write(b"bad record")
    wire = bytearray(bios[3].read())
    wire[-3] ^= 0x40  # in the second record's tag
    bios[0].write(bytes(wire))
    buf = bytearray(4096)
    # The good record's data first (as OpenSSL's SSL_read, one record at a time), then the error.
    assert bytes(buf[: c.read(4096, buf)]) == b"good"
    with pytest.raises(ssl.SSLError) as info:
        c.read(4096, buf)
    assert "BAD_RECORD_MAC" in str(info.value)
    # The damaged record was decrypted before its tag was checked: none of it is left.
    assert b"bad record" not in buf
    buf += b"resizable"  # the kept exception does not keep the buffer exported
    alert = bios[1].read()
    assert alert  # the alert for the peer
    bios[2].write(alert)
    with pytest.raises(ssl.SSLError):
        s.read(10)
    with pytest.raises(ssl.SSLError) as again:  # the connection stays failed, and says so
        c.read(4096, buf)
    assert not isinstance(again.value, ssl.SSLWantReadError)
    assert "BAD_RECORD_MAC" in str(again.value)


def test_with_a_tracer_the_general_path_gives_the_same_bytes(files, caplog):
    caplog.set_level(logging.DEBUG, logger="fasttls.trace")
    c, s, bios = bio_pair(files, "ssl")
    assert c.connection._trace is not None
    data = os.urandom(30_000)
    s.write(data)
    server_to_client(c, s, bios)
    assert read_all(c, bytearray(65536)) == data
    assert any("APPLICATION_DATA" in r.getMessage() for r in caplog.records)


def test_read_without_a_buffer_is_unchanged(files):
    c, s, bios = bio_pair(files, "ssl")
    s.write(b"x" * 20_000)
    server_to_client(c, s, bios)
    got = b""
    while len(got) < 20_000:
        got += c.read(7000)
    assert got == b"x" * 20_000
    assert isinstance(c, fasttls.SSLObject)


@pytest.mark.parametrize("client_kind", ["ssl", "fasttls"])
@pytest.mark.parametrize("mode", MODES)
def test_data_before_a_fatal_alert_is_read_first(files, client_kind, mode):
    """As OpenSSL's SSL_read, which opens one record at a time: the data that came before
    a fatal alert in the same chunk is read first, and the next read raises the alert
    (asyncio's sslproto stops at the error: data behind it would be lost)."""
    from fasttls.constants import AlertDescription, AlertLevel

    bios = [ssl.MemoryBIO() for _ in range(4)]
    client_ctx = client(files) if client_kind == "fasttls" else ssl.create_default_context(cafile=files.ca)
    c = client_ctx.wrap_bio(bios[0], bios[1], server_hostname="localhost")
    s = fasttls_server(files).wrap_bio(bios[2], bios[3], server_side=True)
    _handshake(c, s, bios)
    read_tickets(c, s, bios)
    s.write(b"data first")
    s.connection._send_alert(AlertLevel.FATAL, AlertDescription.internal_error)  # a peer giving up
    s.write(b"")  # flushes
    server_to_client(c, s, bios)
    buf = bytearray(4096)
    first = c.read(4096, buf) if mode == "buffer" else c.read(4096)
    assert (buf[:first] if mode == "buffer" else first) == b"data first"
    # Then the alert; and fasttls stays failed and says so again, where ssl's later
    # reads return b"" as if the peer had closed cleanly.
    for _ in range(2 if client_kind == "fasttls" else 1):
        with pytest.raises(ssl.SSLError) as info:
            c.read(4096, buf) if mode == "buffer" else c.read(4096)
        assert "INTERNAL_ERROR" in str(info.value) and not isinstance(info.value, ssl.SSLWantReadError)


@pytest.mark.parametrize("limit", [1, 10, 1000, 16383, 16384, 100_000])
def test_copied_read_returns_at_most_the_limit(files, limit):
    c, s, bios = bio_pair(files, "ssl")
    data = os.urandom(50_000)
    s.write(data)
    server_to_client(c, s, bios)
    got = bytearray()
    while True:
        try:
            chunk = c.read(limit)
        except ssl.SSLWantReadError:
            break
        assert type(chunk) is bytes and 0 < len(chunk) <= limit
        got += chunk
    assert bytes(got) == data


@pytest.mark.parametrize("server_kind", ["ssl", "fasttls"])
def test_copied_read_sees_close_notify(files, server_kind):
    c, s, bios = bio_pair(files, server_kind)
    s.write(b"last words")
    with pytest.raises(ssl.SSLWantReadError):
        s.unwrap()
    server_to_client(c, s, bios)
    assert c.read(4096) == b"last words"
    assert c.read(4096) == b""


@pytest.mark.parametrize("bad", [b"immutable", memoryview(bytearray(10))[::2]], ids=["bytes", "strided"])
def test_a_buffer_that_cannot_be_written_is_a_type_error(files, bad):
    """As ssl: TypeError before anything is read, and the connection stays usable."""
    c, s, bios = bio_pair(files, "ssl")
    s.write(b"hello")
    server_to_client(c, s, bios)
    with pytest.raises(TypeError):
        c.read(5, bad)
    buf = bytearray(100)
    assert c.read(100, buf) == 5 and buf[:5] == b"hello"


def test_no_handshake_plaintext_is_left_in_the_buffer(files):
    """A KeyUpdate met after data is opened into the buffer as scratch; it is wiped."""
    c, s, bios = bio_pair(files, "fasttls")
    read_tickets(c, s, bios)
    s.write(b"data")
    s.connection.key_update(request_peer=True)
    s.write(b"")  # flushes
    server_to_client(c, s, bios)
    buf = bytearray(b"\xee" * 4096)
    n = c.read(4096, buf)
    assert buf[:n] == b"data"
    # Past the count: what was there, zeros, or the record's content-type byte; no KeyUpdate.
    assert set(buf[n:]) <= {0xEE, 0x00, 0x17}


def test_records_after_close_notify_are_ignored(pki, twin):
    """RFC 8446 6.1: data after the peer's closure alert is ignored, also when it comes
    in a later chunk; it stays as trailing data."""
    from .pairs import do_handshake, make_pair
    from fasttls.config import Config

    cc = Config(trust_store=pki.store)
    sc = Config(certificates=[pki.server("ecdsa-p256")])
    c, srv = make_pair(cc, sc, twin=twin)
    do_handshake(c, srv)
    srv.close()
    srv._write.write_record(23, b"AFTER-CLOSE")  # a peer that goes on after its close_notify
    wire = srv.data_to_send()
    cut = len(wire) - 10
    c.receive_data(wire[:cut])
    assert c.peer_closed and c.read() == b""
    c.receive_data(wire[cut:])
    assert c.read() == b""
    assert len(c.take_trailing_data()) == 5 + len(b"AFTER-CLOSE") + 17


def last_words(s, bios, data: bytes, then: bytes = b"") -> None:
    """``s`` (the server end of ``bio_pair``) writes ``data`` and its close_notify; both
    reach the client's ``incoming`` in one chunk, followed by ``then`` (plain bytes)."""
    s.write(data)
    try:
        s.unwrap()  # waits for the client's close_notify
    except ssl.SSLWantReadError:
        pass
    bios[0].write(bios[3].read() + then)


@pytest.mark.parametrize("sender", ["ssl", "fasttls"])
@pytest.mark.parametrize("mode", MODES)
def test_close_notify_with_the_last_data_stays_visible(files, sender, mode):
    """uvloop reads again only while ``incoming.pending or sslobj.pending()``.  With OpenSSL
    the close_notify that came with the last data is still in ``incoming`` when that data is
    read; we open the whole chunk, so the close_notify used to vanish and uvloop never saw
    the EOF (connections hung until a shutdown timeout).  It must stay visible until the
    read that returns b"", and unwrap() must still work from there."""
    c, s, bios = bio_pair(files, sender)
    # The receiving side is ours: a fasttls client reading what the server sends.
    payload = os.urandom(1000)
    last_words(s, bios, payload)
    got, calls, chunk = bytearray(), 0, b"1"
    buf = bytearray(1 << 18)
    while bios[0].pending > 0 or c.pending() > 0:  # uvloop's _do_read__copied / __buffered
        calls += 1
        assert calls < 10
        if mode == "buffer":
            chunk = bytes(buf[: c.read(len(buf), buf)])
        else:
            chunk = c.read(len(buf))
        if not chunk:
            break
        got += chunk
    assert bytes(got) == payload
    assert chunk == b"", "the close_notify was not seen"
    assert c.read(10) == b""  # and stays an EOF
    c.unwrap()  # the peer already closed: our close_notify goes out, nothing to wait for
    bios[2].write(bios[1].read())
    s.unwrap()
    assert bios[0].pending == 0


def test_unwrap_with_the_close_notify_still_parked(files):
    """The last data read, the EOF not yet: unwrap() takes the parked close_notify out and
    hands back what followed it (a STARTTLS downgrade's plain bytes)."""
    c, s, bios = bio_pair(files, "fasttls")
    last_words(s, bios, b"last words", then=b"PLAIN")
    assert c.read(100) == b"last words"
    assert bios[0].pending > 0  # the close_notify, as OpenSSL leaves it
    c.unwrap()
    assert bios[0].read() == b"PLAIN"


def test_the_parked_close_notify_after_write_eof(files):
    """A whole stream written to ``incoming``, then write_eof(): nothing can be written
    back to the BIO, so the close_notify is not parked; the data still comes first, then
    b"".  And a close_notify parked before write_eof() still lets unwrap() finish."""
    for eof_first in (True, False):
        c, s, bios = bio_pair(files, "ssl")
        last_words(s, bios, b"the whole stream")
        if eof_first:
            bios[0].write_eof()
        assert c.read(1024) == b"the whole stream"
        if not eof_first:
            bios[0].write_eof()
        assert c.read(1024) == b""
        c.unwrap()


@pytest.mark.parametrize("client_kind", ["ssl", "fasttls"])
def test_an_empty_buffer_reads_nothing_and_leaves_the_data(files, client_kind):
    """ssl's read into a zero-length buffer returns 0 at once; the data stays for the next read."""
    bios = [ssl.MemoryBIO() for _ in range(4)]
    cctx = client_of(client_kind, files)
    c = cctx.wrap_bio(bios[0], bios[1], server_hostname="localhost")
    s = fasttls_server(files).wrap_bio(bios[2], bios[3], server_side=True)
    _handshake(c, s, bios)
    assert c.read(10, bytearray(0)) == 0  # nothing has arrived: still 0, no SSLWantReadError
    s.write(b"hello")
    server_to_client(c, s, bios)
    assert c.read(0, bytearray()) == 0
    buf = bytearray(10)
    assert c.read(10, buf) == 5 and buf[:5] == b"hello"


@pytest.mark.parametrize("client_kind", ["ssl", "fasttls"])
def test_recv_into_an_empty_buffer_does_not_wait(files, client_kind):
    """SSLSocket too: 0 at once (a wait here would time out: the server sends nothing)."""
    with echo_server(fasttls_server(files)) as srv:
        with connect(client_of(client_kind, files), srv.port) as sock:
            sock.settimeout(5)
            assert sock.recv_into(bytearray(0)) == 0
            assert sock.read(5, bytearray()) == 0
            assert echo(sock, b"still usable") == b"still usable"


@pytest.mark.parametrize("server_kind", ["ssl", "fasttls"])
def test_a_server_side_bio_takes_a_server_hostname(files, server_kind):
    """ssl's wrap_bio stores a server_hostname on a server (wrap_socket refuses one); the
    handshake is a server's all the same."""
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c = client(files).wrap_bio(bios[0], bios[1], server_hostname="localhost")
    s = SERVERS[server_kind](files).wrap_bio(bios[2], bios[3], server_side=True, server_hostname="example.org")
    assert s.server_side and s.server_hostname == "example.org"
    _handshake(c, s, bios)
    s.write(b"hello")
    server_to_client(c, s, bios)
    assert c.read(100) == b"hello"


@pytest.mark.parametrize("closer", ["ssl", "fasttls"])
@pytest.mark.parametrize("mode", MODES)
def test_reads_after_our_unwrap_end_with_zero_return(files, closer, mode):
    """The server calls unwrap() first (SSLWantReadError: the client's close_notify has not
    come), then reads what the client still sends, and its close_notify: the read after the
    data raises SSLZeroReturnError, as ssl's (b"" is only for a close_notify while ours has
    not gone out).  fasttls returned b"" for ever: asyncio's
    test_remote_shutdown_receives_trailing_data spun in such a loop."""
    c, s, bios = bio_pair(files, closer)
    if closer == "fasttls":
        assert isinstance(s, fasttls.SSLObject)
    with pytest.raises(ssl.SSLWantReadError):
        s.unwrap()
    _pump(c, s, *bios)
    assert c.read(10) == b""  # the server's close_notify
    c.write(b"y" * 50_000)
    c.unwrap()
    _pump(c, s, *bios)
    got = 0
    with pytest.raises(ssl.SSLZeroReturnError):
        for _ in range(100):
            if mode == "buffer":
                buf = bytearray(16384)
                n = s.read(len(buf), buf)
            else:
                n = len(s.read(16384))
            assert n, "b'' where ssl raises SSLZeroReturnError"
            got += n
    assert got == 50_000


@pytest.mark.parametrize("server_kind", ["ssl", "fasttls"])
def test_pending_is_what_is_left_of_the_current_record_as_ssl(files, server_kind):
    """OpenSSL's SSL_pending counts only the record it has open, so ``read(pending())``
    returns exactly that many bytes.  fasttls counted every record it had opened (39,000
    after reading 1,000 of three records), and such a read came back short.  (Records
    still in the incoming BIO are not counted by ssl; fasttls has opened them already, so
    it counts the next one: what a read returns without more input.)"""
    results = {}
    for kind in ("ssl", "fasttls"):
        c, s, bios = bio_pair(files, server_kind, kind)
        read_tickets(c, s, bios)
        assert c.pending() == 0
        sent = os.urandom(40000)  # records of 16384, 16384 and 7232 bytes
        s.write(sent)
        server_to_client(c, s, bios)
        got = [c.read(1000)]
        after_partial_read = c.pending()
        while True:
            n = c.pending()
            if n:
                got.append(c.read(n))
                assert len(got[-1]) == n, (kind, n, len(got[-1]))
                continue
            try:
                got.append(c.read(65536))
            except ssl.SSLWantReadError:
                break
        assert b"".join(got) == sent
        results[kind] = after_partial_read
    assert results["fasttls"] == results["ssl"] == 15384, results


@pytest.mark.parametrize("closer", ["client", "server"])
def test_a_write_after_unwrap_is_protocol_is_shutdown_as_ssl(files, closer):
    """Writing once close_notify went both ways: OpenSSL's PROTOCOL_IS_SHUTDOWN (fasttls
    raised an SSLError with no reason)."""
    seen = {}
    for kind in ("ssl", "fasttls"):
        c, s, bios = bio_pair(files, "ssl", kind)
        first, second = (c, s) if closer == "client" else (s, c)
        with pytest.raises(ssl.SSLWantReadError):
            first.unwrap()
        _pump(c, s, *bios)
        second.unwrap()
        _pump(c, s, *bios)
        first.unwrap()
        with pytest.raises(ssl.SSLError) as e:
            c.write(b"x")
        seen[kind] = (e.value.reason, e.value.errno)
    assert seen["fasttls"] == seen["ssl"], seen


@pytest.mark.parametrize("client_kind", ["fasttls", "ssl"])
def test_unwrap_with_received_data_unread_fails_and_loses_nothing(files, client_kind):
    """As SSLSocket.unwrap (test_ssl_compat): 10 bytes of a 10,000-byte record read, then
    unwrap(): APPLICATION_DATA_AFTER_CLOSE_NOTIFY, as ssl; ours kept the rest readable
    (it used to succeed and drop it)."""
    c, s, (ci, co, si, so) = bio_pair(files, "ssl", client_kind)
    s.write(b"y" * 10000)
    ci.write(so.read())
    assert c.read(10) == b"y" * 10
    with pytest.raises(ssl.SSLError) as e:
        for _ in range(3):  # the peer answers our close_notify; then the error
            try:
                c.unwrap()
                break
            except ssl.SSLWantReadError:
                si.write(co.read())
                with contextlib.suppress(ssl.SSLError):
                    s.unwrap()
                ci.write(so.read())
    assert e.value.reason == "APPLICATION_DATA_AFTER_CLOSE_NOTIFY"
    if client_kind == "fasttls":
        assert c.read(20000) == b"y" * 9990


@pytest.mark.parametrize("tamper", ["bit flip", "plaintext alert"])
def test_a_bad_record_right_after_the_finished_is_the_reads_error_not_the_handshakes(files, tamper):
    """The client's Finished and a bad record (a flipped bit, or a plaintext alert) in one
    batch, nothing between: the server's do_handshake() completes and the read after it
    fails, as ssl's (OpenSSL goes no further than the Finished in SSL_do_handshake).  It
    failed the handshake, so asyncio's open_connection failed where ssl's succeeds."""
    from fasttls.context import _StdSSLContext

    cctx = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(files.ca)
    sctx = fasttls.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(files.cert, files.key)
    cin, cout, sin, sout = (ssl.MemoryBIO() for _ in range(4))
    c = cctx.wrap_bio(cin, cout, server_hostname="localhost")
    s = sctx.wrap_bio(sin, sout, server_side=True)
    with pytest.raises(ssl.SSLWantReadError):
        c.do_handshake()
    sin.write(cout.read())
    with pytest.raises(ssl.SSLWantReadError):
        s.do_handshake()
    cin.write(sout.read())
    c.do_handshake()  # a TLS 1.3 client is done once its Finished is out
    if tamper == "bit flip":
        c.write(b"data")
        flight = bytearray(cout.read())
        flight[-1] ^= 1  # the tag of the data record
    else:
        flight = bytearray(cout.read()) + b"\x15\x03\x03\x00\x02\x02\x28"
    sin.write(bytes(flight))
    s.do_handshake()
    assert s.version() == "TLSv1.3"
    with pytest.raises(ssl.SSLError, match="BAD_RECORD_MAC" if tamper == "bit flip" else "UNEXPECTED_MESSAGE"):
        s.read(100)

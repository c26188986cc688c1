"""Record framing (RFC 8446 section 5.1, RFC 5246 section 6.2), on both twins."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fasttls.constants import AlertDescription
from fasttls.errors import TLSError

from .helpers import FEEDS, split, twins_to_compare


def test_parse_header_valid(twin):
    f = twin.framing
    assert f.parse_header(b"\x16\x03\x01\x00\xc4") == (22, 0x0301, 0xC4)
    assert f.parse_header(b"xx\x17\x03\x03\x40\x00", 2) == (23, 0x0303, 0x4000)
    assert f.parse_header(b"\x17\x03\x03\x40\x00", 0, 0x0303) == (23, 0x0303, 0x4000)


@pytest.mark.parametrize("n", range(5))
def test_parse_header_short_waits(twin, n):
    assert twin.framing.parse_header(b"\x16\x03\x03\x00\x10"[:n]) is None


def test_parse_header_end_bounds_the_data(twin):
    assert twin.framing.parse_header(b"\x16\x03\x03\x00\x10", 0, 0, 100, 4) is None


@pytest.mark.parametrize("ctype", [0, 1, 19, 24, 25, 0x47, 255])
def test_unknown_content_type_is_unexpected_message(twin, ctype):
    with pytest.raises(TLSError) as e:
        twin.framing.parse_header(bytes([ctype, 3, 3, 0, 1]))
    assert e.value.alert == AlertDescription.unexpected_message


@pytest.mark.parametrize("version", [0x0203, 0x0403, 0x0000, 0xFEFD])
def test_non_tls_version_is_protocol_version(twin, version):
    with pytest.raises(TLSError) as e:
        twin.framing.parse_header(bytes([22, version >> 8, version & 0xFF, 0, 1]))
    assert e.value.alert == AlertDescription.protocol_version


def test_version_must_match_once_negotiated(twin):
    with pytest.raises(TLSError) as e:
        twin.framing.parse_header(b"\x17\x03\x01\x00\x01", 0, 0x0303)
    assert e.value.alert == AlertDescription.protocol_version


def test_http_request_is_not_tls(twin):
    with pytest.raises(TLSError) as e:
        twin.framing.parse_header(b"GET / HTTP/1.1\r\n")
    # OpenSSL's words (urllib3 looks for them to say "is this an HTTP proxy?").
    assert e.value.alert == AlertDescription.protocol_version and "wrong version number" in str(e.value)


@pytest.mark.parametrize(
    "limit_name,limit", [("MAX_PLAINTEXT", 1 << 14), ("MAX_CIPHERTEXT_TLS13", (1 << 14) + 256), ("MAX_CIPHERTEXT_TLS12", (1 << 14) + 2048)]
)
def test_record_overflow(twin, limit_name, limit):
    f = twin.framing
    assert getattr(f, limit_name) == limit
    assert f.parse_header(bytes([23, 3, 3, limit >> 8, limit & 0xFF]), 0, 0, limit) == (23, 0x0303, limit)
    with pytest.raises(TLSError) as e:
        f.parse_header(bytes([23, 3, 3, (limit + 1) >> 8, (limit + 1) & 0xFF]), 0, 0, limit)
    assert e.value.alert == AlertDescription.record_overflow


def test_write_header(twin):
    out = bytearray(8)
    twin.framing.write_header(out, 2, 22, 0x0303, 0x1234)
    assert bytes(out) == b"\x00\x00\x16\x03\x03\x12\x34\x00"


@pytest.mark.parametrize("n", [0, 1, 100, 16383, 16384, 16385, 40000])
@pytest.mark.parametrize("frag", [16384, 1000, 1])
def test_frame_into_fragments(twin, n, frag):
    if frag == 1 and n > 2000:
        n = 2000
    f = twin.framing
    data = os.urandom(n)
    size = f.framed_length(n, frag)
    out = bytearray(size + 3)
    end = f.frame_into(out, 3, 22, 0x0303, data, frag)
    assert end == size + 3
    # walk the records back
    pos, got, count = 3, b"", 0
    while pos < end:
        ctype, ver, length = f.parse_header(out, pos)
        assert (ctype, ver) == (22, 0x0303)
        assert length <= frag
        got += bytes(out[pos + 5 : pos + 5 + length])
        pos += 5 + length
        count += 1
    assert got == data
    assert count == f.record_count(n, frag) == max(1, -(-n // frag))


def test_frame_into_small_buffer_is_a_programming_error(twin):
    with pytest.raises(ValueError):
        twin.framing.frame_into(bytearray(10), 0, 22, 0x0303, b"x" * 10)


@pytest.mark.parametrize("frag", [0, -1, 16385])
def test_bad_max_fragment(twin, frag):
    with pytest.raises(ValueError):
        twin.framing.framed_length(10, frag)


@pytest.mark.parametrize(
    "inner,expected",
    [(b"hello\x17", (23, 5)), (b"hello\x16\x00\x00\x00", (22, 5)), (b"\x15", (21, 0)), (b"\x00\x17" + bytes(100), (23, 1))],
)
def test_inner_content_type(twin, inner, expected):
    buf = b"ab" + inner + b"cd"
    ctype, end = twin.framing.inner_content_type(buf, 2, 2 + len(inner))
    assert (ctype, end - 2) == expected


@pytest.mark.parametrize("n", [0, 1, 300])
def test_all_zero_inner_plaintext_is_unexpected_message(twin, n):
    with pytest.raises(TLSError) as e:
        twin.framing.inner_content_type(bytes(n), 0, n)
    assert e.value.alert == AlertDescription.unexpected_message


def _records(f, payloads):
    out = b""
    for ctype, payload in payloads:
        buf = bytearray(f.framed_length(len(payload)))
        f.frame_into(buf, 0, ctype, 0x0303, payload)
        out += buf
    return out


@pytest.mark.parametrize("feed", FEEDS)
def test_record_buffer_reassembles(twin, feed):
    f = twin.framing
    payloads = [(22, os.urandom(100)), (21, b"\x01\x00"), (23, b""), (22, os.urandom(16384)), (20, b"\x01")]
    stream = _records(f, payloads)
    buf = f.RecordBuffer()
    got = []
    for chunk in split(stream, feed):
        buf.feed(chunk)
        while (rec := buf.next_record()) is not None:
            got.append((rec[0], rec[2]))
    assert got == payloads
    assert len(buf) == 0


def test_record_buffer_trailing_bytes_wait(twin):
    f = twin.framing
    stream = _records(f, [(22, b"abc")])
    buf = f.RecordBuffer()
    buf.feed(stream + b"\x16\x03\x03\x00")
    assert buf.next_record() == (22, 0x0303, b"abc")
    assert buf.next_record() is None
    assert len(buf) == 4
    buf.feed(b"\x02xy")
    assert buf.next_record() == (22, 0x0303, b"xy")


def test_record_buffer_bad_header_raises_before_the_body_arrives(twin):
    buf = twin.framing.RecordBuffer()
    buf.feed(b"\x18\x03\x03\x00\x05")
    with pytest.raises(TLSError) as e:
        buf.next_record()
    assert e.value.alert == AlertDescription.unexpected_message


def test_record_buffer_in_place_fill(twin):
    buf = twin.framing.RecordBuffer()
    buf.feed(b"\x16\x03")
    end = buf.reserve(100)
    view = memoryview(buf.buffer)[end:]
    view[:5] = b"\x03\x00\x02hi"
    del view
    buf.commit(5)
    assert buf.next_record() == (22, 0x0303, b"hi")
    buf.release()
    assert len(buf.buffer) == 0


def test_record_buffer_take_and_consume(twin):
    buf = twin.framing.RecordBuffer()
    buf.feed(b"hello world")
    assert buf.take(5) == b"hello"
    buf.consume(1)
    assert bytes(buf.view()) == b"world"
    assert buf.take() == b"world"
    with pytest.raises(ValueError):
        buf.consume(1)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=64))
def test_random_bytes_give_records_or_tls_errors(data):

    results = []
    for t in twins_to_compare():
        buf = t.framing.RecordBuffer()
        buf.feed(data)
        out = []
        try:
            while (rec := buf.next_record(0, 1 << 14)) is not None:
                out.append(rec)
        except TLSError as e:
            out.append(("error", int(e.alert)))
        results.append(out)
    assert all(r == results[0] for r in results)


def test_released_buffers_are_pooled_and_reused(twin):
    """An emptied queue gives its memory back (idle connections hold nothing) to a bounded
    pool that the next reserve takes from (busy connections do not reallocate)."""
    fr = twin.framing
    a = fr.RecordBuffer()
    a.feed(b"x" * 20000)
    a.consume(len(a))
    a.release()
    assert len(a.buffer) == 0
    b = fr.RecordBuffer()
    pos = b.reserve(100)
    assert pos == 0 and len(b.buffer) >= 20000  # the pooled allocation came back
    b.feed(b"abc")
    assert bytes(b.view()) == b"abc"
    # The pool is bounded in count and in buffer size.
    bufs = []
    for _ in range(fr.POOL_SIZE + 5):
        r = fr.RecordBuffer()
        r.feed(b"y" * 10)
        bufs.append(r)
    for r in bufs:
        r.consume(len(r))
        r.release()
    big = fr.RecordBuffer()
    big.feed(b"z" * (fr.POOL_MAX_BUFFER + 1))
    big.consume(len(big))
    big.release()
    drained = [fr.RecordBuffer() for _ in range(fr.POOL_SIZE + 5)]
    sizes = [len(d.buffer) if d.reserve(1) == 0 else -1 for d in drained]
    assert max(sizes) <= fr.POOL_MAX_BUFFER


def test_release_keeps_data_that_is_still_queued(twin):
    q = twin.framing.RecordBuffer()
    q.feed(b"keep me")
    q.release()
    assert bytes(q.view()) == b"keep me"


def test_release_keeps_a_buffer_with_a_live_view(twin):
    """A reservation being filled (recv_into on a view) must survive a release: the bytes
    landing in it would otherwise be lost, or land in a buffer another connection reuses."""
    q = twin.framing.RecordBuffer()
    end = q.reserve(1000)
    view = memoryview(q.buffer)
    q.release()
    view[end : end + 3] = b"abc"
    q.commit(3)
    view.release()
    assert bytes(q.view()) == b"abc"

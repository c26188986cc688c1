"""HalfConn: one direction of a connection, driving either twin; every receive fed three ways."""

from __future__ import annotations

import os
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fasttls.constants import AlertDescription
from fasttls.errors import TLSError
from fasttls.record import ReadHalf, WriteHalf
from fasttls.record.halfconn import KEY_UPDATE_MARGIN, mark_records

from .helpers import FEEDS, split, twins_to_compare

TLS12, TLS13 = 0x0303, 0x0304


def pump(reader: ReadHalf, stream: bytes, feed: str):
    """Feed ``stream`` as the transport might; collect (app data, other records)."""
    app = reader.twin.framing.RecordBuffer()
    records = []
    for chunk in split(stream, feed):
        reader.feed(chunk)
        while (rec := reader.read(app)) is not None:
            records.append(rec)
    return app.take(), records


@pytest.mark.parametrize("feed", FEEDS)
@pytest.mark.parametrize("version,cipher,klen,ivlen", [(TLS13, 1, 16, 12), (TLS13, 2, 32, 12), (TLS12, 1, 32, 4), (TLS12, 2, 32, 12)])
def test_a_connection_lifetime(twin, feed, version, cipher, klen, ivlen):
    """Plaintext hello, then keys, data, a key change (1.3 key update / 1.2 new epoch), more data."""
    w, r = WriteHalf(twin), ReadHalf(twin)
    w.write_record(22, b"\x02" + os.urandom(90))  # a hello in the clear
    k1, iv1, k2, iv2 = os.urandom(klen), os.urandom(ivlen), os.urandom(klen), os.urandom(ivlen)
    w.set_key(version, cipher, k1, iv1)
    if version == TLS13:
        w.buffer.feed(b"\x14\x03\x03\x00\x01\x01")  # middlebox-compatibility CCS, never protected
    big = os.urandom(100_000)
    w.write_record(23, b"hello")
    w.write_record(23, big)
    w.write_record(22, b"\x18\x00\x00\x01\x00")  # e.g. a KeyUpdate
    w.set_key(version, cipher, k2, iv2)
    w.write_record(23, b"after the update")
    w.write_record(21, b"\x01\x00")
    assert w.seq == 2
    stream = w.data_to_send()
    assert w.pending() == 0

    # The receiver installs keys when the handshake says so: emulate that per record.
    app = twin.framing.RecordBuffer()
    got = []
    chunks = list(split(stream, feed))
    for chunk in chunks:
        r.feed(chunk)
        while (rec := r.read(app)) is not None:
            got.append(rec)
            if rec[1].startswith(b"\x02"):
                r.set_key(version, cipher, k1, iv1)
            elif rec[1].startswith(b"\x18"):
                r.set_key(version, cipher, k2, iv2)
    data = app.take()
    expected = [(22, None, False)]
    if version == TLS13:
        expected.append((20, b"\x01", False))
    expected += [(22, b"\x18\x00\x00\x01\x00", True), (21, b"\x01\x00", True)]
    assert len(got) == len(expected)
    assert [(c, p if e is not None else None, prot) for (c, p, prot), (_, e, _) in zip(got, expected)] == expected
    assert data == b"hello" + big + b"after the update"


def test_plaintext_application_data_is_passed_up_as_unprotected(twin):
    w, r = WriteHalf(twin), ReadHalf(twin)
    w.write_record(23, b"sneaky")
    data, records = pump(r, w.data_to_send(), "whole")
    assert (data, records) == (b"", [(23, b"sneaky", False)])


def test_unprotected_record_limit_is_2_14(twin):
    r = ReadHalf(twin)
    r.feed(bytes([22, 3, 3, 0x40, 0x01]))
    with pytest.raises(TLSError) as e:
        r.read(twin.framing.RecordBuffer())
    assert e.value.alert == AlertDescription.record_overflow


def test_expected_version(twin):
    r = ReadHalf(twin)
    r.expected_version = 0x0303
    r.feed(b"\x16\x03\x01\x00\x01\x00")
    with pytest.raises(TLSError) as e:
        r.read(twin.framing.RecordBuffer())
    assert e.value.alert == AlertDescription.protocol_version


def test_first_client_hello_may_use_0x0301(twin):
    w = WriteHalf(twin)
    w.record_version = 0x0301
    w.write_record(22, b"\x01\x00\x00\x00")
    assert w.data_to_send()[:3] == b"\x16\x03\x01"


def test_key_update_due_and_hard_limit(twin):
    w = WriteHalf(twin)
    w.set_key(TLS13, 1, bytes(16), bytes(12))
    assert not w.key_update_due
    w._prot.seq = w.record_limit - KEY_UPDATE_MARGIN
    assert w.key_update_due
    w._prot.seq = w.record_limit - 1
    w.write_record(23, b"x")
    with pytest.raises(TLSError) as e:
        w.write_record(23, b"y")
    assert e.value.alert == AlertDescription.internal_error


def test_tls12_aes_gcm_goes_past_the_tls13_limit(twin):
    """RFC 8446 5.5's 2^24.5 records is TLS 1.3's limit, where a KeyUpdate changes keys.
    TLS 1.2 has no way to (we refuse renegotiation), and a connection of small writes
    reached it after ~24 million records and died with internal_error, where Go and
    OpenSSL go on: only the sequence number's end stops TLS 1.2."""
    w, r = WriteHalf(twin), ReadHalf(twin)
    w.set_key(TLS12, 1, bytes(16), bytes(4))
    r.set_key(TLS12, 1, bytes(16), bytes(4))
    past = int(2**24.5) + 10
    w._prot.seq = r._prot.seq = past
    assert not w.key_update_due
    w.write_record(23, b"still going")
    assert pump(r, w.data_to_send(), "whole") == (b"still going", [])
    w._prot.seq = (1 << 64) - 1
    with pytest.raises(TLSError):
        w.write_record(23, b"y")


def test_buffers_are_released_when_idle(twin):
    w, r = WriteHalf(twin), ReadHalf(twin)
    w.set_key(TLS13, 1, bytes(16), bytes(12))
    r.set_key(TLS13, 1, bytes(16), bytes(12))
    w.write_record(23, os.urandom(50_000))
    stream = w.data_to_send()
    assert len(w.buffer.buffer) == 0
    data, _ = pump(r, stream, "whole")
    assert len(data) == 50_000
    assert len(r.buffer.buffer) == 0


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=100), protected=st.booleans(), version=st.sampled_from([TLS12, TLS13]))
def test_garbage_only_raises_tls_errors(data, protected, version):

    outcomes = []
    for t in twins_to_compare():
        r = ReadHalf(t)
        if protected:
            r.set_key(version, 1, bytes(16), bytes(12) if version == TLS13 else bytes(4))
        try:
            outcomes.append(pump(r, data, "bytewise"))
        except TLSError as e:
            outcomes.append(int(e.alert))
    assert outcomes[0] == outcomes[-1]


def _records(*lengths: int) -> bytes:
    return b"".join(b"\x17\x03\x03" + n.to_bytes(2, "big") + bytes(n) for n in lengths)


@pytest.mark.parametrize("over", [17, 24, 16])  # TLS 1.3; TLS 1.2 AES-GCM; TLS 1.2 ChaCha20
def test_mark_records_gives_each_records_plaintext_length(over):
    data = _records(over + 13, over + 16384, over, over + 100)  # an empty record gets no mark
    marks = deque()
    mark_records(data, 0, len(data), False, 13 + 16384 + 100, marks, over)
    assert list(marks) == [13, 16384, 100]
    marks.clear()
    mark_records(data, 0, len(data), True, 13 + 16384, marks, over)  # the last one was not data
    assert list(marks) == [13, 16384]


def test_mark_records_with_padding_marks_the_whole_run():
    """A TLS 1.3 sender that pads makes the lengths unknowable: one mark for all (reads
    may then return several records; no byte is lost or moved)."""
    data = _records(17 + 13, 17 + 5 + 40)  # the second record carries 40 bytes of padding
    marks = deque()
    mark_records(data, 0, len(data), False, 13 + 5, marks, 17)
    assert list(marks) == [18]
    # Padding that would pass for another overhead (two records, 14 bytes on one: 24 each
    # on average, TLS 1.2 GCM's) is caught too: the overhead is the connection's.
    data = _records(17 + 100 + 14, 17 + 100)
    marks.clear()
    mark_records(data, 0, len(data), False, 200, marks, 17)
    assert list(marks) == [200]

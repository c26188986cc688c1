"""The AEAD hot loop: seal and open many records per call, on both twins.

Byte-exact against records built independently with ``cryptography`` (RFC 8446
section 5.2 additional data, RFC 5246 section 6.2.3.3 for TLS 1.2), differential
between the twins, and every kind of bad input.
"""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fasttls.constants import AlertDescription
from fasttls.errors import TLSError

from .helpers import twins_to_compare

TLS12, TLS13 = 0x0303, 0x0304
AES, CHACHA = 1, 2
NEED_MORE, RECORD, UNPROTECTED, OUT_FULL = 0, 1, 2, 3

# (version, cipher, key length, iv length)
MODES = [
    pytest.param((TLS13, AES, 16, 12), id="tls13-aes128"),
    pytest.param((TLS13, AES, 32, 12), id="tls13-aes256"),
    pytest.param((TLS13, CHACHA, 32, 12), id="tls13-chacha"),
    pytest.param((TLS12, AES, 16, 4), id="tls12-aes128"),
    pytest.param((TLS12, AES, 32, 4), id="tls12-aes256"),
    pytest.param((TLS12, CHACHA, 32, 12), id="tls12-chacha"),
]


def keys(mode):
    return os.urandom(mode[2]), os.urandom(mode[3])


def reference_record(mode, key, iv, seq, ctype, payload, padding=0, inner_type=None):
    """One record built straight from the RFCs with cryptography (no fasttls code)."""
    version, cipher, _, _ = mode
    aead = AESGCM(key) if cipher == AES else ChaCha20Poly1305(key)
    if version == TLS13:
        inner = payload + bytes([ctype if inner_type is None else inner_type]) + bytes(padding)
        length = len(inner) + 16
        header = bytes([23, 3, 3]) + length.to_bytes(2, "big")
        nonce = (int.from_bytes(iv, "big") ^ seq).to_bytes(12, "big")
        return header + aead.encrypt(nonce, inner, header)
    aad = seq.to_bytes(8, "big") + bytes([ctype, 3, 3]) + len(payload).to_bytes(2, "big")
    if cipher == AES:
        explicit = seq.to_bytes(8, "big")
        body = explicit + aead.encrypt(iv + explicit, payload, aad)
    else:
        body = aead.encrypt((int.from_bytes(iv, "big") ^ seq).to_bytes(12, "big"), payload, aad)
    return bytes([ctype, 3, 3]) + len(body).to_bytes(2, "big") + body


def seal(twin, mode, key, iv, ctype, data, seq=0, frag=16384):
    s = twin.aead.RecordSealer(mode[1], key, iv, mode[0], seq)
    out = bytearray(s.sealed_length(len(data), frag))
    end = s.seal_into(out, 0, ctype, data, frag)
    assert end == len(out)
    return bytes(out), s


def open_all(twin, mode, key, iv, stream, seq=0):
    """Open a whole stream; returns (application data, [(type, payload)], stop of the last call)."""
    o = twin.aead.RecordOpener(mode[1], key, iv, mode[0], seq)
    out = bytearray(len(stream) + 16)
    pos, app, others = 0, b"", []
    while True:
        pos, app_end, stop, ctype, rec_end = o.open_records(stream, pos, len(stream), out, 0)
        app += bytes(out[:app_end])
        if stop == RECORD:
            others.append((ctype, bytes(out[app_end:rec_end])))
            continue
        if stop == twin.aead.STOP_FAILED:
            continue  # the data before a failing record first; the next call raises
        return app, others, stop, pos, o


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n", [0, 1, 15, 16, 1024, 16383, 16384, 16385, 50000])
def test_seal_matches_the_rfc_construction(twin, mode, n):
    key, iv = keys(mode)
    data = os.urandom(n)
    sealed, sealer = seal(twin, mode, key, iv, 23, data, seq=41)
    expected, seq, done = b"", 41, 0
    while True:
        chunk = data[done : done + 16384]
        expected += reference_record(mode, key, iv, seq, 23, chunk)
        seq += 1
        done += len(chunk)
        if done >= n:
            break
    assert sealed == expected
    assert sealer.seq == seq


@pytest.mark.parametrize("mode", [m for m in MODES if m.values[0][0] == TLS13])
def test_sealing_in_place_and_from_the_stage_give_the_rfc_records(twin, mode, monkeypatch):
    """Small TLS 1.3 records are sealed in place where cryptography allows it (up to 50)
    and from the sealer's staging buffer where it refuses (51: input and output must not
    overlap).  Both paths run here, whatever is installed, on records of every size the
    staging buffer grows through (256 bytes to 4 KiB in powers of two, then 16 KiB + 1),
    one sealer for all: each must give the RFC's bytes."""
    import fasttls.record.capabilities as capabilities

    key, iv = keys(mode)
    sizes = [0, 1, 255, 256, 257, 1000, 4095, 4096, 4097, 16383, 16384, 300, 5000]
    for in_place in sorted({False, capabilities.ENCRYPT_INTO_IN_PLACE}):
        monkeypatch.setattr(capabilities, "ENCRYPT_INTO_IN_PLACE", in_place)
        sealer = twin.aead.RecordSealer(mode[1], key, iv, mode[0], 7)
        seq = 7
        for n in sizes:
            data = os.urandom(n)
            assert sealer.seal(22, data) == reference_record(mode, key, iv, seq, 22, data), (in_place, n)
            out = bytearray(n + 30)
            assert sealer.seal_into(out, 3, 23, data) == n + 25
            assert bytes(out[3 : n + 25]) == reference_record(mode, key, iv, seq + 1, 23, data), (in_place, n)
            seq += 2
        assert sealer.seq == seq


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("frag", [1, 100, 4096])
def test_smaller_fragment_limit(twin, mode, frag):
    key, iv = keys(mode)
    data = os.urandom(5000 if frag > 1 else 300)
    sealed, _ = seal(twin, mode, key, iv, 23, data, frag=frag)
    app, others, stop, pos, opener = open_all(twin, mode, key, iv, sealed)
    assert (app, others, stop, pos) == (data, [], NEED_MORE, len(sealed))
    assert opener.seq == -(-len(data) // frag)


@pytest.mark.parametrize("mode", MODES)
def test_open_stops_at_each_non_application_record(twin, mode):
    key, iv = keys(mode)
    parts = [(23, b"first"), (23, b"second"), (22, b"\x14\x00\x00\x00"), (23, b"third"), (21, b"\x01\x00"), (23, b"")]
    stream, seq = b"", 0
    for ctype, payload in parts:
        stream += reference_record(mode, key, iv, seq, ctype, payload)
        seq += 1
    o = twin.aead.RecordOpener(mode[1], key, iv, mode[0])
    out = bytearray(1000)
    r1 = o.open_records(stream, 0, len(stream), out, 10)
    assert r1[2:4] == (RECORD, 22)
    assert bytes(out[10 : r1[1]]) == b"firstsecond"
    assert bytes(out[r1[1] : r1[4]]) == b"\x14\x00\x00\x00"
    r2 = o.open_records(stream, r1[0], len(stream), out, 0)
    assert r2[2:4] == (RECORD, 21) and bytes(out[: r2[1]]) == b"third" and bytes(out[r2[1] : r2[4]]) == b"\x01\x00"
    r3 = o.open_records(stream, r2[0], len(stream), out, 0)
    assert r3 == (len(stream), 0, NEED_MORE, 0, 0)
    assert o.seq == 6


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("cut", [1, 4, 5, 6, 20, -1])
def test_partial_record_waits(twin, mode, cut):
    key, iv = keys(mode)
    rec = reference_record(mode, key, iv, 0, 23, b"payload")
    stream = rec + reference_record(mode, key, iv, 1, 23, b"more")[:cut]
    o = twin.aead.RecordOpener(mode[1], key, iv, mode[0])
    out = bytearray(100)
    pos, app_end, stop, _, _ = o.open_records(stream, 0, len(stream), out, 0)
    assert (pos, stop, bytes(out[:app_end])) == (len(rec), NEED_MORE, b"payload")


@pytest.mark.parametrize("mode", MODES)
def test_output_full_stops_before_the_record(twin, mode):
    key, iv = keys(mode)
    stream = reference_record(mode, key, iv, 0, 23, b"a" * 50) + reference_record(mode, key, iv, 1, 23, b"b" * 50)
    o = twin.aead.RecordOpener(mode[1], key, iv, mode[0])
    out = bytearray(80)
    pos, app_end, stop, _, _ = o.open_records(stream, 0, len(stream), out, 0)
    assert stop == OUT_FULL and bytes(out[:app_end]) == b"a" * 50 and o.seq == 1
    out = bytearray(80)
    pos, app_end, stop, _, _ = o.open_records(stream, pos, len(stream), out, 0)
    assert stop == NEED_MORE and bytes(out[:app_end]) == b"b" * 50


# --- TLS 1.3 inner plaintext -------------------------------------------------------------------

TLS13_MODES = [m for m in MODES if m.values[0][0] == TLS13]


@pytest.mark.parametrize("mode", TLS13_MODES)
@pytest.mark.parametrize("padding", [1, 200, 16384 + 256 - 16 - 1 - 10])
def test_padding_is_stripped(twin, mode, padding):
    key, iv = keys(mode)
    stream = reference_record(mode, key, iv, 0, 23, b"0123456789", padding=padding)
    stream += reference_record(mode, key, iv, 1, 22, b"hs", padding=3)
    app, others, stop, pos, _ = open_all(twin, mode, key, iv, stream)
    assert (app, others, stop) == (b"0123456789", [(22, b"hs")], NEED_MORE)


@pytest.mark.parametrize("mode", TLS13_MODES)
@pytest.mark.parametrize("padding", [0, 5])
def test_all_zero_inner_plaintext_is_unexpected_message(twin, mode, padding):
    key, iv = keys(mode)
    stream = reference_record(mode, key, iv, 0, 23, b"", padding=padding, inner_type=0)
    with pytest.raises(TLSError) as e:
        open_all(twin, mode, key, iv, stream)
    assert e.value.alert == AlertDescription.unexpected_message


@pytest.mark.parametrize("mode", TLS13_MODES)
@pytest.mark.parametrize("inner_type", [20, 24, 0x42, 255])
def test_bad_inner_content_type(twin, mode, inner_type):
    key, iv = keys(mode)
    stream = reference_record(mode, key, iv, 0, 23, b"x", inner_type=inner_type)
    with pytest.raises(TLSError) as e:
        open_all(twin, mode, key, iv, stream)
    assert e.value.alert == AlertDescription.unexpected_message


@pytest.mark.parametrize("mode", TLS13_MODES)
def test_plaintext_over_2_14_is_record_overflow(twin, mode):
    key, iv = keys(mode)
    stream = reference_record(mode, key, iv, 0, 23, bytes(16385))
    with pytest.raises(TLSError) as e:
        open_all(twin, mode, key, iv, stream)
    assert e.value.alert == AlertDescription.record_overflow


@pytest.mark.parametrize("mode", TLS13_MODES)
@pytest.mark.parametrize("ctype", [20, 21, 22])
def test_unprotected_record_is_left_for_the_caller(twin, mode, ctype):
    key, iv = keys(mode)
    stream = reference_record(mode, key, iv, 0, 23, b"app") + bytes([ctype, 3, 3, 0, 1, 1])
    app, others, stop, pos, _ = open_all(twin, mode, key, iv, stream)
    assert (app, others, stop, len(stream) - pos) == (b"app", [], UNPROTECTED, 6)


# --- header errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_ciphertext_overflow(twin, mode):
    key, iv = keys(mode)
    limit = 16384 + (256 if mode[0] == TLS13 else 2048)
    header = bytes([23, 3, 3]) + (limit + 1).to_bytes(2, "big")
    with pytest.raises(TLSError) as e:
        open_all(twin, mode, key, iv, header)
    assert e.value.alert == AlertDescription.record_overflow


@pytest.mark.parametrize("mode", [m for m in MODES if m.values[0][0] == TLS12])
def test_tls12_plaintext_over_2_14_is_record_overflow(twin, mode):
    key, iv = keys(mode)
    stream = reference_record(mode, key, iv, 0, 23, bytes(16385))
    with pytest.raises(TLSError) as e:
        open_all(twin, mode, key, iv, stream)
    assert e.value.alert == AlertDescription.record_overflow


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ctype", [0, 19, 24, 99])
def test_unknown_outer_type(twin, mode, ctype):
    key, iv = keys(mode)
    with pytest.raises(TLSError) as e:
        open_all(twin, mode, key, iv, bytes([ctype, 3, 3, 0, 30]) + bytes(30))
    assert e.value.alert == AlertDescription.unexpected_message


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("version", [0x0301, 0x0304, 0x0203])
def test_wrong_record_version(twin, mode, version):
    key, iv = keys(mode)
    with pytest.raises(TLSError) as e:
        open_all(twin, mode, key, iv, bytes([23, version >> 8, version & 0xFF, 0, 30]) + bytes(30))
    assert e.value.alert == AlertDescription.protocol_version


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("length", [0, 1, 15, 16])
def test_record_too_short_for_a_tag(twin, mode, length):
    key, iv = keys(mode)
    if mode[0] == TLS12 and mode[1] == CHACHA and length == 16:
        length = 15  # 16 bytes is an empty TLS 1.2 ChaCha20 record: a tag failure below, not a length one
    with pytest.raises(TLSError) as e:
        open_all(twin, mode, key, iv, bytes([23, 3, 3, 0, length]) + bytes(length))
    assert e.value.alert == AlertDescription.bad_record_mac


# --- tampering ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_every_bit_flip_is_caught(twin, mode):
    """No single flipped bit anywhere in a record yields a plaintext."""
    key, iv = keys(mode)
    rec = reference_record(mode, key, iv, 0, 23, b"attack at dawn")
    allowed = {
        AlertDescription.bad_record_mac,
        AlertDescription.unexpected_message,
        AlertDescription.protocol_version,
        AlertDescription.record_overflow,
    }
    for bit in range(len(rec) * 8):
        bad = bytearray(rec)
        bad[bit // 8] ^= 1 << (bit % 8)
        # Trailing bytes let a record whose length grew be read as complete.
        stream = bytes(bad) + os.urandom(300)
        try:
            app, others, stop, pos, _ = open_all(twin, mode, key, iv, stream)
        except TLSError as e:
            assert e.alert in allowed, (bit, e)
            if bit // 8 >= 5:  # body or tag
                assert e.alert == AlertDescription.bad_record_mac
            continue
        # No error: only possible when the type byte now names an unprotected
        # record (TLS 1.3 hands it to the caller), or the length grew past the data.
        assert app == b"" and others == [], bit
        assert stop in (UNPROTECTED, NEED_MORE), bit


@pytest.mark.parametrize("mode", MODES)
def test_an_error_leaves_no_buffer_exported(twin, mode):
    """A caller that keeps the error (and with it the traceback) can still resize its
    buffers: the receive buffer must grow for the next read, or the connection's
    stored error would come back as a BufferError."""
    key, iv = keys(mode)
    rec = bytearray(reference_record(mode, key, iv, 0, 23, b"x" * 3000) * 5)
    rec[-1] ^= 1
    data, out = bytearray(rec), bytearray(len(rec))
    o = twin.aead.RecordOpener(mode[1], key, iv, mode[0])
    with pytest.raises(TLSError) as kept:
        pos, app_end, stop, _, _ = o.open_records(data, 0, len(data), out, 0)
        assert stop == twin.aead.STOP_FAILED and app_end == 3000  # the first record's data first
        o.open_records(data, pos, len(data), out, app_end)
    assert kept.value.alert == AlertDescription.bad_record_mac
    data.extend(bytes(100_000))
    out.extend(bytes(100_000))


@pytest.mark.parametrize(
    "mode,bad",
    [
        pytest.param(m.values[0], bad, id=f"{m.id}-{bad}")
        for m in MODES
        for bad in ("tampered", "version", "overflow", "no_content_type", "empty_run")
        if bad != "no_content_type" or m.values[0][0] == TLS13  # TLS 1.2 records carry their type outside
    ],
)
def test_data_before_a_failing_record_comes_first(twin, mode, bad):
    """Records opened before one that fails are returned (STOP_FAILED) and the next call
    raises that record's error, as OpenSSL's SSL_read returns data before its error;
    without data before it, the error is raised at once.  Both twins alike."""
    key, iv = keys(mode)
    good = reference_record(mode, key, iv, 0, 23, b"good data") + reference_record(mode, key, iv, 1, 23, b" and more")
    alert = {
        "tampered": AlertDescription.bad_record_mac,
        "version": AlertDescription.protocol_version,
        "overflow": AlertDescription.record_overflow,
        "no_content_type": AlertDescription.unexpected_message,
        "empty_run": AlertDescription.unexpected_message,
    }[bad]
    if bad == "tampered":
        rec = bytearray(reference_record(mode, key, iv, 2, 23, b"x" * 100))
        rec[-1] ^= 1
        tail = bytes(rec)
    elif bad == "version":
        tail = b"\x17\x03\x01\x00\x20" + bytes(32)
    elif bad == "overflow":
        tail = b"\x17\x03\x03\x48\x01" + bytes(0x4801)
    elif bad == "no_content_type":
        tail = reference_record(mode, key, iv, 2, 23, b"", padding=4, inner_type=0)
    else:
        tail = b"".join(reference_record(mode, key, iv, 2 + i, 23, b"") for i in range(40))
    o = twin.aead.RecordOpener(mode[1], key, iv, mode[0])
    stream = good + tail
    out = bytearray(len(stream))
    pos, app_end, stop, _, _ = o.open_records(stream, 0, len(stream), out, 0)
    assert stop == twin.aead.STOP_FAILED == 4 and bytes(out[:app_end]) == b"good data and more"
    with pytest.raises(TLSError) as e:
        o.open_records(stream, pos, len(stream), out, 0)
    assert e.value.alert == alert
    with pytest.raises(TLSError) as again:  # and every call after it
        o.open_records(stream, pos, len(stream), out, 0)
    assert again.value.alert == alert
    # Nothing before it: raised at once.
    o = twin.aead.RecordOpener(mode[1], key, iv, mode[0], 2)
    if bad != "empty_run":
        with pytest.raises(TLSError) as e:
            o.open_records(tail, 0, len(tail), out, 0)
        assert e.value.alert == alert


@pytest.mark.parametrize("mode", MODES)
def test_reordered_and_replayed_records_fail(twin, mode):
    key, iv = keys(mode)
    r0 = reference_record(mode, key, iv, 0, 23, b"zero")
    r1 = reference_record(mode, key, iv, 1, 23, b"one")
    for stream in (r1 + r0, r0 + r0, r0 + r1 + r1):
        with pytest.raises(TLSError) as e:
            open_all(twin, mode, key, iv, stream)
        assert e.value.alert == AlertDescription.bad_record_mac


@pytest.mark.parametrize("mode", MODES)
def test_wrong_key_fails(twin, mode):
    key, iv = keys(mode)
    rec = reference_record(mode, key, iv, 0, 23, b"data")
    with pytest.raises(TLSError) as e:
        open_all(twin, mode, os.urandom(len(key)), iv, rec)
    assert e.value.alert == AlertDescription.bad_record_mac


# --- sequence numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_sequence_number_never_wraps(twin, mode):
    key, iv = keys(mode)
    last = (1 << 64) - 2
    sealed, sealer = seal(twin, mode, key, iv, 23, b"last", seq=last)
    assert sealer.seq == (1 << 64) - 1
    assert open_all(twin, mode, key, iv, sealed, seq=last)[0] == b"last"
    with pytest.raises(TLSError) as e:
        sealer.seal_into(bytearray(100), 0, 23, b"one more")
    assert e.value.alert == AlertDescription.internal_error
    with pytest.raises(TLSError) as e:
        seal(twin, mode, key, iv, 23, bytes(20000), seq=last)  # two records, one sequence number left
    assert e.value.alert == AlertDescription.internal_error
    with pytest.raises(TLSError) as e:
        open_all(twin, mode, key, iv, sealed, seq=(1 << 64) - 1)
    assert e.value.alert == AlertDescription.internal_error


def test_construction_errors(twin):
    A = twin.aead
    with pytest.raises(ValueError):
        A.RecordSealer(A.CIPHER_AES_GCM, bytes(16), bytes(12), 0x0302)
    with pytest.raises(ValueError):
        A.RecordSealer(A.CIPHER_AES_GCM, bytes(16), bytes(12), TLS12)  # 1.2 GCM takes a 4-byte salt
    with pytest.raises(ValueError):
        A.RecordSealer(99, bytes(16), bytes(12), TLS13)
    s = A.RecordSealer(A.CIPHER_AES_GCM, bytes(16), bytes(12), TLS13)
    with pytest.raises(ValueError):
        s.seal_into(bytearray(10), 0, 23, b"too big for the buffer")
    with pytest.raises(ValueError):
        s.seq = -1


# --- differential and fuzz ----------------------------------------------------------------------

mode_st = st.sampled_from([m.values[0] for m in MODES])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mode=mode_st,
    seq=st.integers(0, (1 << 64) - 100),
    ctype=st.sampled_from([21, 22, 23]),
    n=st.one_of(st.integers(0, 40), st.integers(0, 40000)),
    frag=st.sampled_from([16384, 16384, 4096, 1000, 7]),
    seed=st.binary(min_size=64, max_size=64),
)
def test_twins_produce_identical_bytes_and_open_each_other(mode, seq, ctype, n, frag, seed):

    if frag == 7:
        n = min(n, 200)
    key, iv = seed[: mode[2]], seed[32 : 32 + mode[3]]
    data = (seed * (n // 64 + 1))[:n]
    sealed = {t.name: seal(t, mode, key, iv, ctype, data, seq=seq, frag=frag)[0] for t in twins_to_compare()}
    assert len(set(sealed.values())) == 1
    stream = next(iter(sealed.values()))
    for t in twins_to_compare():
        o = t.aead.RecordOpener(mode[1], key, iv, mode[0], seq)
        out = bytearray(len(stream))
        pos, got = 0, b""
        while pos < len(stream):
            pos, app_end, stop, rtype, rec_end = o.open_records(stream, pos, len(stream), out, 0)
            got += bytes(out[:app_end])
            if stop == RECORD:
                assert rtype == ctype
                got += bytes(out[app_end:rec_end])
        assert got == data


@settings(max_examples=300, deadline=None)
@given(mode=mode_st, data=st.binary(max_size=80), valid_prefix=st.booleans())
def test_garbage_gives_only_tls_errors(mode, data, valid_prefix):

    key, iv = bytes(mode[2]), bytes(mode[3])
    if valid_prefix:
        data = reference_record(mode, key, iv, 0, 23, b"ok") + data
    results = []
    for t in twins_to_compare():
        o = t.aead.RecordOpener(mode[1], key, iv, mode[0])
        out = bytearray(len(data) + 16)
        try:
            results.append(o.open_records(data, 0, len(data), out, 0)[:4])
        except TLSError as e:
            results.append(("error", int(e.alert)))
    assert results[0] == results[-1]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [0, 1, 1000, 16384, 40000])
def test_seal_returns_the_same_records_as_seal_into(twin, mode, size):
    """``seal`` (one new bytes object per write, the socket hot path) is ``seal_into`` byte for byte,
    and both continue the same sequence."""
    key, iv = keys(mode)
    data = os.urandom(size)
    s = twin.aead.RecordSealer(mode[1], key, iv, mode[0], 5)
    first = s.seal(23, data, 16384)
    second = s.seal(23, memoryview(data), 16384)
    assert isinstance(first, bytes) and isinstance(second, bytes)
    n = len(first)
    expected_first, _ = seal(twin, mode, key, iv, 23, data, seq=5)
    assert first == expected_first
    nrec = max(1, -(-size // 16384))
    expected_second, _ = seal(twin, mode, key, iv, 23, data, seq=5 + nrec)
    assert second == expected_second
    assert n == s.sealed_length(size, 16384)
    if size <= 16384:  # one record: also equal to the independently built reference
        assert first == reference_record(mode, key, iv, 5, 23, data)


def _open_trace(t, mode, key, iv, stream, cap_extra=16):
    """Every ``open_records`` call's result and output until the stream ends or fails."""
    o = t.aead.RecordOpener(mode[1], key, iv, mode[0])
    out = bytearray(len(stream) + cap_extra)
    pos, trace = 0, []
    try:
        while True:
            pos, app_end, stop, rtype, rec_end = o.open_records(stream, pos, len(stream), out, 0)
            trace.append((pos, app_end, stop, rtype, rec_end, bytes(out[: max(app_end, rec_end)]), o.seq, o.empty_run))
            if stop != RECORD:
                return trace
    except TLSError as e:
        trace.append(("error", int(e.alert), o.seq))
        return trace


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mode=st.sampled_from([m.values[0] for m in TLS13_MODES]),
    size=st.sampled_from([0, 1, 5, 100, 1000, 2048, 2049]),
    count=st.integers(1, 40),
    odd=st.lists(
        st.tuples(st.integers(0, 39), st.sampled_from(["short", "long", "padded", "handshake", "alert", "empty", "tamper", "cut"])),
        max_size=3,
    ),
)
def test_runs_of_equal_records_open_the_same_on_both_twins(mode, size, count, odd):
    """Streams of equal-size application records (what a peer's large write becomes), with
    an odd record or two placed anywhere: the twins agree on every call's result, the
    bytes written, the sequence number and every error (the pure twin opens such runs
    in a batch; the compiled one record by record)."""

    key, iv = os.urandom(mode[2]), os.urandom(mode[3])
    kinds = dict(odd)
    records = []
    cut = False
    for i in range(count):
        kind = kinds.get(i)
        payload, ctype, padding, inner = os.urandom(size), 23, 0, None
        if kind == "short":
            payload = payload[: size // 2]
        elif kind == "long":
            payload += b"x"
        elif kind == "padded":
            padding = 3
        elif kind == "handshake":
            ctype = 22
            payload = payload or b"\x01"
        elif kind == "alert":
            ctype = 21
            payload = b"\x01\x00"
        elif kind == "empty":
            payload = b""
        rec = bytearray(reference_record(mode, key, iv, i, ctype, payload, padding, inner))
        if kind == "tamper":
            rec[-1] ^= 1
        if kind == "cut":
            rec = rec[: len(rec) // 2]
            cut = True
        records.append(bytes(rec))
        if cut:
            break
    stream = b"".join(records)
    traces = [_open_trace(t, mode, key, iv, stream) for t in twins_to_compare()]
    assert traces[0] == traces[-1]

"""Per-record nonces (RFC 8446 section 5.3, RFC 7905 section 2, RFC 5288 section 3), on both twins."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fasttls.constants import AlertDescription
from fasttls.errors import TLSError

from .helpers import twins_to_compare

# The server handshake IV of RFC 8448 section 3.
IV = bytes.fromhex("5d313eb2671276ee13000b30")


@pytest.mark.parametrize(
    "seq,nonce",
    [
        (0, "5d313eb2671276ee13000b30"),
        (1, "5d313eb2671276ee13000b31"),
        (0xFF, "5d313eb2671276ee13000bcf"),
        # RFC 8446 5.3: the 64-bit sequence number, left-padded with zeros to 12 bytes, XOR the IV.
        (0x0102030405060708, "5d313eb2661075ea16060c38"),
        ((1 << 64) - 2, "5d313eb298ed8911ecfff4ce"),
    ],
)
def test_xor_nonce(twin, seq, nonce):
    assert twin.nonce.xor_nonce(IV, seq) == bytes.fromhex(nonce)


def test_xor_nonce_leaves_the_first_four_bytes(twin):
    iv = bytes(range(12))
    assert twin.nonce.xor_nonce(iv, (1 << 64) - 2)[:4] == iv[:4]


def test_chacha20_tls12_uses_the_same_construction(twin):
    # RFC 7905 section 2: the 64-bit record sequence number is left-padded and XORed with client/server_write_IV.
    iv = bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaab")
    assert twin.nonce.xor_nonce(iv, 7) == bytes.fromhex("a0a1a2a3a4a5a6a7a8a9aaac")


def test_gcm_tls12_salt_and_explicit(twin):
    # RFC 5288 section 3: nonce = salt (4, implicit, from the key block) || nonce_explicit (8, in the record).
    salt = bytes.fromhex("cafebabe")
    explicit = twin.nonce.explicit_nonce(0x1122334455667788)
    assert explicit == bytes.fromhex("1122334455667788")
    assert twin.nonce.gcm_nonce(salt, explicit) == bytes.fromhex("cafebabe1122334455667788")


@pytest.mark.parametrize("seq", [(1 << 64) - 1, 1 << 64, -1])
def test_sequence_numbers_never_wrap(twin, seq):
    with pytest.raises(TLSError) as e:
        twin.nonce.xor_nonce(IV, seq)
    assert e.value.alert == AlertDescription.internal_error
    with pytest.raises(TLSError):
        twin.nonce.explicit_nonce(seq)


def test_bad_lengths_are_programming_errors(twin):
    with pytest.raises(ValueError):
        twin.nonce.xor_nonce(b"short", 0)
    with pytest.raises(ValueError):
        twin.nonce.gcm_nonce(b"abc", b"12345678")


@given(iv=st.binary(min_size=12, max_size=12), seq=st.integers(0, (1 << 64) - 2))
def test_twins_agree(iv, seq):

    values = {t.name: (t.nonce.xor_nonce(iv, seq), t.nonce.explicit_nonce(seq)) for t in twins_to_compare()}
    assert len(set(values.values())) == 1
    expected = (int.from_bytes(iv, "big") ^ seq).to_bytes(12, "big")
    assert values["python"][0] == expected

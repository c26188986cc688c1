"""Key exchange groups: agreement, known answers, the hybrid's wire layout, and invalid peer values."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, mlkem, x25519

from fasttls import key_exchange as kx
from fasttls.constants import AlertDescription, NamedGroup
from fasttls.errors import TLSError

from .vectors import rfc8448

G = NamedGroup
ALL = list(kx.SUPPORTED_GROUPS)
ECDH_GROUPS = [g for g in ALL if g != G.X25519MLKEM768]

CLIENT_SIZES = {G.x25519: 32, G.x448: 56, G.secp256r1: 65, G.secp384r1: 97, G.secp521r1: 133, G.X25519MLKEM768: 1216}
SERVER_SIZES = {**CLIENT_SIZES, G.X25519MLKEM768: 1120}
SECRET_SIZES = {G.x25519: 32, G.x448: 56, G.secp256r1: 32, G.secp384r1: 48, G.secp521r1: 66, G.X25519MLKEM768: 64}

# RFC 7748 / libsodium's blocklist: X25519 points of small order (after clamping
# and masking the top bit every one of them yields the all-zero shared secret).
X25519_LOW_ORDER = [
    bytes(32),
    bytes([1]) + bytes(31),
    bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    bytes.fromhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
    bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    bytes.fromhex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
]


def x25519_public(key: x25519.X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def illegal(exc: pytest.ExceptionInfo, group: int) -> None:
    assert exc.value.alert == AlertDescription.illegal_parameter
    assert kx.group_name(group) in str(exc.value)


# ----------------------------------------------------------------- agreement


@pytest.mark.parametrize("group", ALL, ids=kx.group_name)
def test_tls13_both_sides_agree(group):
    client = kx.generate_key_share(group)
    assert client.group == group and len(client.public) == CLIENT_SIZES[group] == kx.public_length(group)
    server_public, server_secret = kx.server_key_exchange(group, client.public)
    assert len(server_public) == SERVER_SIZES[group] == kx.public_length(group, server=True)
    assert len(server_secret) == SECRET_SIZES[group]
    assert client.shared_secret(server_public) == server_secret
    # Fresh keys every time: a second exchange shares nothing with the first.
    again = kx.generate_key_share(group)
    assert again.public != client.public
    assert kx.server_key_exchange(group, again.public)[1] != server_secret


@pytest.mark.parametrize("group", ECDH_GROUPS, ids=kx.group_name)
def test_tls12_style_exchange(group):
    # TLS 1.2: the server generates its share first, both sides use generate_key_share.
    assert kx.is_ecdhe_group12(group)
    a, b = kx.generate_key_share(group), kx.generate_key_share(group)
    assert a.shared_secret(b.public) == b.shared_secret(a.public)


def test_hybrid_is_tls13_only():
    assert not kx.is_ecdhe_group12(G.X25519MLKEM768)
    assert not kx.is_ecdhe_group12(0x0100)  # ffdhe2048: not ours


def test_nist_shares_are_uncompressed_points():
    for group in (G.secp256r1, G.secp384r1, G.secp521r1):
        share = kx.generate_key_share(group)
        assert share.public[0] == 0x04
        curve = {G.secp256r1: ec.SECP256R1(), G.secp384r1: ec.SECP384R1(), G.secp521r1: ec.SECP521R1()}[group]
        ec.EllipticCurvePublicKey.from_encoded_point(curve, share.public)  # a point on the curve


# ----------------------------------------------------------------- known answers (RFC 8448)


def test_rfc8448_x25519_known_answer():
    t = rfc8448.SIMPLE_1RTT
    share = kx.KeyShare.from_private_key(G.x25519, t["client_x25519_private"])
    assert share.public == t["client_x25519_public"]
    assert share.shared_secret(t["server_x25519_public"]) == t["ecdhe_shared_secret"]
    server = kx.KeyShare.from_private_key(G.x25519, t["server_x25519_private"])
    assert server.shared_secret(t["client_x25519_public"]) == t["ecdhe_shared_secret"]


def test_rfc8448_p256_known_answer():
    t = rfc8448.HELLO_RETRY
    share = kx.KeyShare.from_private_key(G.secp256r1, t["client_p256_private"])
    assert share.public == t["client_p256_public"]
    assert share.shared_secret(t["server_p256_public"]) == t["ecdhe_shared_secret"]


# ----------------------------------------------------------------- X25519MLKEM768 layout


def test_hybrid_server_side_follows_the_draft_layout():
    """A client built from the raw primitives in the draft's order talks to our server."""
    dk = mlkem.MLKEM768PrivateKey.generate()
    xk = x25519.X25519PrivateKey.generate()
    client_share = dk.public_key().public_bytes_raw() + x25519_public(xk)  # ML-KEM ek first, then X25519
    assert len(client_share) == kx.X25519MLKEM768_CLIENT_SHARE_SIZE == 1216
    server_share, secret = kx.server_key_exchange(G.X25519MLKEM768, client_share)
    assert len(server_share) == kx.X25519MLKEM768_SERVER_SHARE_SIZE == 1120
    ciphertext, server_x = server_share[:1088], server_share[1088:]
    expected = dk.decapsulate(ciphertext) + xk.exchange(x25519.X25519PublicKey.from_public_bytes(server_x))
    assert secret == expected  # ML-KEM secret first, then the X25519 secret
    # The swapped (X25519-first, Kyber-draft style) combination is not what we produce.
    assert secret != expected[32:] + expected[:32]


def test_hybrid_client_side_follows_the_draft_layout():
    """A server built from the raw primitives in the draft's order talks to our client."""
    dk = mlkem.MLKEM768PrivateKey.generate()
    xk = x25519.X25519PrivateKey.generate()
    client = kx.KeyShare.from_private_key(G.X25519MLKEM768, xk, dk)
    assert client.public[:1184] == dk.public_key().public_bytes_raw()
    assert client.public[1184:] == x25519_public(xk)

    fresh = kx.generate_key_share(G.X25519MLKEM768)
    ek = mlkem.MLKEM768PublicKey.from_public_bytes(fresh.public[:1184])
    mlkem_secret, ciphertext = ek.encapsulate()
    server_x = x25519.X25519PrivateKey.generate()
    x_secret = server_x.exchange(x25519.X25519PublicKey.from_public_bytes(fresh.public[1184:]))
    assert fresh.shared_secret(ciphertext + x25519_public(server_x)) == mlkem_secret + x_secret


def test_hybrid_tampered_ciphertext_gives_another_secret():
    # ML-KEM's implicit rejection: a modified ciphertext decapsulates to a
    # pseudorandom secret (the handshake then fails at Finished), no exception.
    client = kx.generate_key_share(G.X25519MLKEM768)
    server_share, secret = kx.server_key_exchange(G.X25519MLKEM768, client.public)
    tampered = bytearray(server_share)
    tampered[10] ^= 1
    other = client.shared_secret(bytes(tampered))
    assert len(other) == 64 and other[:32] != secret[:32] and other[32:] == secret[32:]


# ----------------------------------------------------------------- invalid peer values


def bad_lengths(group: int, server: bool) -> list[bytes]:
    n = kx.public_length(group, server=server)
    return [b"", b"\x04", bytes(n - 1), bytes(n + 1), b"\x04" * (2 * n)]


@pytest.mark.parametrize("group", ALL, ids=kx.group_name)
def test_wrong_length_is_illegal_parameter(group):
    client = kx.generate_key_share(group)
    for data in bad_lengths(group, server=True):
        with pytest.raises(TLSError) as e:
            client.shared_secret(data)
        illegal(e, group)
    for data in bad_lengths(group, server=False):
        with pytest.raises(TLSError) as e:
            kx.server_key_exchange(group, data)
        illegal(e, group)


@pytest.mark.parametrize("group", [G.secp256r1, G.secp384r1, G.secp521r1], ids=kx.group_name)
def test_bad_ec_points(group):
    good = kx.generate_key_share(group).public
    size = (len(good) - 1) // 2
    not_on_curve = bytearray(good)
    not_on_curve[-1] ^= 1  # flips y: (x, y') is not on the curve
    compressed = bytes([2 + (good[-1] & 1)]) + good[1 : 1 + size]
    cases = {
        "not on the curve": bytes(not_on_curve),
        "all-zero coordinates (not on the curve)": b"\x04" + bytes(2 * size),
        "compressed prefix 0x02 at full length": b"\x02" + good[1:],
        "compressed prefix 0x03 at full length": b"\x03" + good[1:],
        "hybrid prefix 0x06": b"\x06" + good[1:],
        "infinity prefix 0x00 at full length": b"\x00" + good[1:],
        "a real compressed point": compressed,
        "the point at infinity": b"\x00",
        "x beyond the field (all ones)": b"\x04" + b"\xff" * (2 * size),
    }
    ours = kx.generate_key_share(group)
    for why, data in cases.items():
        with pytest.raises(TLSError) as e:
            ours.shared_secret(data)
        illegal(e, group)
        with pytest.raises(TLSError) as e:
            kx.server_key_exchange(group, data)
        illegal(e, group)


@pytest.mark.parametrize("point", X25519_LOW_ORDER, ids=lambda p: p[:4].hex())
def test_x25519_low_order_points(point):
    with pytest.raises(TLSError) as e:
        kx.generate_key_share(G.x25519).shared_secret(point)
    illegal(e, G.x25519)
    with pytest.raises(TLSError) as e:
        kx.server_key_exchange(G.x25519, point)
    illegal(e, G.x25519)


def test_x448_low_order_points():
    one = bytes([1]) + bytes(55)
    p_minus_1 = (2**448 - 2**224 - 2).to_bytes(56, "little")
    for point in (bytes(56), one, p_minus_1):
        with pytest.raises(TLSError) as e:
            kx.server_key_exchange(G.x448, point)
        illegal(e, G.x448)
        with pytest.raises(TLSError) as e:
            kx.generate_key_share(G.x448).shared_secret(point)
        illegal(e, G.x448)


def test_hybrid_low_order_x25519_half():
    client = kx.generate_key_share(G.X25519MLKEM768)
    with pytest.raises(TLSError) as e:
        kx.server_key_exchange(G.X25519MLKEM768, client.public[:1184] + bytes(32))
    illegal(e, G.X25519MLKEM768)
    server_share, _ = kx.server_key_exchange(G.X25519MLKEM768, client.public)
    with pytest.raises(TLSError) as e:
        client.shared_secret(server_share[:1088] + X25519_LOW_ORDER[2])
    illegal(e, G.X25519MLKEM768)


def test_hybrid_encapsulation_key_check():
    """FIPS 203 7.2: a coefficient >= q in the encapsulation key -> illegal_parameter (the draft's rule)."""
    share = bytearray(kx.generate_key_share(G.X25519MLKEM768).public)
    share[0] = 0xFF
    share[1] |= 0x0F  # first 12-bit coefficient = 4095 > 3328
    with pytest.raises(TLSError) as e:
        kx.server_key_exchange(G.X25519MLKEM768, bytes(share))
    illegal(e, G.X25519MLKEM768)


def test_hybrid_share_sizes_are_not_interchangeable():
    client = kx.generate_key_share(G.X25519MLKEM768)
    with pytest.raises(TLSError):  # a client share where the server's is expected
        client.shared_secret(client.public)
    server_share, _ = kx.server_key_exchange(G.X25519MLKEM768, client.public)
    with pytest.raises(TLSError):
        kx.server_key_exchange(G.X25519MLKEM768, server_share)


def test_unsupported_group():
    for group in (0x0100, 0xFFFF, 0x11EB):
        with pytest.raises(TLSError) as e:
            kx.generate_key_share(group)
        assert e.value.alert == AlertDescription.illegal_parameter
        with pytest.raises(TLSError):
            kx.server_key_exchange(group, b"\x00" * 32)


def test_peer_values_as_bytearray_and_memoryview():
    client = kx.generate_key_share(G.x25519)
    server_public, secret = kx.server_key_exchange(G.x25519, bytearray(client.public))
    assert client.shared_secret(memoryview(server_public)) == secret


# ----------------------------------------------------------------- defaults and names


def test_defaults_follow_go():
    assert kx.DEFAULT_GROUPS == (G.X25519MLKEM768, G.x25519, G.secp256r1, G.secp384r1, G.secp521r1)
    assert kx.DEFAULT_KEY_SHARES == (G.X25519MLKEM768, G.x25519)
    assert set(kx.SUPPORTED_GROUPS) == set(kx.DEFAULT_GROUPS) | {G.x448}
    assert all(kx.is_supported_group(g) for g in kx.SUPPORTED_GROUPS)


def test_parse_group_names():
    assert kx.parse_group_names("X25519MLKEM768:X25519:P-256:P-384:P-521:X448") == [
        G.X25519MLKEM768, G.x25519, G.secp256r1, G.secp384r1, G.secp521r1, G.x448,
    ]
    assert kx.parse_group_names("prime256v1:secp384r1:secp521r1:x25519:x448") == [
        G.secp256r1, G.secp384r1, G.secp521r1, G.x25519, G.x448,
    ]
    assert kx.parse_group_names("secp256r1, P-256 ,x25519mlkem768") == [G.secp256r1, G.X25519MLKEM768]
    assert kx.parse_group_names(["X25519", "P-384"]) == [G.x25519, G.secp384r1]
    assert kx.parse_group_names("?brainpoolP256r1:*X25519") == [G.x25519]
    for bad in ("X25519:brainpoolP256r1", "ffdhe2048", "", ":", "P-255", "?nothing"):
        with pytest.raises(ValueError):
            kx.parse_group_names(bad)


def test_group_names_for_display():
    assert [kx.group_name(g) for g in kx.DEFAULT_GROUPS] == ["X25519MLKEM768", "X25519", "P-256", "P-384", "P-521"]
    assert kx.group_name(0x1234) == "group 0x1234"

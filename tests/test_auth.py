"""Signature schemes: RFC 8446 4.4.3 signed content, RFC 8448 signatures, sign/verify, scheme selection."""

from __future__ import annotations

import functools

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x25519

from fasttls import auth
from fasttls.constants import AlertDescription, SignatureScheme
from fasttls.errors import TLSError

from . import pki
from .vectors import rfc8448

S = SignatureScheme


@functools.lru_cache(maxsize=None)
def key(kind: str):
    """One key per kind for the whole module (RSA-2048 from the pki pool, RSA-1024 from RFC 8448)."""
    if kind == "rsa-1024":
        return rfc8448.server_rsa_private_key()
    return pki.generate_key(kind)


# The key each scheme is made with.
SCHEME_KEYS = {
    S.ecdsa_secp256r1_sha256: "ecdsa-p256",
    S.ecdsa_secp384r1_sha384: "ecdsa-p384",
    S.ecdsa_secp521r1_sha512: "ecdsa-p521",
    S.rsa_pss_rsae_sha256: "rsa-2048",
    S.rsa_pss_rsae_sha384: "rsa-2048",
    S.rsa_pss_rsae_sha512: "rsa-2048",
    S.rsa_pss_pss_sha256: "rsa-2048",
    S.rsa_pss_pss_sha384: "rsa-2048",
    S.rsa_pss_pss_sha512: "rsa-2048",
    S.ed25519: "ed25519",
    S.ed448: "ed448",
    S.rsa_pkcs1_sha256: "rsa-2048",
    S.rsa_pkcs1_sha384: "rsa-2048",
    S.rsa_pkcs1_sha512: "rsa-2048",
    S.rsa_pkcs1_sha1: "rsa-2048",
    S.ecdsa_sha1: "ecdsa-p256",
}
TLS13_SCHEMES = [s for s in SCHEME_KEYS if auth.SCHEMES[s].tls13]
TLS12_ONLY = [s for s in SCHEME_KEYS if not auth.SCHEMES[s].tls13]
MESSAGE = auth.signed_message(auth.SERVER_SIGNATURE_CONTEXT, bytes(range(32)))


def assert_alert(exc: pytest.ExceptionInfo, alert: AlertDescription) -> None:
    assert isinstance(exc.value, TLSError)
    assert exc.value.alert == alert, str(exc.value)


# ----------------------------------------------------------------- signed content (RFC 8446 4.4.3)


def test_signed_message_layout():
    digest = bytes.fromhex("3f" * 48)
    server = auth.signed_message(auth.SERVER_SIGNATURE_CONTEXT, digest)
    assert server == b"\x20" * 64 + b"TLS 1.3, server CertificateVerify" + b"\x00" + digest
    client = auth.signed_message(auth.CLIENT_SIGNATURE_CONTEXT, digest)
    assert client == b"\x20" * 64 + b"TLS 1.3, client CertificateVerify" + b"\x00" + digest
    assert len(server) == 64 + 33 + 1 + 48
    assert auth.SERVER_SIGNATURE_CONTEXT == b"TLS 1.3, server CertificateVerify"
    assert auth.CLIENT_SIGNATURE_CONTEXT == b"TLS 1.3, client CertificateVerify"


def split_certificate_verify(msg: bytes) -> tuple[int, bytes]:
    assert msg[0] == 15 and int.from_bytes(msg[1:4], "big") == len(msg) - 4
    scheme = int.from_bytes(msg[4:6], "big")
    length = int.from_bytes(msg[6:8], "big")
    assert len(msg) == 8 + length
    return scheme, msg[8:]


def first_certificate(msg: bytes) -> x509.Certificate:
    """The leaf of a TLS 1.3 Certificate handshake message."""
    assert msg[0] == 11
    ctx_len = msg[4]
    pos = 5 + ctx_len + 3
    der_len = int.from_bytes(msg[pos : pos + 3], "big")
    return x509.load_der_x509_certificate(msg[pos + 3 : pos + 3 + der_len])


def sha256(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SHA256())
    h.update(data)
    return h.finalize()


def test_rfc8448_server_certificate_verify():
    t = rfc8448.SIMPLE_1RTT
    transcript = t["client_hello"] + t["server_hello"] + t["encrypted_extensions"] + t["certificate"]
    scheme, signature = split_certificate_verify(t["certificate_verify"])
    assert scheme == S.rsa_pss_rsae_sha256
    leaf = first_certificate(t["certificate"])
    signed = auth.signed_message(auth.SERVER_SIGNATURE_CONTEXT, sha256(transcript))
    auth.verify(leaf.public_key(), scheme, signed, signature)
    auth.verify(leaf, scheme, signed, signature)  # the certificate form checks the rsaEncryption OID too
    # The client context over the same transcript is a different message.
    with pytest.raises(TLSError) as e:
        auth.verify(leaf.public_key(), scheme, auth.signed_message(auth.CLIENT_SIGNATURE_CONTEXT, sha256(transcript)), signature)
    assert_alert(e, AlertDescription.decrypt_error)


def test_rfc8448_client_certificate_verify():
    t = rfc8448.CLIENT_AUTH
    transcript = (
        t["client_hello"] + t["server_hello"] + t["encrypted_extensions"] + t["certificate_request"]
        + t["certificate"] + t["certificate_verify"] + t["server_finished"] + t["client_certificate"]
    )
    scheme, signature = split_certificate_verify(t["client_certificate_verify"])
    leaf = first_certificate(t["client_certificate"])
    auth.verify(leaf.public_key(), scheme, auth.signed_message(auth.CLIENT_SIGNATURE_CONTEXT, sha256(transcript)), signature)


def test_rfc8448_key_signs_what_it_verifies():
    k = key("rsa-1024")
    sig = auth.sign(k, S.rsa_pss_rsae_sha256, MESSAGE, tls13=True)
    auth.verify(k.public_key(), S.rsa_pss_rsae_sha256, MESSAGE, sig)


# ----------------------------------------------------------------- round trips


@pytest.mark.parametrize("scheme", list(SCHEME_KEYS), ids=lambda s: S(s).name)
def test_sign_verify_round_trip(scheme):
    k = key(SCHEME_KEYS[scheme])
    tls13 = auth.SCHEMES[scheme].tls13
    sig = auth.sign(k, scheme, MESSAGE, tls13=tls13)
    auth.verify(k.public_key(), scheme, MESSAGE, sig, tls13=tls13)
    if tls13:
        auth.verify(k.public_key(), scheme, MESSAGE, sig, tls13=False)  # TLS 1.2 accepts them too

    # Tampered signature, tampered message, empty/garbage signature: decrypt_error.
    bad = bytearray(sig)
    bad[len(bad) // 2] ^= 0x40
    for message, signature in ((MESSAGE, bytes(bad)), (MESSAGE + b"x", sig), (MESSAGE, b""), (MESSAGE, b"\x30\x00"), (MESSAGE, sig + b"\x00")):
        with pytest.raises(TLSError) as e:
            auth.verify(k.public_key(), scheme, message, signature, tls13=tls13)
        assert_alert(e, AlertDescription.decrypt_error)


def test_signatures_are_what_the_scheme_says():
    """Check the padding/hash choices against cryptography directly (salt = hash length for PSS)."""
    from cryptography.hazmat.primitives.asymmetric import padding

    k = key("rsa-2048")
    sig = auth.sign(k, S.rsa_pss_rsae_sha384, MESSAGE)
    k.public_key().verify(sig, MESSAGE, padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48), hashes.SHA384())
    with pytest.raises(Exception):  # a different salt length must not verify
        k.public_key().verify(sig, MESSAGE, padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=32), hashes.SHA384())
    sig = auth.sign(k, S.rsa_pkcs1_sha512, MESSAGE)
    k.public_key().verify(sig, MESSAGE, padding.PKCS1v15(), hashes.SHA512())
    p384 = key("ecdsa-p384")
    p384.public_key().verify(auth.sign(p384, S.ecdsa_secp384r1_sha384, MESSAGE), MESSAGE, ec.ECDSA(hashes.SHA384()))


# ----------------------------------------------------------------- schemes that do not fit


@pytest.mark.parametrize(
    "scheme,kind",
    [
        (S.ecdsa_secp256r1_sha256, "rsa-2048"),
        (S.ecdsa_secp256r1_sha256, "ed25519"),
        (S.rsa_pss_rsae_sha256, "ecdsa-p256"),
        (S.rsa_pss_pss_sha256, "ed448"),
        (S.rsa_pkcs1_sha256, "ecdsa-p384"),
        (S.ed25519, "ed448"),
        (S.ed25519, "rsa-2048"),
        (S.ed448, "ed25519"),
        (S.ed448, "ecdsa-p521"),
    ],
)
def test_wrong_key_type_is_illegal_parameter(scheme, kind):
    right = key(SCHEME_KEYS[scheme])
    sig = auth.sign(right, scheme, MESSAGE)
    for tls13 in (True, False):
        if tls13 and not auth.SCHEMES[scheme].tls13:
            continue
        with pytest.raises(TLSError) as e:
            auth.verify(key(kind).public_key(), scheme, MESSAGE, sig, tls13=tls13)
        assert_alert(e, AlertDescription.illegal_parameter)
    with pytest.raises(TLSError) as e:
        auth.sign(key(kind), scheme, MESSAGE)
    assert_alert(e, AlertDescription.internal_error)  # our own key: a configuration error


def test_ecdsa_curve_is_bound_in_tls13_only():
    p384 = key("ecdsa-p384")
    sig = auth.sign(p384, S.ecdsa_secp256r1_sha256, MESSAGE)  # TLS 1.2 allows any curve/hash pairing
    auth.verify(p384.public_key(), S.ecdsa_secp256r1_sha256, MESSAGE, sig, tls13=False)
    with pytest.raises(TLSError) as e:
        auth.verify(p384.public_key(), S.ecdsa_secp256r1_sha256, MESSAGE, sig, tls13=True)
    assert_alert(e, AlertDescription.illegal_parameter)
    with pytest.raises(TLSError) as e:
        auth.sign(p384, S.ecdsa_secp256r1_sha256, MESSAGE, tls13=True)
    assert_alert(e, AlertDescription.internal_error)


@pytest.mark.parametrize("scheme", TLS12_ONLY, ids=lambda s: S(s).name)
def test_pkcs1_and_sha1_refused_in_tls13(scheme):
    k = key(SCHEME_KEYS[scheme])
    sig = auth.sign(k, scheme, MESSAGE)
    auth.verify(k.public_key(), scheme, MESSAGE, sig, tls13=False)
    with pytest.raises(TLSError) as e:
        auth.verify(k.public_key(), scheme, MESSAGE, sig)  # tls13 is the default
    assert_alert(e, AlertDescription.illegal_parameter)
    assert not auth.usable_in_tls13(scheme)


def test_unknown_scheme_is_illegal_parameter():
    for scheme in (0x0000, 0x0402, 0x0807 + 0x100, 0xFEFE):
        with pytest.raises(TLSError) as e:
            auth.verify(key("ecdsa-p256").public_key(), scheme, MESSAGE, b"sig")
        assert_alert(e, AlertDescription.illegal_parameter)
        assert not auth.usable_in_tls13(scheme)


def test_rsae_and_pss_keys_by_certificate():
    ca = pki.make_ca()
    leaf = pki.make_leaf(ca, key_type="rsa-2048")
    sig = auth.sign(leaf.key, S.rsa_pss_pss_sha256, MESSAGE)
    auth.verify(leaf.key.public_key(), S.rsa_pss_pss_sha256, MESSAGE, sig)  # bare key: allowed
    with pytest.raises(TLSError) as e:  # an rsaEncryption certificate cannot use rsa_pss_pss
        auth.verify(leaf.cert, S.rsa_pss_pss_sha256, MESSAGE, sig)
    assert_alert(e, AlertDescription.illegal_parameter)
    auth.verify(leaf.cert, S.rsa_pss_rsae_sha256, MESSAGE, auth.sign(leaf.key, S.rsa_pss_rsae_sha256, MESSAGE))


# ----------------------------------------------------------------- schemes for a key, and selection


def test_schemes_for_key():
    assert auth.schemes_for_key(key("ecdsa-p256"), True) == [S.ecdsa_secp256r1_sha256]
    assert auth.schemes_for_key(key("ecdsa-p384"), True) == [S.ecdsa_secp384r1_sha384]
    assert auth.schemes_for_key(key("ecdsa-p521").public_key(), True) == [S.ecdsa_secp521r1_sha512]
    assert auth.schemes_for_key(key("ecdsa-p384"), False) == [S.ecdsa_secp256r1_sha256, S.ecdsa_secp384r1_sha384, S.ecdsa_secp521r1_sha512]
    assert auth.schemes_for_key(key("rsa-2048"), True) == [S.rsa_pss_rsae_sha256, S.rsa_pss_rsae_sha384, S.rsa_pss_rsae_sha512]
    assert auth.schemes_for_key(key("rsa-2048"), False) == [
        S.rsa_pss_rsae_sha256, S.rsa_pss_rsae_sha384, S.rsa_pss_rsae_sha512,
        S.rsa_pkcs1_sha256, S.rsa_pkcs1_sha384, S.rsa_pkcs1_sha512,
    ]
    assert auth.schemes_for_key(key("rsa-2048"), False, allow_sha1=True)[-1] == S.rsa_pkcs1_sha1
    # Go's size rule: PSS needs 2*hLen+2 bytes, so a 1024-bit (128-byte) key cannot do PSS-SHA512.
    assert auth.schemes_for_key(key("rsa-1024"), True) == [S.rsa_pss_rsae_sha256, S.rsa_pss_rsae_sha384]
    assert auth.schemes_for_key(key("ed25519"), True) == auth.schemes_for_key(key("ed25519"), False) == [S.ed25519]
    assert auth.schemes_for_key(key("ed448"), True) == [S.ed448]
    assert auth.schemes_for_key(ec.generate_private_key(ec.SECP256K1()), True) == []
    assert auth.schemes_for_key(x25519.X25519PrivateKey.generate(), False) == []


def test_select_signature_scheme():
    rsa_key, p256 = key("rsa-2048"), key("ecdsa-p256")
    # Go picks in the peer's preference order.
    peer = [S.rsa_pss_rsae_sha512, S.ecdsa_secp256r1_sha256, S.rsa_pss_rsae_sha256]
    assert auth.select_signature_scheme(rsa_key, peer, True) == S.rsa_pss_rsae_sha512
    assert auth.select_signature_scheme(rsa_key, peer, True, prefer_peer=False) == S.rsa_pss_rsae_sha256
    assert auth.select_signature_scheme(p256, peer, True) == S.ecdsa_secp256r1_sha256
    assert auth.select_signature_scheme(key("ed25519"), peer, True) is None
    # PKCS#1 only offered: fine in TLS 1.2, nothing in TLS 1.3.
    assert auth.select_signature_scheme(rsa_key, [S.rsa_pkcs1_sha256], False) == S.rsa_pkcs1_sha256
    assert auth.select_signature_scheme(rsa_key, [S.rsa_pkcs1_sha256], True) is None
    # A P-384 key and a peer that only takes P-256/SHA-256: TLS 1.2 only.
    assert auth.select_signature_scheme(key("ecdsa-p384"), [S.ecdsa_secp256r1_sha256], False) == S.ecdsa_secp256r1_sha256
    assert auth.select_signature_scheme(key("ecdsa-p384"), [S.ecdsa_secp256r1_sha256], True) is None
    # SHA-1 only when we allow it, including the TLS 1.2 "no signature_algorithms" default.
    assert auth.select_signature_scheme(rsa_key, [S.rsa_pkcs1_sha1], False) is None
    assert auth.select_signature_scheme(rsa_key, [], False) is None
    with_sha1 = list(auth.DEFAULT_SIGNATURE_SCHEMES) + [S.rsa_pkcs1_sha1, S.ecdsa_sha1]
    assert auth.select_signature_scheme(rsa_key, [], False, supported=with_sha1) == S.rsa_pkcs1_sha1
    assert auth.select_signature_scheme(p256, [], False, supported=with_sha1) == S.ecdsa_sha1
    assert auth.select_signature_scheme(p256, [], True, supported=with_sha1) is None
    # Our own list restricts too.
    assert auth.select_signature_scheme(rsa_key, peer, True, supported=[S.rsa_pss_rsae_sha256]) == S.rsa_pss_rsae_sha256


def test_default_schemes():
    # Go's defaultSupportedSignatureAlgorithms without SHA-1, with Ed448 after Ed25519 and,
    # as OpenSSL, rsa_pss_pss_* (certificates with id-RSASSA-PSS keys, tests/test_rsa_pss.py);
    # last ML-DSA, TLS 1.3 only (tests/test_mldsa.py).
    assert auth.DEFAULT_SIGNATURE_SCHEMES == (
        S.rsa_pss_rsae_sha256, S.ecdsa_secp256r1_sha256, S.ed25519, S.ed448, S.rsa_pss_rsae_sha384,
        S.rsa_pss_rsae_sha512, S.rsa_pss_pss_sha256, S.rsa_pss_pss_sha384, S.rsa_pss_pss_sha512,
        S.rsa_pkcs1_sha256, S.rsa_pkcs1_sha384, S.rsa_pkcs1_sha512,
        S.ecdsa_secp384r1_sha384, S.ecdsa_secp521r1_sha512, S.mldsa44, S.mldsa65, S.mldsa87,
    )
    assert [s for s in auth.DEFAULT_SIGNATURE_SCHEMES if not auth.usable_in_tls13(s)] == [
        S.rsa_pkcs1_sha256, S.rsa_pkcs1_sha384, S.rsa_pkcs1_sha512,
    ]
    assert [s for s in auth.DEFAULT_SIGNATURE_SCHEMES if not auth.usable_in_tls12(s)] == [S.mldsa44, S.mldsa65, S.mldsa87]


def test_parse_sigalgs():
    assert auth.parse_sigalgs("ECDSA+SHA256:RSA-PSS+SHA256:ed25519:ed448:RSA+SHA384") == [
        S.ecdsa_secp256r1_sha256, S.rsa_pss_rsae_sha256, S.ed25519, S.ed448, S.rsa_pkcs1_sha384,
    ]
    assert auth.parse_sigalgs("rsa_pss_rsae_sha256,rsa_pss_pss_sha384, ecdsa_secp521r1_sha512,PSS+SHA512") == [
        S.rsa_pss_rsae_sha256, S.rsa_pss_pss_sha384, S.ecdsa_secp521r1_sha512, S.rsa_pss_rsae_sha512,
    ]
    assert auth.parse_sigalgs(["Ed25519", "ED25519", "PSSWithSHA384"]) == [S.ed25519, S.rsa_pss_rsae_sha384]
    for bad in ("", "DSA+SHA256", "ECDSA+MD5", "rsa_pss_rsae_sha1", "ed25519:nope"):
        with pytest.raises(ValueError):
            auth.parse_sigalgs(bad)


def test_certificate_key_matches_and_supported_keys():
    ca = pki.make_ca()
    leaf = pki.make_leaf(ca, key_type="ed25519")
    assert auth.certificate_key_matches(leaf.cert, leaf.key)
    assert not auth.certificate_key_matches(leaf.cert, ca.key)
    assert not auth.certificate_key_matches(leaf.cert, ed25519.Ed25519PrivateKey.generate())
    assert auth.certificate_key_matches(ca.cert, ca.key)
    for kind in ("ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048", "ed25519", "ed448"):
        assert auth.is_supported_public_key(key(kind).public_key())
    assert not auth.is_supported_public_key(ec.generate_private_key(ec.SECP256K1()).public_key())
    assert not auth.is_supported_public_key(x25519.X25519PrivateKey.generate().public_key())
    assert isinstance(key("rsa-2048"), rsa.RSAPrivateKey) and isinstance(key("ed448"), ed448.Ed448PrivateKey)


def test_certified_key_per_key_caches_follow_the_key(pki):
    """CertifiedKey caches its public key and signature schemes; replacing the private key
    (on the object or on a copy, as tests and callbacks do) must not leave them stale."""
    import copy

    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from fasttls.config import CertifiedKey
    from fasttls.constants import SignatureScheme

    ck = pki.server()
    ec_key = ck.private_key
    assert isinstance(ec_key, ec.EllipticCurvePrivateKey)
    assert ck.signing_schemes(True) == [SignatureScheme.ecdsa_secp256r1_sha256]
    other = copy.copy(ck)
    other.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert isinstance(other.public_key, rsa.RSAPublicKey)
    assert SignatureScheme.rsa_pss_rsae_sha256 in other.signing_schemes(True)
    assert ck.public_key.public_numbers() == ec_key.public_key().public_numbers()
    assert isinstance(CertifiedKey(ck.chain, ec_key).public_key, ec.EllipticCurvePublicKey)


def test_a_certified_key_refuses_a_private_key_that_is_not_the_certificates(pki):
    """As Go's X509KeyPair (and ssl's load_cert_chain): a key that does not match the leaf is
    refused when the CertifiedKey is made, not by every peer at its CertificateVerify."""
    from cryptography.hazmat.primitives.asymmetric import ec as ec_mod

    from fasttls.config import CertifiedKey

    ck = pki.server()
    for wrong in (ec_mod.generate_private_key(ec_mod.SECP256R1()), pki.server("rsa-2048").private_key):
        with pytest.raises(ValueError, match="does not match"):
            CertifiedKey(ck.chain, wrong)
    assert CertifiedKey(ck.chain, ck.private_key).leaf == ck.leaf


def test_a_wrong_curve_is_named_once():
    """A P-384 key signing as ecdsa_secp256r1_sha256 in TLS 1.3: the message said the key's
    curve and then again "but the key is ECPublicKey"."""
    key = ec.generate_private_key(ec.SECP384R1()).public_key()
    with pytest.raises(TLSError) as e:
        auth.verify(key, SignatureScheme.ecdsa_secp256r1_sha256, b"m", b"s", tls13=True)
    assert e.value.alert == AlertDescription.illegal_parameter
    assert str(e.value).count("the key is") == 1 and "the key is on secp384r1" in str(e.value)
    with pytest.raises(TLSError, match="needs an Ed25519 key, but the key is"):
        auth.verify(key, SignatureScheme.ed25519, b"m", b"s", tls13=True)

"""The TLS 1.3 key schedule and transcript against RFC 8448, byte for byte.

Every secret, traffic key, IV, Finished, binder, resumption and exporter value
of RFC 8448 sections 3-6 is rebuilt from the trace's own inputs: the ephemeral
private keys (shared secrets through ``cryptography``'s X25519 / ECDH), and the
handshake messages (transcript hashes through ``hashlib``, independently of
``fasttls.transcript``, which has its own tests below).  Every protected record
of the traces is opened with ``cryptography``'s AESGCM under the listed keys and
compared to the listed plaintext, which also validates the transcription in
``tests/vectors/rfc8448.py``; the CertificateVerify signatures are verified
with the trace's keys.

Values RFC 8448 does not cover (SHA-384, the exporter, key update) are checked
against keying material exported by OpenSSL 3.0 in a real handshake and against
an independent HKDF written with the standard library's ``hmac``.
"""

from __future__ import annotations

import hashlib
import hmac as std_hmac

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fasttls import key_schedule as ks
from fasttls.transcript import Transcript, message_hash
from tests.vectors import rfc8448 as v
from tests.vectors.rfc8448 import CLIENT_AUTH, HELLO_RETRY, RESUMED_0RTT, SIMPLE_1RTT

SHA256 = hashes.SHA256()
SHA384 = hashes.SHA384()


def th(*messages: bytes) -> bytes:
    """Transcript-Hash over whole handshake messages, with hashlib (an independent path)."""
    return hashlib.sha256(b"".join(messages)).digest()


def finished_message(verify_data: bytes) -> bytes:
    return bytes((20, 0, 0, len(verify_data))) + verify_data


def x25519_shared(private: bytes, peer_public: bytes) -> bytes:
    key = x25519.X25519PrivateKey.from_private_bytes(private)
    return key.exchange(x25519.X25519PublicKey.from_public_bytes(peer_public))


def x25519_public(private: bytes) -> bytes:
    return x25519.X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def p256_key(private: bytes) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(private, "big"), ec.SECP256R1())


def p256_public(private: bytes) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return p256_key(private).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def certificate_from_message(message: bytes, index: int = 0) -> x509.Certificate:
    """The first certificate of a TLS 1.3 Certificate message (RFC 8446 4.4.2)."""
    assert message[0] == 11
    body = message[4:]
    context_length = body[0]
    pos = 1 + context_length + 3  # context, certificate_list length
    cert_length = int.from_bytes(body[pos : pos + 3], "big")
    return x509.load_der_x509_certificate(body[pos + 3 : pos + 3 + cert_length])


def signed_content(context: bytes, transcript_hash: bytes) -> bytes:
    """The content covered by a TLS 1.3 CertificateVerify (RFC 8446 4.4.3)."""
    return b"\x20" * 64 + context + b"\x00" + transcript_hash


SERVER_CONTEXT = b"TLS 1.3, server CertificateVerify"
CLIENT_CONTEXT = b"TLS 1.3, client CertificateVerify"


def verify_rsa_pss(public_key, certificate_verify: bytes, content: bytes) -> None:
    assert certificate_verify[:4] == bytes((15, 0, 0, len(certificate_verify) - 4))
    assert certificate_verify[4:6] == b"\x08\x04"  # rsa_pss_rsae_sha256
    signature = certificate_verify[8:]
    assert int.from_bytes(certificate_verify[6:8], "big") == len(signature)
    public_key.verify(
        signature,
        content,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )


# --------------------------------------------------------------------------- primitives


def test_empty_hash_is_the_rfc_value():
    assert ks.empty_hash(SHA256) == SIMPLE_1RTT["empty_hash"] == hashlib.sha256(b"").digest()
    assert ks.empty_hash(SHA384) == hashlib.sha384(b"").digest()


def test_hkdf_label_encoding_matches_rfc8448_info_strings():
    # RFC 8448 prints the HkdfLabel ("info") of each expansion.
    assert ks.hkdf_label("key", b"", 16) == v.h("00 10 09 74 6c 73 31 33 20 6b 65 79 00")
    assert ks.hkdf_label("iv", b"", 12) == v.h("00 0c 08 74 6c 73 31 33 20 69 76 00")
    assert ks.hkdf_label("finished", b"", 32) == v.h(
        "00 20 0e 74 6c 73 31 33 20 66 69 6e 69 73 68 65 64 00"
    )
    assert ks.hkdf_label("derived", SIMPLE_1RTT["empty_hash"], 32) == v.h(
        """00 20 0d 74 6c 73 31 33 20 64 65 72 69 76 65 64
        20 e3 b0 c4 42 98 fc 1c 14 9a fb f4 c8 99 6f b9 24 27 ae 41 e4
        64 9b 93 4c a4 95 99 1b 78 52 b8 55"""
    )
    assert ks.hkdf_label("resumption", b"\x00\x00", 32) == v.h(
        "00 20 10 74 6c 73 31 33 20 72 65 73 75 6d 70 74 69 6f 6e 02 00 00"
    )


def test_hkdf_label_limits():
    with pytest.raises(ValueError):
        ks.hkdf_label("x" * 250, b"", 32)
    with pytest.raises(ValueError):
        ks.hkdf_label("key", bytes(256), 32)
    with pytest.raises(ValueError):
        ks.hkdf_label("key", b"", 0x10000)


def test_hkdf_extract_zero_salt():
    # "salt: 0 (all zero octets)": None, b"" and 32 zero bytes are the same salt.
    ikm = bytes(32)
    expected = SIMPLE_1RTT["early_secret"]
    assert ks.hkdf_extract(SHA256, None, ikm) == expected
    assert ks.hkdf_extract(SHA256, b"", ikm) == expected
    assert ks.hkdf_extract(SHA256, bytes(32), ikm) == expected


def _oracle_expand_label(hash_name: str, secret: bytes, label: bytes, context: bytes, length: int) -> bytes:
    """HKDF-Expand-Label written from RFC 5869/8446 with the stdlib's hmac only."""
    full = b"tls13 " + label
    info = length.to_bytes(2, "big") + bytes([len(full)]) + full + bytes([len(context)]) + context
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = std_hmac.new(secret, block + info + bytes([counter]), hash_name).digest()
        out += block
        counter += 1
    return out[:length]


@pytest.mark.parametrize("hash_alg, name", [(SHA256, "sha256"), (SHA384, "sha384")])
def test_expand_label_against_independent_hkdf(hash_alg, name):
    secret = hashlib.new(name, b"fasttls key schedule oracle").digest()
    for label, context, length in [
        ("key", b"", 16),
        ("key", b"", 32),
        ("iv", b"", 12),
        ("c hs traffic", hashlib.new(name, b"ch sh").digest(), hash_alg.digest_size),
        ("traffic upd", b"", hash_alg.digest_size),
        ("exporter", hashlib.new(name, b"").digest(), 100),
    ]:
        assert ks.hkdf_expand_label(hash_alg, secret, label, context, length) == _oracle_expand_label(
            name, secret, label.encode(), context, length
        )
    assert ks.next_traffic_secret(hash_alg, secret) == _oracle_expand_label(
        name, secret, b"traffic upd", b"", hash_alg.digest_size
    )
    assert ks.resumption_psk(hash_alg, secret, b"\x07") == _oracle_expand_label(
        name, secret, b"resumption", b"\x07", hash_alg.digest_size
    )


def test_next_traffic_secret_chain():
    # RFC 8448 has no KeyUpdate; check the chain against the oracle from a trace secret.
    secret = SIMPLE_1RTT["client_application_traffic_secret"]
    for _ in range(3):
        nxt = ks.next_traffic_secret(SHA256, secret)
        assert nxt == _oracle_expand_label("sha256", secret, b"traffic upd", b"", 32)
        assert nxt != secret
        secret = nxt


# Keying material exported by OpenSSL 3.0.19 (``openssl s_client -keymatexport
# "EXPERIMENTAL fasttls" -keymatexportlen 42``, no context) in real TLS 1.3
# handshakes, with the EXPORTER_SECRET its -keylogfile wrote.
OPENSSL_EXPORTS = [
    pytest.param(
        SHA256,
        "04fe41aa01b92146a0c2856015b62a9b3ee4c4279fd81a7ce5a669b49b50426f",
        "97cafc619fefe8cec3702482d2bd08122063825abf9b9dbe2dd5d11848af60d370d80de2a19c826e2bf4",
        id="TLS_AES_128_GCM_SHA256",
    ),
    pytest.param(
        SHA384,
        "634b1d74b4a3244fcfd94c6b16c023bbeb58a6d8738751ed97c8f421aa07bcfe"
        "d2d5ca5e1788bb9b6564bbc6cddd4df9",
        "79e29965abd64ae907621c11710811b295155978373c86186be731713a361a5367b20b8365c94ed3e9fb",
        id="TLS_AES_256_GCM_SHA384",
    ),
]


@pytest.mark.parametrize("hash_alg, exporter_secret, expected", OPENSSL_EXPORTS)
def test_export_keying_material_matches_openssl(hash_alg, exporter_secret, expected):
    secret = bytes.fromhex(exporter_secret)
    label = "EXPERIMENTAL fasttls"
    assert ks.export_keying_material(hash_alg, secret, label, None, 42).hex() == expected
    assert ks.export_keying_material(hash_alg, secret, label.encode(), b"", 42).hex() == expected
    # A context changes the output; so does the label.
    assert ks.export_keying_material(hash_alg, secret, label, b"ctx", 42).hex() != expected
    assert ks.export_keying_material(hash_alg, secret, "EXPERIMENTAL other", None, 42).hex() != expected


def test_stage_types_check_secret_length():
    with pytest.raises(ValueError):
        ks.HandshakeSecret(SHA256, bytes(48))
    with pytest.raises(ValueError):
        ks.MasterSecret(SHA384, bytes(32))
    stage = ks.HandshakeSecret(SHA256, SIMPLE_1RTT["handshake_secret"])
    assert stage.secret == SIMPLE_1RTT["handshake_secret"] and stage.hash_alg is SHA256
    assert SIMPLE_1RTT["handshake_secret"].hex() not in repr(stage)
    # A stage only offers its own secrets.
    assert not hasattr(ks.EarlySecret(SHA256), "client_application_traffic_secret")
    assert not hasattr(stage, "client_application_traffic_secret")
    assert not hasattr(ks.MasterSecret(SHA256, bytes(32)), "client_handshake_traffic_secret")


def test_sha384_schedule_runs_at_its_own_length():
    early = ks.EarlySecret(SHA384)
    assert len(early.secret) == 48
    hs = early.handshake_secret(bytes(range(48)))
    ms = hs.master_secret()
    h = hashlib.sha384(b"transcript").digest()
    for secret in (
        hs.client_handshake_traffic_secret(h),
        hs.server_handshake_traffic_secret(h),
        ms.client_application_traffic_secret(h),
        ms.exporter_master_secret(h),
        ms.resumption_master_secret(h),
    ):
        assert len(secret) == 48
    key, iv = ks.traffic_key(SHA384, ms.client_application_traffic_secret(h), 32)
    assert len(key) == 32 and len(iv) == 12
    # The chain against the oracle: Early Secret with zero IKM, "derived", extract.
    zero = bytes(48)
    early_oracle = std_hmac.new(zero, zero, "sha384").digest()
    assert early.secret == early_oracle
    derived = _oracle_expand_label("sha384", early_oracle, b"derived", hashlib.sha384(b"").digest(), 48)
    assert hs.secret == std_hmac.new(derived, bytes(range(48)), "sha384").digest()


# --------------------------------------------------------------------------- the trace helpers


def check_keys(d: dict, secret_name: str, prefix: str) -> None:
    key, iv = ks.traffic_key(SHA256, d[secret_name], v.KEY_LENGTH)
    assert key == d[prefix + "_key"], prefix
    assert iv == d[prefix + "_iv"], prefix


def check_hello_records(d: dict, client_hello: str = "client_hello") -> None:
    """Plaintext records are a header and the message; randoms sit at bytes 6..38."""
    ch, sh = d[client_hello], d["server_hello"]
    assert d[client_hello + "_record"] == b"\x16\x03\x01" + len(ch).to_bytes(2, "big") + ch
    assert d["server_hello_record"] == b"\x16\x03\x03" + len(sh).to_bytes(2, "big") + sh
    assert ch[6:38] == d["client_random"]
    assert sh[6:38] == d["server_random"]
    for message in (ch, sh):
        assert int.from_bytes(message[1:4], "big") == len(message) - 4


# --------------------------------------------------------------------------- section 3


def test_rfc8448_section3_messages_and_keys():
    d = SIMPLE_1RTT
    check_hello_records(d)
    assert x25519_public(d["client_x25519_private"]) == d["client_x25519_public"]
    assert x25519_public(d["server_x25519_private"]) == d["server_x25519_public"]
    assert d["client_x25519_public"] in d["client_hello"]  # key_share
    assert d["server_x25519_public"] in d["server_hello"]
    assert x25519_shared(d["client_x25519_private"], d["server_x25519_public"]) == d["ecdhe_shared_secret"]
    assert x25519_shared(d["server_x25519_private"], d["client_x25519_public"]) == d["ecdhe_shared_secret"]


def test_rfc8448_section3_key_schedule():
    d = SIMPLE_1RTT
    early = ks.EarlySecret(SHA256)
    assert early.secret == d["early_secret"]
    assert ks.derive_secret(SHA256, early.secret, "derived", ks.empty_hash(SHA256)) == d["derived_for_handshake"]

    shared = x25519_shared(d["server_x25519_private"], d["client_x25519_public"])
    hs = early.handshake_secret(shared)
    assert isinstance(hs, ks.HandshakeSecret)
    assert hs.secret == d["handshake_secret"]

    hello_hash = th(d["client_hello"], d["server_hello"])
    assert hello_hash == d["hello_hash"]
    c_hs = hs.client_handshake_traffic_secret(hello_hash)
    s_hs = hs.server_handshake_traffic_secret(hello_hash)
    assert c_hs == d["client_handshake_traffic_secret"]
    assert s_hs == d["server_handshake_traffic_secret"]
    check_keys(d, "server_handshake_traffic_secret", "server_handshake")
    check_keys(d, "client_handshake_traffic_secret", "client_handshake")

    assert ks.derive_secret(SHA256, hs.secret, "derived", ks.empty_hash(SHA256)) == d["derived_for_master"]
    ms = hs.master_secret()
    assert isinstance(ms, ks.MasterSecret)
    assert ms.secret == d["master_secret"]

    # Server Finished over CH..CertificateVerify.
    assert ks.finished_key(SHA256, s_hs) == d["server_finished_key"]
    to_cv = th(
        d["client_hello"], d["server_hello"], d["encrypted_extensions"], d["certificate"], d["certificate_verify"]
    )
    server_vd = ks.finished_verify_data(SHA256, s_hs, to_cv)
    assert server_vd == d["server_finished_verify_data"]
    assert finished_message(server_vd) == d["server_finished"]

    # Application secrets over CH..server Finished.
    app_hash = th(
        d["client_hello"],
        d["server_hello"],
        d["encrypted_extensions"],
        d["certificate"],
        d["certificate_verify"],
        d["server_finished"],
    )
    assert app_hash == d["application_hash"]
    assert ms.client_application_traffic_secret(app_hash) == d["client_application_traffic_secret"]
    assert ms.server_application_traffic_secret(app_hash) == d["server_application_traffic_secret"]
    assert ms.exporter_master_secret(app_hash) == d["exporter_master_secret"]
    check_keys(d, "server_application_traffic_secret", "server_application")
    check_keys(d, "client_application_traffic_secret", "client_application")

    # Client Finished over CH..server Finished.
    assert ks.finished_key(SHA256, c_hs) == d["client_finished_key"]
    client_vd = ks.finished_verify_data(SHA256, c_hs, app_hash)
    assert client_vd == d["client_finished_verify_data"]
    assert finished_message(client_vd) == d["client_finished"]

    # Resumption over CH..client Finished, then the ticket's PSK.
    res_hash = th(
        d["client_hello"],
        d["server_hello"],
        d["encrypted_extensions"],
        d["certificate"],
        d["certificate_verify"],
        d["server_finished"],
        d["client_finished"],
    )
    assert res_hash == d["resumption_hash"]
    rms = ms.resumption_master_secret(res_hash)
    assert rms == d["resumption_master_secret"]
    assert ks.resumption_psk(SHA256, rms, d["ticket_nonce"]) == d["resumption_psk"]


def test_rfc8448_section3_new_session_ticket_fields():
    """The ticket, nonce and lifetimes the resumption values use come from this message."""
    d = SIMPLE_1RTT
    nst = d["new_session_ticket"]
    assert nst[0] == 4 and int.from_bytes(nst[1:4], "big") == len(nst) - 4
    body = nst[4:]
    assert int.from_bytes(body[0:4], "big") == d["ticket_lifetime"]
    assert int.from_bytes(body[4:8], "big") == d["ticket_age_add"]
    nonce_length = body[8]
    assert body[9 : 9 + nonce_length] == d["ticket_nonce"]
    pos = 9 + nonce_length
    ticket_length = int.from_bytes(body[pos : pos + 2], "big")
    assert body[pos + 2 : pos + 2 + ticket_length] == d["ticket"]
    extensions = body[pos + 2 + ticket_length :]
    assert extensions == v.h("00 08 00 2a 00 04 00 00 04 00")  # early_data, max 1024


def test_rfc8448_section3_certificate_verify_with_the_rsa_key():
    d = SIMPLE_1RTT
    key = v.server_rsa_private_key()
    numbers = key.private_numbers()
    assert numbers.p * numbers.q == numbers.public_numbers.n
    cert = certificate_from_message(d["certificate"])
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    to_cert = th(d["client_hello"], d["server_hello"], d["encrypted_extensions"], d["certificate"])
    verify_rsa_pss(key.public_key(), d["certificate_verify"], signed_content(SERVER_CONTEXT, to_cert))


# --------------------------------------------------------------------------- section 4


def test_rfc8448_section4_psk_and_binder():
    d = RESUMED_0RTT
    assert d["psk"] == SIMPLE_1RTT["resumption_psk"]
    early = ks.EarlySecret(SHA256, d["psk"])
    assert early.secret == d["early_secret"]

    ch = d["client_hello"]
    assert len(ch) == 512 and int.from_bytes(ch[1:4], "big") == len(ch) - 4
    assert d["client_hello_record"] == b"\x16\x03\x01\x02\x00" + ch
    assert ch[6:38] == d["client_random"]
    # The identity offered is section 3's ticket, with age 0xfad6aacb - 0xfad6aac5 = 6 ms.
    identity = SIMPLE_1RTT["ticket"]
    pos = ch.index(identity)
    assert ch[pos - 2 : pos] == len(identity).to_bytes(2, "big")
    obfuscated_age = int.from_bytes(ch[pos + len(identity) : pos + len(identity) + 4], "big")
    assert (obfuscated_age - SIMPLE_1RTT["ticket_age_add"]) % 2**32 == 6

    # The binder covers the ClientHello up to, not including, the binders list
    # (2-byte list length + 1-byte binder length + 32 bytes).
    truncated = ch[: -(2 + 1 + 32)]
    assert truncated == d["client_hello_prefix"]
    binder_hash = th(truncated)
    assert binder_hash == d["binder_hash"]
    binder_key = early.resumption_binder_key()
    assert binder_key == d["resumption_binder_key"]
    assert ks.finished_key(SHA256, binder_key) == d["binder_finished_key"]
    binder = ks.binder(SHA256, binder_key, binder_hash)
    assert binder == d["binder"]
    assert ch[-32:] == binder  # the binder actually sent in the ClientHello
    # An external PSK would use a different binder key.
    assert early.external_binder_key() != binder_key


def test_rfc8448_section4_early_secrets():
    d = RESUMED_0RTT
    early = ks.EarlySecret(SHA256, d["psk"])
    ch_hash = th(d["client_hello"])
    cets = early.client_early_traffic_secret(ch_hash)
    assert cets == d["client_early_traffic_secret"]
    assert early.early_exporter_master_secret(ch_hash) == d["early_exporter_master_secret"]
    check_keys(d, "client_early_traffic_secret", "client_early")


def test_rfc8448_section4_key_schedule():
    d = RESUMED_0RTT
    check_hello_records(d)
    assert x25519_public(d["client_x25519_private"]) == d["client_x25519_public"]
    assert x25519_public(d["server_x25519_private"]) == d["server_x25519_public"]
    shared = x25519_shared(d["client_x25519_private"], d["server_x25519_public"])
    assert shared == d["ecdhe_shared_secret"]
    assert x25519_shared(d["server_x25519_private"], d["client_x25519_public"]) == shared

    early = ks.EarlySecret(SHA256, d["psk"])
    assert ks.derive_secret(SHA256, early.secret, "derived", ks.empty_hash(SHA256)) == d["derived_for_handshake"]
    hs = early.handshake_secret(shared)
    assert hs.secret == d["handshake_secret"]
    hello_hash = th(d["client_hello"], d["server_hello"])
    c_hs = hs.client_handshake_traffic_secret(hello_hash)
    s_hs = hs.server_handshake_traffic_secret(hello_hash)
    assert c_hs == d["client_handshake_traffic_secret"]
    assert s_hs == d["server_handshake_traffic_secret"]
    check_keys(d, "server_handshake_traffic_secret", "server_handshake")
    check_keys(d, "client_handshake_traffic_secret", "client_handshake")
    assert ks.derive_secret(SHA256, hs.secret, "derived", ks.empty_hash(SHA256)) == d["derived_for_master"]
    ms = hs.master_secret()
    assert ms.secret == d["master_secret"]

    # No Certificate in a PSK handshake: the server Finished covers CH, SH, EE.
    to_ee = th(d["client_hello"], d["server_hello"], d["encrypted_extensions"])
    server_vd = ks.finished_verify_data(SHA256, s_hs, to_ee)
    assert finished_message(server_vd) == d["server_finished"]

    app_hash = th(d["client_hello"], d["server_hello"], d["encrypted_extensions"], d["server_finished"])
    assert ms.client_application_traffic_secret(app_hash) == d["client_application_traffic_secret"]
    assert ms.server_application_traffic_secret(app_hash) == d["server_application_traffic_secret"]
    assert ms.exporter_master_secret(app_hash) == d["exporter_master_secret"]
    check_keys(d, "server_application_traffic_secret", "server_application")
    check_keys(d, "client_application_traffic_secret", "client_application")

    # The client Finished (and what follows) also covers EndOfEarlyData.
    to_eoed = (
        d["client_hello"],
        d["server_hello"],
        d["encrypted_extensions"],
        d["server_finished"],
        d["end_of_early_data"],
    )
    client_vd = ks.finished_verify_data(SHA256, c_hs, th(*to_eoed))
    assert finished_message(client_vd) == d["client_finished"]
    assert ms.resumption_master_secret(th(*to_eoed, d["client_finished"])) == d["resumption_master_secret"]


# --------------------------------------------------------------------------- section 5


def test_rfc8448_section5_messages_and_key_exchange():
    d = HELLO_RETRY
    ch1, hrr, ch2 = d["client_hello1"], d["hello_retry_request"], d["client_hello2"]
    assert d["client_hello1_record"] == b"\x16\x03\x01" + len(ch1).to_bytes(2, "big") + ch1
    assert d["hello_retry_request_record"] == b"\x16\x03\x03" + len(hrr).to_bytes(2, "big") + hrr
    assert d["server_hello_record"] == b"\x16\x03\x03" + len(d["server_hello"]).to_bytes(2, "big") + d["server_hello"]
    assert len(ch2) == 512 and int.from_bytes(ch2[1:4], "big") == 508
    # A HelloRetryRequest is a ServerHello whose Random is SHA-256("HelloRetryRequest").
    assert hrr[6:38] == v.HELLO_RETRY_REQUEST_RANDOM == hashlib.sha256(b"HelloRetryRequest").digest()
    assert d["cookie"] in hrr and d["cookie"] in ch2
    assert ch1[6:38] == ch2[6:38] == d["client_random"]
    assert d["server_hello"][6:38] == d["server_random"]

    assert x25519_public(d["client_x25519_private"]) == d["client_x25519_public"]
    assert d["client_x25519_public"] in ch1
    assert p256_public(d["client_p256_private"]) == d["client_p256_public"]
    assert p256_public(d["server_p256_private"]) == d["server_p256_public"]
    assert d["client_p256_public"] in ch2 and d["server_p256_public"] in d["server_hello"]
    peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), d["client_p256_public"])
    shared = p256_key(d["server_p256_private"]).exchange(ec.ECDH(), peer)
    assert shared == d["ecdhe_shared_secret"]
    peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), d["server_p256_public"])
    assert p256_key(d["client_p256_private"]).exchange(ec.ECDH(), peer) == shared


def hrr_transcript_messages(d: dict) -> list[bytes]:
    """The messages after ClientHello1, which the transcript replaces by message_hash."""
    return [d["hello_retry_request"], d["client_hello2"], d["server_hello"]]


def test_rfc8448_section5_message_hash_transcript():
    d = HELLO_RETRY
    synthetic = b"\xfe\x00\x00\x20" + hashlib.sha256(d["client_hello1"]).digest()
    assert message_hash(SHA256, hashlib.sha256(d["client_hello1"]).digest()) == synthetic
    expected = th(synthetic, *hrr_transcript_messages(d))
    assert expected == d["hello_hash"]

    t = Transcript(SHA256)
    t.update(d["client_hello1"])
    t.replace_with_message_hash()
    for message in hrr_transcript_messages(d):
        t.update(message)
    assert t.digest() == d["hello_hash"]

    # The same through a transcript that buffered ClientHello1 before the suite was known.
    t = Transcript()
    t.update(d["client_hello1"])
    t.set_hash(SHA256)
    t.replace_with_message_hash()
    for message in hrr_transcript_messages(d):
        t.update(message)
    assert t.digest() == d["hello_hash"]


def test_rfc8448_section5_key_schedule():
    d = HELLO_RETRY
    early = ks.EarlySecret(SHA256)
    assert early.secret == d["early_secret"]
    hs = early.handshake_secret(d["ecdhe_shared_secret"])
    assert hs.secret == d["handshake_secret"]

    t = Transcript(SHA256)
    t.update(d["client_hello1"])
    t.replace_with_message_hash()
    for message in hrr_transcript_messages(d):
        t.update(message)
    hello_hash = t.digest()
    c_hs = hs.client_handshake_traffic_secret(hello_hash)
    s_hs = hs.server_handshake_traffic_secret(hello_hash)
    assert c_hs == d["client_handshake_traffic_secret"]
    assert s_hs == d["server_handshake_traffic_secret"]
    check_keys(d, "server_handshake_traffic_secret", "server_handshake")
    check_keys(d, "client_handshake_traffic_secret", "client_handshake")
    assert ks.derive_secret(SHA256, hs.secret, "derived", ks.empty_hash(SHA256)) == d["derived_for_master"]
    ms = hs.master_secret()
    assert ms.secret == d["master_secret"]

    t.update(d["encrypted_extensions"])
    t.update(d["certificate"])
    # The server's signature covers the rewritten transcript too.
    verify_rsa_pss(
        v.server_rsa_private_key().public_key(),
        d["certificate_verify"],
        signed_content(SERVER_CONTEXT, t.digest()),
    )
    t.update(d["certificate_verify"])
    assert finished_message(ks.finished_verify_data(SHA256, s_hs, t.digest())) == d["server_finished"]
    t.update(d["server_finished"])

    app_hash = t.digest()
    assert app_hash == d["application_hash"]
    assert ms.client_application_traffic_secret(app_hash) == d["client_application_traffic_secret"]
    assert ms.server_application_traffic_secret(app_hash) == d["server_application_traffic_secret"]
    assert ms.exporter_master_secret(app_hash) == d["exporter_master_secret"]
    check_keys(d, "server_application_traffic_secret", "server_application")
    check_keys(d, "client_application_traffic_secret", "client_application")

    client_vd = ks.finished_verify_data(SHA256, c_hs, app_hash)
    assert finished_message(client_vd) == d["client_finished"]
    t.update(d["client_finished"])
    assert ms.resumption_master_secret(t.digest()) == d["resumption_master_secret"]


# --------------------------------------------------------------------------- section 6


def test_rfc8448_section6_key_schedule_and_signatures():
    d = CLIENT_AUTH
    check_hello_records(d)
    assert x25519_public(d["client_x25519_private"]) == d["client_x25519_public"]
    assert x25519_public(d["server_x25519_private"]) == d["server_x25519_public"]
    shared = x25519_shared(d["client_x25519_private"], d["server_x25519_public"])
    assert x25519_shared(d["server_x25519_private"], d["client_x25519_public"]) == shared

    early = ks.EarlySecret(SHA256)
    assert early.secret == d["early_secret"]
    hs = early.handshake_secret(shared)
    assert hs.secret == d["handshake_secret"]
    hello_hash = th(d["client_hello"], d["server_hello"])
    c_hs = hs.client_handshake_traffic_secret(hello_hash)
    s_hs = hs.server_handshake_traffic_secret(hello_hash)
    assert c_hs == d["client_handshake_traffic_secret"]
    assert s_hs == d["server_handshake_traffic_secret"]
    check_keys(d, "server_handshake_traffic_secret", "server_handshake")
    check_keys(d, "client_handshake_traffic_secret", "client_handshake")
    assert ks.derive_secret(SHA256, hs.secret, "derived", ks.empty_hash(SHA256)) == d["derived_for_master"]
    ms = hs.master_secret()
    assert ms.secret == d["master_secret"]

    server_flight = [d["encrypted_extensions"], d["certificate_request"], d["certificate"]]
    # ECDSA P-256 CertificateVerify over CH..Certificate, with the certificate's key.
    cv = d["certificate_verify"]
    assert cv[4:6] == b"\x04\x03"  # ecdsa_secp256r1_sha256
    server_cert = certificate_from_message(d["certificate"])
    to_cert = th(d["client_hello"], d["server_hello"], *server_flight)
    server_cert.public_key().verify(cv[8:], signed_content(SERVER_CONTEXT, to_cert), ec.ECDSA(hashes.SHA256()))
    server_flight.append(cv)
    server_vd = ks.finished_verify_data(SHA256, s_hs, th(d["client_hello"], d["server_hello"], *server_flight))
    assert finished_message(server_vd) == d["server_finished"]
    server_flight.append(d["server_finished"])

    app_hash = th(d["client_hello"], d["server_hello"], *server_flight)
    assert ms.client_application_traffic_secret(app_hash) == d["client_application_traffic_secret"]
    assert ms.server_application_traffic_secret(app_hash) == d["server_application_traffic_secret"]
    assert ms.exporter_master_secret(app_hash) == d["exporter_master_secret"]
    check_keys(d, "server_application_traffic_secret", "server_application")
    check_keys(d, "client_application_traffic_secret", "client_application")

    # The client's RSA-PSS CertificateVerify over CH..client Certificate.
    client_cert = certificate_from_message(d["client_certificate"])
    to_client_cert = th(d["client_hello"], d["server_hello"], *server_flight, d["client_certificate"])
    verify_rsa_pss(
        client_cert.public_key(), d["client_certificate_verify"], signed_content(CLIENT_CONTEXT, to_client_cert)
    )

    client_msgs = [d["client_certificate"], d["client_certificate_verify"]]
    to_client_cv = th(d["client_hello"], d["server_hello"], *server_flight, *client_msgs)
    client_vd = ks.finished_verify_data(SHA256, c_hs, to_client_cv)
    assert finished_message(client_vd) == d["client_finished"]
    res_hash = th(d["client_hello"], d["server_hello"], *server_flight, *client_msgs, d["client_finished"])
    assert ms.resumption_master_secret(res_hash) == d["resumption_master_secret"]


# --------------------------------------------------------------------------- records


def _record_id(entry) -> str:
    sections = {id(SIMPLE_1RTT): "s3", id(RESUMED_0RTT): "s4", id(HELLO_RETRY): "s5", id(CLIENT_AUTH): "s6"}
    section = sections[id(entry[0])]
    return f"{section}-{entry[1]}"


@pytest.mark.parametrize("entry", v.PROTECTED_RECORDS, ids=_record_id)
def test_rfc8448_protected_records(entry):
    """Each record opens under its listed key to its listed plaintext, and seals back byte for byte."""
    d, name, key_name = entry
    record = d[name + "_record"]
    key, iv, seq = d[key_name + "_key"], d[key_name + "_iv"], d[name + "_seq"]
    inner = d[name + "_plaintext"] + bytes((d[name + "_inner_type"],))
    header = record[:5]
    assert header[:3] == b"\x17\x03\x03"  # opaque_type application_data, legacy 0x0303
    assert int.from_bytes(header[3:5], "big") == len(record) - 5 == len(inner) + 16
    nonce = bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12, "big")))  # RFC 8446 5.3
    aead = AESGCM(key)
    assert aead.decrypt(nonce, record[5:], header) == inner
    assert header + aead.encrypt(nonce, inner, header) == record


def test_protected_records_cover_every_record_in_the_vectors():
    listed = {(id(d), name) for d, name, _ in v.PROTECTED_RECORDS}
    for d in (SIMPLE_1RTT, RESUMED_0RTT, HELLO_RETRY, CLIENT_AUTH):
        for field, value in d.items():
            if field.endswith("_record") and value[:1] == b"\x17":
                assert (id(d), field[: -len("_record")]) in listed, field


def test_traffic_keys_are_the_ones_that_open_the_records():
    """The traffic keys derived from the trace's secrets (not the listed keys) open the records."""
    secret_of = {
        "server_handshake": "server_handshake_traffic_secret",
        "client_handshake": "client_handshake_traffic_secret",
        "server_application": "server_application_traffic_secret",
        "client_application": "client_application_traffic_secret",
        "client_early": "client_early_traffic_secret",
    }
    for d, name, key_name in v.PROTECTED_RECORDS:
        key, iv = ks.traffic_key(SHA256, d[secret_of[key_name]], 16)
        record, seq = d[name + "_record"], d[name + "_seq"]
        nonce = bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12, "big")))
        AESGCM(key).decrypt(nonce, record[5:], record[:5])  # raises InvalidTag on a wrong key


# --------------------------------------------------------------------------- transcript


def test_transcript_digest_does_not_finalize():
    d = SIMPLE_1RTT
    t = Transcript(SHA256)
    t.update(d["client_hello"])
    first = t.digest()
    assert first == t.digest() == hashlib.sha256(d["client_hello"]).digest()
    t.update(d["server_hello"])
    assert t.digest() == d["hello_hash"]


def test_transcript_copy_is_independent():
    d = SIMPLE_1RTT
    t = Transcript(SHA256)
    t.update(d["client_hello"])
    c = t.copy()
    c.update(d["server_hello"])
    assert c.digest() == d["hello_hash"]
    assert t.digest() == hashlib.sha256(d["client_hello"]).digest()
    # Copies of a buffering transcript buffer independently too.
    b = Transcript()
    b.update(d["client_hello"])
    b2 = b.copy()
    b2.update(d["server_hello"])
    b.set_hash(SHA256)
    b2.set_hash(SHA256)
    assert b.digest() == hashlib.sha256(d["client_hello"]).digest()
    assert b2.digest() == d["hello_hash"]


def test_transcript_buffers_until_the_hash_is_known():
    d = SIMPLE_1RTT
    t = Transcript()
    assert t.hash_alg is None
    t.update(d["client_hello"])
    with pytest.raises(ValueError):
        t.digest()
    t.set_hash(SHA256)
    t.set_hash(hashes.SHA256())  # the same algorithm again is fine
    t.update(memoryview(d["server_hello"]))
    assert t.digest() == d["hello_hash"]
    with pytest.raises(ValueError):
        t.set_hash(SHA384)
    # SHA-384 over the same buffered messages.
    t384 = Transcript()
    t384.update(bytearray(d["client_hello"]))
    t384.set_hash(SHA384)
    assert t384.digest() == hashlib.sha384(d["client_hello"]).digest()


def test_transcript_message_hash_for_sha384():
    ch1 = HELLO_RETRY["client_hello1"]
    t = Transcript(SHA384)
    t.update(ch1)
    t.replace_with_message_hash()
    inner = hashlib.sha384(ch1).digest()
    assert t.digest() == hashlib.sha384(b"\xfe\x00\x00\x30" + inner).digest()
    with pytest.raises(ValueError):
        message_hash(SHA384, bytes(32))


def test_transcript_full_section3_run_matches_rfc_hashes():
    d = SIMPLE_1RTT
    t = Transcript()
    t.update(d["client_hello"])
    t.set_hash(SHA256)
    t.update(d["server_hello"])
    assert t.digest() == d["hello_hash"]
    for name in ("encrypted_extensions", "certificate", "certificate_verify", "server_finished"):
        t.update(d[name])
    assert t.digest() == d["application_hash"]
    t.update(d["client_finished"])
    assert t.digest() == d["resumption_hash"]

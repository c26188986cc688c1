"""Protocol code points, named as in the RFCs and the IANA TLS registries.

Every number that goes on the wire lives here so that the codec, the handshake
and the trace all print the same names.
"""

from __future__ import annotations

from enum import IntEnum


class ProtocolVersion(IntEnum):
    """RFC 8446 section 4.2.1; anything below TLS 1.2 is refused (RFC 8996)."""

    SSL30 = 0x0300
    TLS10 = 0x0301
    TLS11 = 0x0302
    TLS12 = 0x0303
    TLS13 = 0x0304


class ContentType(IntEnum):
    """RFC 8446 section 5.1."""

    INVALID = 0
    CHANGE_CIPHER_SPEC = 20
    ALERT = 21
    HANDSHAKE = 22
    APPLICATION_DATA = 23
    HEARTBEAT = 24


class AlertLevel(IntEnum):
    WARNING = 1
    FATAL = 2


class AlertDescription(IntEnum):
    """RFC 8446 section 6 (plus the TLS 1.2 ones we may still send or receive)."""

    close_notify = 0
    unexpected_message = 10
    bad_record_mac = 20
    decryption_failed = 21
    record_overflow = 22
    decompression_failure = 30
    handshake_failure = 40
    no_certificate = 41
    bad_certificate = 42
    unsupported_certificate = 43
    certificate_revoked = 44
    certificate_expired = 45
    certificate_unknown = 46
    illegal_parameter = 47
    unknown_ca = 48
    access_denied = 49
    decode_error = 50
    decrypt_error = 51
    export_restriction = 60
    protocol_version = 70
    insufficient_security = 71
    internal_error = 80
    inappropriate_fallback = 86
    user_canceled = 90
    no_renegotiation = 100
    missing_extension = 109
    unsupported_extension = 110
    certificate_unobtainable = 111
    unrecognized_name = 112
    bad_certificate_status_response = 113
    bad_certificate_hash_value = 114
    unknown_psk_identity = 115
    certificate_required = 116
    no_application_protocol = 120


class HandshakeType(IntEnum):
    """RFC 8446 section 4 and RFC 5246 section 7.4."""

    hello_request = 0
    client_hello = 1
    server_hello = 2
    hello_verify_request = 3
    new_session_ticket = 4
    end_of_early_data = 5
    hello_retry_request = 6  # never on the wire in TLS 1.3 (it is a ServerHello)
    encrypted_extensions = 8
    certificate = 11
    server_key_exchange = 12
    certificate_request = 13
    server_hello_done = 14
    certificate_verify = 15
    client_key_exchange = 16
    finished = 20
    certificate_url = 21
    certificate_status = 22
    supplemental_data = 23
    key_update = 24
    compressed_certificate = 25
    message_hash = 254


class ExtensionType(IntEnum):
    """IANA "TLS ExtensionType Values"."""

    server_name = 0
    max_fragment_length = 1
    status_request = 5
    supported_groups = 10
    ec_point_formats = 11
    signature_algorithms = 13
    use_srtp = 14
    heartbeat = 15
    application_layer_protocol_negotiation = 16
    signed_certificate_timestamp = 18
    client_certificate_type = 19
    server_certificate_type = 20
    padding = 21
    encrypt_then_mac = 22
    extended_master_secret = 23
    compress_certificate = 27
    record_size_limit = 28
    session_ticket = 35
    pre_shared_key = 41
    early_data = 42
    supported_versions = 43
    cookie = 44
    psk_key_exchange_modes = 45
    certificate_authorities = 47
    oid_filters = 48
    post_handshake_auth = 49
    signature_algorithms_cert = 50
    key_share = 51
    renegotiation_info = 0xFF01


class NamedGroup(IntEnum):
    """RFC 8446 section 4.2.7, RFC 8422, and draft-ietf-tls-ecdhe-mlkem."""

    secp256r1 = 0x0017
    secp384r1 = 0x0018
    secp521r1 = 0x0019
    x25519 = 0x001D
    x448 = 0x001E
    X25519MLKEM768 = 0x11EC


class SignatureScheme(IntEnum):
    """RFC 8446 section 4.2.3, and draft-ietf-tls-mldsa for ML-DSA (FIPS 204)."""

    rsa_pkcs1_sha256 = 0x0401
    rsa_pkcs1_sha384 = 0x0501
    rsa_pkcs1_sha512 = 0x0601
    ecdsa_secp256r1_sha256 = 0x0403
    ecdsa_secp384r1_sha384 = 0x0503
    ecdsa_secp521r1_sha512 = 0x0603
    rsa_pss_rsae_sha256 = 0x0804
    rsa_pss_rsae_sha384 = 0x0805
    rsa_pss_rsae_sha512 = 0x0806
    ed25519 = 0x0807
    ed448 = 0x0808
    rsa_pss_pss_sha256 = 0x0809
    rsa_pss_pss_sha384 = 0x080A
    rsa_pss_pss_sha512 = 0x080B
    rsa_pkcs1_sha1 = 0x0201
    ecdsa_sha1 = 0x0203
    # draft-ietf-tls-mldsa (IANA-registered): pure ML-DSA, TLS 1.3 only.
    mldsa44 = 0x0904
    mldsa65 = 0x0905
    mldsa87 = 0x0906


class CipherSuite(IntEnum):
    """The AEAD suites fasttls speaks (RFC 8446 B.4, RFC 5289, RFC 7905) and the SCSVs."""

    TLS_AES_128_GCM_SHA256 = 0x1301
    TLS_AES_256_GCM_SHA384 = 0x1302
    TLS_CHACHA20_POLY1305_SHA256 = 0x1303
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xC02B
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xC02C
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xC02F
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xC030
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA8
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA9
    TLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00FF
    TLS_FALLBACK_SCSV = 0x5600


class PskKeyExchangeMode(IntEnum):
    """RFC 8446 section 4.2.9."""

    psk_ke = 0
    psk_dhe_ke = 1


class KeyUpdateRequest(IntEnum):
    """RFC 8446 section 4.6.3."""

    update_not_requested = 0
    update_requested = 1


class CertificateStatusType(IntEnum):
    ocsp = 1


class ECPointFormat(IntEnum):
    uncompressed = 0


class ClientCertificateType(IntEnum):
    """RFC 5246 section 7.4.4 (TLS 1.2 CertificateRequest)."""

    rsa_sign = 1
    ecdsa_sign = 64


def name_of(enum: type[IntEnum], value: int) -> str:
    """A printable name for a code point, including the ones we do not know."""
    try:
        return enum(value).name
    except ValueError:
        return f"unknown(0x{value:04x})"

"""One small codec per extension (RFC 8446 section 4.2 and the RFCs it cites).

Each ``parse_*`` takes the ``extension_data`` bytes and returns a Python value,
raising :class:`~fasttls.errors.TLSError` (decode_error unless the RFC names
another alert) when the bytes do not follow the extension's syntax; trailing
bytes are an error.  Each ``build_*`` is the inverse and raises ``ValueError``
when given a value the peer could not accept (our bug).

Code points stay plain ints: an unknown group, signature scheme or version is
kept, never converted to an enum that would refuse it.

``ALLOWED_EXTENSIONS_TLS13`` is the RFC 8446 4.2 table of which extension may
appear in which message; the handshake checks it (unsolicited or misplaced
extensions are its call, not the codec's).
"""

from __future__ import annotations

from typing import NamedTuple

from ..constants import AlertDescription, CertificateStatusType, ExtensionType, HandshakeType
from ..errors import TLSError
from .codec import Reader, Writer, decode_error

E = ExtensionType

__all__ = [
    "ALLOWED_EXTENSIONS_TLS13",
    "KNOWN_EXTENSIONS_TLS13",
    "KeyShareEntry",
    "PskIdentity",
    "extension_name",
    "parse_empty",
    "build_empty",
    "parse_server_name",
    "build_server_name",
    "parse_supported_groups",
    "build_supported_groups",
    "parse_ec_point_formats",
    "build_ec_point_formats",
    "parse_signature_algorithms",
    "build_signature_algorithms",
    "parse_alpn",
    "build_alpn",
    "parse_alpn_selected",
    "build_alpn_selected",
    "parse_status_request",
    "build_status_request",
    "parse_certificate_status",
    "build_certificate_status",
    "parse_sct_list",
    "build_sct_list",
    "parse_supported_versions_client",
    "build_supported_versions_client",
    "parse_supported_version_server",
    "build_supported_version_server",
    "parse_key_share_client",
    "build_key_share_client",
    "parse_key_share_server",
    "build_key_share_server",
    "parse_key_share_hrr",
    "build_key_share_hrr",
    "parse_pre_shared_key_client",
    "build_pre_shared_key_client",
    "binders_length",
    "build_psk_binders",
    "parse_pre_shared_key_server",
    "build_pre_shared_key_server",
    "parse_psk_key_exchange_modes",
    "build_psk_key_exchange_modes",
    "parse_early_data_nst",
    "build_early_data_nst",
    "parse_cookie",
    "build_cookie",
    "parse_padding",
    "build_padding",
    "parse_renegotiation_info",
    "build_renegotiation_info",
    "parse_record_size_limit",
    "build_record_size_limit",
    "parse_certificate_authorities",
    "build_certificate_authorities",
    "decode_protocol_name",
    "encode_protocol_name",
]


class KeyShareEntry(NamedTuple):
    """RFC 8446 4.2.8 ``KeyShareEntry``: a group and its ``key_exchange`` bytes.

    A tuple, so ``group, key = entry`` and comparisons with plain tuples work.
    """

    group: int
    key_exchange: bytes


class PskIdentity(NamedTuple):
    """RFC 8446 4.2.11 ``PskIdentity``: the ticket (or external identity) and its obfuscated age."""

    identity: bytes
    obfuscated_ticket_age: int


_EXTENSION_NAMES = {int(t): t.name for t in ExtensionType}


def extension_name(ext_type: int) -> str:
    """The IANA name of an extension type, or ``unknown(0x....)`` (a dict lookup: this
    runs for every extension parsed, to name it in a possible error)."""
    name = _EXTENSION_NAMES.get(ext_type)
    return name if name is not None else f"unknown(0x{ext_type:04x})"


def _done(r: Reader) -> None:
    r.expect_end()


# Well-formed lists take these one-expression paths (every ClientHello carries
# several); anything else goes through the Reader, which names what is wrong.


def _u16s_in_vector16(data: bytes) -> list[int] | None:
    """A non-empty ``uint16 x<2..2^16-2>`` filling all of ``data``, else None."""
    n = len(data)
    if n > 2 and not n & 1 and ((data[0] << 8) | data[1]) == n - 2:
        return [(data[i] << 8) | data[i + 1] for i in range(2, n, 2)]
    return None


def _u16s_in_vector8(data: bytes) -> list[int] | None:
    """A non-empty ``uint16 x<2..2^8-2>`` filling all of ``data``, else None."""
    n = len(data)
    if n > 1 and n & 1 and data[0] == n - 1:
        return [(data[i] << 8) | data[i + 1] for i in range(1, n, 2)]
    return None


def _u8s_in_vector8(data: bytes) -> list[int] | None:
    """A non-empty ``uint8 x<1..2^8-1>`` filling all of ``data``, else None."""
    n = len(data)
    if n > 1 and data[0] == n - 1:
        return list(data[1:])
    return None


# ---------------------------------------------------------------------- empty extensions


def parse_empty(data: bytes, what: str) -> bool:
    """Extensions whose ``extension_data`` must be empty: extended_master_secret (RFC 7627 5.1),
    post_handshake_auth (RFC 8446 4.2.6), early_data in ClientHello/EncryptedExtensions
    (RFC 8446 4.2.10), signed_certificate_timestamp in ClientHello (RFC 6962 3.3.1),
    status_request/session_ticket in a TLS 1.2 ServerHello (RFC 6066 8, RFC 5077 3.2),
    server_name in ServerHello/EncryptedExtensions (RFC 6066 3)."""
    if data:
        raise decode_error(f"{what} extension must be empty ({len(data)} bytes)")
    return True


def build_empty() -> bytes:
    return b""


# ---------------------------------------------------------------------- server_name


def parse_server_name(data: bytes) -> str | None:
    """RFC 6066 section 3, ``ServerNameList``; only ``host_name(0)`` entries count.

    As Go: an empty list or an empty name is decode_error; other name types are
    skipped.  A second host_name, a NUL, or a name that is not ASCII is illegal_parameter.
    RFC 6066 says "a byte string using ASCII encoding without a trailing dot", but Python's
    ssl and OpenSSL clients send ``localhost.`` as given and OpenSSL's server takes it: we
    accept one trailing dot (the name is returned as sent; the server handshake drops the
    dot, ``handshake.common.sni_host``), not a name that is only a dot or ends in two.
    Returns None when the list holds no host_name.
    """
    n = len(data)
    # The usual form, one host_name entry filling the list, in one step.
    if n > 5 and ((data[0] << 8) | data[1]) == n - 2 and data[2] == 0 and ((data[3] << 8) | data[4]) == n - 5:
        name = data[5:]
        if name.isascii() and not name.endswith(b".") and b"\x00" not in name:
            return name.decode("ascii")
    r = Reader(data, "server_name extension")
    names = r.sub16()
    if names.empty:
        raise decode_error("server_name extension with an empty server_name_list")
    host: str | None = None
    while not names.empty:
        name_type = names.u8()
        name = names.vec16()
        if not name:
            raise decode_error("server_name extension with an empty name")
        if name_type != 0:
            continue
        if host is not None:
            raise TLSError(AlertDescription.illegal_parameter, "server_name extension with two host names")
        if not name.isascii():
            raise TLSError(AlertDescription.illegal_parameter, "server_name host name is not ASCII")
        if b"\x00" in name:
            # A NUL would let "good.example\0.evil.example" pass for another name in C code.
            raise TLSError(AlertDescription.illegal_parameter, "server_name host name contains a NUL byte")
        host = name.decode("ascii")
        if host == "." or host.endswith(".."):
            raise TLSError(AlertDescription.illegal_parameter, f"server_name host name {host!r} ends with an empty label")
    _done(r)
    return host


def build_server_name(host: str) -> bytes:
    """RFC 6066 section 3: one host_name entry.  IDNs must be A-labels already (ASCII)."""
    if not host or not host.isascii() or host.endswith("."):
        raise ValueError(f"invalid server_name host name {host!r} (non-empty ASCII, no trailing dot)")
    w = Writer()
    with w.prefixed16("server_name_list"):
        w.u8(0)  # host_name
        w.vec16(host.encode("ascii"), "host_name")
    return w.getvalue()


# ---------------------------------------------------------------------- groups, points, signature schemes


def parse_supported_groups(data: bytes) -> list[int]:
    """RFC 8446 4.2.7 (RFC 8422 5.1.1): ``NamedGroup named_group_list<2..2^16-1>``, non-empty."""
    fast = _u16s_in_vector16(data)
    if fast is not None:
        return fast
    r = Reader(data, "supported_groups extension")
    groups = r.u16_list16("supported_groups extension", nonempty=True)
    _done(r)
    return groups


def build_supported_groups(groups: list[int]) -> bytes:
    if not groups:
        raise ValueError("supported_groups must not be empty")
    w = Writer()
    with w.prefixed16("named_group_list"):
        w.u16s(groups)
    return w.getvalue()


def parse_ec_point_formats(data: bytes) -> list[int]:
    """RFC 8422 5.1.2: ``ECPointFormat ec_point_format_list<1..2^8-1>``, non-empty."""
    fast = _u8s_in_vector8(data)
    if fast is not None:
        return fast
    r = Reader(data, "ec_point_formats extension")
    formats = r.u8_list("ec_point_formats extension", nonempty=True)
    _done(r)
    return formats


def build_ec_point_formats(formats: list[int]) -> bytes:
    if not formats:
        raise ValueError("ec_point_formats must not be empty")
    w = Writer()
    w.vec8(bytes(formats), "ec_point_format_list")
    return w.getvalue()


def parse_signature_algorithms(data: bytes, what: str = "signature_algorithms") -> list[int]:
    """RFC 8446 4.2.3: ``SignatureScheme supported_signature_algorithms<2..2^16-2>``, non-empty.

    The same syntax serves signature_algorithms_cert.
    """
    fast = _u16s_in_vector16(data)
    if fast is not None:
        return fast
    r = Reader(data, f"{what} extension")
    schemes = r.u16_list16(f"{what} extension", nonempty=True)
    _done(r)
    return schemes


def build_signature_algorithms(schemes: list[int]) -> bytes:
    if not schemes:
        raise ValueError("signature_algorithms must not be empty")
    w = Writer()
    with w.prefixed16("supported_signature_algorithms"):
        w.u16s(schemes)
    return w.getvalue()


# ---------------------------------------------------------------------- ALPN


def decode_protocol_name(name: bytes) -> str:
    """ALPN names are bytes on the wire; as str they are UTF-8 with surrogateescape,
    so any byte string survives the round trip and ``"h2"`` is just ``"h2"``."""
    return name.decode("utf-8", "surrogateescape")


def encode_protocol_name(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


def parse_alpn(data: bytes) -> list[str]:
    """RFC 7301 3.1: ``ProtocolName protocol_name_list<2..2^16-1>``, each ``opaque ProtocolName<1..2^8-1>``.

    An empty list or an empty name is decode_error.
    """
    r = Reader(data, "application_layer_protocol_negotiation extension")
    names_r = r.sub16()
    _done(r)
    if names_r.empty:
        raise decode_error("ALPN extension with an empty protocol_name_list")
    names = []
    while not names_r.empty:
        name = names_r.vec8()
        if not name:
            raise decode_error("ALPN extension with an empty protocol name")
        names.append(decode_protocol_name(name))
    return names


def build_alpn(names: list[str]) -> bytes:
    if not names:
        raise ValueError("ALPN protocol list must not be empty")
    w = Writer()
    with w.prefixed16("protocol_name_list"):
        for name in names:
            raw = encode_protocol_name(name)
            if not raw:
                raise ValueError("ALPN protocol names must not be empty")
            w.vec8(raw, "ProtocolName")
    return w.getvalue()


def parse_alpn_selected(data: bytes) -> str:
    """RFC 7301 3.1: in ServerHello/EncryptedExtensions the list holds exactly one name."""
    names = parse_alpn(data)
    if len(names) != 1:
        raise decode_error(f"server ALPN extension with {len(names)} protocols instead of one")
    return names[0]


def build_alpn_selected(name: str) -> bytes:
    return build_alpn([name])


# ---------------------------------------------------------------------- OCSP stapling, SCTs


def parse_status_request(data: bytes) -> bool:
    """RFC 6066 section 8, ``CertificateStatusRequest`` in a ClientHello.

    ``status_type`` then, for OCSP, ``ResponderID responder_id_list<0..2^16-1>``
    and ``Extensions request_extensions<0..2^16-1>`` (read, not kept, as Go does).
    Returns whether OCSP stapling is requested; other status types are ignored.
    """
    r = Reader(data, "status_request extension")
    status_type = r.u8()
    if status_type != CertificateStatusType.ocsp:
        r.rest()  # an unknown CertificateStatusRequest body we cannot check
        return False
    r.vec16()
    r.vec16()
    _done(r)
    return True


def build_status_request() -> bytes:
    """An OCSP request with no responder ids and no request extensions."""
    return b"\x01\x00\x00\x00\x00"


def parse_certificate_status(data: bytes, what: str = "CertificateStatus") -> bytes:
    """RFC 6066 section 8 / RFC 8446 4.4.2.1: ``CertificateStatus`` = ``status_type`` (ocsp)
    then ``OCSPResponse ocsp_response<1..2^24-1>``.  Used in a TLS 1.3 CertificateEntry's
    status_request extension and in the TLS 1.2 CertificateStatus message."""
    r = Reader(data, what)
    status_type = r.u8()
    if status_type != CertificateStatusType.ocsp:
        raise decode_error(f"{what} with unknown status_type {status_type}")
    response = r.vec24()
    if not response:
        raise decode_error(f"{what} with an empty OCSP response")
    _done(r)
    return response


def build_certificate_status(response: bytes) -> bytes:
    if not response:
        raise ValueError("OCSP response must not be empty")
    w = Writer()
    w.u8(CertificateStatusType.ocsp)
    w.vec24(response, "OCSPResponse")
    return w.getvalue()


def parse_sct_list(data: bytes) -> list[bytes]:
    """RFC 6962 3.3: ``SerializedSCT sct_list<1..2^16-1>``, each ``opaque SerializedSCT<1..2^16-1>``."""
    r = Reader(data, "signed_certificate_timestamp extension")
    lst = r.sub16()
    _done(r)
    if lst.empty:
        raise decode_error("signed_certificate_timestamp extension with an empty list")
    scts = []
    while not lst.empty:
        sct = lst.vec16()
        if not sct:
            raise decode_error("signed_certificate_timestamp extension with an empty SCT")
        scts.append(sct)
    return scts


def build_sct_list(scts: list[bytes]) -> bytes:
    if not scts or not all(scts):
        raise ValueError("SCT list and its entries must not be empty")
    w = Writer()
    with w.prefixed16("SignedCertificateTimestampList"):
        for sct in scts:
            w.vec16(sct, "SerializedSCT")
    return w.getvalue()


# ---------------------------------------------------------------------- supported_versions


def parse_supported_versions_client(data: bytes) -> list[int]:
    """RFC 8446 4.2.1, ClientHello: ``ProtocolVersion versions<2..254>``, non-empty."""
    fast = _u16s_in_vector8(data)
    if fast is not None:
        return fast
    r = Reader(data, "supported_versions extension")
    versions = r.u16_list8("supported_versions extension", nonempty=True)
    _done(r)
    return versions


def build_supported_versions_client(versions: list[int]) -> bytes:
    if not versions:
        raise ValueError("supported_versions must not be empty")
    w = Writer()
    with w.prefixed8("versions"):
        w.u16s(versions)
    return w.getvalue()


def parse_supported_version_server(data: bytes) -> int:
    """RFC 8446 4.2.1, ServerHello and HelloRetryRequest: one ``selected_version``."""
    r = Reader(data, "supported_versions extension")
    v = r.u16()
    _done(r)
    return v


def build_supported_version_server(version: int) -> bytes:
    return version.to_bytes(2, "big")


# ---------------------------------------------------------------------- key_share


def _read_key_share_entry(r: Reader) -> KeyShareEntry:
    group = r.u16()
    key = r.vec16()
    if not key:
        raise decode_error("key_share entry with an empty key_exchange")
    return KeyShareEntry(group, key)


def _write_key_share_entry(w: Writer, group: int, key: bytes) -> None:
    if not key:
        raise ValueError("key_share key_exchange must not be empty")
    w.u16(group)
    w.vec16(key, "key_exchange")


def parse_key_share_client(data: bytes) -> list[KeyShareEntry]:
    """RFC 8446 4.2.8, ClientHello: ``KeyShareEntry client_shares<0..2^16-1>`` (may be empty,
    to ask for a HelloRetryRequest).  Two entries for one group is illegal_parameter."""
    r = Reader(data, "key_share extension")
    shares_r = r.sub16()
    _done(r)
    shares: list[KeyShareEntry] = []
    seen: set[int] = set()
    while not shares_r.empty:
        entry = _read_key_share_entry(shares_r)
        if entry.group in seen:
            raise TLSError(AlertDescription.illegal_parameter, f"key_share with two entries for group 0x{entry.group:04x}")
        seen.add(entry.group)
        shares.append(entry)
    return shares


def build_key_share_client(shares: list[tuple[int, bytes]]) -> bytes:
    w = Writer()
    with w.prefixed16("client_shares"):
        for group, key in shares:
            _write_key_share_entry(w, group, key)
    return w.getvalue()


def parse_key_share_server(data: bytes) -> KeyShareEntry:
    """RFC 8446 4.2.8, ServerHello: one ``KeyShareEntry server_share``."""
    r = Reader(data, "key_share extension")
    entry = _read_key_share_entry(r)
    _done(r)
    return entry


def build_key_share_server(share: tuple[int, bytes]) -> bytes:
    w = Writer()
    _write_key_share_entry(w, share[0], share[1])
    return w.getvalue()


def parse_key_share_hrr(data: bytes) -> int:
    """RFC 8446 4.2.8, HelloRetryRequest: ``NamedGroup selected_group``."""
    r = Reader(data, "key_share extension")
    group = r.u16()
    _done(r)
    return group


def build_key_share_hrr(group: int) -> bytes:
    return group.to_bytes(2, "big")


# ---------------------------------------------------------------------- pre_shared_key, psk modes


def parse_pre_shared_key_client(data: bytes) -> tuple[list[PskIdentity], list[bytes]]:
    """RFC 8446 4.2.11, ClientHello ``OfferedPsks``: ``PskIdentity identities<7..2^16-1>``
    (each ``opaque identity<1..2^16-1>`` and a ``uint32 obfuscated_ticket_age``) and
    ``PskBinderEntry binders<33..2^16-1>`` (each ``opaque PskBinderEntry<32..255>``).

    Both lists must be non-empty; matching their counts is the handshake's check
    (illegal_parameter), as in Go.
    """
    r = Reader(data, "pre_shared_key extension")
    ids_r = r.sub16()
    binders_r = r.sub16()
    _done(r)
    if ids_r.empty:
        raise decode_error("pre_shared_key extension with no identities")
    identities = []
    while not ids_r.empty:
        identity = ids_r.vec16()
        if not identity:
            raise decode_error("pre_shared_key extension with an empty identity")
        identities.append(PskIdentity(identity, ids_r.u32()))
    if binders_r.empty:
        raise decode_error("pre_shared_key extension with no binders")
    binders = []
    while not binders_r.empty:
        binder = binders_r.vec8()
        if len(binder) < 32:
            raise decode_error(f"pre_shared_key binder of {len(binder)} bytes (at least 32)")
        binders.append(binder)
    return identities, binders


def build_pre_shared_key_client(identities: list[tuple[bytes, int]], binders: list[bytes]) -> bytes:
    if not identities or not binders:
        raise ValueError("pre_shared_key needs at least one identity and one binder")
    w = Writer()
    with w.prefixed16("identities"):
        for identity, age in identities:
            if not identity:
                raise ValueError("PSK identity must not be empty")
            w.vec16(identity, "identity")
            w.u32(age)
    w.bytes(build_psk_binders(binders))
    return w.getvalue()


def build_psk_binders(binders: list[bytes]) -> bytes:
    """RFC 8446 4.2.11: ``PskBinderEntry binders<33..2^16-1>``, the tail of a ClientHello."""
    w = Writer()
    with w.prefixed16("binders"):
        for binder in binders:
            if len(binder) < 32:
                raise ValueError("PSK binders are at least 32 bytes")
            w.vec8(binder, "PskBinderEntry")
    return w.getvalue()


def binders_length(binders: list[bytes]) -> int:
    """How many bytes the ``binders`` vector takes at the end of a ClientHello (RFC 8446 4.2.11.2)."""
    return 2 + sum(1 + len(b) for b in binders)


def parse_pre_shared_key_server(data: bytes) -> int:
    """RFC 8446 4.2.11, ServerHello: ``uint16 selected_identity``."""
    r = Reader(data, "pre_shared_key extension")
    index = r.u16()
    _done(r)
    return index


def build_pre_shared_key_server(index: int) -> bytes:
    return index.to_bytes(2, "big")


def parse_psk_key_exchange_modes(data: bytes) -> list[int]:
    """RFC 8446 4.2.9: ``PskKeyExchangeMode ke_modes<1..255>``, non-empty."""
    fast = _u8s_in_vector8(data)
    if fast is not None:
        return fast
    r = Reader(data, "psk_key_exchange_modes extension")
    modes = r.u8_list("psk_key_exchange_modes extension", nonempty=True)
    _done(r)
    return modes


def build_psk_key_exchange_modes(modes: list[int]) -> bytes:
    if not modes:
        raise ValueError("psk_key_exchange_modes must not be empty")
    w = Writer()
    w.vec8(bytes(modes), "ke_modes")
    return w.getvalue()


# ---------------------------------------------------------------------- early_data, cookie, padding


def parse_early_data_nst(data: bytes) -> int:
    """RFC 8446 4.2.10, NewSessionTicket: ``uint32 max_early_data_size``."""
    r = Reader(data, "early_data extension")
    size = r.u32()
    _done(r)
    return size


def build_early_data_nst(max_early_data_size: int) -> bytes:
    return max_early_data_size.to_bytes(4, "big")


def parse_cookie(data: bytes) -> bytes:
    """RFC 8446 4.2.2: ``opaque cookie<1..2^16-1>``, non-empty."""
    r = Reader(data, "cookie extension")
    cookie = r.vec16()
    _done(r)
    if not cookie:
        raise decode_error("empty cookie extension")
    return cookie


def build_cookie(cookie: bytes) -> bytes:
    if not cookie:
        raise ValueError("cookie must not be empty")
    w = Writer()
    w.vec16(cookie, "cookie")
    return w.getvalue()


def parse_padding(data: bytes) -> int:
    """RFC 7685 section 3: ``padding_data`` of zero bytes; we keep only its length
    (like most stacks we do not reject non-zero padding)."""
    return len(data)


def build_padding(length: int) -> bytes:
    return bytes(length)


# ---------------------------------------------------------------------- TLS 1.2 odds and ends


def parse_renegotiation_info(data: bytes) -> bytes:
    """RFC 5746 3.2: ``opaque renegotiated_connection<0..255>`` (empty on an initial handshake)."""
    r = Reader(data, "renegotiation_info extension")
    value = r.vec8()
    _done(r)
    return value


def build_renegotiation_info(renegotiated_connection: bytes) -> bytes:
    w = Writer()
    w.vec8(renegotiated_connection, "renegotiated_connection")
    return w.getvalue()


def parse_record_size_limit(data: bytes) -> int:
    """RFC 8449 section 4: ``uint16 RecordSizeLimit``; below 64 is illegal_parameter."""
    r = Reader(data, "record_size_limit extension")
    limit = r.u16()
    _done(r)
    if limit < 64:
        raise TLSError(AlertDescription.illegal_parameter, f"record_size_limit {limit} is below 64")
    return limit


def build_record_size_limit(limit: int) -> bytes:
    if not 64 <= limit <= 0xFFFF:
        raise ValueError(f"record_size_limit {limit} out of range (64..65535)")
    return limit.to_bytes(2, "big")


def parse_certificate_authorities(data: bytes, allow_empty: bool = False) -> list[bytes]:
    """RFC 8446 4.2.4: ``DistinguishedName authorities<3..2^16-1>``, each
    ``opaque DistinguishedName<1..2^16-1>`` (DER).  Non-empty list, non-empty names.

    ``allow_empty`` takes an empty list as naming none: OpenSSL servers send one in a
    CertificateRequest when told not to name CAs (SSL_OP_DISABLE_TLSEXT_CA_NAMES,
    ``s_server -no_ca_names``), and OpenSSL's own parser accepts it."""
    r = Reader(data, "certificate_authorities extension")
    lst = r.sub16()
    _done(r)
    if lst.empty and not allow_empty:
        raise decode_error("certificate_authorities extension with no authorities")
    names = []
    while not lst.empty:
        name = lst.vec16()
        if not name:
            raise decode_error("certificate_authorities extension with an empty name")
        names.append(name)
    return names


def build_certificate_authorities(names: list[bytes]) -> bytes:
    if not names or not all(names):
        raise ValueError("certificate_authorities and its names must not be empty")
    w = Writer()
    with w.prefixed16("authorities"):
        for name in names:
            w.vec16(name, "DistinguishedName")
    return w.getvalue()


# ---------------------------------------------------------------------- where extensions may appear

_CH = HandshakeType.client_hello
_SH = HandshakeType.server_hello
_HRR = HandshakeType.hello_retry_request
_EE = HandshakeType.encrypted_extensions
_CR = HandshakeType.certificate_request
_CT = HandshakeType.certificate
_NST = HandshakeType.new_session_ticket


def _table() -> dict[HandshakeType, frozenset[int]]:
    # RFC 8446 section 4.2 (plus record_size_limit, RFC 8449 section 4, and
    # compress_certificate, RFC 8879 section 3).  HelloRetryRequest is keyed by
    # HandshakeType.hello_retry_request although on the wire it is a ServerHello.
    rows: list[tuple[int, tuple[HandshakeType, ...]]] = [
        (E.server_name, (_CH, _EE)),
        (E.max_fragment_length, (_CH, _EE)),
        (E.status_request, (_CH, _CR, _CT)),
        (E.supported_groups, (_CH, _EE)),
        (E.signature_algorithms, (_CH, _CR)),
        (E.use_srtp, (_CH, _EE)),
        (E.heartbeat, (_CH, _EE)),
        (E.application_layer_protocol_negotiation, (_CH, _EE)),
        (E.signed_certificate_timestamp, (_CH, _CR, _CT)),
        (E.client_certificate_type, (_CH, _EE)),
        (E.server_certificate_type, (_CH, _EE)),
        (E.padding, (_CH,)),
        (E.key_share, (_CH, _SH, _HRR)),
        (E.pre_shared_key, (_CH, _SH)),
        (E.psk_key_exchange_modes, (_CH,)),
        (E.early_data, (_CH, _EE, _NST)),
        (E.cookie, (_CH, _HRR)),
        (E.supported_versions, (_CH, _SH, _HRR)),
        (E.certificate_authorities, (_CH, _CR)),
        (E.oid_filters, (_CR,)),
        (E.post_handshake_auth, (_CH,)),
        (E.signature_algorithms_cert, (_CH, _CR)),
        (E.record_size_limit, (_CH, _EE)),
        (E.compress_certificate, (_CH, _CR)),
    ]
    table: dict[HandshakeType, set[int]] = {t: set() for t in (_CH, _SH, _HRR, _EE, _CR, _CT, _NST)}
    for ext, where in rows:
        for t in where:
            table[t].add(int(ext))
    return {t: frozenset(s) for t, s in table.items()}


#: RFC 8446 4.2: the TLS 1.3 messages each extension may appear in (CH, SH, HRR, EE, CR,
#: Certificate entries, NST).  A known extension outside its row is illegal_parameter;
#: an extension in a response that the client did not offer is unsupported_extension.
ALLOWED_EXTENSIONS_TLS13: dict[HandshakeType, frozenset[int]] = _table()

#: The extensions that table knows: RFC 8446 4.2's "recognizes" (any other is unknown).
KNOWN_EXTENSIONS_TLS13: frozenset[int] = frozenset().union(*ALLOWED_EXTENSIONS_TLS13.values())

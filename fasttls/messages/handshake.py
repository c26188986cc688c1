"""Handshake messages of TLS 1.3 (RFC 8446 section 4) and TLS 1.2 (RFC 5246 section 7.4).

One dataclass per message (Go's ``handshake_messages.go``).  Each offers:

* ``marshal() -> bytes``: the complete message, 4-byte handshake header included,
  built from the fields; the result is also stored in ``.raw``;
* ``unmarshal(data) -> message`` (classmethod): parse one complete message, with
  every length checked exactly (RFC 8446 section 4: a mismatch is decode_error);
  ``.raw`` keeps the bytes as received, which is what the transcript hashes;
* ``describe() -> dict``: the fields a human trace wants.

Messages with extensions keep ``extensions``: the ordered ``(type, data)`` list as
received or as last sent, unknown ones included.  On ``marshal()`` that list is
used as a template: the modelled extensions are rebuilt from the fields (and
dropped when their field is empty) in the template's order, unknown entries are
sent as they are, and modelled extensions not in the template follow in a fixed
order.  So a parsed message re-marshals to the same bytes, and a caller may add
an extension the codec does not model by appending it to ``extensions``.

``parse_handshake(data, tls13)`` picks the class from the type byte: Certificate,
CertificateRequest and NewSessionTicket differ between the versions, and a type
that does not exist in the version is unexpected_message.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple, TypeVar

from ..constants import (
    AlertDescription,
    CipherSuite,
    ClientCertificateType,
    ExtensionType,
    HandshakeType,
    KeyUpdateRequest,
    NamedGroup,
    ProtocolVersion,
    PskKeyExchangeMode,
    SignatureScheme,
    name_of,
)
from ..errors import TLSError
from . import extensions as x
from .codec import Reader, Writer, decode_error
from .extensions import KeyShareEntry, PskIdentity, extension_name

E = ExtensionType
H = HandshakeType
_PRE_SHARED_KEY = int(E.pre_shared_key)

__all__ = [
    "HandshakeMessage",
    "ClientHello",
    "ServerHello",
    "EncryptedExtensions",
    "CertificateRequestTLS13",
    "CertificateEntry",
    "CertificateTLS13",
    "CertificateVerify",
    "Finished",
    "NewSessionTicketTLS13",
    "KeyUpdate",
    "EndOfEarlyData",
    "CertificateTLS12",
    "ServerKeyExchange",
    "ECDHEServerKeyExchange",
    "CertificateRequestTLS12",
    "ServerHelloDone",
    "ClientKeyExchange",
    "NewSessionTicketTLS12",
    "CertificateStatus",
    "HelloRequest",
    "KeyShareEntry",
    "PskIdentity",
    "HELLO_RETRY_REQUEST_RANDOM",
    "DOWNGRADE_CANARY_TLS12",
    "DOWNGRADE_CANARY_TLS11",
    "TLS13_MESSAGES",
    "TLS12_MESSAGES",
    "parse_handshake",
    "marshal_ecdhe_params",
]

#: RFC 8446 4.1.3: the ``random`` of a HelloRetryRequest, SHA-256("HelloRetryRequest").
HELLO_RETRY_REQUEST_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")
#: RFC 8446 4.1.3: last 8 bytes of ServerHello.random when a TLS 1.3 server negotiates TLS 1.2 ...
DOWNGRADE_CANARY_TLS12 = b"DOWNGRD\x01"
#: ... or TLS 1.1 and below.
DOWNGRADE_CANARY_TLS11 = b"DOWNGRD\x00"

ExtensionList = list[tuple[int, bytes]]
M = TypeVar("M", bound="HandshakeMessage")

_VERSION_NAMES = {0x0304: "TLS 1.3", 0x0303: "TLS 1.2", 0x0302: "TLS 1.1", 0x0301: "TLS 1.0", 0x0300: "SSL 3.0"}


def _version(v: int) -> str:
    return _VERSION_NAMES.get(v, f"unknown(0x{v:04x})")


def _names(enum: Any, values: list[int]) -> list[str]:
    return [name_of(enum, v) for v in values]


# ---------------------------------------------------------------------- extension blocks


def _read_extensions(r: Reader, what: str) -> ExtensionList:
    """``Extension extensions<0..2^16-1>``; a type seen twice is illegal_parameter (RFC 8446 4.2).

    One loop over the block's bytes (no reader call per field): every
    handshake message with extensions comes through here.
    """
    block = r.sub16(f"{what} extensions")
    d, pos, end = block._data, block._pos, block._end
    exts: ExtensionList = []
    seen: set[int] = set()
    while pos < end:
        if end - pos < 4:
            if end - pos < 2:
                raise decode_error(f"{what} extensions truncated")
            ext_type = (d[pos] << 8) | d[pos + 1]
            raise decode_error(f"{what} {extension_name(ext_type)} extension truncated")
        ext_type = (d[pos] << 8) | d[pos + 1]
        start = pos + 4
        pos = start + ((d[pos + 2] << 8) | d[pos + 3])
        if pos > end:
            raise decode_error(f"{what} {extension_name(ext_type)} extension truncated")
        if ext_type in seen:
            raise TLSError(AlertDescription.illegal_parameter, f"{what} has two {extension_name(ext_type)} extensions")
        seen.add(ext_type)
        exts.append((ext_type, d[start:pos]))
    return exts


class ExtensionsTooLong(ValueError):
    """A message's extensions (or one of them) do not fit their 16-bit length: a client
    can meet it with a ticket or a HelloRetryRequest cookie near 64 KiB from a server."""


def _write_extensions(w: Writer, exts: ExtensionList, what: str) -> None:
    buf = w.buf
    start = len(buf)
    buf += b"\x00\x00"
    for ext_type, data in exts:
        n = len(data)
        if not 0 <= ext_type <= 0xFFFF or n > 0xFFFF:
            raise ExtensionsTooLong(f"{extension_name(ext_type)} extension: type or {n}-byte length does not fit 16 bits")
        buf += ((ext_type << 16) | n).to_bytes(4, "big")
        buf += data
    n = len(buf) - start - 2
    if n > 0xFFFF:
        raise ExtensionsTooLong(f"{what} extensions: {n} bytes do not fit a 16-bit length")
    buf[start : start + 2] = n.to_bytes(2, "big")


@functools.lru_cache(maxsize=256)
def _built(builder: Any, values: tuple) -> bytes:
    """``builder(list(values))``, remembered: a client sends the same lists (its
    configuration's groups, schemes, versions, ALPN) in every ClientHello."""
    return builder(list(values))


def _merge_extensions(template: ExtensionList, known: ExtensionList, modeled: frozenset[int]) -> ExtensionList:
    """The extensions to send: ``known`` (built from the fields) in ``template``'s order,
    the template's unmodelled entries as they are, the rest of ``known`` after them."""
    built = dict(known)
    out: ExtensionList = []
    for ext_type, data in template:
        if ext_type in modeled:
            if ext_type in built:
                out.append((ext_type, built.pop(ext_type)))
        else:
            out.append((ext_type, bytes(data)))
    out.extend(built.items())
    return out


def _split_header(data: bytes, msg_type: int, what: str) -> bytes:
    """The body of one complete handshake message (RFC 8446 4: type, uint24 length, body)."""
    if len(data) < 4:
        raise decode_error(f"{what} header truncated")
    if data[0] != msg_type:
        raise TLSError(
            AlertDescription.unexpected_message, f"expected {what}, got handshake type {name_of(HandshakeType, data[0])}"
        )
    length = (data[1] << 16) | (data[2] << 8) | data[3]
    have = len(data) - 4
    if have < length:
        raise decode_error(f"{what} truncated ({have} of {length} bytes)")
    if have > length:
        raise decode_error(f"{what}: {have - length} trailing bytes after the message")
    return data[4:]


# ---------------------------------------------------------------------- base class


@dataclass
class HandshakeMessage:
    """Base of every handshake message: header framing, ``.raw`` and the trace."""

    msg_type: ClassVar[HandshakeType]
    #: The exact bytes of the message (header included) as received, or as last marshalled.
    raw: bytes | None = field(default=None, compare=False, repr=False, kw_only=True)

    def marshal(self) -> bytes:
        """The complete message (4-byte header included), built from the fields; kept in ``.raw``."""
        w = Writer()
        buf = w.buf
        buf += b"\x00\x00\x00\x00"  # msg_type and uint24 length, patched below
        self._marshal_body(w)
        n = len(buf) - 4
        if n > 0xFFFFFF:
            raise ValueError(f"{type(self).__name__}: {n} bytes do not fit a 24-bit length")
        buf[0:4] = ((self.msg_type << 24) | n).to_bytes(4, "big")
        self.raw = bytes(buf)
        return self.raw

    @classmethod
    def unmarshal(cls: type[M], data: bytes | bytearray | memoryview) -> M:
        """Parse one complete message (header included); ``.raw`` keeps ``data``."""
        data = bytes(data)
        body = _split_header(data, cls.msg_type, cls.__name__)
        r = Reader(body, cls.__name__)
        msg = cls._unmarshal_body(r)
        r.expect_end(cls.__name__)
        msg.raw = data
        return msg

    def _marshal_body(self, w: Writer) -> None:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    @classmethod
    def _unmarshal_body(cls: type[M], r: Reader) -> M:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """The fields that matter in a human trace."""
        return {}


def _describe_extensions(exts: ExtensionList) -> list[str]:
    return [extension_name(t) for t, _ in exts]


class _Extensions:
    """For messages with an extension block: the list to send, and its names for the trace."""

    MODELED: ClassVar[frozenset[int]] = frozenset()
    extensions: ExtensionList
    raw: bytes | None

    def _known_extensions(self) -> ExtensionList:  # pragma: no cover - every user overrides
        raise NotImplementedError

    def _extension_list(self) -> ExtensionList:
        return _merge_extensions(self.extensions, self._known_extensions(), self.MODELED)

    @property
    def extension_types(self) -> list[int]:
        """The extension types in wire order (as received, or as last marshalled)."""
        return [t for t, _ in self.extensions]

    def _extension_names(self) -> list[str]:
        """As received or sent; before the first marshal(), what marshal() would send."""
        return _describe_extensions(self.extensions if self.raw is not None else self._extension_list())


# ---------------------------------------------------------------------- ClientHello


@dataclass
class ClientHello(_Extensions, HandshakeMessage):
    """RFC 8446 4.1.2 / RFC 5246 7.4.1.2; fields as Go's ``clientHelloMsg``.

    Presence conventions: an empty list, ``b""``, ``False`` or ``None`` means the
    extension is absent, except ``key_shares`` where ``None`` is absent and ``[]``
    an empty ``client_shares`` (asking for a HelloRetryRequest), and ``padding``
    (``None`` absent, else the number of padding bytes).

    ``secure_renegotiation_supported`` is Go's: True when the renegotiation_info
    extension is present *or* TLS_EMPTY_RENEGOTIATION_INFO_SCSV is among the
    cipher suites (RFC 5746 3.3).  When marshalling, the extension is left out if
    the SCSV already says it (unless ``secure_renegotiation`` is non-empty or the
    extension was in the received/template ``extensions``).
    """

    msg_type: ClassVar[HandshakeType] = H.client_hello

    legacy_version: int = ProtocolVersion.TLS12
    random: bytes = bytes(32)
    session_id: bytes = b""
    cipher_suites: list[int] = field(default_factory=list)
    compression_methods: list[int] = field(default_factory=lambda: [0])
    server_name: str | None = None
    ocsp_stapling: bool = False
    supported_groups: list[int] = field(default_factory=list)
    supported_points: list[int] = field(default_factory=list)
    ticket_supported: bool = False
    session_ticket: bytes = b""
    signature_algorithms: list[int] = field(default_factory=list)
    signature_algorithms_cert: list[int] = field(default_factory=list)
    secure_renegotiation_supported: bool = False
    secure_renegotiation: bytes = b""
    extended_master_secret: bool = False
    alpn_protocols: list[str] = field(default_factory=list)
    scts: bool = False
    supported_versions: list[int] = field(default_factory=list)
    cookie: bytes = b""
    key_shares: list[KeyShareEntry] | None = None
    early_data: bool = False
    psk_modes: list[int] = field(default_factory=list)
    psk_identities: list[PskIdentity] = field(default_factory=list)
    psk_binders: list[bytes] = field(default_factory=list)
    record_size_limit: int | None = None
    post_handshake_auth: bool = False
    certificate_authorities: list[bytes] = field(default_factory=list)
    padding: int | None = None
    extensions: ExtensionList = field(default_factory=list)

    MODELED: ClassVar[frozenset[int]] = frozenset(
        int(t)
        for t in (
            E.server_name, E.status_request, E.supported_groups, E.ec_point_formats, E.session_ticket,
            E.signature_algorithms, E.signature_algorithms_cert, E.renegotiation_info,
            E.application_layer_protocol_negotiation, E.signed_certificate_timestamp, E.extended_master_secret,
            E.record_size_limit, E.supported_versions, E.cookie, E.key_share, E.early_data,
            E.psk_key_exchange_modes, E.post_handshake_auth, E.certificate_authorities, E.padding,
            E.pre_shared_key,
        )
    )  # fmt: skip

    # ------------------------------------------------------------------ extensions

    def _known_extensions(self) -> ExtensionList:
        exts: ExtensionList = []
        add = exts.append
        if self.server_name:
            add((E.server_name, x.build_server_name(self.server_name)))
        if self.ocsp_stapling:
            add((E.status_request, x.build_status_request()))
        if self.supported_groups:
            add((E.supported_groups, _built(x.build_supported_groups, tuple(self.supported_groups))))
        if self.supported_points:
            add((E.ec_point_formats, _built(x.build_ec_point_formats, tuple(self.supported_points))))
        if self.ticket_supported:
            add((E.session_ticket, bytes(self.session_ticket)))
        if self.signature_algorithms:
            add((E.signature_algorithms, _built(x.build_signature_algorithms, tuple(self.signature_algorithms))))
        if self.signature_algorithms_cert:
            add((E.signature_algorithms_cert, _built(x.build_signature_algorithms, tuple(self.signature_algorithms_cert))))
        if self._send_renegotiation_info():
            add((E.renegotiation_info, x.build_renegotiation_info(self.secure_renegotiation)))
        if self.alpn_protocols:
            add((E.application_layer_protocol_negotiation, _built(x.build_alpn, tuple(self.alpn_protocols))))
        if self.scts:
            add((E.signed_certificate_timestamp, b""))
        if self.extended_master_secret:
            add((E.extended_master_secret, b""))
        if self.record_size_limit is not None:
            add((E.record_size_limit, x.build_record_size_limit(self.record_size_limit)))
        if self.supported_versions:
            add((E.supported_versions, _built(x.build_supported_versions_client, tuple(self.supported_versions))))
        if self.cookie:
            add((E.cookie, x.build_cookie(self.cookie)))
        if self.key_shares is not None:
            add((E.key_share, x.build_key_share_client(self.key_shares)))
        if self.early_data:
            add((E.early_data, b""))
        if self.psk_modes:
            add((E.psk_key_exchange_modes, _built(x.build_psk_key_exchange_modes, tuple(self.psk_modes))))
        if self.post_handshake_auth:
            add((E.post_handshake_auth, b""))
        if self.certificate_authorities:
            add((E.certificate_authorities, x.build_certificate_authorities(self.certificate_authorities)))
        if self.padding is not None:
            add((E.padding, x.build_padding(self.padding)))
        if self.psk_identities:
            add((E.pre_shared_key, x.build_pre_shared_key_client(self.psk_identities, self.psk_binders)))
        return exts

    def _send_renegotiation_info(self) -> bool:
        if not self.secure_renegotiation_supported:
            if self.secure_renegotiation:
                raise ValueError("secure_renegotiation set without secure_renegotiation_supported")
            return False
        if self.secure_renegotiation or CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV not in self.cipher_suites:
            return True
        return any(t == E.renegotiation_info for t, _ in self.extensions)

    def _extension_list(self) -> ExtensionList:
        exts = _merge_extensions(self.extensions, self._known_extensions(), self.MODELED)
        # RFC 8446 4.2.11: pre_shared_key MUST be the last extension.
        for i, (t, _) in enumerate(exts):
            if t == E.pre_shared_key and i != len(exts) - 1:
                exts.append(exts.pop(i))
                break
        return exts

    # ------------------------------------------------------------------ wire

    def _marshal_body(self, w: Writer) -> None:
        if len(self.random) != 32:
            raise ValueError("ClientHello.random must be 32 bytes")
        if len(self.session_id) > 32:
            raise ValueError("ClientHello.session_id is at most 32 bytes")
        if not self.cipher_suites or not self.compression_methods:
            raise ValueError("ClientHello needs cipher suites and compression methods")
        w.u16(self.legacy_version)
        w.bytes(self.random)
        w.vec8(self.session_id, "legacy_session_id")
        with w.prefixed16("cipher_suites"):
            w.u16s(self.cipher_suites)
        w.vec8(bytes(self.compression_methods), "legacy_compression_methods")
        exts = self._extension_list()
        if exts:
            _write_extensions(w, exts, "ClientHello")
        self.extensions = exts

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> ClientHello:
        m = cls()
        m.legacy_version = r.u16("ClientHello legacy_version")
        m.random = r.read(32, "ClientHello random")
        m.session_id = r.vec8("ClientHello legacy_session_id")
        if len(m.session_id) > 32:
            raise decode_error(f"ClientHello legacy_session_id of {len(m.session_id)} bytes (at most 32)")
        m.cipher_suites = r.u16_list16("ClientHello cipher_suites", nonempty=True)
        m.compression_methods = r.u8_list("ClientHello legacy_compression_methods", nonempty=True)
        if CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV in m.cipher_suites:
            m.secure_renegotiation_supported = True
        if r.empty:
            return m  # RFC 5246 7.4.1.2: extensions are optional before TLS 1.3
        m.extensions = _read_extensions(r, "ClientHello")
        last = len(m.extensions) - 1
        table = _CLIENT_HELLO_EXTENSIONS
        for i, (ext_type, data) in enumerate(m.extensions):
            if ext_type == _PRE_SHARED_KEY and i != last:
                raise TLSError(AlertDescription.illegal_parameter, "pre_shared_key is not the last ClientHello extension")
            parse = table.get(ext_type)
            if parse is not None:
                parse(m, data)
        return m

    def _parse_extension(self, t: int, data: bytes) -> None:
        parse = _CLIENT_HELLO_EXTENSIONS.get(t)
        if parse is not None:  # unknown extensions are kept in .extensions only
            parse(self, data)

    # ------------------------------------------------------------------ PSK binders (RFC 8446 4.2.11.2)

    def marshal_without_binders(self) -> bytes:
        """The ClientHello up to and including the PSK identities: what the binders sign.

        Cut from ``.raw`` when the message was received or already marshalled (so the
        server hashes the client's exact bytes), else from a fresh ``marshal()``.
        ``psk_binders`` must hold binders of the right lengths (zeros will do).
        """
        if not self.psk_identities:
            raise ValueError("ClientHello has no pre_shared_key extension")
        full = self.raw if self.raw is not None else self.marshal()
        return full[: len(full) - x.binders_length(self.psk_binders)]

    def update_binders(self, binders: list[bytes]) -> None:
        """Put the computed binders in place; each must have the length of the one it replaces
        (as Go's ``updateBinders``), so the truncated hello they were computed over is unchanged."""
        binders = [bytes(b) for b in binders]
        if [len(b) for b in binders] != [len(b) for b in self.psk_binders]:
            raise ValueError("PSK binders must keep their number and lengths")
        self.psk_binders = binders
        if self.raw is not None:
            cut = len(self.raw) - x.binders_length(binders)
            self.raw = self.raw[:cut] + x.build_psk_binders(binders)

    # ------------------------------------------------------------------ helpers

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {"legacy_version": _version(self.legacy_version)}
        if self.supported_versions:
            d["supported_versions"] = [_version(v) for v in self.supported_versions]
        d["cipher_suites"] = _names(CipherSuite, self.cipher_suites)
        if self.session_id:
            d["session_id"] = f"{len(self.session_id)} bytes"
        if self.server_name:
            d["server_name"] = self.server_name
        if self.alpn_protocols:
            d["alpn_protocols"] = list(self.alpn_protocols)
        if self.supported_groups:
            d["supported_groups"] = _names(NamedGroup, self.supported_groups)
        if self.key_shares is not None:
            d["key_shares"] = [f"{name_of(NamedGroup, g)} ({len(k)} bytes)" for g, k in self.key_shares]
        if self.signature_algorithms:
            d["signature_algorithms"] = _names(SignatureScheme, self.signature_algorithms)
        if self.psk_modes:
            d["psk_modes"] = _names(PskKeyExchangeMode, self.psk_modes)
        if self.psk_identities:
            d["psk_identities"] = len(self.psk_identities)
        if self.early_data:
            d["early_data"] = True
        if self.cookie:
            d["cookie"] = f"{len(self.cookie)} bytes"
        if self.ticket_supported:
            d["session_ticket"] = f"{len(self.session_ticket)} bytes"
        d["extensions"] = self._extension_names()
        return d


# ---------------------------------------------------------------------- ServerHello



def _ch_session_ticket(m: ClientHello, data: bytes) -> None:
    m.ticket_supported = True  # RFC 5077 3.2: the data is the ticket, possibly empty
    m.session_ticket = data


def _ch_renegotiation_info(m: ClientHello, data: bytes) -> None:
    m.secure_renegotiation = x.parse_renegotiation_info(data)
    m.secure_renegotiation_supported = True


def _ch_pre_shared_key(m: ClientHello, data: bytes) -> None:
    m.psk_identities, m.psk_binders = x.parse_pre_shared_key_client(data)


def _ch_field(name: str, parse: Any) -> Any:
    def set_field(m: ClientHello, data: bytes) -> None:
        setattr(m, name, parse(data))

    return set_field


def _ch_empty(name: str, ext: str) -> Any:
    def set_flag(m: ClientHello, data: bytes) -> None:
        setattr(m, name, x.parse_empty(data, ext))

    return set_flag


#: ClientHello extension type -> what parsing it sets (a table, not an if-chain:
#: one lookup per extension instead of a comparison against each type before it).
_CLIENT_HELLO_EXTENSIONS: dict[int, Any] = {
    int(E.server_name): _ch_field("server_name", x.parse_server_name),
    int(E.status_request): _ch_field("ocsp_stapling", x.parse_status_request),
    int(E.supported_groups): _ch_field("supported_groups", x.parse_supported_groups),
    int(E.ec_point_formats): _ch_field("supported_points", x.parse_ec_point_formats),
    int(E.session_ticket): _ch_session_ticket,
    int(E.signature_algorithms): _ch_field("signature_algorithms", x.parse_signature_algorithms),
    int(E.signature_algorithms_cert): _ch_field(
        "signature_algorithms_cert", lambda data: x.parse_signature_algorithms(data, "signature_algorithms_cert")
    ),
    int(E.renegotiation_info): _ch_renegotiation_info,
    int(E.application_layer_protocol_negotiation): _ch_field("alpn_protocols", x.parse_alpn),
    int(E.signed_certificate_timestamp): _ch_empty("scts", "signed_certificate_timestamp"),
    int(E.extended_master_secret): _ch_empty("extended_master_secret", "extended_master_secret"),
    int(E.record_size_limit): _ch_field("record_size_limit", x.parse_record_size_limit),
    int(E.supported_versions): _ch_field("supported_versions", x.parse_supported_versions_client),
    int(E.cookie): _ch_field("cookie", x.parse_cookie),
    int(E.key_share): _ch_field("key_shares", x.parse_key_share_client),
    int(E.early_data): _ch_empty("early_data", "early_data"),
    int(E.psk_key_exchange_modes): _ch_field("psk_modes", x.parse_psk_key_exchange_modes),
    int(E.post_handshake_auth): _ch_empty("post_handshake_auth", "post_handshake_auth"),
    int(E.certificate_authorities): _ch_field("certificate_authorities", x.parse_certificate_authorities),
    int(E.padding): _ch_field("padding", x.parse_padding),
    int(E.pre_shared_key): _ch_pre_shared_key,
}

@dataclass
class ServerHello(_Extensions, HandshakeMessage):
    """RFC 8446 4.1.3 (also the HelloRetryRequest) / RFC 5246 7.4.1.3; Go's ``serverHelloMsg``.

    TLS 1.3: ``supported_version``, ``server_share`` (a :class:`KeyShareEntry`),
    ``selected_identity`` (``None`` when no pre_shared_key), and for a
    HelloRetryRequest ``selected_group`` and ``cookie``.  As in Go, a key_share of
    exactly two bytes is read as the HelloRetryRequest form whatever the random;
    the handshake checks which one it expected.  TLS 1.2: the rest.
    """

    msg_type: ClassVar[HandshakeType] = H.server_hello

    legacy_version: int = ProtocolVersion.TLS12
    random: bytes = bytes(32)
    session_id: bytes = b""
    cipher_suite: int = 0
    compression_method: int = 0
    # TLS 1.3
    supported_version: int | None = None
    server_share: KeyShareEntry | None = None
    selected_identity: int | None = None
    selected_group: int | None = None
    cookie: bytes = b""
    # TLS 1.2
    server_name_ack: bool = False
    ocsp_stapling: bool = False
    ticket_supported: bool = False
    secure_renegotiation_supported: bool = False
    secure_renegotiation: bytes = b""
    extended_master_secret: bool = False
    alpn_protocol: str | None = None
    scts: list[bytes] = field(default_factory=list)
    supported_points: list[int] = field(default_factory=list)
    record_size_limit: int | None = None
    extensions: ExtensionList = field(default_factory=list)

    MODELED: ClassVar[frozenset[int]] = frozenset(
        int(t)
        for t in (
            E.server_name, E.status_request, E.session_ticket, E.renegotiation_info, E.extended_master_secret,
            E.application_layer_protocol_negotiation, E.signed_certificate_timestamp, E.ec_point_formats,
            E.record_size_limit, E.supported_versions, E.key_share, E.pre_shared_key, E.cookie,
        )
    )  # fmt: skip

    def _known_extensions(self) -> ExtensionList:
        exts: ExtensionList = []
        add = exts.append
        if self.server_name_ack:
            add((E.server_name, b""))
        if self.secure_renegotiation_supported:
            add((E.renegotiation_info, x.build_renegotiation_info(self.secure_renegotiation)))
        if self.extended_master_secret:
            add((E.extended_master_secret, b""))
        if self.ticket_supported:
            add((E.session_ticket, b""))
        if self.ocsp_stapling:
            add((E.status_request, b""))
        if self.alpn_protocol is not None:
            add((E.application_layer_protocol_negotiation, x.build_alpn_selected(self.alpn_protocol)))
        if self.scts:
            add((E.signed_certificate_timestamp, x.build_sct_list(self.scts)))
        if self.supported_points:
            add((E.ec_point_formats, x.build_ec_point_formats(self.supported_points)))
        if self.record_size_limit is not None:
            add((E.record_size_limit, x.build_record_size_limit(self.record_size_limit)))
        if self.server_share is not None and self.selected_group is not None:
            raise ValueError("ServerHello cannot carry both server_share and selected_group")
        if self.server_share is not None:
            add((E.key_share, x.build_key_share_server(self.server_share)))
        if self.selected_group is not None:
            add((E.key_share, x.build_key_share_hrr(self.selected_group)))
        if self.selected_identity is not None:
            add((E.pre_shared_key, x.build_pre_shared_key_server(self.selected_identity)))
        if self.cookie:
            add((E.cookie, x.build_cookie(self.cookie)))
        if self.supported_version is not None:
            add((E.supported_versions, x.build_supported_version_server(self.supported_version)))
        return exts

    def _marshal_body(self, w: Writer) -> None:
        if len(self.random) != 32:
            raise ValueError("ServerHello.random must be 32 bytes")
        if len(self.session_id) > 32:
            raise ValueError("ServerHello.session_id is at most 32 bytes")
        w.u16(self.legacy_version)
        w.bytes(self.random)
        w.vec8(self.session_id, "legacy_session_id_echo")
        w.u16(self.cipher_suite)
        w.u8(self.compression_method)
        exts = self._extension_list()
        if exts:
            _write_extensions(w, exts, "ServerHello")
        self.extensions = exts

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> ServerHello:
        m = cls()
        m.legacy_version = r.u16("ServerHello legacy_version")
        m.random = r.read(32, "ServerHello random")
        m.session_id = r.vec8("ServerHello legacy_session_id_echo")
        if len(m.session_id) > 32:
            raise decode_error(f"ServerHello legacy_session_id_echo of {len(m.session_id)} bytes (at most 32)")
        m.cipher_suite = r.u16("ServerHello cipher_suite")
        m.compression_method = r.u8("ServerHello legacy_compression_method")
        if r.empty:
            return m
        what = "HelloRetryRequest" if m.is_hello_retry_request else "ServerHello"
        m.extensions = _read_extensions(r, what)
        for ext_type, data in m.extensions:
            m._parse_extension(ext_type, data)
        return m

    def _parse_extension(self, t: int, data: bytes) -> None:
        if t == E.server_name:
            self.server_name_ack = x.parse_empty(data, "ServerHello server_name")
        elif t == E.renegotiation_info:
            self.secure_renegotiation = x.parse_renegotiation_info(data)
            self.secure_renegotiation_supported = True
        elif t == E.extended_master_secret:
            self.extended_master_secret = x.parse_empty(data, "extended_master_secret")
        elif t == E.session_ticket:
            self.ticket_supported = x.parse_empty(data, "ServerHello session_ticket")
        elif t == E.status_request:
            self.ocsp_stapling = x.parse_empty(data, "ServerHello status_request")
        elif t == E.application_layer_protocol_negotiation:
            self.alpn_protocol = x.parse_alpn_selected(data)
        elif t == E.signed_certificate_timestamp:
            self.scts = x.parse_sct_list(data)
        elif t == E.ec_point_formats:
            self.supported_points = x.parse_ec_point_formats(data)
        elif t == E.record_size_limit:
            self.record_size_limit = x.parse_record_size_limit(data)
        elif t == E.key_share:
            # RFC 8446 4.2.8: a HelloRetryRequest names a group, a ServerHello carries a share.
            if self.is_hello_retry_request:
                self.selected_group = x.parse_key_share_hrr(data)
            else:
                self.server_share = x.parse_key_share_server(data)
        elif t == E.pre_shared_key:
            self.selected_identity = x.parse_pre_shared_key_server(data)
        elif t == E.cookie:
            self.cookie = x.parse_cookie(data)
        elif t == E.supported_versions:
            self.supported_version = x.parse_supported_version_server(data)

    # ------------------------------------------------------------------ RFC 8446 4.1.3 special randoms

    @property
    def is_hello_retry_request(self) -> bool:
        """True for a HelloRetryRequest: a ServerHello whose random is the RFC 8446 4.1.3 constant."""
        return self.random == HELLO_RETRY_REQUEST_RANDOM

    @property
    def downgrade_canary(self) -> int | None:
        """The version a TLS 1.3 server's downgrade sentinel names (TLS12 or TLS11), else None."""
        tail = self.random[24:]
        if tail == DOWNGRADE_CANARY_TLS12:
            return ProtocolVersion.TLS12
        if tail == DOWNGRADE_CANARY_TLS11:
            return ProtocolVersion.TLS11
        return None

    @staticmethod
    def random_with_downgrade_canary(random: bytes, version: int) -> bytes:
        """RFC 8446 4.1.3: what a TLS 1.3 server puts in ServerHello.random when it negotiates
        ``version`` (TLS 1.2, or below): the last 8 bytes become the sentinel."""
        if len(random) != 32:
            raise ValueError("random must be 32 bytes")
        if version >= ProtocolVersion.TLS13:
            return bytes(random)
        canary = DOWNGRADE_CANARY_TLS12 if version == ProtocolVersion.TLS12 else DOWNGRADE_CANARY_TLS11
        return bytes(random[:24]) + canary

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.is_hello_retry_request:
            d["hello_retry_request"] = True
        d["legacy_version"] = _version(self.legacy_version)
        if self.supported_version is not None:
            d["supported_version"] = _version(self.supported_version)
        d["cipher_suite"] = name_of(CipherSuite, self.cipher_suite)
        if self.session_id:
            d["session_id"] = f"{len(self.session_id)} bytes"
        if self.server_share is not None:
            g, k = self.server_share
            d["key_share"] = f"{name_of(NamedGroup, g)} ({len(k)} bytes)"
        if self.selected_group is not None:
            d["selected_group"] = name_of(NamedGroup, self.selected_group)
        if self.selected_identity is not None:
            d["selected_identity"] = self.selected_identity
        if self.cookie:
            d["cookie"] = f"{len(self.cookie)} bytes"
        if self.alpn_protocol is not None:
            d["alpn_protocol"] = self.alpn_protocol
        if self.extended_master_secret:
            d["extended_master_secret"] = True
        if self.downgrade_canary is not None:
            d["downgrade_canary"] = _version(self.downgrade_canary)
        d["extensions"] = self._extension_names()
        return d


# ---------------------------------------------------------------------- EncryptedExtensions


@dataclass
class EncryptedExtensions(_Extensions, HandshakeMessage):
    """RFC 8446 4.3.1: ``Extension extensions<0..2^16-1>``, protected."""

    msg_type: ClassVar[HandshakeType] = H.encrypted_extensions

    alpn_protocol: str | None = None
    server_name_ack: bool = False
    early_data: bool = False
    supported_groups: list[int] = field(default_factory=list)
    record_size_limit: int | None = None
    extensions: ExtensionList = field(default_factory=list)

    MODELED: ClassVar[frozenset[int]] = frozenset(
        int(t)
        for t in (
            E.server_name, E.supported_groups, E.application_layer_protocol_negotiation, E.early_data,
            E.record_size_limit,
        )
    )  # fmt: skip

    def _known_extensions(self) -> ExtensionList:
        exts: ExtensionList = []
        if self.server_name_ack:
            exts.append((E.server_name, b""))
        if self.supported_groups:
            exts.append((E.supported_groups, x.build_supported_groups(self.supported_groups)))
        if self.alpn_protocol is not None:
            exts.append((E.application_layer_protocol_negotiation, x.build_alpn_selected(self.alpn_protocol)))
        if self.record_size_limit is not None:
            exts.append((E.record_size_limit, x.build_record_size_limit(self.record_size_limit)))
        if self.early_data:
            exts.append((E.early_data, b""))
        return exts

    def _marshal_body(self, w: Writer) -> None:
        exts = self._extension_list()
        _write_extensions(w, exts, "EncryptedExtensions")
        self.extensions = exts

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> EncryptedExtensions:
        m = cls()
        m.extensions = _read_extensions(r, "EncryptedExtensions")
        for t, data in m.extensions:
            if t == E.server_name:
                m.server_name_ack = x.parse_empty(data, "EncryptedExtensions server_name")
            elif t == E.supported_groups:
                m.supported_groups = x.parse_supported_groups(data)
            elif t == E.application_layer_protocol_negotiation:
                m.alpn_protocol = x.parse_alpn_selected(data)
            elif t == E.record_size_limit:
                m.record_size_limit = x.parse_record_size_limit(data)
            elif t == E.early_data:
                m.early_data = x.parse_empty(data, "EncryptedExtensions early_data")
        return m

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.alpn_protocol is not None:
            d["alpn_protocol"] = self.alpn_protocol
        if self.server_name_ack:
            d["server_name_ack"] = True
        if self.early_data:
            d["early_data"] = "accepted"
        if self.supported_groups:
            d["supported_groups"] = _names(NamedGroup, self.supported_groups)
        if self.record_size_limit is not None:
            d["record_size_limit"] = self.record_size_limit
        d["extensions"] = self._extension_names()
        return d


# ---------------------------------------------------------------------- CertificateRequest (TLS 1.3)


@dataclass
class CertificateRequestTLS13(_Extensions, HandshakeMessage):
    """RFC 8446 4.3.2: ``opaque certificate_request_context<0..2^8-1>`` and extensions.

    signature_algorithms is required by the RFC; whether it is there is the
    handshake's check (missing_extension), not a parse error.
    """

    msg_type: ClassVar[HandshakeType] = H.certificate_request

    certificate_request_context: bytes = b""
    signature_algorithms: list[int] = field(default_factory=list)
    signature_algorithms_cert: list[int] = field(default_factory=list)
    certificate_authorities: list[bytes] = field(default_factory=list)
    ocsp_stapling: bool = False
    scts: bool = False
    extensions: ExtensionList = field(default_factory=list)

    MODELED: ClassVar[frozenset[int]] = frozenset(
        int(t)
        for t in (
            E.signature_algorithms, E.signature_algorithms_cert, E.certificate_authorities, E.status_request,
            E.signed_certificate_timestamp,
        )
    )  # fmt: skip

    def _known_extensions(self) -> ExtensionList:
        exts: ExtensionList = []
        if self.ocsp_stapling:
            exts.append((E.status_request, b""))
        if self.scts:
            exts.append((E.signed_certificate_timestamp, b""))
        if self.signature_algorithms:
            exts.append((E.signature_algorithms, x.build_signature_algorithms(self.signature_algorithms)))
        if self.signature_algorithms_cert:
            exts.append((E.signature_algorithms_cert, x.build_signature_algorithms(self.signature_algorithms_cert)))
        if self.certificate_authorities:
            exts.append((E.certificate_authorities, x.build_certificate_authorities(self.certificate_authorities)))
        return exts

    def _marshal_body(self, w: Writer) -> None:
        w.vec8(self.certificate_request_context, "certificate_request_context")
        exts = self._extension_list()
        _write_extensions(w, exts, "CertificateRequest")
        self.extensions = exts

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> CertificateRequestTLS13:
        m = cls()
        m.certificate_request_context = r.vec8("CertificateRequest certificate_request_context")
        m.extensions = _read_extensions(r, "CertificateRequest")
        for t, data in m.extensions:
            if t == E.signature_algorithms:
                m.signature_algorithms = x.parse_signature_algorithms(data)
            elif t == E.signature_algorithms_cert:
                m.signature_algorithms_cert = x.parse_signature_algorithms(data, "signature_algorithms_cert")
            elif t == E.certificate_authorities:
                m.certificate_authorities = x.parse_certificate_authorities(data, allow_empty=True)
            elif t == E.status_request:
                m.ocsp_stapling = x.parse_empty(data, "CertificateRequest status_request")
            elif t == E.signed_certificate_timestamp:
                m.scts = x.parse_empty(data, "CertificateRequest signed_certificate_timestamp")
        return m

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.certificate_request_context:
            d["certificate_request_context"] = self.certificate_request_context
        d["signature_algorithms"] = _names(SignatureScheme, self.signature_algorithms)
        if self.certificate_authorities:
            d["certificate_authorities"] = len(self.certificate_authorities)
        d["extensions"] = self._extension_names()
        return d


# ---------------------------------------------------------------------- Certificate (TLS 1.3)


@dataclass
class CertificateEntry:
    """RFC 8446 4.4.2 ``CertificateEntry``: DER ``cert_data`` and per-entry extensions
    (status_request carrying the OCSP response, signed_certificate_timestamp the SCTs)."""

    cert_data: bytes
    ocsp_response: bytes = b""
    scts: list[bytes] = field(default_factory=list)
    extensions: ExtensionList = field(default_factory=list)

    MODELED: ClassVar[frozenset[int]] = frozenset({int(E.status_request), int(E.signed_certificate_timestamp)})

    def _known_extensions(self) -> ExtensionList:
        exts: ExtensionList = []
        if self.ocsp_response:
            exts.append((E.status_request, x.build_certificate_status(self.ocsp_response)))
        if self.scts:
            exts.append((E.signed_certificate_timestamp, x.build_sct_list(self.scts)))
        return exts

    def write(self, w: Writer) -> None:
        if not self.cert_data:
            raise ValueError("CertificateEntry.cert_data must not be empty")
        w.vec24(self.cert_data, "cert_data")
        exts = _merge_extensions(self.extensions, self._known_extensions(), self.MODELED)
        _write_extensions(w, exts, "CertificateEntry")
        self.extensions = exts

    @classmethod
    def read(cls, r: Reader) -> CertificateEntry:
        cert = r.vec24("CertificateEntry cert_data")
        if not cert:
            raise decode_error("Certificate with an empty cert_data")
        entry = cls(cert)
        entry.extensions = _read_extensions(r, "CertificateEntry")
        for t, data in entry.extensions:
            if t == E.status_request:
                entry.ocsp_response = x.parse_certificate_status(data, "CertificateEntry status_request")
            elif t == E.signed_certificate_timestamp:
                entry.scts = x.parse_sct_list(data)
        return entry


@dataclass
class CertificateTLS13(HandshakeMessage):
    """RFC 8446 4.4.2: ``opaque certificate_request_context<0..2^8-1>`` and
    ``CertificateEntry certificate_list<0..2^24-1>`` (empty: a client without a certificate)."""

    msg_type: ClassVar[HandshakeType] = H.certificate

    certificate_request_context: bytes = b""
    certificate_list: list[CertificateEntry] = field(default_factory=list)

    @property
    def certificates(self) -> list[bytes]:
        """The DER certificates, leaf first."""
        return [e.cert_data for e in self.certificate_list]

    def _marshal_body(self, w: Writer) -> None:
        w.vec8(self.certificate_request_context, "certificate_request_context")
        with w.prefixed24("certificate_list"):
            for entry in self.certificate_list:
                entry.write(w)

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> CertificateTLS13:
        m = cls()
        m.certificate_request_context = r.vec8("Certificate certificate_request_context")
        lst = r.sub24("Certificate certificate_list")
        while not lst.empty:
            m.certificate_list.append(CertificateEntry.read(lst))
        return m

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {"certificates": [f"{len(e.cert_data)} bytes" for e in self.certificate_list]}
        if self.certificate_request_context:
            d["certificate_request_context"] = self.certificate_request_context
        if self.certificate_list and self.certificate_list[0].ocsp_response:
            d["ocsp_response"] = f"{len(self.certificate_list[0].ocsp_response)} bytes"
        if self.certificate_list and self.certificate_list[0].scts:
            d["scts"] = len(self.certificate_list[0].scts)
        return d


# ---------------------------------------------------------------------- CertificateVerify, Finished


@dataclass
class CertificateVerify(HandshakeMessage):
    """RFC 8446 4.4.3 (and RFC 5246 7.4.8 with TLS 1.2's digitally-signed):
    ``SignatureScheme algorithm; opaque signature<0..2^16-1>``."""

    msg_type: ClassVar[HandshakeType] = H.certificate_verify

    signature_algorithm: int = 0
    signature: bytes = b""

    def _marshal_body(self, w: Writer) -> None:
        w.u16(self.signature_algorithm)
        w.vec16(self.signature, "signature")

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> CertificateVerify:
        return cls(r.u16("CertificateVerify algorithm"), r.vec16("CertificateVerify signature"))

    def describe(self) -> dict[str, Any]:
        return {
            "signature_algorithm": name_of(SignatureScheme, self.signature_algorithm),
            "signature": f"{len(self.signature)} bytes",
        }


@dataclass
class Finished(HandshakeMessage):
    """RFC 8446 4.4.4 / RFC 5246 7.4.9: ``opaque verify_data[Hash.length]`` (12 bytes in TLS 1.2).

    The length depends on the cipher suite, which the codec does not know: the
    handshake compares it with the expected value.
    """

    msg_type: ClassVar[HandshakeType] = H.finished

    verify_data: bytes = b""

    def _marshal_body(self, w: Writer) -> None:
        w.bytes(self.verify_data)

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> Finished:
        return cls(r.rest())

    def describe(self) -> dict[str, Any]:
        return {"verify_data": f"{len(self.verify_data)} bytes"}


# ---------------------------------------------------------------------- post-handshake (TLS 1.3)


@dataclass
class NewSessionTicketTLS13(_Extensions, HandshakeMessage):
    """RFC 8446 4.6.1: lifetime, age_add, ``ticket_nonce<0..255>``, ``ticket<1..2^16-1>``
    (empty is decode_error) and extensions (early_data's ``max_early_data_size``)."""

    msg_type: ClassVar[HandshakeType] = H.new_session_ticket

    ticket_lifetime: int = 0
    ticket_age_add: int = 0
    ticket_nonce: bytes = b""
    ticket: bytes = b""
    max_early_data_size: int | None = None
    extensions: ExtensionList = field(default_factory=list)

    MODELED: ClassVar[frozenset[int]] = frozenset({int(E.early_data)})

    def _known_extensions(self) -> ExtensionList:
        if self.max_early_data_size is None:
            return []
        return [(E.early_data, x.build_early_data_nst(self.max_early_data_size))]

    def _marshal_body(self, w: Writer) -> None:
        if not self.ticket:
            raise ValueError("NewSessionTicket.ticket must not be empty")
        w.u32(self.ticket_lifetime)
        w.u32(self.ticket_age_add)
        w.vec8(self.ticket_nonce, "ticket_nonce")
        w.vec16(self.ticket, "ticket")
        exts = self._extension_list()
        _write_extensions(w, exts, "NewSessionTicket")
        self.extensions = exts

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> NewSessionTicketTLS13:
        m = cls()
        m.ticket_lifetime = r.u32("NewSessionTicket ticket_lifetime")
        m.ticket_age_add = r.u32("NewSessionTicket ticket_age_add")
        m.ticket_nonce = r.vec8("NewSessionTicket ticket_nonce")
        m.ticket = r.vec16("NewSessionTicket ticket")
        if not m.ticket:
            raise decode_error("NewSessionTicket with an empty ticket")
        m.extensions = _read_extensions(r, "NewSessionTicket")
        for t, data in m.extensions:
            if t == E.early_data:
                m.max_early_data_size = x.parse_early_data_nst(data)
        return m

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "ticket_lifetime": f"{self.ticket_lifetime} s",
            "ticket": f"{len(self.ticket)} bytes",
            "ticket_nonce": self.ticket_nonce,
        }
        if self.max_early_data_size is not None:
            d["max_early_data_size"] = self.max_early_data_size
        return d


@dataclass
class KeyUpdate(HandshakeMessage):
    """RFC 8446 4.6.3: ``KeyUpdateRequest request_update``; a value other than 0 or 1 is illegal_parameter."""

    msg_type: ClassVar[HandshakeType] = H.key_update

    update_requested: int = KeyUpdateRequest.update_not_requested

    def _marshal_body(self, w: Writer) -> None:
        value = int(self.update_requested)
        if value not in (0, 1):
            raise ValueError(f"KeyUpdate request_update must be 0 or 1, not {value}")
        w.u8(value)

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> KeyUpdate:
        value = r.u8("KeyUpdate request_update")
        if value not in (0, 1):
            raise TLSError(AlertDescription.illegal_parameter, f"KeyUpdate with request_update {value}")
        return cls(KeyUpdateRequest(value))

    def describe(self) -> dict[str, Any]:
        return {"request_update": name_of(KeyUpdateRequest, int(self.update_requested))}


@dataclass
class _Empty(HandshakeMessage):
    """A message with an empty body."""

    def _marshal_body(self, w: Writer) -> None:
        pass

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> Any:
        return cls()


@dataclass
class EndOfEarlyData(_Empty):
    """RFC 8446 4.5: ``struct {} EndOfEarlyData``."""

    msg_type: ClassVar[HandshakeType] = H.end_of_early_data


# ---------------------------------------------------------------------- TLS 1.2


@dataclass
class HelloRequest(_Empty):
    """RFC 5246 7.4.1.1: ``struct {} HelloRequest`` (a renegotiation request)."""

    msg_type: ClassVar[HandshakeType] = H.hello_request


@dataclass
class ServerHelloDone(_Empty):
    """RFC 5246 7.4.5: ``struct {} ServerHelloDone``."""

    msg_type: ClassVar[HandshakeType] = H.server_hello_done


@dataclass
class CertificateTLS12(HandshakeMessage):
    """RFC 5246 7.4.2: ``ASN.1Cert certificate_list<0..2^24-1>``, each ``opaque ASN.1Cert<1..2^24-1>``."""

    msg_type: ClassVar[HandshakeType] = H.certificate

    certificate_list: list[bytes] = field(default_factory=list)

    @property
    def certificates(self) -> list[bytes]:
        return list(self.certificate_list)

    def _marshal_body(self, w: Writer) -> None:
        with w.prefixed24("certificate_list"):
            for cert in self.certificate_list:
                if not cert:
                    raise ValueError("empty certificate")
                w.vec24(cert, "ASN.1Cert")

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> CertificateTLS12:
        m = cls()
        lst = r.sub24("Certificate certificate_list")
        while not lst.empty:
            cert = lst.vec24("Certificate ASN.1Cert")
            if not cert:
                raise decode_error("Certificate with an empty certificate")
            m.certificate_list.append(cert)
        return m

    def describe(self) -> dict[str, Any]:
        return {"certificates": [f"{len(c)} bytes" for c in self.certificate_list]}


def marshal_ecdhe_params(group: int, point: bytes) -> bytes:
    """RFC 8422 5.4 ``ServerECDHParams``: curve_type named_curve(3), the group, ``opaque point<1..2^8-1>``.
    These bytes (after client_random + server_random) are what the server signs."""
    if not point:
        raise ValueError("ECDHE point must not be empty")
    w = Writer()
    w.u8(3)
    w.u16(group)
    w.vec8(point, "ECPoint")
    return w.getvalue()


class ECDHEServerKeyExchange(NamedTuple):
    """A parsed ECDHE ServerKeyExchange (RFC 8422 5.4 with TLS 1.2's digitally-signed)."""

    group: int
    point: bytes
    #: The ServerECDHParams bytes exactly as received: the signature covers
    #: client_random + server_random + params.
    params: bytes
    signature_algorithm: int
    signature: bytes


@dataclass
class ServerKeyExchange(HandshakeMessage):
    """RFC 5246 7.4.3: the body depends on the key exchange, so it is kept whole in ``key``
    (Go's ``serverKeyExchangeMsg``); :meth:`parse_ecdhe` and :meth:`ecdhe` read and build
    the ECDHE form (RFC 8422 5.4)."""

    msg_type: ClassVar[HandshakeType] = H.server_key_exchange

    key: bytes = b""

    @classmethod
    def ecdhe(cls, group: int, point: bytes, signature_algorithm: int, signature: bytes) -> ServerKeyExchange:
        w = Writer()
        w.bytes(marshal_ecdhe_params(group, point))
        w.u16(signature_algorithm)
        w.vec16(signature, "signature")
        return cls(w.getvalue())

    def parse_ecdhe(self) -> ECDHEServerKeyExchange:
        """The ECDHE parameters and signature; a curve_type other than named_curve is
        illegal_parameter, an empty point or any length mismatch decode_error."""
        r = Reader(self.key, "ServerKeyExchange")
        curve_type = r.u8("ServerKeyExchange curve_type")
        if curve_type != 3:
            raise TLSError(AlertDescription.illegal_parameter, f"ServerKeyExchange curve_type {curve_type} is not named_curve")
        group = r.u16("ServerKeyExchange named_curve")
        point = r.vec8("ServerKeyExchange ECPoint")
        if not point:
            raise decode_error("ServerKeyExchange with an empty ECDH point")
        params = self.key[: 4 + len(point)]
        algorithm = r.u16("ServerKeyExchange signature algorithm")
        signature = r.vec16("ServerKeyExchange signature")
        r.expect_end("ServerKeyExchange")
        return ECDHEServerKeyExchange(group, point, params, algorithm, signature)

    def _marshal_body(self, w: Writer) -> None:
        w.bytes(self.key)

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> ServerKeyExchange:
        return cls(r.rest())

    def describe(self) -> dict[str, Any]:
        try:
            p = self.parse_ecdhe()
        except TLSError:
            return {"params": f"{len(self.key)} bytes"}
        return {
            "group": name_of(NamedGroup, p.group),
            "point": f"{len(p.point)} bytes",
            "signature_algorithm": name_of(SignatureScheme, p.signature_algorithm),
        }


@dataclass
class CertificateRequestTLS12(HandshakeMessage):
    """RFC 5246 7.4.4: ``ClientCertificateType certificate_types<1..2^8-1>``,
    ``SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>``,
    ``DistinguishedName certificate_authorities<0..2^16-1>``."""

    msg_type: ClassVar[HandshakeType] = H.certificate_request

    certificate_types: list[int] = field(
        default_factory=lambda: [ClientCertificateType.rsa_sign, ClientCertificateType.ecdsa_sign]
    )
    signature_algorithms: list[int] = field(default_factory=list)
    certificate_authorities: list[bytes] = field(default_factory=list)

    def _marshal_body(self, w: Writer) -> None:
        if not self.certificate_types or not self.signature_algorithms:
            raise ValueError("CertificateRequest needs certificate types and signature algorithms")
        w.vec8(bytes(self.certificate_types), "certificate_types")
        with w.prefixed16("supported_signature_algorithms"):
            w.u16s(self.signature_algorithms)
        with w.prefixed16("certificate_authorities"):
            for name in self.certificate_authorities:
                if not name:
                    raise ValueError("empty DistinguishedName")
                w.vec16(name, "DistinguishedName")

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> CertificateRequestTLS12:
        m = cls()
        m.certificate_types = r.u8_list("CertificateRequest certificate_types", nonempty=True)
        m.signature_algorithms = r.u16_list16("CertificateRequest supported_signature_algorithms", nonempty=True)
        cas = r.sub16("CertificateRequest certificate_authorities")
        m.certificate_authorities = []
        while not cas.empty:
            name = cas.vec16()
            if not name:
                raise decode_error("CertificateRequest with an empty DistinguishedName")
            m.certificate_authorities.append(name)
        return m

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "certificate_types": _names(ClientCertificateType, self.certificate_types),
            "signature_algorithms": _names(SignatureScheme, self.signature_algorithms),
        }
        if self.certificate_authorities:
            d["certificate_authorities"] = len(self.certificate_authorities)
        return d


@dataclass
class ClientKeyExchange(HandshakeMessage):
    """RFC 8422 5.7 ``ClientECDiffieHellmanPublic``: ``opaque point<1..2^8-1>`` (ECDHE only)."""

    msg_type: ClassVar[HandshakeType] = H.client_key_exchange

    point: bytes = b""

    def _marshal_body(self, w: Writer) -> None:
        if not self.point:
            raise ValueError("ClientKeyExchange point must not be empty")
        w.vec8(self.point, "ECPoint")

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> ClientKeyExchange:
        point = r.vec8("ClientKeyExchange ECPoint")
        if not point:
            raise decode_error("ClientKeyExchange with an empty ECDH point")
        return cls(point)

    def describe(self) -> dict[str, Any]:
        return {"point": f"{len(self.point)} bytes"}


@dataclass
class NewSessionTicketTLS12(HandshakeMessage):
    """RFC 5077 3.3: ``uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>`` (empty: no ticket after all)."""

    msg_type: ClassVar[HandshakeType] = H.new_session_ticket

    ticket_lifetime_hint: int = 0
    ticket: bytes = b""

    def _marshal_body(self, w: Writer) -> None:
        w.u32(self.ticket_lifetime_hint)
        w.vec16(self.ticket, "ticket")

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> NewSessionTicketTLS12:
        return cls(r.u32("NewSessionTicket ticket_lifetime_hint"), r.vec16("NewSessionTicket ticket"))

    def describe(self) -> dict[str, Any]:
        return {"ticket_lifetime_hint": f"{self.ticket_lifetime_hint} s", "ticket": f"{len(self.ticket)} bytes"}


@dataclass
class CertificateStatus(HandshakeMessage):
    """RFC 6066 section 8: ``status_type`` ocsp(1) and ``OCSPResponse ocsp_response<1..2^24-1>``."""

    msg_type: ClassVar[HandshakeType] = H.certificate_status

    response: bytes = b""

    def _marshal_body(self, w: Writer) -> None:
        w.bytes(x.build_certificate_status(self.response))

    @classmethod
    def _unmarshal_body(cls, r: Reader) -> CertificateStatus:
        return cls(x.parse_certificate_status(r.rest()))

    def describe(self) -> dict[str, Any]:
        return {"ocsp_response": f"{len(self.response)} bytes"}


# ---------------------------------------------------------------------- dispatch

#: The messages TLS 1.3 knows, by type (RFC 8446 4).
TLS13_MESSAGES: dict[int, type[HandshakeMessage]] = {
    H.client_hello: ClientHello,
    H.server_hello: ServerHello,
    H.new_session_ticket: NewSessionTicketTLS13,
    H.end_of_early_data: EndOfEarlyData,
    H.encrypted_extensions: EncryptedExtensions,
    H.certificate: CertificateTLS13,
    H.certificate_request: CertificateRequestTLS13,
    H.certificate_verify: CertificateVerify,
    H.finished: Finished,
    H.key_update: KeyUpdate,
}

#: The messages TLS 1.2 knows, by type (RFC 5246 7.4, RFC 5077, RFC 6066).
TLS12_MESSAGES: dict[int, type[HandshakeMessage]] = {
    H.hello_request: HelloRequest,
    H.client_hello: ClientHello,
    H.server_hello: ServerHello,
    H.new_session_ticket: NewSessionTicketTLS12,
    H.certificate: CertificateTLS12,
    H.server_key_exchange: ServerKeyExchange,
    H.certificate_request: CertificateRequestTLS12,
    H.server_hello_done: ServerHelloDone,
    H.certificate_verify: CertificateVerify,
    H.client_key_exchange: ClientKeyExchange,
    H.finished: Finished,
    H.certificate_status: CertificateStatus,
}


def parse_handshake(data: bytes | bytearray | memoryview, tls13: bool) -> HandshakeMessage:
    """Parse one complete handshake message (4-byte header included).

    ``tls13`` picks the version's table; a type outside it is unexpected_message,
    bytes that do not parse are decode_error (or the alert the RFC names).
    """
    data = bytes(data)
    if not data:
        raise decode_error("empty handshake message")
    table = TLS13_MESSAGES if tls13 else TLS12_MESSAGES
    cls = table.get(data[0])
    if cls is None:
        version = "TLS 1.3" if tls13 else "TLS 1.2"
        raise TLSError(
            AlertDescription.unexpected_message, f"unexpected handshake message type {name_of(HandshakeType, data[0])} in {version}"
        )
    return cls.unmarshal(data)

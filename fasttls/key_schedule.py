"""The TLS 1.3 key schedule (RFC 8446 section 7), one type per stage.

The schedule is a chain of HKDF-Extract steps, each salted with a
``Derive-Secret(previous, "derived", "")``::

    0 / PSK -> EarlySecret -> (EC)DHE -> HandshakeSecret -> 0 -> MasterSecret

Every stage is its own type (rustls' design): a :class:`HandshakeSecret` can
only be made from an :class:`EarlySecret` plus a shared secret, and only a
:class:`MasterSecret` hands out application traffic secrets, so a secret from
the wrong stage cannot protect the wrong data by accident.  The traffic
secrets themselves are plain ``bytes``; :func:`traffic_key` turns one into
an AEAD key and IV (RFC 8446 7.3).

All cryptography is ``cryptography``'s: HMAC for HKDF-Extract and
``HKDFExpand`` for HKDF-Expand; nothing here is hand-written crypto.  The
layout follows Go's ``crypto/tls/key_schedule.go``.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

__all__ = [
    "hkdf_extract",
    "hkdf_expand",
    "hkdf_expand_label",
    "derive_secret",
    "empty_hash",
    "EarlySecret",
    "HandshakeSecret",
    "MasterSecret",
    "traffic_key",
    "finished_key",
    "finished_verify_data",
    "next_traffic_secret",
    "resumption_psk",
    "export_keying_material",
    "binder",
]

HashAlgorithm = hashes.HashAlgorithm

_LABEL_PREFIX = b"tls13 "
_IV_LENGTH = 12  # RFC 8446 5.3: every TLS 1.3 AEAD uses a 12-byte per-record nonce

_empty_hashes: dict[str, bytes] = {}
#: hash name -> (Early Secret without a PSK, its "derived" salt): public constants.
_NO_PSK_EARLY: dict[str, tuple[bytes, bytes]] = {}


def empty_hash(hash_alg: HashAlgorithm) -> bytes:
    """``Transcript-Hash("")``, the context of every ``Derive-Secret(., ., "")``."""
    value = _empty_hashes.get(hash_alg.name)
    if value is None:
        value = hashes.Hash(hash_alg).finalize()
        _empty_hashes[hash_alg.name] = value
    return value


def _hmac(hash_alg: HashAlgorithm, key: bytes, data: bytes) -> bytes:
    mac = hmac.HMAC(key, hash_alg)
    mac.update(data)
    return mac.finalize()


def hkdf_extract(hash_alg: HashAlgorithm, salt: bytes | None, ikm: bytes) -> bytes:
    """HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 2.2).

    A missing (``None``) or empty salt is ``Hash.length`` zero bytes, as RFC
    5869 says; RFC 8446 7.1 writes it as "0".
    """
    if not salt:
        salt = bytes(hash_alg.digest_size)
    return _hmac(hash_alg, salt, ikm)


def hkdf_expand(hash_alg: HashAlgorithm, prk: bytes, info: bytes, length: int) -> bytes:
    """HKDF-Expand(PRK, info, L) (RFC 5869 2.3)."""
    return HKDFExpand(algorithm=hash_alg, length=length, info=info).derive(prk)


def _label_bytes(label: str | bytes) -> bytes:
    return label.encode("ascii") if isinstance(label, str) else bytes(label)


#: One-byte lengths, so building a label allocates no tuple per call.
_LENGTH_BYTE = [bytes((i,)) for i in range(256)]
#: ``uint16 length`` + ``opaque label<7..255>`` per (label, length): the part of an
#: ``HkdfLabel`` that does not depend on the context.  Our labels are a fixed
#: handful; exporter labels come from applications, so the cache stays bounded.
_LABEL_HEADS: dict = {}


def _label_head(label: str | bytes, length: int) -> bytes:
    key = (label, length)
    head = _LABEL_HEADS.get(key)
    if head is None:
        full_label = _LABEL_PREFIX + _label_bytes(label)
        if len(full_label) > 255:
            raise ValueError("HKDF label too long")
        if not 0 <= length <= 0xFFFF:
            raise ValueError("HKDF output length out of range")
        head = length.to_bytes(2, "big") + _LENGTH_BYTE[len(full_label)] + full_label
        if len(_LABEL_HEADS) < 256:
            _LABEL_HEADS[key] = head
    return head


def hkdf_label(label: str | bytes, context: bytes, length: int) -> bytes:
    """The encoded ``HkdfLabel`` structure (RFC 8446 7.1); ``"tls13 "`` is prepended here."""
    if len(context) > 255:
        raise ValueError("HKDF context too long")
    return _label_head(label, length) + _LENGTH_BYTE[len(context)] + bytes(context)


def hkdf_expand_label(
    hash_alg: HashAlgorithm, secret: bytes, label: str | bytes, context: bytes, length: int
) -> bytes:
    """HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 7.1).

    ``label`` is given without its ``"tls13 "`` prefix (``"key"``, ``"c hs traffic"``).
    """
    # hkdf_label's body, inlined (a server runs this 18 times a full handshake): the
    # cached head without a call, and positional arguments, which HKDFExpand parses faster.
    head = _LABEL_HEADS.get((label, length))
    if head is None:
        head = _label_head(label, length)
    n = len(context)
    if n > 255:
        raise ValueError("HKDF context too long")
    return HKDFExpand(hash_alg, length, head + _LENGTH_BYTE[n] + context).derive(secret)


def derive_secret(hash_alg: HashAlgorithm, secret: bytes, label: str | bytes, transcript_hash: bytes) -> bytes:
    """Derive-Secret(Secret, Label, Messages) (RFC 8446 7.1).

    Takes the already computed ``Transcript-Hash(Messages)``, so one running
    transcript serves every derivation.
    """
    return hkdf_expand_label(hash_alg, secret, label, transcript_hash, hash_alg.digest_size)


class _Stage:
    """A secret of one stage of the schedule, with the hash it was made with."""

    __slots__ = ("hash_alg", "secret")

    def __init__(self, hash_alg: HashAlgorithm, secret: bytes) -> None:
        if len(secret) != hash_alg.digest_size:
            raise ValueError(f"{type(self).__name__} must be {hash_alg.digest_size} bytes for {hash_alg.name}")
        self.hash_alg = hash_alg
        self.secret = bytes(secret)

    def _derive(self, label: str, transcript_hash: bytes) -> bytes:
        """Derive-Secret(this, label, Messages) (RFC 8446 7.1), from the transcript hash."""
        h = self.hash_alg
        return hkdf_expand_label(h, self.secret, label, transcript_hash, h.digest_size)

    def _next_salt(self) -> bytes:
        """``Derive-Secret(this, "derived", "")``, the salt of the next extraction (RFC 8446 7.1)."""
        return self._derive("derived", empty_hash(self.hash_alg))

    def __repr__(self) -> str:  # never print key material
        return f"<{type(self).__name__} {self.hash_alg.name}>"


class EarlySecret(_Stage):
    """Early Secret = HKDF-Extract(0, PSK) (RFC 8446 7.1).

    Without a PSK the input keying material is ``Hash.length`` zero bytes, so
    that Early Secret and its "derived" salt are public constants of the hash:
    computed once per hash, not per handshake.
    """

    __slots__ = ("_salt",)

    def __init__(self, hash_alg: HashAlgorithm, psk: bytes | None = None) -> None:
        self._salt = None
        if psk is None:
            cached = _NO_PSK_EARLY.get(hash_alg.name)
            if cached is None:
                super().__init__(hash_alg, hkdf_extract(hash_alg, None, bytes(hash_alg.digest_size)))
                _NO_PSK_EARLY[hash_alg.name] = (self.secret, super()._next_salt())
                cached = _NO_PSK_EARLY[hash_alg.name]
            super().__init__(hash_alg, cached[0])
            self._salt = cached[1]
            return
        super().__init__(hash_alg, hkdf_extract(hash_alg, None, psk))

    def _next_salt(self) -> bytes:
        return self._salt if self._salt is not None else super()._next_salt()

    def external_binder_key(self) -> bytes:
        """binder_key for an external PSK: ``Derive-Secret(., "ext binder", "")`` (RFC 8446 7.1)."""
        return self._derive("ext binder", empty_hash(self.hash_alg))

    def resumption_binder_key(self) -> bytes:
        """binder_key for a resumption PSK: ``Derive-Secret(., "res binder", "")`` (RFC 8446 7.1)."""
        return self._derive("res binder", empty_hash(self.hash_alg))

    def client_early_traffic_secret(self, transcript_hash: bytes) -> bytes:
        """client_early_traffic_secret over ClientHello (RFC 8446 7.1)."""
        return self._derive("c e traffic", transcript_hash)

    def early_exporter_master_secret(self, transcript_hash: bytes) -> bytes:
        """early_exporter_master_secret over ClientHello (RFC 8446 7.1)."""
        return self._derive("e exp master", transcript_hash)

    def handshake_secret(self, shared_secret: bytes) -> HandshakeSecret:
        """Handshake Secret = HKDF-Extract(Derive-Secret(., "derived", ""), (EC)DHE) (RFC 8446 7.1)."""
        return HandshakeSecret(self.hash_alg, hkdf_extract(self.hash_alg, self._next_salt(), shared_secret))


class HandshakeSecret(_Stage):
    """The Handshake Secret (RFC 8446 7.1): handshake traffic secrets, then the master secret."""

    __slots__ = ()

    def client_handshake_traffic_secret(self, transcript_hash: bytes) -> bytes:
        """client_handshake_traffic_secret over ClientHello...ServerHello (RFC 8446 7.1)."""
        return self._derive("c hs traffic", transcript_hash)

    def server_handshake_traffic_secret(self, transcript_hash: bytes) -> bytes:
        """server_handshake_traffic_secret over ClientHello...ServerHello (RFC 8446 7.1)."""
        return self._derive("s hs traffic", transcript_hash)

    def master_secret(self) -> MasterSecret:
        """Master Secret = HKDF-Extract(Derive-Secret(., "derived", ""), 0) (RFC 8446 7.1)."""
        zeros = bytes(self.hash_alg.digest_size)
        return MasterSecret(self.hash_alg, hkdf_extract(self.hash_alg, self._next_salt(), zeros))


class MasterSecret(_Stage):
    """The Master Secret (RFC 8446 7.1): application traffic, exporter and resumption secrets."""

    __slots__ = ()

    def client_application_traffic_secret(self, transcript_hash: bytes) -> bytes:
        """client_application_traffic_secret_0 over ClientHello...server Finished (RFC 8446 7.1)."""
        return self._derive("c ap traffic", transcript_hash)

    def server_application_traffic_secret(self, transcript_hash: bytes) -> bytes:
        """server_application_traffic_secret_0 over ClientHello...server Finished (RFC 8446 7.1)."""
        return self._derive("s ap traffic", transcript_hash)

    def exporter_master_secret(self, transcript_hash: bytes) -> bytes:
        """exporter_master_secret over ClientHello...server Finished (RFC 8446 7.1)."""
        return self._derive("exp master", transcript_hash)

    def resumption_master_secret(self, transcript_hash: bytes) -> bytes:
        """resumption_master_secret over ClientHello...client Finished (RFC 8446 7.1)."""
        return self._derive("res master", transcript_hash)


#: ``HkdfLabel``s with an empty context are constants: ("key", 16) -> its encoding.
_EMPTY_CONTEXT_LABELS: dict = {}


def _empty_context_label(label: str, length: int) -> bytes:
    info = _EMPTY_CONTEXT_LABELS.get((label, length))
    if info is None:
        info = _EMPTY_CONTEXT_LABELS[(label, length)] = hkdf_label(label, b"", length)
    return info


def traffic_key(hash_alg: HashAlgorithm, traffic_secret: bytes, key_length: int) -> tuple[bytes, bytes]:
    """The AEAD write key and 12-byte write IV of a traffic secret (RFC 8446 7.3).

    HKDF-Expand-Label(Secret, "key"/"iv", "", length) with the labels' encodings
    looked up once: every traffic key of every handshake comes through here.
    """
    key = HKDFExpand(hash_alg, key_length, _empty_context_label("key", key_length)).derive(traffic_secret)
    iv = HKDFExpand(hash_alg, _IV_LENGTH, _empty_context_label("iv", _IV_LENGTH)).derive(traffic_secret)
    return key, iv


def finished_key(hash_alg: HashAlgorithm, base_key: bytes) -> bytes:
    """finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 4.4.4)."""
    n = hash_alg.digest_size
    return HKDFExpand(hash_alg, n, _empty_context_label("finished", n)).derive(base_key)


def finished_verify_data(hash_alg: HashAlgorithm, base_key: bytes, transcript_hash: bytes) -> bytes:
    """verify_data = HMAC(finished_key, Transcript-Hash(...)) (RFC 8446 4.4.4).

    ``base_key`` is the sender's handshake traffic secret (or a binder key).
    """
    return _hmac(hash_alg, finished_key(hash_alg, base_key), transcript_hash)


def binder(hash_alg: HashAlgorithm, binder_key: bytes, truncated_transcript_hash: bytes) -> bytes:
    """A PSK binder: a Finished MAC keyed by the binder key (RFC 8446 4.2.11.2).

    ``truncated_transcript_hash`` covers any earlier messages and the
    ClientHello up to, not including, its binders list.
    """
    return finished_verify_data(hash_alg, binder_key, truncated_transcript_hash)


def next_traffic_secret(hash_alg: HashAlgorithm, secret: bytes) -> bytes:
    """application_traffic_secret_N+1 = HKDF-Expand-Label(., "traffic upd", "", Hash.length) (RFC 8446 7.2)."""
    return hkdf_expand_label(hash_alg, secret, "traffic upd", b"", hash_alg.digest_size)


def resumption_psk(hash_alg: HashAlgorithm, resumption_master_secret: bytes, ticket_nonce: bytes) -> bytes:
    """The PSK of a ticket: HKDF-Expand-Label(rms, "resumption", ticket_nonce, Hash.length) (RFC 8446 4.6.1)."""
    return hkdf_expand_label(hash_alg, resumption_master_secret, "resumption", ticket_nonce, hash_alg.digest_size)


def export_keying_material(
    hash_alg: HashAlgorithm,
    exporter_master_secret: bytes,
    label: str | bytes,
    context: bytes | None,
    length: int,
) -> bytes:
    """TLS-Exporter(label, context_value, key_length) (RFC 8446 7.5).

    In TLS 1.3 no context and an empty context give the same output.
    """
    secret = derive_secret(hash_alg, exporter_master_secret, label, empty_hash(hash_alg))
    context_hash = hashes.Hash(hash_alg)
    context_hash.update(context or b"")
    return hkdf_expand_label(hash_alg, secret, "exporter", context_hash.finalize(), length)

"""Reading certificates from PEM text as OpenSSL's PEM reader does (RFC 7468).

Two things ``cryptography``'s PEM loaders do not do, which files made by OpenSSL
need:

* A block cut short (a BEGIN line without its END line, as a file truncated in
  transit or an editor's paste leaves it) is an error, OpenSSL's BAD_END_LINE,
  not a block silently skipped: a CA bundle that lost its last CA, or a chain
  that lost its intermediate, is refused where it is loaded.
* ``-----BEGIN TRUSTED CERTIFICATE-----`` blocks (``openssl x509 -trustout``,
  Fedora's ``ca-bundle.trust.crt``) hold the certificate followed by OpenSSL's
  X509_CERT_AUX: the uses the certificate is trusted for, and those it is
  explicitly distrusted for.  The certificate is read, and the trust settings
  are kept (:class:`TrustSettings`) for the verifier to honour.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from .auth import _OID, _SEQUENCE, _der_items, _der_oid

__all__ = ["CERTIFICATE_LABELS", "PemError", "TrustSettings", "pem_blocks", "read_certificate"]

#: The labels OpenSSL reads a certificate from (PEM_STRING_X509, _OLD, _TRUSTED).
CERTIFICATE_LABELS = ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE")

# OpenSSL's PEM reader takes BEGIN and END lines only at the start of a line.
_BEGIN = re.compile(rb"^-----BEGIN ([^\r\n]*?)-----", re.M)


_BOM_AFTER_END = re.compile(rb"(^-----END [^\r\n]*-----\r?\n)\xef\xbb\xbf", re.M)


class PemError(ValueError):
    """A PEM block OpenSSL refuses; ``reason`` is OpenSSL's (PEM library), ``before``
    the labels of the whole blocks that came before it."""

    def __init__(self, reason: str, message: str, before: list[str]) -> None:
        super().__init__(message)
        self.reason = reason
        self.before = before


def pem_blocks(data: bytes, *, skip_broken: bool = False) -> list[tuple[str, bytes]]:
    """Every ``(label, text)`` PEM block of ``data``, ``text`` the whole block from its
    BEGIN line to its END line; what lies between blocks is ignored.  A block whose END
    line is missing (before the next BEGIN line or the end of the data) or names another
    label raises :class:`PemError` (BAD_END_LINE), as OpenSSL's PEM_read_bio, or is
    skipped with ``skip_broken``."""
    out: list[tuple[str, bytes]] = []
    if b"\xef\xbb\xbf" in data:
        # A UTF-8 byte-order mark (Windows editors) on the first line a PEM read starts
        # on, which OpenSSL skips: the file's first, or the one after an END line (files
        # joined with cat).
        data = _BOM_AFTER_END.sub(rb"\1", data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    pos = 0
    while True:
        begin = _BEGIN.search(data, pos)
        if begin is None:
            return out
        label = begin.group(1)
        end = re.compile(rb"^-----END " + re.escape(label) + rb"-----", re.M).search(data, begin.end())
        following = _BEGIN.search(data, begin.end())
        if end is None or (following is not None and following.start() < end.start()):
            if skip_broken:
                pos = begin.end()
                continue
            name = label.decode("ascii", "replace")
            raise PemError("BAD_END_LINE", f"bad end line: the {name} block has no -----END {name}----- line", [lb for lb, _ in out])
        pos = end.end()
        out.append((label.decode("ascii", "replace"), data[begin.start() : pos]))


@dataclass(frozen=True)
class TrustSettings:
    """OpenSSL's X509_CERT_AUX trust and reject lists: extended key usage OIDs (dotted)
    a trust anchor is trusted for, and those it is distrusted for."""

    trust: frozenset[str] = frozenset()
    reject: frozenset[str] = frozenset()

    def allows(self, purpose: x509.ObjectIdentifier) -> bool:
        """OpenSSL's obj_trust for an SSL purpose (trust_1oidany: anyExtendedKeyUsage
        counts): a rejected use, or a trust list without the use, distrusts the anchor
        (X509_V_ERR_CERT_REJECTED); no lists leave it trusted."""
        wanted = {purpose.dotted_string, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE.dotted_string}
        if wanted & self.reject:
            return False
        return not self.trust or bool(wanted & self.trust)


def _trusted_certificate(block: bytes) -> tuple[x509.Certificate, TrustSettings | None]:
    """A TRUSTED CERTIFICATE block: the certificate's DER, then X509_CERT_AUX ::= SEQUENCE
    { trust SEQUENCE OF OID OPTIONAL, reject [0] SEQUENCE OF OID OPTIONAL, alias, keyid,
    other } (OpenSSL's x_x509a.c)."""
    lines = block.splitlines()[1:-1]
    try:
        der = base64.b64decode(b"".join(b"".join(line.split()) for line in lines), validate=True)
        items = _der_items(der)
    except (ValueError, binascii.Error) as e:
        raise ValueError(f"malformed TRUSTED CERTIFICATE block ({e})") from None
    if not items or items[0][0] != _SEQUENCE or len(items) > 2:
        raise ValueError("malformed TRUSTED CERTIFICATE block")
    cert = x509.load_der_x509_certificate(items[0][1])
    if len(items) == 1:
        return cert, None
    if items[1][0] != _SEQUENCE:
        raise ValueError("malformed trust settings in a TRUSTED CERTIFICATE block")
    trust: set[str] = set()
    reject: set[str] = set()
    lists = {_SEQUENCE: trust, 0xA0: reject}  # reject is [0], constructed
    for tag, _whole, contents in _der_items(items[1][2]):
        target = lists.get(tag)
        if target is not None:
            oids = _der_items(contents)
            if any(t != _OID for t, _, _ in oids):
                raise ValueError("malformed trust settings in a TRUSTED CERTIFICATE block")
            target.update(_der_oid(c).dotted_string for _, _, c in oids)
    if not trust and not reject:
        return cert, None
    return cert, TrustSettings(frozenset(trust), frozenset(reject))


def read_certificate(label: str, block: bytes) -> tuple[x509.Certificate, TrustSettings | None]:
    """The certificate of one block of a :data:`CERTIFICATE_LABELS` label, with its trust
    settings (TRUSTED CERTIFICATE only).  ValueError when it does not parse."""
    if label == "TRUSTED CERTIFICATE":
        return _trusted_certificate(block)
    if label == "X509 CERTIFICATE":
        block = block.replace(b"X509 CERTIFICATE", b"CERTIFICATE")
    return x509.load_pem_x509_certificate(block), None

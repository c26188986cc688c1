"""A test PKI made at test time with ``cryptography`` (no certificate is ever committed).

Plain functions, no pytest dependency, so the conftest fixtures, the benchmarks
and a REPL can all use them::

    ca = make_ca()                                   # a root CA (ECDSA P-256)
    inter = make_ca("fasttls test intermediate", issuer=ca)
    leaf = make_leaf(inter, ["localhost", "127.0.0.1", "::1"], key_type="ed25519")
    certfile, keyfile = leaf.write(tmp_path)         # for the openssl CLI and ssl

Every :class:`Issued` carries ``cert``, ``key``, ``chain`` (leaf first, the
intermediates a server sends, never the root), and their PEM forms.

The certificates follow the CA/Browser Forum profile that
``cryptography.x509.verification`` enforces (v3, AKI on leaves, SAN, critical
basicConstraints, keyCertSign on CAs), so a default leaf verifies both there and
with OpenSSL.  Options exist to break each of those rules on purpose.

RSA key generation dominates the cost, so RSA keys come from a small per-process
pool (distinct keys, reused round-robin); EC and EdDSA keys are always fresh.
"""

from __future__ import annotations

import datetime
import ipaddress
import itertools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, mldsa, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "KEY_TYPES",
    "Issued",
    "TestPKI",
    "generate_key",
    "make_ca",
    "make_leaf",
    "make_self_signed",
    "pem_of",
    "utcnow",
]

#: Key types understood by :func:`generate_key`.  ``rsa-pss`` is an RSA key whose
#: certificates are *signed* with RSASSA-PSS; cryptography cannot emit an
#: id-RSASSA-PSS SubjectPublicKeyInfo, so it is not an ``rsa_pss_pss`` key.
KEY_TYPES = (
    "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048", "rsa-3072", "rsa-4096", "rsa-pss", "ed25519", "ed448",
    "mldsa44", "mldsa65", "mldsa87",
)
_MLDSA_KEYS = {"mldsa44": mldsa.MLDSA44PrivateKey, "mldsa65": mldsa.MLDSA65PrivateKey, "mldsa87": mldsa.MLDSA87PrivateKey}

_RSA_POOL: dict[int, list[rsa.RSAPrivateKey]] = {}
_RSA_NEXT: dict[int, itertools.count] = {}
_RSA_POOL_SIZE = 6


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _rsa_key(bits: int) -> rsa.RSAPrivateKey:
    """Round-robin over up to ``_RSA_POOL_SIZE`` distinct keys per size (RSA keygen is slow)."""
    pool = _RSA_POOL.setdefault(bits, [])
    n = next(_RSA_NEXT.setdefault(bits, itertools.count()))
    if len(pool) < _RSA_POOL_SIZE:
        pool.append(rsa.generate_private_key(public_exponent=65537, key_size=bits))
        return pool[-1]
    return pool[n % _RSA_POOL_SIZE]


def generate_key(key_type: str) -> Any:
    """A private key of one of :data:`KEY_TYPES`."""
    if key_type == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "ecdsa-p384":
        return ec.generate_private_key(ec.SECP384R1())
    if key_type == "ecdsa-p521":
        return ec.generate_private_key(ec.SECP521R1())
    if key_type in ("rsa-2048", "rsa-pss"):
        return _rsa_key(2048)
    if key_type == "rsa-3072":
        return _rsa_key(3072)
    if key_type == "rsa-4096":
        return _rsa_key(4096)
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if key_type == "ed448":
        return ed448.Ed448PrivateKey.generate()
    if key_type in _MLDSA_KEYS:
        return _MLDSA_KEYS[key_type].generate()
    raise ValueError(f"unknown key type {key_type!r} (known: {', '.join(KEY_TYPES)})")


def _signing_params(key: Any, key_type: str | None = None) -> dict[str, Any]:
    """Arguments for ``CertificateBuilder.sign`` that the web PKI profile accepts for this issuer key."""
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey, *_MLDSA_KEYS.values())):
        return {"algorithm": None}
    if isinstance(key, ec.EllipticCurvePrivateKey):
        h = {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}[key.curve.key_size]
        return {"algorithm": h}
    if key_type == "rsa-pss":
        return {"algorithm": hashes.SHA256(), "rsa_padding": padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)}
    return {"algorithm": hashes.SHA256()}


def pem_of(obj: Any) -> bytes:
    """PEM of a certificate, a list of certificates, or a private key (PKCS#8, unencrypted)."""
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM)
    if isinstance(obj, (list, tuple)):
        return b"".join(pem_of(c) for c in obj)
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


@dataclass
class Issued:
    """A certificate, its key, and the chain a peer would send (leaf first, no root)."""

    cert: x509.Certificate
    key: Any
    chain: list[x509.Certificate]
    key_type: str
    #: The root this certificate chains to (itself for a root or a self-signed leaf).
    root: x509.Certificate | None = None
    is_ca: bool = False

    @property
    def cert_pem(self) -> bytes:
        return pem_of(self.cert)

    @property
    def key_pem(self) -> bytes:
        return pem_of(self.key)

    @property
    def chain_pem(self) -> bytes:
        return pem_of(self.chain)

    @property
    def cert_der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def write(self, directory: str | os.PathLike, name: str | None = None) -> tuple[str, str]:
        """Write ``name.pem`` (the chain) and ``name.key`` into ``directory``; return both paths."""
        if name is None:
            cn = self.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            base = str(cn[0].value) if cn else "cert"
            name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in base) + f"-{self.cert.serial_number:x}"[:12]
        certfile = os.path.join(os.fspath(directory), name + ".pem")
        keyfile = os.path.join(os.fspath(directory), name + ".key")
        with open(certfile, "wb") as f:
            f.write(self.chain_pem)
        with open(keyfile, "wb") as f:
            f.write(self.key_pem)
        return certfile, keyfile

    def certified_key(self):
        """The chain and key as a ``fasttls.config.CertifiedKey`` (what a server/client config holds)."""
        from fasttls.config import CertifiedKey

        return CertifiedKey(self.chain, self.key)


def _name(common_name: str | None, organization: str | None = "fasttls tests", extra: Sequence[tuple[Any, str]] = ()) -> x509.Name:
    attrs = []
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    for oid, value in extra:
        attrs.append(x509.NameAttribute(oid, value))
    if common_name:
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _general_names(names: Iterable[str | x509.GeneralName]) -> list[x509.GeneralName]:
    out: list[x509.GeneralName] = []
    for n in names:
        if isinstance(n, x509.GeneralName):
            out.append(n)
            continue
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            out.append(x509.DNSName(n))
    return out


def make_ca(
    name: str = "fasttls test CA",
    key_type: str = "ecdsa-p256",
    *,
    issuer: Issued | None = None,
    path_length: int | None = None,
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
    key_cert_sign: bool = True,
    crl_sign: bool = True,
    eku: Sequence[x509.ObjectIdentifier] | None = None,
    name_constraints: x509.NameConstraints | None = None,
    subject: x509.Name | None = None,
    name_constraints_critical: bool = True,
    eku_critical: bool = False,
) -> Issued:
    """A root CA, or an intermediate CA when ``issuer`` (another CA) is given.

    ``key_cert_sign=False`` makes a CA whose keyUsage lacks keyCertSign (an
    invalid issuer), ``crl_sign=False`` one that may not sign CRLs; ``eku`` adds an extendedKeyUsage restriction to the CA.
    """
    key = generate_key(key_type)
    now = utcnow()
    subject = subject if subject is not None else _name(name)
    signer_key = issuer.key if issuer is not None else key
    signer_type = issuer.key_type if issuer is not None else key_type
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer is not None else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - datetime.timedelta(days=1))
        .not_valid_after(not_after or now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=key_cert_sign,
                crl_sign=crl_sign,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=eku_critical)
    if name_constraints is not None:
        builder = builder.add_extension(name_constraints, critical=name_constraints_critical)
    cert = builder.sign(signer_key, **_signing_params(signer_key, signer_type))
    if issuer is None:
        return Issued(cert, key, [cert], key_type, root=cert, is_ca=True)
    chain = [cert] + [c for c in issuer.chain if c != issuer.root]
    return Issued(cert, key, chain, key_type, root=issuer.root, is_ca=True)


def make_leaf(
    ca: Issued,
    names: Sequence[str | x509.GeneralName] = ("localhost", "127.0.0.1", "::1"),
    key_type: str = "ecdsa-p256",
    *,
    client: bool = False,
    common_name: str | None = None,
    subject: x509.Name | None = None,
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
    eku: Sequence[x509.ObjectIdentifier] | None = None,
    key_usage: x509.KeyUsage | None | bool = True,
    san: bool = True,
    aki: bool = True,
    ca_flag: bool = False,
    extra_extensions: Sequence[tuple[x509.ExtensionType, bool]] = (),
    serial_number: int | None = None,
    key: Any = None,
) -> Issued:
    """An end-entity certificate issued by ``ca`` (a root or an intermediate).

    ``client=True`` gives a clientAuth EKU (serverAuth otherwise); ``eku``
    overrides it (an empty list omits the extension).  ``key_usage`` is True
    for the usual digitalSignature (+keyEncipherment for RSA), False to omit
    the extension, or an explicit :class:`x509.KeyUsage` (a wrong one, say).
    ``san=False``/``aki=False``/``ca_flag=True`` break the web PKI profile on purpose.
    """
    if key is None:
        key = generate_key(key_type)
    now = utcnow()
    if subject is None:
        cn = common_name
        if cn is None:
            first = next((n for n in names if isinstance(n, str)), None)
            cn = first or ("fasttls test client" if client else "fasttls test server")
        subject = _name(cn)
    if eku is None:
        eku = [ExtendedKeyUsageOID.CLIENT_AUTH] if client else [ExtendedKeyUsageOID.SERVER_AUTH]
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(serial_number if serial_number is not None else x509.random_serial_number())
        .not_valid_before(not_before or now - datetime.timedelta(days=1))
        .not_valid_after(not_after or now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca_flag, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if aki:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
    if key_usage is True:
        is_rsa = isinstance(key, rsa.RSAPrivateKey)
        key_usage = x509.KeyUsage(
            digital_signature=True,
            content_commitment=False,
            key_encipherment=is_rsa,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        )
    if isinstance(key_usage, x509.KeyUsage):
        builder = builder.add_extension(key_usage, critical=True)
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    if san and names:
        builder = builder.add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
    for ext, critical in extra_extensions:
        builder = builder.add_extension(ext, critical=critical)
    cert = builder.sign(ca.key, **_signing_params(ca.key, ca.key_type))
    chain = [cert] + [c for c in ca.chain if c != ca.root]
    return Issued(cert, key, chain, key_type, root=ca.root)


def make_self_signed(
    names: Sequence[str] = ("localhost", "127.0.0.1", "::1"),
    key_type: str = "ecdsa-p256",
    *,
    ca: bool = False,
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
    key: Any = None,
) -> Issued:
    """A self-signed certificate for ``names`` (an end entity unless ``ca=True``), with a
    new key unless ``key`` is given (a re-issue of an earlier one)."""
    if key is None:
        key = generate_key(key_type)
    now = utcnow()
    subject = _name(names[0] if names else "fasttls self-signed")
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - datetime.timedelta(days=1))
        .not_valid_after(not_after or now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(True, False, isinstance(key, rsa.RSAPrivateKey), False, False, ca, ca, False, False), critical=True
        )
    )
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(_general_names(names)), critical=False)
    cert = builder.sign(key, **_signing_params(key, key_type))
    return Issued(cert, key, [cert], key_type, root=cert, is_ca=ca)


class TestPKI:
    """One root CA per instance, with cached server and client certificates.

    Meant for a session-scoped fixture: ``pki.store`` is a ``fasttls.verify.TrustStore``
    trusting the root; ``pki.server(key_type)`` / ``pki.client(key_type)`` return
    ``fasttls.config.CertifiedKey`` objects, made once per distinct argument set;
    ``pki.issued(...)`` returns the :class:`Issued` behind them.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, ca_key_type: str = "ecdsa-p256", intermediate: bool = True, name: str = "fasttls test") -> None:
        # ``name`` tells PKIs apart by their CAs' names too (certificate_authorities tests).
        self.root = make_ca(f"{name} root CA", ca_key_type)
        self.ca = make_ca(f"{name} intermediate CA", ca_key_type, issuer=self.root) if intermediate else self.root
        self._issued: dict[tuple, Issued] = {}
        self._certified: dict[tuple, Any] = {}
        self._store = None

    @property
    def store(self):
        if self._store is None:
            from fasttls.verify import TrustStore

            self._store = TrustStore.from_certificates([self.root.cert])
        return self._store

    @property
    def ca_pem(self) -> bytes:
        return self.root.cert_pem

    def issued(self, key_type: str = "ecdsa-p256", names: Sequence[str] = ("localhost", "127.0.0.1", "::1"), client: bool = False) -> Issued:
        k = (key_type, tuple(names), client)
        if k not in self._issued:
            self._issued[k] = make_leaf(self.ca, list(names), key_type, client=client)
        return self._issued[k]

    def server(self, key_type: str = "ecdsa-p256", names: Sequence[str] = ("localhost", "127.0.0.1", "::1")):
        k = (key_type, tuple(names), False)
        if k not in self._certified:
            self._certified[k] = self.issued(key_type, names).certified_key()
        return self._certified[k]

    def client(self, key_type: str = "ecdsa-p256", names: Sequence[str] = ("client.fasttls.test",)):
        k = (key_type, tuple(names), True)
        if k not in self._certified:
            self._certified[k] = self.issued(key_type, names, client=True).certified_key()
        return self._certified[k]

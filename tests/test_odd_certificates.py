"""Peer certificates ``cryptography`` will not parse in full, with verification off.

Old devices and tools (printers, routers, appliances) make certificates that OpenSSL
parses and ``cryptography`` refuses: ``CN=*.example.com`` as a PrintableString (``*``,
``_``, ``@`` and ``&`` are outside its alphabet), a T61String with a Latin-1 byte, an
IA5String with a non-ASCII byte, an empty RDN, an IP SAN of 0, 5 or 32 bytes, an
x400Address SAN.  ``CERT_NONE`` exists for those devices: Python's ``ssl`` connects,
``getpeercert()`` is ``{}`` and ``getpeercert(True)`` the DER.  fasttls then reads only
the leaf's SubjectPublicKeyInfo (a strict DER walk) for the handshake signature, and
checks the other certificates' outline; malformed DER is still bad_certificate.  With
verification on, ``cryptography`` must parse them (our verifier is its verifier).

The certificates are made with ``cryptography`` and then edited in their TBS bytes and
re-signed by the test CA.  Peers: Python's ``ssl`` and ``openssl s_server``; Python's
``ssl`` client on the same server is the reference.
"""

from __future__ import annotations

import copy
import hashlib
import random
import socket
import ssl
import subprocess
from collections.abc import Callable

import pytest
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import fasttls
from fasttls import auth
from fasttls.config import ClientAuthType, Config
from fasttls.constants import AlertDescription, ProtocolVersion
from fasttls.errors import TLSError

from .pairs import do_handshake, exchange, make_pair
from .peers import openssl_bin, openssl_server, ssl_echo_handler, thread_server
from .pki import make_ca, make_leaf, pem_of

TLS13, TLS12 = ProtocolVersion.TLS13, ProtocolVersion.TLS12
VERSIONS = {"TLSv1.3": ssl.TLSVersion.TLSv1_3, "TLSv1.2": ssl.TLSVersion.TLSv1_2}


# ---- DER editing ---------------------------------------------------------------------------------


def tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    size = (n.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + n.to_bytes(size, "big") + content


def children(element: bytes) -> list[bytes]:
    """The encodings of the elements inside one DER element."""
    def header(data: bytes, i: int) -> tuple[int, int]:
        first = data[i + 1]
        if first < 0x80:
            return 2, first
        n = first & 0x7F
        return 2 + n, int.from_bytes(data[i + 2 : i + 2 + n], "big")

    h, n = header(element, 0)
    content, out, i = element[h : h + n], [], 0
    while i < len(content):
        h, n = header(content, i)
        out.append(content[i : i + h + n])
        i += h + n
    return out


CN = bytes.fromhex("0603550403")  # OID 2.5.4.3 (commonName), encoded
SAN_OID = bytes.fromhex("0603551d11")  # 2.5.29.17 (subjectAltName)
# TBSCertificate's elements as cryptography writes them: version, serial, signature,
# issuer, validity, subject, subjectPublicKeyInfo, extensions.
ISSUER, SUBJECT, SPKI, EXTENSIONS = 3, 5, 6, 7


def name(*values: bytes) -> bytes:
    """A Name of one RDN per value, each a commonName of that (encoded) string."""
    return tlv(0x30, b"".join(tlv(0x31, tlv(0x30, CN + v)) for v in values))


def with_subject(value: bytes) -> Callable[[list[bytes]], list[bytes]]:
    def edit(tbs: list[bytes]) -> list[bytes]:
        tbs[SUBJECT] = value
        return tbs

    return edit


def with_san(general_name: bytes) -> Callable[[list[bytes]], list[bytes]]:
    """Replace the subjectAltName extension's names by ``general_name``."""

    def edit(tbs: list[bytes]) -> list[bytes]:
        exts = children(children(tbs[EXTENSIONS])[0])
        exts = [tlv(0x30, SAN_OID + tlv(0x04, tlv(0x30, general_name))) if SAN_OID in e[:8] else e for e in exts]
        tbs[EXTENSIONS] = tlv(0xA3, tlv(0x30, b"".join(exts)))
        return tbs

    return edit


def resign(cert: x509.Certificate, issuer_key, edit) -> bytes:
    """``cert``'s DER with its TBSCertificate edited by ``edit`` and signed again by the (ECDSA) issuer."""
    top = children(cert.public_bytes(serialization.Encoding.DER))
    tbs = tlv(0x30, b"".join(edit(children(top[0]))))
    signature = issuer_key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return tlv(0x30, tbs + top[1] + tlv(0x03, b"\x00" + signature))


#: What old devices send, each refused by cryptography (at load or on a lazy read).
SHAPES = {
    "printable-wildcard-cn": with_subject(name(tlv(0x13, b"*.example.com"))),
    "printable-underscore-at-amp": with_subject(name(tlv(0x13, b"printer_01@lan&office"))),
    "t61-latin1": with_subject(name(tlv(0x14, b"Drucker B\xfcro"))),
    "ia5-non-ascii": with_subject(name(tlv(0x16, b"caf\xe9"))),
    "empty-rdn": with_subject(tlv(0x30, tlv(0x31, b""))),
    "ip-san-5-bytes": with_san(tlv(0x87, b"\x0a\x00\x00\x01\x05")),
    "ip-san-empty": with_san(tlv(0x87, b"")),
    "ip-san-32-bytes": with_san(tlv(0x87, bytes(range(32)))),
    "x400-san": with_san(tlv(0xA3, tlv(0x30, b""))),
}


def cryptography_refuses(der: bytes) -> bool:
    try:
        cert = x509.load_der_x509_certificate(der)
        cert.subject, cert.issuer, cert.public_key(), cert.extensions
    except Exception:  # noqa: BLE001 - any refusal
        return True
    return False


class Odd:
    """An odd leaf (DER) with its key, issued by a fresh test CA, and its files."""

    def __init__(self, shape: str, key_type: str = "ecdsa-p256", directory=None) -> None:
        self.ca = make_ca("odd certificates CA")
        self.issued = make_leaf(self.ca, ("localhost",), key_type)
        self.key = self.issued.key
        self.der = resign(self.issued.cert, self.ca.key, SHAPES[shape])
        assert cryptography_refuses(self.der), shape
        self.chain_der = [self.der]
        if directory is not None:
            self.write(directory)

    def write(self, directory) -> None:
        self.certfile = str(directory / "odd.pem")
        self.keyfile = str(directory / "odd.key")
        with open(self.certfile, "w") as f:
            f.write("".join(ssl.DER_cert_to_PEM_cert(d) for d in self.chain_der))
        with open(self.keyfile, "wb") as f:
            f.write(pem_of(self.key))

    def certified_key(self):
        """A fasttls server certificate whose chain, as sent, is ours (fasttls cannot load it)."""
        ck = copy.copy(self.issued.certified_key())
        ck.chain_der = list(self.chain_der)
        return ck


# ---- clients with verification off against real servers ----------------------------------------------


def ssl_server_context(odd: Odd, version: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(odd.certfile, odd.keyfile)
    ctx.minimum_version = ctx.maximum_version = VERSIONS[version]
    return ctx


def unverified_client(mod):
    ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = mod.CERT_NONE
    return ctx


def recv_exactly(s, n: int) -> bytes:
    out = b""
    while len(out) < n:
        data = s.recv(n - len(out))
        if not data:
            break
        out += data
    return out


def connect(ctx, port: int, line: bytes = b"ping\n", expect: bytes | None = None, **kw) -> dict:
    """One connection: a line sent and its answer read; what the client saw."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as raw, ctx.wrap_socket(raw, server_hostname="localhost", **kw) as s:
        s.sendall(line)
        assert recv_exactly(s, len(line)) == (line if expect is None else expect)
        seen = {"version": s.version(), "peercert": s.getpeercert(), "der": s.getpeercert(True), "reused": s.session_reused, "session": s.session}
        if isinstance(s, fasttls.SSLSocket):
            seen["unverified"] = s.get_unverified_chain()
            seen["verified"] = s.get_verified_chain()
            seen["state"] = s.connection.connection_state().peer_certificates
        return seen


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("shape", SHAPES)
def test_cert_none_client_takes_an_odd_certificate_as_ssl_does(tmp_path, shape, version):
    """ssl server, fasttls and ssl clients with CERT_NONE: both connect and see the same."""
    odd = Odd(shape, directory=tmp_path)
    with thread_server(ssl_echo_handler(ssl_server_context(odd, version)), connections=2) as srv:
        reference = connect(unverified_client(ssl), srv.port)
        ours = connect(unverified_client(fasttls), srv.port)
        srv.join()
    assert srv.errors == []
    assert reference["version"] == ours["version"] == version
    assert reference["peercert"] == ours["peercert"] == {}
    assert reference["der"] == ours["der"] == odd.der
    assert ours["unverified"] == [odd.der] and ours["verified"] == []
    # Connection.connection_state() shows it as what the handshake read (it raised ValueError).
    (state_cert,) = ours["state"]
    assert isinstance(state_cert, auth.CertificateKey) and state_cert.der == odd.der


def test_the_command_line_client_describes_an_odd_certificate(tmp_path):
    """``fasttls client --insecure`` against s_server with an odd certificate: the session
    runs and the summary says what it could not parse (it died with a ValueError)."""
    import sys

    odd = Odd("printable-wildcard-cn", directory=tmp_path)
    with openssl_server(["-cert", odd.certfile, "-key", odd.keyfile, "-rev"]) as srv:
        p = subprocess.run(
            [sys.executable, "-m", "fasttls", "client", f"127.0.0.1:{srv.port}", "--insecure", "--no-relay"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert p.returncode == 0, p.stdout + p.stderr
    assert "cryptography cannot parse" in p.stdout and "Traceback" not in p.stdout + p.stderr


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("key_type", ["rsa-2048", "ecdsa-p384", "ed25519"])
def test_cert_none_client_reads_each_key_type_from_an_odd_certificate(tmp_path, key_type, version):
    """The key read from the DER signs CertificateVerify (1.3) and ServerKeyExchange (1.2)."""
    odd = Odd("printable-wildcard-cn", key_type, directory=tmp_path)
    with thread_server(ssl_echo_handler(ssl_server_context(odd, version)), connections=2) as srv:
        reference = connect(unverified_client(ssl), srv.port)
        ours = connect(unverified_client(fasttls), srv.port)
        srv.join()
    assert srv.errors == []
    assert (ours["version"], ours["peercert"], ours["der"]) == (reference["version"], reference["peercert"], reference["der"]) == (version, {}, odd.der)


@pytest.mark.parametrize("version", VERSIONS)
def test_cert_none_client_resumes_a_session_with_an_odd_certificate(tmp_path, version):
    """The session keeps the DER: a resumed connection shows the same certificate."""
    odd = Odd("printable-wildcard-cn", directory=tmp_path)
    ctx = unverified_client(fasttls)
    with thread_server(ssl_echo_handler(ssl_server_context(odd, version)), connections=2) as srv:
        first = connect(ctx, srv.port)
        again = connect(ctx, srv.port, session=first["session"])
        srv.join()
    assert srv.errors == []
    assert not first["reused"] and again["reused"]
    for seen in (first, again):
        assert (seen["peercert"], seen["der"], seen["unverified"]) == ({}, odd.der, [odd.der])


@pytest.mark.parametrize("version", ["tls1_3", "tls1_2"])
def test_cert_none_client_takes_an_odd_chain_from_openssl(tmp_path, version):
    """s_server sends an odd leaf under an odd intermediate (``CN=*.ca`` as PrintableString)."""
    root = make_ca("odd root")
    inter_issued = make_ca("odd intermediate", issuer=root)
    odd_name = name(tlv(0x13, b"*.ca"), tlv(0x13, b"dev_ices@lan"))
    inter = resign(inter_issued.cert, root.key, with_subject(odd_name))
    leaf_issued = make_leaf(inter_issued, ("localhost",))

    def edit(tbs):
        tbs[ISSUER] = odd_name
        return with_subject(name(tlv(0x13, b"*.example.com")))(tbs)

    leaf = resign(leaf_issued.cert, inter_issued.key, edit)
    assert cryptography_refuses(inter) and cryptography_refuses(leaf)
    certfile, chainfile, keyfile = tmp_path / "leaf.pem", tmp_path / "inter.pem", tmp_path / "leaf.key"
    certfile.write_text(ssl.DER_cert_to_PEM_cert(leaf))
    chainfile.write_text(ssl.DER_cert_to_PEM_cert(inter))
    keyfile.write_bytes(pem_of(leaf_issued.key))
    with openssl_server(["-cert", str(certfile), "-cert_chain", str(chainfile), "-key", str(keyfile), f"-{version}", "-rev"]) as srv:
        reference = connect(unverified_client(ssl), srv.port, b"hello\n", b"olleh\n")
        ours = connect(unverified_client(fasttls), srv.port, b"hello\n", b"olleh\n")
    assert reference["version"] == ours["version"] == {"tls1_3": "TLSv1.3", "tls1_2": "TLSv1.2"}[version]
    assert reference["peercert"] == ours["peercert"] == {}
    assert reference["der"] == ours["der"] == leaf
    assert ours["unverified"] == [leaf, inter]


@pytest.mark.parametrize("version", ["tls1_3", "tls1_2"])
def test_cert_none_client_takes_an_odd_rsa_pss_certificate_from_openssl(tmp_path, version):
    """An id-RSASSA-PSS key (openssl genpkey -algorithm RSA-PSS) in an odd certificate: its
    parameters still bind the scheme (rsa_pss_pss_sha256 only, RFC 8446 4.2.3)."""
    keyfile = tmp_path / "pss.key"
    subprocess.run(
        [openssl_bin(), "genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048",
         "-pkeyopt", "rsa_pss_keygen_md:sha256", "-pkeyopt", "rsa_pss_keygen_mgf1_md:sha256", "-out", str(keyfile)],
        check=True, capture_output=True,
    )  # fmt: skip
    spki = subprocess.run([openssl_bin(), "pkey", "-in", str(keyfile), "-pubout", "-outform", "DER"], check=True, capture_output=True).stdout
    ca = make_ca("odd PSS CA")
    placeholder = make_leaf(ca, ("localhost",), "ecdsa-p256")

    def edit(tbs):
        tbs[SPKI] = spki
        return with_subject(name(tlv(0x13, b"*.example.com")))(tbs)

    der = resign(placeholder.cert, ca.key, edit)
    assert cryptography_refuses(der)
    certfile = tmp_path / "pss.pem"
    certfile.write_text(ssl.DER_cert_to_PEM_cert(der))
    key = auth.certificate_key(der)
    assert key.public_key_algorithm_oid == auth.RSA_PSS_OID
    assert auth.rsa_pss_key_schemes(key) == (auth.SignatureScheme.rsa_pss_pss_sha256,)
    with openssl_server(["-cert", str(certfile), "-key", str(keyfile), f"-{version}", "-rev"]) as srv:
        reference = connect(unverified_client(ssl), srv.port, b"hello\n", b"olleh\n")
        ctx = unverified_client(fasttls)
        with socket.create_connection(("127.0.0.1", srv.port), timeout=15) as raw, ctx.wrap_socket(raw) as s:
            s.sendall(b"hello\n")
            assert recv_exactly(s, 6) == b"olleh\n"
            assert s.connection.peer_signature_scheme == auth.SignatureScheme.rsa_pss_pss_sha256
            assert (s.getpeercert(), s.getpeercert(True)) == ({}, der) == (reference["peercert"], reference["der"])


@pytest.mark.parametrize("version", VERSIONS)
def test_pinning_an_odd_certificate_and_verify_connection(tmp_path, version):
    """With verification off, ``verify_peer_certificate`` sees the odd certificate's DER
    (pinning a device works); ``verify_connection``, whose ConnectionState holds parsed
    certificates, refuses it with bad_certificate and says why, not a ValueError."""
    odd = Odd("printable-underscore-at-amp", directory=tmp_path)
    pin = hashlib.sha256(odd.der).digest()
    seen = []

    def pinned(raw_certs, verified_chains):
        seen.append((raw_certs, verified_chains))
        if hashlib.sha256(raw_certs[0]).digest() != pin:
            raise ValueError("not the pinned device")

    ctx = unverified_client(fasttls)
    ctx.verify_peer_certificate = pinned
    with thread_server(ssl_echo_handler(ssl_server_context(odd, version)), connections=2) as srv:
        got = connect(ctx, srv.port)
        assert (got["peercert"], got["der"]) == ({}, odd.der) and seen == [([odd.der], [])]
        ctx2 = unverified_client(fasttls)
        ctx2.verify_connection = lambda state: None
        with pytest.raises(ssl.SSLError) as e:
            connect(ctx2, srv.port)
        srv.join()
    assert "verify_connection" in str(e.value) and "BAD_CERTIFICATE" in str(e.value), e.value


# ---- malformed DER stays refused -------------------------------------------------------------------


def sans_io(odd: Odd, version: int, chain_der: list[bytes]):
    ck = odd.certified_key()
    ck.chain_der = list(chain_der)
    cc = Config(verify_peer=False, check_hostname=False, min_version=version, max_version=version, session_cache=None)
    sc = Config(certificates=[ck], min_version=version, max_version=version)
    return make_pair(cc, sc)


def mangled(der: bytes) -> dict[str, bytes]:
    top = children(der)
    tbs = children(top[0])
    spki = children(tbs[SPKI])
    return {
        "truncated": der[:-1],
        "one-byte-short-inside": der[:2] + der[2:4] + der[5:],
        "trailing-byte": der + b"\x00",
        "outer-set": b"\x31" + der[1:],
        "outer-indefinite-length": b"\x30\x80" + der[4:] + b"\x00\x00",
        "length-not-shortest": b"\x30\x83\x00" + der[2:],
        "no-signature": tlv(0x30, top[0] + top[1]),
        "tbs-without-spki": tlv(0x30, tlv(0x30, b"".join(tbs[:SPKI] + tbs[SPKI + 1 :])) + top[1] + top[2]),
        "spki-algorithm-not-an-oid": tlv(0x30, tlv(0x30, b"".join([*tbs[:SPKI], tlv(0x30, tlv(0x30, b"\x05\x00") + spki[1]), *tbs[SPKI + 1 :]])) + top[1] + top[2]),
        "spki-key-garbage": tlv(0x30, tlv(0x30, b"".join([*tbs[:SPKI], tlv(0x30, spki[0] + tlv(0x03, b"\x00\x04" + b"\x01" * 64)), *tbs[SPKI + 1 :]])) + top[1] + top[2]),
        "high-tag-number": tlv(0x30, tlv(0x30, b"".join([*tbs[:SUBJECT], b"\x1f\x81\x00\x00", *tbs[SUBJECT + 1 :]])) + top[1] + top[2]),
    }


@pytest.mark.parametrize("version", [TLS13, TLS12])
def test_malformed_der_is_still_bad_certificate_without_verification(version):
    odd = Odd("printable-wildcard-cn")
    c, s = sans_io(odd, version, [odd.der])
    do_handshake(c, s)
    assert c.peer_certificates == [odd.der] and exchange(s, c, b"up") == b"up"
    for what, bad in mangled(odd.der).items():
        for chain in ([bad], [odd.der, bad]):  # as the leaf, and as an intermediate
            c, s = sans_io(odd, version, chain)
            if what == "spki-key-garbage" and len(chain) == 2:
                # A CA's key is never used unverified, so (as OpenSSL, which decodes keys
                # when they are used) only its outline counts.
                do_handshake(c, s)
                continue
            with pytest.raises(TLSError) as e:
                do_handshake(c, s)
            expected = (AlertDescription.bad_certificate, AlertDescription.decode_error)
            assert e.value.alert in expected and "certificate" in str(e.value), (what, e.value)


def test_the_der_walker_raises_only_value_errors():
    """auth.certificate_key on damaged DER: ValueError (or UnsupportedAlgorithm), never an
    IndexError or struct.error; what it accepts has the original key."""
    odd = Odd("t61-latin1")
    good = auth.certificate_key(odd.der)
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    assert good.public_key().public_bytes(serialization.Encoding.DER, spki) == odd.issued.cert.public_key().public_bytes(serialization.Encoding.DER, spki)
    assert good.public_key_algorithm_oid == odd.issued.cert.public_key_algorithm_oid
    rnd = random.Random(5280)
    for _ in range(3000):
        bad = bytearray(odd.der)
        op = rnd.randrange(3)
        if op == 0:
            del bad[rnd.randrange(len(bad)) :]
        elif op == 1:
            for _ in range(rnd.randrange(1, 4)):
                bad[rnd.randrange(len(bad))] = rnd.randrange(256)
        else:
            i = rnd.randrange(len(bad))
            bad[i:i] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 4)))
        try:
            auth.certificate_key(bytes(bad))
        except (ValueError, UnsupportedAlgorithm):
            pass


# ---- servers that ask for a certificate without verifying it ----------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("client_auth", [ClientAuthType.RequestClientCert, ClientAuthType.RequireAnyClientCert])
def test_server_that_does_not_verify_takes_an_odd_client_certificate(pki, tmp_path, client_auth, version):
    """Go's RequestClientCert / RequireAnyClientCert (a fasttls Config): the client's odd
    certificate is taken and its key checks CertificateVerify.  A server that verifies
    (VerifyClientCertIfGiven, what CERT_OPTIONAL maps to) still refuses it: cryptography's
    verifier must parse it (ssl, whose OpenSSL verifier parses it, would take it)."""
    odd = Odd("empty-rdn", directory=tmp_path)
    tls_version = {"TLSv1.3": TLS13, "TLSv1.2": TLS12}[version]
    results = []

    def handler(mode):
        def serve(raw):
            cfg = Config(certificates=[pki.server()], client_auth=mode, client_ca_store=pki.store, min_version=tls_version, max_version=tls_version)
            with fasttls.socket.wrap_socket(raw, cfg, server_side=True) as s:
                data = s.recv(5)
                s.sendall(data)
                results.append((s.version(), s.getpeercert(), s.getpeercert(True), s.get_unverified_chain()))

        return serve

    cctx = unverified_client(ssl)
    cctx.load_cert_chain(odd.certfile, odd.keyfile)
    with thread_server(handler(client_auth)) as srv:
        connect(cctx, srv.port, b"ping\n")
        srv.join()
    assert srv.errors == []
    assert results == [(version, {}, odd.der, [odd.der])]

    with thread_server(handler(ClientAuthType.VerifyClientCertIfGiven)) as srv:
        with pytest.raises((ssl.SSLError, ConnectionError)):
            connect(cctx, srv.port, b"ping\n")
        srv.join()
    assert len(srv.errors) == 1 and getattr(srv.errors[0], "alert", None) == AlertDescription.bad_certificate, srv.errors


@pytest.mark.parametrize("version", [TLS13, TLS12], ids=["TLSv1.3", "TLSv1.2"])
def test_a_session_with_an_odd_client_certificate_falls_back_to_a_full_handshake(pki, version):
    """A server that does not verify took a client certificate of X.509 version 4 (which
    cryptography refuses with InvalidVersion, not a ValueError).  Its session's resumption
    check failed with internal_error; it now makes a full handshake, as for any session
    whose certificate it cannot read."""
    ca = make_ca("odd client CA")
    client = make_leaf(ca, ("client",))

    def v4(tbs):
        tbs[0] = tlv(0xA0, tlv(0x02, b"\x03"))  # version v4 (INTEGER 3)
        return tbs

    der = resign(client.cert, ca.key, v4)
    with pytest.raises(x509.InvalidVersion):
        x509.load_der_x509_certificate(der)
    ck = copy.copy(client.certified_key())
    ck.chain_der = [der]
    cc = Config(certificates=[ck], verify_peer=False, check_hostname=False, min_version=version, max_version=version)
    sc = Config(certificates=[pki.server()], client_auth=ClientAuthType.RequireAnyClientCert, min_version=version, max_version=version)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    exchange(s, c, b"hello")  # the TLS 1.3 ticket comes with it
    assert s.peer_certificates == [der] and c.session is not None
    c2, s2 = make_pair(cc, sc, session=c.session)
    do_handshake(c2, s2)
    assert not c2.session_reused and s2.peer_certificates == [der]

"""fasttls.SSLContext / SSLSocket / SSLObject against the ``ssl`` module's contract.

The context surface (defaults, setters and the errors ``ssl`` raises), the
socket's behaviours (blocking, timeouts, non-blocking, makefile, unwrap,
ragged EOFs, sessions), and certificate failures that must surface as
``ssl.SSLCertVerificationError`` with the same ``verify_code`` Python's ssl
reports for the same server.  Peers are fasttls, Python's ssl and openssl.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import ssl
import sys
import struct
import threading
import time
import warnings
from contextlib import contextmanager

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

import fasttls
from fasttls.constants import NamedGroup
from fasttls.context import _StdSSLContext

from .compat import files, no_leaks  # noqa: F401 - fixtures
from .peers import openssl_client


# ---------------------------------------------------------------------------
# A threaded echo server (fasttls or ssl) on 127.0.0.1:0
# ---------------------------------------------------------------------------


class EchoServer:
    """Serves ``connections`` TLS clients one after the other; records what each server socket saw."""

    def __init__(self, ctx, connections: int = 1, after_handshake=None) -> None:
        self.ctx = ctx
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(20)
        self.port = self.sock.getsockname()[1]
        self.results: list = []
        self.after_handshake = after_handshake
        self.thread = threading.Thread(target=self._run, args=(connections,))
        self.thread.start()

    def _run(self, connections: int) -> None:
        for _ in range(connections):
            try:
                raw, _ = self.sock.accept()
            except OSError as exc:
                self.results.append(exc)
                return
            raw.settimeout(20)
            try:
                with self.ctx.wrap_socket(raw, server_side=True) as s:
                    info = {
                        "type": type(s),
                        "version": s.version(),
                        "cipher": s.cipher(),
                        "alpn": s.selected_alpn_protocol(),
                        "peercert": s.getpeercert(),
                        "reused": s.session_reused,
                        "exporter": s.get_channel_binding("tls-exporter") if isinstance(s, fasttls.SSLSocket) else None,
                    }
                    self.results.append(info)
                    if self.after_handshake is not None:
                        self.after_handshake(s)
                        continue
                    while True:
                        try:
                            data = s.recv(65536)
                        except (ssl.SSLEOFError, ConnectionResetError):
                            break
                        if not data:
                            # A client's close_notify: answer it, for a client in unwrap().
                            with contextlib.suppress(OSError):
                                s.unwrap()
                            break
                        s.sendall(data)
            except Exception as exc:  # noqa: BLE001 - the test inspects it
                self.results.append(exc)
            finally:
                raw.close()

    def close(self) -> None:
        self.thread.join(30)
        self.sock.close()
        assert not self.thread.is_alive()


@contextmanager
def echo_server(ctx, connections: int = 1, after_handshake=None):
    srv = EchoServer(ctx, connections, after_handshake)
    try:
        yield srv
    finally:
        srv.close()


def fasttls_server(files, cert=None, key=None) -> fasttls.SSLContext:
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert or files.cert, key or files.key)
    return ctx


def ssl_server(files, cert=None, key=None) -> ssl.SSLContext:
    ctx = _StdSSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert or files.cert, key or files.key)
    return ctx


def make_server(kind, files, cert=None, key=None):
    return (fasttls_server if kind == "fasttls" else ssl_server)(files, cert, key)


def client(files, **kw) -> fasttls.SSLContext:
    return fasttls.create_default_context(cafile=files.ca, **kw)


def client_of(kind, files) -> ssl.SSLContext:
    """A verifying client context of ``kind`` ("fasttls" or "ssl") trusting the test CA."""
    if kind == "fasttls":
        return client(files)
    ctx = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(files.ca)
    return ctx


@contextmanager
def connect(ctx, port, server_hostname="localhost", **kw):
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    try:
        s = ctx.wrap_socket(raw, server_hostname=server_hostname, **kw)
    except BaseException:
        raw.close()
        raise
    with s:
        yield s


@contextmanager
def one_connection(serve):
    """A listener on 127.0.0.1 whose first connection ``serve(raw)`` handles on a thread
    (the socket is closed after it).  Yields ``(port, thread)``; closes and joins at the end."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(30)  # a client that never comes does not leave the thread waiting

    def run():
        raw, _ = listener.accept()
        with raw:
            serve(raw)

    t = threading.Thread(target=run)
    t.start()
    try:
        yield listener.getsockname()[1], t
    finally:
        listener.close()
        t.join(60)


def echo(s, data: bytes) -> bytes:
    s.sendall(data)
    out = b""
    while len(out) < len(data):
        chunk = s.recv(65536)
        assert chunk
        out += chunk
    return out


# ---------------------------------------------------------------------------
# The context surface
# ---------------------------------------------------------------------------


def test_context_is_an_ssl_context_with_ssl_defaults():
    c = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    s = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    ref_c, ref_s = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT), _StdSSLContext(ssl.PROTOCOL_TLS_SERVER)
    assert isinstance(c, ssl.SSLContext) and isinstance(s, ssl.SSLContext)
    for ours, ref in ((c, ref_c), (s, ref_s)):
        assert ours.verify_mode == ref.verify_mode and type(ours.verify_mode) is ssl.VerifyMode
        assert ours.check_hostname == ref.check_hostname
        assert ours.minimum_version == ssl.TLSVersion.TLSv1_2
        assert ours.maximum_version == ssl.TLSVersion.MAXIMUM_SUPPORTED
        assert ours.options == ref.options and isinstance(ours.options, ssl.Options)
        assert ours.verify_flags == ref.verify_flags
        assert ours.protocol == ref.protocol
        assert ours.post_handshake_auth is False
        assert ours.keylog_filename is None
        assert ours.session_stats() == ref.session_stats()
        assert ours.cert_store_stats() == {"x509": 0, "crl": 0, "x509_ca": 0}
        assert ours.get_ca_certs() == []
    assert s.num_tickets == ref_s.num_tickets
    assert fasttls.SSLContext.sslsocket_class is fasttls.SSLSocket
    assert fasttls.SSLContext.sslobject_class is fasttls.SSLObject
    with pytest.raises(NotImplementedError):  # OpenSSL's own entry points are closed
        c._wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), False, "localhost")
    with pytest.warns(DeprecationWarning):
        legacy = fasttls.SSLContext()
    assert legacy.protocol == ssl.PROTOCOL_TLS


def test_check_hostname_and_verify_mode_interplay():
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    with pytest.raises(ValueError, match="check_hostname"):
        ctx.verify_mode = ssl.CERT_NONE
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.check_hostname = True  # turns verification back on, as in ssl
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    with pytest.raises(ValueError):
        ctx.verify_mode = 7
    with pytest.raises(TypeError):
        ctx.verify_mode = "required"
    srv = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    srv.verify_mode = ssl.CERT_OPTIONAL
    assert srv.verify_mode == ssl.CERT_OPTIONAL and srv.check_hostname is False


def test_versions_below_tls12_are_refused_clearly():
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    for v in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.SSLv3):
        # A minimum below TLS 1.2 is taken, as ssl takes it (and means TLS 1.2, next test);
        # a maximum there would leave nothing to speak.  Both warn first, as ssl's.
        with pytest.warns(DeprecationWarning, match=f"ssl.TLSVersion.{v.name} is deprecated"):
            ctx.minimum_version = v
        assert ctx.minimum_version == v
        with pytest.raises(ValueError, match="TLS 1.2 and TLS 1.3 only"), pytest.warns(DeprecationWarning):
            ctx.maximum_version = v
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_3
    ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    with pytest.raises(ValueError):
        ctx.minimum_version = 0x0999
    with pytest.raises(ValueError, match="TLS 1.2 and TLS 1.3 only"):
        fasttls.SSLContext(ssl.PROTOCOL_TLSv1)


def test_the_version_getters_resolve_the_other_ends_bound_as_ssl():
    """``minimum_version = MAXIMUM_SUPPORTED`` reads back as TLSv1_3 in ssl (its setter
    hands OpenSSL the newest version), and ``maximum_version = MINIMUM_SUPPORTED`` as the
    oldest version there is (TLSv1 in ssl, TLSv1_2 here); each as set otherwise.  Ours
    read back what was set."""
    seen = {}
    for module in (ssl, fasttls):
        ctx = module.SSLContext(module.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
        got = [ctx.minimum_version, ctx.maximum_version]
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.maximum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        got += [ctx.minimum_version, ctx.maximum_version]
        seen[module.__name__] = got
    oldest = {"ssl": ssl.TLSVersion.TLSv1, "fasttls": ssl.TLSVersion.TLSv1_2}
    for name, got in seen.items():
        assert got == [ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.MAXIMUM_SUPPORTED, ssl.TLSVersion.MINIMUM_SUPPORTED, oldest[name]], name


def test_a_minimum_below_tls12_still_negotiates_tls12_at_least(files):
    """Servers set ``minimum_version = TLSv1`` "to accept old clients"; with ssl that works,
    with us it used to raise.  Now it is taken, and old clients still get protocol_version."""
    sctx = fasttls_server(files)
    with pytest.warns(DeprecationWarning):
        sctx.minimum_version = ssl.TLSVersion.TLSv1
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.check_hostname, old.verify_mode = False, ssl.CERT_NONE
    old.set_ciphers("DEFAULT:@SECLEVEL=0")  # lets OpenSSL 3 offer TLS 1.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
    with echo_server(sctx, connections=2) as srv:
        with pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION|protocol version|UNSUPPORTED_PROTOCOL"):
            with connect(old, srv.port):
                pass
        tls12 = client_of("ssl", files)
        tls12.maximum_version = ssl.TLSVersion.TLSv1_2
        with connect(tls12, srv.port) as s:
            assert s.version() == "TLSv1.2"
            echo(s, b"old minimum, new protocol")


def test_option_and_flag_words_are_kept():
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    with pytest.warns(DeprecationWarning, match="OP_NO_TLS"):
        ctx.options |= ssl.OP_NO_TICKET | ssl.OP_NO_TLSv1_2
    assert ctx.options & ssl.OP_NO_TICKET
    assert ctx._config_for(False).min_version == 0x0304  # OP_NO_TLSv1_2 honoured
    assert ctx._config_for(False).session_tickets is False
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    assert ctx.verify_flags & ssl.VERIFY_X509_STRICT
    ctx.post_handshake_auth = True
    assert ctx.post_handshake_auth is True
    with pytest.raises(ValueError):
        ctx.num_tickets = 3  # client context, as in ssl
    with pytest.raises(ValueError):
        ctx.sni_callback = lambda *a: None


def test_load_cert_chain_errors(files, tmp_path):
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    with pytest.raises(FileNotFoundError):
        ctx.load_cert_chain(str(tmp_path / "missing.pem"))
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate\n")
    with pytest.raises(ssl.SSLError):
        ctx.load_cert_chain(str(bad), files.key)
    with pytest.raises(ssl.SSLError, match="KEY_VALUES_MISMATCH"):
        ctx.load_cert_chain(files.cert, files.rsa_key)
    with pytest.raises(TypeError):
        ctx.load_cert_chain(files.cert, files.encrypted_key, password=42)
    with pytest.raises(TypeError):
        ctx.load_cert_chain(123)
    with pytest.raises(ssl.SSLError):
        ctx.load_cert_chain(files.cert, files.encrypted_key, password="wrong")
    with pytest.raises(ssl.SSLError):
        ctx.load_cert_chain(files.cert, files.encrypted_key)  # encrypted, no password
    for password in ("secret", b"secret", bytearray(b"secret"), lambda: "secret", lambda: b"secret"):
        ctx.load_cert_chain(files.cert, files.encrypted_key, password=password)
    with pytest.raises(TypeError):
        ctx.load_cert_chain(files.cert, files.encrypted_key, password=lambda: 42)


def test_load_errors_carry_ssls_errno_library_and_reason(files, tmp_path):
    """ssl's ``errno`` for a failed load is OpenSSL's reason code (116: a key that is not
    the certificate's; 108: DH parameters without a start line; ERR_R_PEM_LIB: a certfile
    with no certificate); ours said SSL_ERROR_SSL (1), as an IntEnum.  And DER ``cadata``
    that is no certificate raised an SSLError without ``library`` and ``reason``: code
    reading them while handling the error failed with AttributeError."""
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate(open(files.ca, "rb").read()).public_bytes(Encoding.DER)
    cases = {
        "key of another certificate": lambda c: c.load_cert_chain(files.cert, files.client_key),
        "key file as certfile": lambda c: c.load_cert_chain(files.key),
        "certificate as DH parameters": lambda c: c.load_dh_params(files.cert),
        "DER cadata that is no certificate": lambda c: c.load_verify_locations(cadata=b"\x00\x01\x02"),
        "DER cadata cut short": lambda c: c.load_verify_locations(cadata=der[:50]),
        "DER cadata with a certificate cut short after a whole one": lambda c: c.load_verify_locations(cadata=der + der[:40]),
    }
    for name, load in cases.items():
        seen = []
        for context in (_StdSSLContext(ssl.PROTOCOL_TLS_SERVER), fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)):
            with pytest.raises(ssl.SSLError) as info:
                load(context)
            e = info.value
            seen.append((e.errno, type(e.errno), e.library, e.reason))
        assert seen[1] == seen[0], name


def test_set_ecdh_curve_names_a_curve_fasttls_lacks_as_such():
    """A curve OpenSSL knows but fasttls has not (secp256k1) was "unknown"; an unknown
    name still is, as in ssl.  Both ValueError, as ssl's."""
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    with pytest.raises(ValueError, match="'secp256k1' is not supported by fasttls"):
        ctx.set_ecdh_curve("secp256k1")
    with pytest.raises(ValueError, match="unknown elliptic curve name 'nope'"):
        ctx.set_ecdh_curve("nope")
    ctx.set_ecdh_curve("prime256v1")


def _root_with_utctime_without_seconds() -> bytes:
    """A self-signed P-256 CA whose validity is "YYMMDDhhmmZ" (UTCTime without seconds):
    OpenSSL reads it, cryptography refuses it (RFC 5280 wants the seconds).  DER."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    def tlv(kind, body):
        n = len(body)
        size = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")
        return bytes([kind]) + size + body

    def seq(*parts):
        return tlv(0x30, b"".join(parts))

    ecdsa_sha256 = seq(tlv(0x06, bytes.fromhex("2a8648ce3d040302")))
    name = seq(tlv(0x31, seq(tlv(0x06, b"\x55\x04\x03"), tlv(0x0C, b"Old Root"))))
    basic_constraints = seq(tlv(0x06, b"\x55\x1d\x13"), tlv(0x01, b"\xff"), tlv(0x04, seq(tlv(0x01, b"\xff"))))
    key = ec.generate_private_key(ec.SECP256R1())
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    validity = seq(tlv(0x17, b"2501010000Z"), tlv(0x17, b"4512312359Z"))
    tbs = seq(tlv(0xA0, tlv(0x02, b"\x02")), tlv(0x02, b"\x01"), ecdsa_sha256, name, validity, name, spki, tlv(0xA3, seq(basic_constraints)))
    return seq(tbs, ecdsa_sha256, tlv(0x03, b"\x00" + key.sign(tbs, ec.ECDSA(hashes.SHA256()))))


@pytest.mark.parametrize("form", ["cafile", "cadata PEM", "cadata DER", "alone"])
def test_a_bundle_with_a_certificate_only_openssl_reads_loads_as_in_ssl(files, tmp_path, form):
    """A CA bundle holding one certificate cryptography refuses and OpenSSL reads (a
    UTCTime without seconds): ssl loads the bundle, ours refused all of it.  Now that one
    is left out (cryptography could not verify with it) and the rest is used.  A bundle
    of only such certificates still fails, naming why (ssl loads it; we could verify
    nothing with it), and one OpenSSL refuses too fails the load, as in ssl."""
    from cryptography.hazmat.primitives.serialization import Encoding

    odd = _root_with_utctime_without_seconds()
    with pytest.raises(ValueError):
        x509.load_der_x509_certificate(odd)
    good = x509.load_pem_x509_certificate(open(files.ca, "rb").read()).public_bytes(Encoding.DER)
    pem = "".join(ssl.DER_cert_to_PEM_cert(d) for d in ((odd,) if form == "alone" else (odd, good)))
    bundle = tmp_path / "bundle.pem"
    bundle.write_text(pem)

    def load(ctx, data=None):
        data = data or {"cafile": {"cafile": str(bundle)}, "cadata DER": {"cadata": odd + good}}.get(form, {"cadata": pem})
        ctx.load_verify_locations(**data)

    ref = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    load(ref)
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    if form == "alone":
        with pytest.raises(ssl.SSLError, match="cannot use any certificate: cryptography refuses them"):
            load(ctx)
        with pytest.raises(ssl.SSLError):
            load(ctx, {"cadata": odd})
        assert ctx.cert_store_stats()["x509"] == 0
    else:
        load(ctx)
        assert ctx.cert_store_stats()["x509_ca"] == ref.cert_store_stats()["x509_ca"] - 1  # the odd one left out
        ssock = make_server("ssl", files)
        from .helpers import bio_handshake

        assert bio_handshake((ctx, "localhost"), ssock) == {}
    junk = bytearray(odd)
    junk[4:8] = b"\xff\xff\xff\xff"  # the TBS header broken: neither reads it
    for c in (_StdSSLContext(ssl.PROTOCOL_TLS_CLIENT), fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)):
        with pytest.raises(ssl.SSLError):
            load(c, {"cadata": ssl.DER_cert_to_PEM_cert(bytes(junk))})


def test_load_verify_locations_and_ca_queries(files, pki, tmp_path):
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    ref = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    with pytest.raises(TypeError):
        ctx.load_verify_locations()
    with pytest.raises(FileNotFoundError):
        ctx.load_verify_locations(str(tmp_path / "nope.pem"))
    with pytest.raises(ValueError):
        ctx.load_verify_locations(cadata="")
    with pytest.raises(TypeError):
        ctx.load_verify_locations(cadata=42)
    empty = tmp_path / "empty.pem"
    empty.write_text("nothing here\n")
    for c in (ctx, ref):
        with pytest.raises(ssl.SSLError) as info:
            c.load_verify_locations(str(empty))
        assert (info.value.errno, info.value.library, info.value.reason) == (136, "X509", "NO_CERTIFICATE_OR_CRL_FOUND")
    for c in (ctx, ref):
        c.load_verify_locations(files.ca)
        c.load_verify_locations(cadata=pki.root.cert_der)  # duplicate: no change
    assert ctx.cert_store_stats() == ref.cert_store_stats() == {"x509": 1, "crl": 0, "x509_ca": 1}
    assert ctx.get_ca_certs() == ref.get_ca_certs()
    assert ctx.get_ca_certs(binary_form=True) == ref.get_ca_certs(binary_form=True)
    ctx.load_verify_locations(cadata=open(files.other_ca).read())
    assert ctx.cert_store_stats()["x509_ca"] == 2


@pytest.mark.parametrize("tail", [b"", b"\x00", b"\x30", b"\x30\x82\x01", b"\x00\x00", b"xyz", b"\x30\x05ab"])
def test_der_cadata_with_a_tail_is_refused(pki, tail):
    """DER ``cadata`` with anything after its last certificate is refused.  ``ssl`` took a
    tail too short for an ASN.1 header for the end of the data on Python 3.11 with OpenSSL
    3.0.19, and refuses it on 3.12 and later and on 3.11 with OpenSSL 3.0.22 (which error
    OpenSSL reports decides it); we always refuse, and agree with ``ssl`` otherwise."""
    der = pki.root.cert_der + pki.ca.cert_der
    verdicts = []
    for c in (fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT), _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)):
        try:
            c.load_verify_locations(cadata=der + tail)
        except ssl.SSLError:
            verdicts.append("SSLError")
        else:
            verdicts.append(c.cert_store_stats()["x509"])
    assert verdicts[0] == (2 if tail == b"" else "SSLError")
    short = tail and len(tail) < 2 or tail[:1] == b"\x30" and len(tail) < 5  # no room for a header
    assert verdicts[1] == verdicts[0] or (short and verdicts[1] == 2)


def test_load_default_certs_honours_ssl_cert_file(files, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", files.ca)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    ctx.load_default_certs()
    assert ctx.cert_store_stats()["x509_ca"] == 1
    with echo_server(fasttls_server(files)) as srv:
        with connect(ctx, srv.port) as s:
            assert echo(s, b"system store") == b"system store"
    with pytest.raises(TypeError):
        ctx.load_default_certs("serverAuth")


def test_create_default_context_and_sslkeylogfile(files, tmp_path, monkeypatch):
    keylog = tmp_path / "env-keys.log"
    monkeypatch.setenv("SSLKEYLOGFILE", str(keylog))
    ctx = fasttls.create_default_context(cafile=files.ca)
    assert isinstance(ctx, fasttls.SSLContext)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.keylog_filename == str(keylog)
    server_side = fasttls.create_default_context(fasttls.Purpose.CLIENT_AUTH)
    assert server_side.protocol == ssl.PROTOCOL_TLS_SERVER and server_side.verify_mode == ssl.CERT_NONE
    with pytest.raises(TypeError):
        fasttls.create_default_context("serverAuth")
    with echo_server(fasttls_server(files)) as srv:
        with connect(ctx, srv.port) as s:
            echo(s, b"k")
            client_random = s.connection.client_random.hex()
    lines = [line.split() for line in keylog.read_text().splitlines() if not line.startswith("#")]
    labels = {label for label, cr, _secret in lines if cr == client_random}
    assert {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"} <= labels


def test_set_ciphers_ciphersuites_and_get_ciphers(files):
    ctx = client(files)
    ctx.set_ciphers("ECDHE+AESGCM:!ECDSA")
    names = [c["name"] for c in ctx.get_ciphers()]
    assert names[:3] == ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
    assert set(names[3:]) == {"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256"}
    for c in (ctx, _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)):  # the version bounds do not filter it, as in ssl
        count = len(c.get_ciphers())
        c.minimum_version = c.maximum_version = ssl.TLSVersion.TLSv1_3
        assert len(c.get_ciphers()) == count
        c.minimum_version, c.maximum_version = ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.MAXIMUM_SUPPORTED
    with pytest.raises(ssl.SSLError):
        ctx.set_ciphers("RC4-MD5")
    with pytest.raises(TypeError):
        ctx.set_ciphers(b"HIGH")
    ctx.set_ciphersuites("TLS_CHACHA20_POLY1305_SHA256")
    with pytest.raises(ssl.SSLError):
        ctx.set_ciphersuites("TLS_NOPE")
    for kind in ("fasttls", "ssl"):
        with echo_server(make_server(kind, files)) as srv:
            with connect(ctx, srv.port) as s:
                echo(s, b"chacha")
                assert s.cipher() == ("TLS_CHACHA20_POLY1305_SHA256", "TLSv1.3", 256)
        assert srv.results[0]["cipher"][0] == "TLS_CHACHA20_POLY1305_SHA256"


@pytest.mark.parametrize(
    "groups,expected",
    [("P-384", NamedGroup.secp384r1), (["secp256r1"], NamedGroup.secp256r1), ("X25519MLKEM768:X25519", NamedGroup.X25519MLKEM768), ("x448", NamedGroup.x448)],
)
def test_set_groups(files, groups, expected):
    ctx = client(files)
    ctx.set_groups(groups)
    sctx = fasttls_server(files)
    sctx.set_groups("X25519MLKEM768:X25519:X448:P-256:P-384:P-521")  # X448 is not on by default
    with echo_server(sctx) as srv:
        with connect(ctx, srv.port) as s:
            echo(s, b"g")
            assert s.connection.group == expected


def test_set_groups_errors_and_against_ssl(files):
    ctx = client(files)
    with pytest.raises(ssl.SSLError):
        ctx.set_groups("P-999")
    with pytest.raises(TypeError):
        ctx.set_groups([1, 2])
    ctx.set_groups("P-521")
    with echo_server(ssl_server(files)) as srv:
        with connect(ctx, srv.port) as s:
            echo(s, b"g")
            assert s.connection.group == NamedGroup.secp521r1


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_alpn(files, kind):
    sctx = make_server(kind, files)
    sctx.set_alpn_protocols(["h2", "http/1.1"])
    ctx = client(files)
    ctx.set_alpn_protocols(["http/1.1", "h2"])
    with pytest.raises(ssl.SSLError):
        ctx.set_alpn_protocols([""])
    with echo_server(sctx) as srv:
        with connect(ctx, srv.port) as s:
            echo(s, b"a")
            alpn = s.selected_alpn_protocol()
    assert alpn == srv.results[0]["alpn"] and alpn in ("h2", "http/1.1")


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_alpn_without_a_common_protocol_goes_on_without_alpn(files, kind):
    """Python's ssl server answers a client it shares no protocol with by sending no ALPN
    (OpenSSL's callback returns NOACK), not no_application_protocol; ours does the same."""
    sctx = make_server(kind, files)
    sctx.set_alpn_protocols(["h2"])
    ctx = client(files)
    ctx.set_alpn_protocols(["spdy/3"])
    with echo_server(sctx) as srv:
        with connect(ctx, srv.port) as s:
            echo(s, b"a")
            assert s.selected_alpn_protocol() is None
    assert srv.results[0]["alpn"] is None


def test_several_chains_picked_by_the_clients_signature_algorithms(files):
    sctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(files.rsa_cert, files.rsa_key)
    sctx.load_cert_chain(files.cert, files.key)
    sctx.load_cert_chain(files.ed25519_cert, files.ed25519_key)
    assert len(sctx._certificates) == 3
    sctx.load_cert_chain(files.cert, files.key)  # same key type: replaces
    assert len(sctx._certificates) == 3
    seen = {}
    for sigalgs, expect in (("rsa_pss_rsae_sha256", "RSA"), ("ecdsa_secp256r1_sha256", "ECDSA"), ("ed25519", "ED25519")):
        with echo_server(sctx, after_handshake=lambda s: s.recv(100)) as srv:
            with openssl_client(srv.port, ["-CAfile", files.ca, "-servername", "localhost", "-sigalgs", sigalgs, "-tls1_3"]) as cli:
                seen[expect] = cli.wait_for(r"Peer signature type: \S+")
                cli.send(b"bye\n")
                cli.close_stdin()
    assert "RSA-PSS" in seen["RSA"] and "ECDSA" in seen["ECDSA"] and "ed25519" in seen["ED25519"].lower()


@pytest.mark.parametrize("version", ["-tls1_3", "-tls1_2"])
@pytest.mark.parametrize("server_preference", [True, False])
def test_several_chains_ranked_as_openssl_ranks_them(files, server_preference, version):
    """When more than one chain fits, OpenSSL's server takes its own signature algorithm
    order (ECDSA, EdDSA, then RSA) with OP_CIPHER_SERVER_PREFERENCE, which ssl sets by
    default, and the client's order without it; the order of load_cert_chain calls does
    not matter.  A client listing RSA-PSS first tells the two apart."""
    served = {}
    for kind, cls in (("ssl", _StdSSLContext), ("fasttls", fasttls.SSLContext)):
        sctx = cls(ssl.PROTOCOL_TLS_SERVER)
        if not server_preference:
            sctx.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
        for cert, key in ((files.rsa_cert, files.rsa_key), (files.ed25519_cert, files.ed25519_key), (files.cert, files.key)):
            sctx.load_cert_chain(cert, key)
        with echo_server(sctx, after_handshake=lambda s: s.recv(100)) as srv:
            args = ["-CAfile", files.ca, "-servername", "localhost", "-sigalgs", "rsa_pss_rsae_sha256:ed25519:ecdsa_secp256r1_sha256"]
            if version == "-tls1_2":  # the suite decides the key type: the client's order lists RSA first
                args += ["-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256"]
            with openssl_client(srv.port, [*args, version]) as cli:
                served[kind] = cli.wait_for(r"Peer signature type: \S+").split()[-1]
                cli.send(b"bye\n")
                cli.close_stdin()
    assert served["fasttls"] == served["ssl"] == ("ECDSA" if server_preference else "RSA-PSS"), served


def test_nonblocking_signals_are_ssls_own_classes(files):
    """SSLWantReadError and SSLWantWriteError are ssl's classes themselves, with ssl's errno
    and text: redis-py tells "no data yet" from a failure by looking ``type(e)`` up in a
    dict keyed by ssl's classes, and with a subclass every command of its TLS client failed."""
    for impl, cls in (("ssl", _StdSSLContext), ("fasttls", fasttls.SSLContext)):
        client = cls(ssl.PROTOCOL_TLS_CLIENT)
        client.load_verify_locations(files.ca)
        obj = client.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost")
        with pytest.raises(ssl.SSLWantReadError) as bio_read:
            obj.do_handshake()
        with echo_server(fasttls_server(files)) as srv:
            with connect(client, srv.port) as s:
                s.setblocking(False)
                with pytest.raises(ssl.SSLWantReadError) as socket_read:
                    s.recv(100)
                with pytest.raises(ssl.SSLWantWriteError) as socket_write:
                    for _ in range(100_000):  # until the server, whose echoes we leave unread, stops reading
                        s.send(b"x" * 65536)
        for info in (bio_read, socket_read, socket_write):
            e = info.value
            assert type(e) is (ssl.SSLWantWriteError if info is socket_write else ssl.SSLWantReadError), (impl, type(e))
            assert type(e.errno) is int and e.errno == e.args[0] == (3 if info is socket_write else 2), (impl, e.args)
            assert e.library is None and e.reason is None, impl
            assert str(e).startswith("The operation did not complete (write)" if info is socket_write else "The operation did not complete (read)")


# ---------------------------------------------------------------------------
# Verification failures, as ssl reports them
# ---------------------------------------------------------------------------


def _ssl_client_verify_error(files, port, hostname):
    ref = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ref.load_verify_locations(files.ca)
    with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
        with pytest.raises(ssl.SSLCertVerificationError) as info:
            ref.wrap_socket(raw, server_hostname=hostname)
    return info.value


@pytest.mark.parametrize(
    "case,hostname,code",
    [("untrusted", "localhost", 20), ("wronghost", "localhost", 62), ("expired", "localhost", 10), ("good", "10.9.8.7", 64)],
)
@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_verification_failures_match_ssl(files, case, hostname, code, kind):
    cert, key = {
        "untrusted": (files.untrusted_cert, files.untrusted_key),
        "wronghost": (files.wronghost_cert, files.wronghost_key),
        "expired": (files.expired_cert, files.expired_key),
        "good": (files.cert, files.key),
    }[case]
    with echo_server(make_server(kind, files, cert, key), connections=2) as srv:
        with pytest.raises(ssl.SSLCertVerificationError) as info:
            with connect(client(files), srv.port, server_hostname=hostname):
                pass
        ref = _ssl_client_verify_error(files, srv.port, hostname)
    err = info.value
    assert isinstance(err, fasttls.SSLCertVerificationError)
    assert err.verify_code == code == ref.verify_code
    assert err.verify_message
    # What code checks (aiohttp, scripts that look for CERTIFICATE_VERIFY_FAILED):
    assert (err.reason, err.library, err.errno, type(err.errno)) == (ref.reason, ref.library, ref.errno, int)
    assert str(err).startswith("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ")
    assert (err.strerror == err.args[1]) and (ref.strerror == ref.args[1])  # OSError's fields agree
    assert str(ref).startswith(f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {ref.verify_message}")
    assert isinstance(err, ssl.SSLError) and isinstance(err, ValueError)  # ssl.CertificateError is a ValueError


def _name_of(length: int, trailing_dot: bool = False) -> str:
    labels, n = [], length - trailing_dot
    while n > 0:
        take = min(n, 60)
        labels.append("a" * take)
        n -= take + 1
    name = ".".join(labels)[: length - trailing_dot]
    return name.rstrip(".") + "x" * (length - trailing_dot - len(name.rstrip("."))) + ("." if trailing_dot else "")


@pytest.mark.parametrize("length,trailing_dot", [(255, False), (256, False), (256, True), (300, False)])
def test_a_server_name_over_255_bytes_is_refused_at_wrap_time(length, trailing_dot):
    """OpenSSL's SSL_set_tlsext_host_name takes no name over 255 bytes (the trailing dot
    counted), so ssl refuses it when wrapping; ours sent it."""
    name = _name_of(length, trailing_dot)
    assert len(name) == length
    outcome = {}
    for module in (ssl, fasttls):
        ctx = module.create_default_context()
        try:
            ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname=name)
            outcome[module.__name__] = None
        except ssl.SSLError as e:
            outcome[module.__name__] = (e.library, e.reason)
    assert outcome["fasttls"] == outcome["ssl"] == (None if length <= 255 else ("SSL", "SSL3_EXT_INVALID_SERVERNAME"))


def test_no_verification_and_no_hostname_check(files):
    ctx = client(files)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with echo_server(fasttls_server(files, files.untrusted_cert, files.untrusted_key)) as srv:
        with connect(ctx, srv.port, server_hostname=None) as s:
            assert s.getpeercert() == {}
            der = s.getpeercert(binary_form=True)
            assert isinstance(der, bytes) and der == s.get_unverified_chain()[0]
            assert s.get_verified_chain() == []
            echo(s, b"x")
    ctx2 = client(files)
    ctx2.check_hostname = False  # chain still verified, any name
    with echo_server(fasttls_server(files, files.wronghost_cert, files.wronghost_key)) as srv:
        with connect(ctx2, srv.port, server_hostname=None) as s:
            assert s.getpeercert()["subjectAltName"] == (("DNS", "wrong.example"),)
            echo(s, b"y")


def test_getpeercert_matches_ssl(files):
    with echo_server(ssl_server(files), connections=2) as srv:
        with connect(client(files), srv.port) as s:
            ours = s.getpeercert()
            chain = s.get_verified_chain()
        ref = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ref.load_verify_locations(files.ca)
        with connect(ref, srv.port) as r:
            theirs = r.getpeercert()
    assert ours == theirs
    assert len(chain) == 3  # leaf, intermediate, root


@pytest.mark.parametrize("mode", ["required", "optional"])
def test_client_certificates(files, mode):
    sctx = fasttls_server(files)
    sctx.verify_mode = ssl.CERT_REQUIRED if mode == "required" else ssl.CERT_OPTIONAL
    sctx.load_verify_locations(files.ca)
    with echo_server(sctx, connections=2) as srv:
        with_cert = client(files)
        with_cert.load_cert_chain(files.client_cert, files.client_key)
        with connect(with_cert, srv.port) as s:
            echo(s, b"mtls")
        without = client(files)
        if mode == "required":
            with pytest.raises(ssl.SSLError):
                with connect(without, srv.port) as s:
                    echo(s, b"no cert")
        else:
            with connect(without, srv.port) as s:
                echo(s, b"no cert")
    first, second = srv.results
    assert ("commonName", "client.fasttls.test") in [rdn[0] for rdn in first["peercert"]["subject"]]
    if mode == "required":
        assert isinstance(second, ssl.SSLError)
    else:
        assert second["peercert"] is None


# ---------------------------------------------------------------------------
# SNI callback
# ---------------------------------------------------------------------------


def test_sni_callback_switches_context_and_can_refuse(files):
    other = fasttls_server(files, files.wronghost_cert, files.wronghost_key)
    calls = []

    def callback(sslsock, server_name, ctx):
        calls.append((type(sslsock), server_name, ctx))
        if server_name == "wrong.example":
            sslsock.context = other
        elif server_name == "refused.example":
            return fasttls.ALERT_DESCRIPTION_ACCESS_DENIED  # as ssl's, for "import fasttls as ssl"
        return None

    sctx = fasttls_server(files)
    sctx.sni_callback = callback
    with echo_server(sctx, connections=3) as srv:
        with connect(client(files), srv.port, server_hostname="wrong.example") as s:
            assert s.getpeercert()["subjectAltName"] == (("DNS", "wrong.example"),)
            echo(s, b"sni")
        with connect(client(files), srv.port) as s:
            assert s.getpeercert()["subjectAltName"][0] == ("DNS", "localhost")
            echo(s, b"sni")
        ctx = client(files)
        ctx.check_hostname = False
        with pytest.raises(ssl.SSLError, match="(?i)access_denied"):
            with connect(ctx, srv.port, server_hostname="refused.example"):
                pass
    assert [(c[0], c[1]) for c in calls] == [(fasttls.SSLSocket, "wrong.example"), (fasttls.SSLSocket, "localhost"), (fasttls.SSLSocket, "refused.example")]
    assert all(c[2] is sctx for c in calls)


@pytest.mark.parametrize("call", ["recv", "sendall", "do_handshake"])
def test_sni_callback_using_its_own_socket_is_told_at_once(files, call, monkeypatch):
    """A callback that reads, writes or handshakes on the socket whose handshake runs it
    would wait for itself: until the timeout (20 s here), or for ever without one, as
    ``ssl`` does.  It gets an SSLError at once, and the handshake fails."""
    raised, reported = [], []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_value))  # as ssl reports it

    def callback(sslsock, server_name, ctx):
        try:
            {"recv": lambda: sslsock.recv(10), "sendall": lambda: sslsock.sendall(b"x"), "do_handshake": sslsock.do_handshake}[call]()
        except Exception as exc:
            raised.append(exc)
            raise

    sctx = fasttls_server(files)
    sctx.sni_callback = callback
    started = time.monotonic()
    with echo_server(sctx) as srv:
        with pytest.raises(ssl.SSLError, match="(?i)handshake_failure"):
            with connect(client(files), srv.port):
                pass
    assert time.monotonic() - started < 10
    assert len(raised) == 1 and isinstance(raised[0], ssl.SSLError) and "own handshake" in str(raised[0])
    assert reported == raised
    assert isinstance(srv.results[0], ssl.SSLError)


def test_the_module_has_ssls_stateless_names():
    """``import fasttls as ssl``: every public name of ssl's that holds no connection state
    is here, with ssl's value.  Left out: OpenSSL's version and RAND_*, which would describe
    an OpenSSL fasttls does not speak TLS with, the deprecated PROTOCOL_TLSv1/TLSv1_1
    (refused), and ssl's own imports (os, sys, socket_error...)."""
    left_out = {
        "OPENSSL_VERSION", "OPENSSL_VERSION_INFO", "OPENSSL_VERSION_NUMBER", "PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1",
        "RAND_add", "RAND_bytes", "RAND_pseudo_bytes", "RAND_status", "SOCK_STREAM", "SOL_SOCKET", "SO_TYPE",
        "base64", "create_connection", "errno", "get_protocol_name", "match_hostname", "namedtuple", "os",
        "socket_error", "sys", "warnings",
    }  # fmt: skip
    missing = [n for n in dir(ssl) if not n.startswith("_") and n not in left_out and not hasattr(fasttls, n)]
    assert missing == []
    for name in dir(ssl):
        if name.startswith(("ALERT_DESCRIPTION_", "SSL_ERROR_", "OP_", "VERIFY_", "PROTOCOL_", "CERT_")) and hasattr(fasttls, name):
            assert int(getattr(fasttls, name)) == int(getattr(ssl, name)), name
    assert not (fasttls.HAS_SSLv3 or fasttls.HAS_TLSv1 or fasttls.HAS_TLSv1_1)
    assert set(fasttls.__all__) <= set(dir(fasttls))


def _own_names(cls) -> set[str]:
    return {n for k in cls.__mro__ if k.__module__.startswith("fasttls") for n in vars(k)}


@pytest.mark.parametrize("name", ["SSLContext", "SSLObject", "SSLSocket"])
def test_no_ssl_method_is_left_to_openssl(name):
    """Every public method and property the running Python's ssl class has is fasttls's
    own.  One inherited from ssl or _ssl would act on an OpenSSL object no fasttls
    connection uses: Python 3.13's set_psk_client_callback did, silently.  (SSLSocket's
    plain socket methods come from socket, and stay.)"""
    ours = getattr(fasttls, name)
    theirs = getattr(ssl, name)
    own = _own_names(ours)
    from_ssl = {n for k in theirs.__mro__ if k.__module__ in ("ssl", "_ssl") for n in vars(k)}
    left = sorted(n for n in from_ssl if not n.startswith("_") and n not in own)
    assert left == []


def test_get_server_certificate(files):
    with echo_server(fasttls_server(files)) as srv:
        pem = fasttls.get_server_certificate(("127.0.0.1", srv.port), ca_certs=files.ca)
    with open(files.cert, "rb") as f:
        leaf = x509.load_pem_x509_certificates(f.read())[0]  # the file holds the chain
    assert ssl.PEM_cert_to_DER_cert(pem) == leaf.public_bytes(serialization.Encoding.DER)
    # Verified when ca_certs is given: another CA's server is refused, as with ssl.
    with echo_server(fasttls_server(files, files.untrusted_cert, files.untrusted_key)) as srv:
        with pytest.raises(fasttls.SSLCertVerificationError):
            fasttls.get_server_certificate(("127.0.0.1", srv.port), ca_certs=files.ca)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_an_sni_context_swap_keeps_the_required_client_certificate(files, kind):
    """OpenSSL's SSL_set_SSL_CTX takes the certificates (and ALPN, trust store) from the new
    context and keeps the connection's verify mode.  We took the whole new context, so a
    server requiring client certificates stopped asking once its sni_callback switched to a
    per-host context that (as usual) only loaded a certificate chain."""
    per_host = make_server(kind, files, files.wronghost_cert, files.wronghost_key)
    per_host.load_verify_locations(files.ca)  # OpenSSL verifies with the new context's store
    assert per_host.verify_mode == ssl.CERT_NONE

    def callback(sslsock, server_name, ctx):
        if server_name == "wrong.example":
            sslsock.context = per_host

    sctx = make_server(kind, files)
    sctx.verify_mode = ssl.CERT_REQUIRED
    sctx.load_verify_locations(files.ca)
    sctx.sni_callback = callback
    with_cert = client(files)
    with_cert.load_cert_chain(files.client_cert, files.client_key)
    with echo_server(sctx, connections=2) as srv:
        with connect(with_cert, srv.port, server_hostname="wrong.example") as s:
            assert s.getpeercert()["subjectAltName"] == (("DNS", "wrong.example"),)  # the swap happened
            echo(s, b"with a certificate")
        with pytest.raises(ssl.SSLError, match="(?i)certificate.required|handshake.failure|EOF|reset"):
            with connect(client(files), srv.port, server_hostname="wrong.example") as s:
                echo(s, b"without one")  # TLS 1.3: the refusal comes after the client's Finished


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_an_sni_context_swap_brings_its_cipher_list_and_key_log(files, kind, tmp_path):
    """What OpenSSL reads from the SSL_CTX at the time (not copied into the SSL when made):
    the TLS 1.2 cipher list and the key log callback come from the new context."""
    per_host = make_server(kind, files, files.wronghost_cert, files.wronghost_key)
    per_host.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
    per_host.keylog_filename = str(tmp_path / "per-host.keys")
    sctx = make_server(kind, files)
    sctx.set_ciphers("ECDHE-ECDSA-CHACHA20-POLY1305")
    sctx.keylog_filename = str(tmp_path / "original.keys")

    def callback(sslsock, server_name, ctx):
        sslsock.context = per_host

    sctx.sni_callback = callback
    cctx = client(files)
    cctx.maximum_version = ssl.TLSVersion.TLSv1_2
    cctx.set_ciphers("ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256")
    with echo_server(sctx) as srv:
        with connect(cctx, srv.port, server_hostname="wrong.example") as s:
            assert s.cipher()[0] == "ECDHE-ECDSA-AES128-GCM-SHA256"
            echo(s, b"per host")
    assert (tmp_path / "per-host.keys").read_text().count("CLIENT_RANDOM") == 1
    assert "CLIENT_RANDOM" not in ((tmp_path / "original.keys").read_text() if (tmp_path / "original.keys").exists() else "")


def test_set_servername_callback(files):
    names = []
    sctx = fasttls_server(files)
    sctx.set_servername_callback(lambda sock, name, ctx: names.append(name))
    with pytest.raises(TypeError):
        sctx.set_servername_callback(42)
    with echo_server(sctx) as srv:
        with connect(client(files), srv.port) as s:
            echo(s, b"n")
    assert names == ["localhost"]


# ---------------------------------------------------------------------------
# The socket
# ---------------------------------------------------------------------------


def test_wrap_socket_argument_errors(files):
    ctx = client(files)
    with socket.socket() as raw:
        with pytest.raises(ValueError, match="check_hostname requires server_hostname"):
            ctx.wrap_socket(raw)
        with pytest.raises(ValueError):
            ctx.wrap_socket(raw, server_hostname=".leading.dot")
        with pytest.raises(ValueError, match="check_hostname requires server_hostname"):
            ctx.wrap_socket(raw, server_side=True)  # as ssl: this check comes first
        ctx.check_hostname = False
        with pytest.raises(ssl.SSLError, match="Cannot create a server socket"):
            ctx.wrap_socket(raw, server_side=True)
        ctx.check_hostname = True
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        with pytest.raises(NotImplementedError):
            ctx.wrap_socket(udp, server_hostname="localhost")
        with pytest.raises(NotImplementedError):  # before check_hostname's complaint, as ssl
            ctx.wrap_socket(udp)
    nul = []  # a NUL in the name: ssl's exception class and text (they vary with Python)
    for module in (ssl, fasttls):
        with pytest.raises(Exception) as info:
            module.create_default_context().wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="a\x00b")
        nul.append((type(info.value), str(info.value)))
    assert nul[0] == nul[1]
    sctx = fasttls_server(files)
    with socket.socket() as raw:
        with pytest.raises(ValueError):
            sctx.wrap_socket(raw, server_side=True, server_hostname="x")
    with pytest.raises(TypeError):
        ctx.wrap_bio(b"", b"", server_hostname="localhost")
    with pytest.raises(TypeError):
        fasttls.SSLSocket()
    with pytest.raises(TypeError):
        fasttls.SSLObject()


def test_unconnected_socket_then_connect(files):
    with echo_server(fasttls_server(files)) as srv:
        with ctx_socket(client(files)) as s:
            with pytest.raises(OSError):
                s.getpeercert()
            s.connect(("127.0.0.1", srv.port))
            assert s.version() == "TLSv1.3"
            assert echo(s, b"late connect") == b"late connect"
            with pytest.raises(ValueError):
                s.connect(("127.0.0.1", srv.port))
            with pytest.raises(NotImplementedError):
                s.dup()


@contextmanager
def ctx_socket(ctx):
    s = ctx.wrap_socket(socket.socket(), server_hostname="localhost")
    with s:
        yield s


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_blocking_io_makefile_and_sendfile(files, kind, tmp_path):
    blob = os.urandom(1_000_000)
    path = tmp_path / "blob"
    path.write_bytes(blob)
    with echo_server(make_server(kind, files)) as srv:
        with connect(client(files), srv.port) as s:
            assert isinstance(s, fasttls.SSLSocket) and isinstance(s, socket.socket)
            assert s.context.check_hostname
            assert s.server_hostname == "localhost" and s.server_side is False
            assert echo(s, blob) == blob
            buf = bytearray(10)
            s.sendall(b"0123456789")
            got = 0
            while got < 10:
                got += s.recv_into(memoryview(buf)[got:])
            assert bytes(buf) == b"0123456789"
            with open(path, "rb") as f:
                assert s.sendfile(f) == len(blob)
            out = bytearray()
            while len(out) < len(blob):
                out += s.recv(65536)
            assert bytes(out) == blob
            with s.makefile("rwb") as f:
                f.write(b"line one\nline two\n")
                f.flush()
                assert f.readline() == b"line one\n"
                assert f.readline() == b"line two\n"
            with pytest.raises(ValueError):
                s.recv(10, socket.MSG_PEEK)
            with pytest.raises(ValueError):
                s.sendto(b"x", ("127.0.0.1", 9))
            assert s.pending() == 0
            assert s.compression() is None and s.selected_npn_protocol() is None
            assert s.shared_ciphers()
    assert srv.results[0]["version"] == "TLSv1.3"


def test_timeouts(files):
    release = threading.Event()
    with echo_server(fasttls_server(files), after_handshake=lambda s: release.wait(20)) as srv:
        with connect(client(files), srv.port) as s:
            s.settimeout(0.05)
            with pytest.raises(TimeoutError):
                s.recv(10)
            release.set()


def test_non_blocking_handshake_and_io(files):
    with echo_server(fasttls_server(files), connections=2) as srv:
        raw = socket.create_connection(("127.0.0.1", srv.port))
        raw.setblocking(False)
        with pytest.raises(ValueError):
            client(files).wrap_socket(raw, server_hostname="localhost")  # do_handshake_on_connect on a non-blocking socket
        raw = socket.create_connection(("127.0.0.1", srv.port))
        raw.setblocking(False)
        s = client(files).wrap_socket(raw, server_hostname="localhost", do_handshake_on_connect=False)
        with s:
            wants = set()
            while True:
                try:
                    s.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    wants.add("read")
                    assert select.select([s], [], [], 20)[0]
                except ssl.SSLWantWriteError:
                    wants.add("write")
                    assert select.select([], [s], [], 20)[1]
            with pytest.raises(ssl.SSLWantReadError):
                s.recv(100)
            payload = os.urandom(2_000_000)  # more than the socket buffers hold: SSLWantWriteError
            sent = 0
            received = bytearray()
            saw_want_write = False
            while len(received) < len(payload):
                w = [s] if sent < len(payload) else []
                readable, writable, _ = select.select([s], w, [], 10)
                assert readable or writable
                if writable:
                    try:
                        sent += s.send(payload[sent : sent + 300_000])
                    except ssl.SSLWantWriteError:
                        saw_want_write = True
                    except ssl.SSLWantReadError:
                        pass
                if readable:
                    try:
                        while True:
                            received += s.recv(1 << 20)
                    except ssl.SSLWantReadError:
                        pass
            assert bytes(received) == payload
            assert saw_want_write or sent == len(payload)


@pytest.mark.parametrize("suppress", [True, False])
def test_ragged_eof(files, suppress):
    def rude(s):
        s.shutdown(socket.SHUT_RDWR)  # no close_notify

    with echo_server(fasttls_server(files), after_handshake=rude) as srv:
        with connect(client(files), srv.port, suppress_ragged_eofs=suppress) as s:
            if suppress:
                assert s.recv(10) == b""
            else:
                with pytest.raises(ssl.SSLEOFError):
                    s.recv(10)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_close_notify_and_unwrap(files, kind):
    def unwrap_then_plain(s):
        assert s.recv(100) == b"before"
        plain = s.unwrap()
        plain.sendall(b"plain text after TLS")

    with echo_server(make_server(kind, files), after_handshake=unwrap_then_plain) as srv:
        with connect(client(files), srv.port) as s:
            s.sendall(b"before")
            plain = s.unwrap()
            assert plain is s and s.version() is None
            data = b""
            while len(data) < 20:
                data += plain.recv(100)
            assert data == b"plain text after TLS"
    assert srv.results[0]["version"] == "TLSv1.3"


def test_listening_socket_accept_returns_fasttls_sockets(files):
    sctx = fasttls_server(files)
    with socket.create_server(("127.0.0.1", 0)) as lsock:
        listener = sctx.wrap_socket(lsock, server_side=True)
        port = listener.getsockname()[1]
        result = {}

        def serve():
            conn, _ = listener.accept()
            with conn:
                result["type"] = type(conn)
                result["version"] = conn.version()
                conn.sendall(conn.recv(100).upper())

        t = threading.Thread(target=serve)
        t.start()
        with connect(client(files), port) as s:
            s.sendall(b"accepted")
            assert s.recv(100) == b"ACCEPTED"
        t.join(20)
        listener.close()
    assert result == {"type": fasttls.SSLSocket, "version": "TLSv1.3"}


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_session_resumption(files, kind):
    ctx = client(files)
    with echo_server(make_server(kind, files), connections=2) as srv:
        with connect(ctx, srv.port) as s:
            echo(s, b"ticket please")  # the TLS 1.3 ticket arrives after the handshake
            session = s.session
            assert s.session_reused is False
        assert session is not None
        # ssl.SSLSession's attributes (the server's ticket lifetime: 7200 s from ssl, 7 days from us)
        assert session.has_ticket and session.ticket_lifetime_hint == session.timeout > 0
        assert session.id and session.time > 0
        with connect(ctx, srv.port, session=session) as s:
            assert s.session_reused is True
            assert s.getpeercert()["subjectAltName"][0] == ("DNS", "localhost")
            echo(s, b"resumed")
    stats = ctx.session_stats()
    assert (stats["connect_good"], stats["hits"]) == (2, 1)


def test_a_new_client_certificate_is_not_hidden_by_a_cached_session(files, pki, tmp_path):
    """A client context resumes its cached sessions by itself (README); after
    ``load_cert_chain`` with another certificate the server must see the new one, not the
    identity carried in a session made with the old (``ssl`` keeps no such cache)."""
    server = ssl_server(files)
    server.verify_mode = ssl.CERT_OPTIONAL
    server.load_verify_locations(files.ca)
    other_cert, other_key = pki.issued("ecdsa-p256", ("other-client.fasttls.test",), client=True).write(tmp_path, "other-client")
    ctx = client(files)
    ctx.load_cert_chain(files.client_cert, files.client_key)
    with echo_server(server, connections=3) as srv:
        for i in range(3):
            if i == 2:
                ctx.load_cert_chain(other_cert, other_key)
            with connect(ctx, srv.port) as s:
                echo(s, b"ticket please")
    seen = [(r["reused"], dict(r["peercert"]["subjectAltName"])["DNS"]) for r in srv.results]
    assert seen == [
        (False, "client.fasttls.test"),
        (True, "client.fasttls.test"),  # the cached session, resumed without session=
        (False, "other-client.fasttls.test"),  # a full handshake: the new certificate
    ]


def _stats_when_a_session_misses(files, kind, how):
    """Client and (fresh) server ``session_stats()`` when the client offers a session
    the server cannot resume; the client and the second server are of ``kind``."""
    def tls12(ctx):
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if how == "1.2-id":
            ctx.options |= ssl.OP_NO_TICKET
        return ctx

    limit = tls12 if how != "1.3" else (lambda ctx: ctx)
    ctx = limit(client_of(kind, files))
    with echo_server(limit(make_server(kind, files)), connections=1) as srv:
        with connect(ctx, srv.port) as s:
            echo(s, b"ticket please")
            session = s.session
    fresh = limit(make_server(kind, files))
    with echo_server(fresh, connections=1) as srv:
        with connect(ctx, srv.port, session=session) as s:
            assert s.session_reused is False
            echo(s, b"not resumed")
    # "number" left out: OpenSSL drops the session of a connection freed without its
    # close_notify sent (ssl_clear_bad_session), which RFC 5246 and 8446 do not ask for
    # and we do not copy, so our fresh server still holds its one session ID.
    nonzero = lambda d: {k: v for k, v in d.items() if v and k != "number"}  # noqa: E731
    return nonzero(ctx.session_stats()), nonzero(fresh.session_stats())


@pytest.mark.parametrize("how", ["1.3", "1.2-ticket", "1.2-id"])
def test_a_session_that_is_not_resumed_counts_as_a_miss(files, how):
    """OpenSSL's "misses": a client counts an offered session the server did not take;
    a TLS 1.2 server counts a session ID it looked up and did not find."""
    assert _stats_when_a_session_misses(files, "fasttls", how) == _stats_when_a_session_misses(files, "ssl", how)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_session_stats_follow_the_context_an_sni_callback_chooses(files, kind):
    """As OpenSSL's final_server_name: the accept moves to the context the callback
    chose (with accept_good); hits stay with the context the connection was made with."""
    first, chosen = make_server(kind, files), make_server(kind, files)
    first.sni_callback = lambda sock, name, ctx: setattr(sock, "context", chosen)
    ctx = client(files)
    with echo_server(first, connections=2) as srv:
        with connect(ctx, srv.port) as s:
            echo(s, b"ticket please")
            session = s.session
        with connect(ctx, srv.port, session=session) as s:
            assert s.session_reused
    nonzero = lambda d: {k: v for k, v in d.items() if v}  # noqa: E731
    assert nonzero(first.session_stats()) == {"hits": 1}
    assert nonzero(chosen.session_stats()) == {"accept": 2, "accept_good": 2}


@pytest.mark.parametrize("how", ["wrap_socket", "setter", "wrap_bio"])
def test_a_session_resumes_only_under_its_own_context(files, how):
    """ssl's rule: a session from another context is refused (ValueError), since that
    context may not trust the server and resumption skips the certificate check."""
    ctx = client(files)
    with echo_server(fasttls_server(files), connections=1) as srv:
        with connect(ctx, srv.port) as s:
            echo(s, b"ticket please")
            session = s.session
    untrusting = fasttls.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    untrusting.load_verify_locations(files.other_ca)
    for other in (untrusting, client(files)):  # even one that trusts the same CA, as ssl
        with socket.socket() as raw, pytest.raises(ValueError, match="Session refers to a different SSLContext"):
            if how == "wrap_socket":
                other.wrap_socket(raw, server_hostname="localhost", session=session, do_handshake_on_connect=False)
            elif how == "setter":
                other.wrap_socket(raw, server_hostname="localhost", do_handshake_on_connect=False).session = session
            else:
                other.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost", session=session)
    # Its own context still takes it.
    ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost").session = session


def test_channel_bindings_and_exporters(files):
    with echo_server(fasttls_server(files)) as srv:
        with connect(client(files), srv.port) as s:
            echo(s, b"cb")
            ours = s.get_channel_binding("tls-exporter")
            assert s.get_channel_binding("tls-unique") is None  # not defined for TLS 1.3
            with pytest.raises(ValueError):
                s.get_channel_binding("tls-server-end-point")
            ekm = s.export_keying_material("EXPERIMENTAL-test", b"ctx", 20)
    assert ours == srv.results[0]["exporter"] and len(ours) == 32
    assert len(ekm) == 20


@pytest.mark.parametrize("client_kind", ["ssl", "fasttls"])
@pytest.mark.parametrize("read", ["recv", "recv_into"])
@pytest.mark.parametrize("failure", ["alert", "bad_record"])
def test_socket_reads_data_before_a_fatal_alert_first(files, client_kind, read, failure):
    """Data and a fatal alert (or a record that fails authentication) in one read: the
    data is read first and the next read raises (OpenSSL's SSL_read opens one record at
    a time); no read waits on the socket for a connection that has failed.  recv_into
    opens the records straight into the caller's buffer, recv through the connection's."""
    import time

    from fasttls.constants import AlertDescription, AlertLevel

    from .peers import thread_server

    server_ctx = fasttls_server(files)

    def handler(raw):
        with server_ctx.wrap_socket(raw, server_side=True) as s:
            s.sendall(b"data first")
            if failure == "alert":
                s.connection._send_alert(AlertLevel.FATAL, AlertDescription.internal_error)  # a peer giving up
                s._flush()
            else:
                socket.socket.sendall(s, b"\x17\x03\x03\x00\x20" + bytes(32))  # a record no key opens
            socket.socket.recv(s, 1)  # until the client closes: the alert must not race a reset

    def receive(c) -> bytes:
        if read == "recv":
            return c.recv(1024)
        buf = bytearray(1 << 16)
        return bytes(buf[: c.recv_into(buf)])

    expected = "INTERNAL_ERROR" if failure == "alert" else "BAD_RECORD_MAC"
    client_ctx = client(files) if client_kind == "fasttls" else ssl.create_default_context(cafile=files.ca)
    with thread_server(handler) as srv:
        with connect(client_ctx, srv.port) as c:
            time.sleep(0.3)  # both records in the socket's buffer: one read takes them
            assert receive(c) == b"data first"
            for _ in range(2 if client_kind == "fasttls" else 1):  # ssl's later reads give b""
                with pytest.raises(ssl.SSLError) as info:
                    receive(c)
                assert expected in str(info.value)
        srv.join()


# ---------------------------------------------------------------------------
# SSLObject over MemoryBIO, against ssl.SSLObject
# ---------------------------------------------------------------------------


def _pump(a, b, a_in, a_out, b_in, b_out):
    moved = True
    while moved:
        moved = False
        for src, dst in ((a_out, b_in), (b_out, a_in)):
            data = src.read()
            if data:
                dst.write(data)
                moved = True


def _handshake(a, b, bios):
    done = [False, False]
    for _ in range(20):
        for i, obj in enumerate((a, b)):
            if not done[i]:
                try:
                    obj.do_handshake()
                    done[i] = True
                except ssl.SSLWantReadError:
                    pass
        _pump(a, b, *bios)
        if all(done):
            return
    raise AssertionError("handshake did not complete")


@pytest.mark.parametrize("server_kind", ["fasttls", "ssl"])
def test_sslobject_over_memory_bios(files, server_kind):
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c_in, c_out, s_in, s_out = bios
    c = client(files).wrap_bio(c_in, c_out, server_hostname="localhost")
    s = make_server(server_kind, files).wrap_bio(s_in, s_out, server_side=True)
    assert isinstance(c, fasttls.SSLObject) and isinstance(c, ssl.SSLObject)
    with pytest.raises(ValueError):
        c.getpeercert()
    assert c.version() is None and c.cipher() is None
    _handshake(c, s, (c_in, c_out, s_in, s_out))
    assert c.version() == "TLSv1.3" and c.cipher() == s.cipher()
    assert c.server_side is False and c.server_hostname == "localhost" and c.compression() is None
    assert c.getpeercert()["subject"][1] == (("commonName", "localhost"),)
    with pytest.raises(ssl.SSLWantReadError):
        c.read(10)
    assert c.write(b"hello sslobject") == 15
    _pump(c, s, c_in, c_out, s_in, s_out)
    assert s.read(100) == b"hello sslobject"
    s.write(b"x" * 50_000)
    _pump(c, s, c_in, c_out, s_in, s_out)
    buf = bytearray(65536)
    got = 0
    while got < 50_000:
        got += c.read(len(buf) - got, memoryview(buf)[got:])  # asyncio's read(n, buffer)
    assert bytes(buf[:got]) == b"x" * 50_000 and c.pending() == 0
    # Clean shutdown both ways: the client starts, the server answers.
    with pytest.raises(ssl.SSLWantReadError):
        c.unwrap()
    _pump(c, s, c_in, c_out, s_in, s_out)
    assert s.read(10) == b""  # close_notify seen
    s.unwrap()
    _pump(c, s, c_in, c_out, s_in, s_out)
    c.unwrap()


def test_sslobject_eof_without_close_notify(files):
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c_in, c_out, s_in, s_out = bios
    c = client(files).wrap_bio(c_in, c_out, server_hostname="localhost")
    s = fasttls_server(files).wrap_bio(s_in, s_out, server_side=True)
    _handshake(c, s, bios)
    c_in.write_eof()
    with pytest.raises(ssl.SSLEOFError):
        c.read(10)


@pytest.mark.parametrize("kind", ["ssl", "fasttls"])
def test_a_failed_sslobject_handshake_stays_failed(kind):
    """After a handshake fails, do_handshake, read and write fail again; none of them
    says "want read", which an event loop would answer by waiting for bytes that never
    come (``ssl`` raises SSLSyscallError/SSLEOFError, fasttls the first error again)."""
    ctx = (fasttls.SSLContext if kind == "fasttls" else _StdSSLContext)(ssl.PROTOCOL_TLS_CLIENT)
    c_in, c_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    c = ctx.wrap_bio(c_in, c_out, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        c.do_handshake()
    c_in.write(b"\x16\x03\x03\x00\x05garbage")  # a handshake record no server sends
    with pytest.raises(ssl.SSLError) as first:
        c.do_handshake()
    assert not isinstance(first.value, ssl.SSLWantReadError)
    for again in (c.do_handshake, lambda: c.read(10), lambda: c.write(b"x")):
        with pytest.raises(ssl.SSLError) as e:
            again()
        assert not isinstance(e.value, (ssl.SSLWantReadError, ssl.SSLWantWriteError))


# ---------------------------------------------------------------------------
# The steady-state write path (RecordWriter) under threads and key updates
# ---------------------------------------------------------------------------


def _echo_with_key_updates(s) -> None:
    """Echo, asking the client for a key update every 16 reads (its reader answers while its writer writes)."""
    reads = 0
    while True:
        try:
            data = s.recv(65536)
        except (ssl.SSLEOFError, ConnectionResetError):
            break
        if not data:
            break
        reads += 1
        if reads % 16 == 0:
            s.key_update(request_peer=True)
        s.sendall(data)


def test_writer_thread_and_reader_thread_through_key_updates(files):
    """One thread writes (fast path) while another reads and answers the server's KeyUpdates."""
    blocks = [os.urandom(n) for n in (1, 1000, 16384, 70000, 300000)] * 8
    sent = b"".join(blocks)
    with echo_server(fasttls_server(files), after_handshake=_echo_with_key_updates) as srv:
        with connect(client(files), srv.port) as s:
            assert s._writer is None  # made by the first sendall (idle connections stay small)
            first_secret = s._conn._write.traffic_secret
            received = bytearray()

            def read_all():
                while len(received) < len(sent):
                    chunk = s.recv(1 << 18)
                    if not chunk:
                        break
                    received.extend(chunk)

            reader = threading.Thread(target=read_all)
            reader.start()
            for block in blocks:
                s.sendall(block)
            assert isinstance(s._writer, s._conn._write.twin.aead.RecordWriter)
            reader.join(60)
            assert not reader.is_alive()
            updated = s._conn._write.traffic_secret != first_secret
        srv.close()
    assert bytes(received) == sent
    assert updated  # the client's reader answered KeyUpdates while its writer wrote
    assert not [r for r in srv.results if isinstance(r, Exception)]


def test_sendall_crosses_the_key_usage_limit(files):
    """The socket fast path declines at the soft limit; the general path updates the keys
    (RFC 8446 5.5) and the fast path resumes under the new ones.  fasttls on both ends,
    so both can be moved to just under the limit."""
    ready = threading.Event()
    got = {}

    def handler(s):
        s._conn._read._prot.seq = s._conn._read.soft_limit - 3
        ready.set()
        data = b""
        while len(data) < 40 * 16384:
            chunk = s.recv(1 << 18)
            if not chunk:
                break
            data += chunk
        got["data"] = data
        s.sendall(b"k")  # everything read (the client must not close with our KeyUpdate unread)

    with echo_server(fasttls_server(files), after_handshake=handler) as srv:
        with connect(client(files), srv.port) as s:
            conn = s._conn
            assert ready.wait(10)
            conn._write._prot.seq = conn._write.soft_limit - 3
            secret = conn._write.traffic_secret
            blocks = [os.urandom(16384) for _ in range(40)]
            for block in blocks:
                s.sendall(block)
            assert conn._write.traffic_secret != secret  # updated on the way
            assert conn._write.seq < 40
            assert isinstance(s._writer, conn._write.twin.aead.RecordWriter)
            assert s.recv(1) == b"k"  # reads the server's answering KeyUpdate on the way
        srv.close()
    assert "data" in got, srv.results
    assert got["data"] == b"".join(blocks)
    assert not [r for r in srv.results if isinstance(r, Exception)]


def test_load_cert_chain_with_a_damaged_name_is_an_ssl_error(tmp_path):
    """A leaf without SAN whose commonName is a BIT STRING (cryptography raises TypeError
    when the name is read): load_cert_chain reports SSLError, as for any bad certificate."""
    from cryptography.hazmat.primitives import serialization

    from . import pki

    issued = pki.make_self_signed([])
    der = issued.cert.public_bytes(serialization.Encoding.DER)
    cn = b"\x06\x03\x55\x04\x03\x0c\x13fasttls self-signed"
    assert cn in der
    damaged = x509_pem(der.replace(cn, b"\x06\x03\x55\x04\x03\x03\x13\x00asttls self-signed"))
    certfile, keyfile = tmp_path / "damaged.pem", tmp_path / "damaged.key"
    certfile.write_bytes(damaged)
    keyfile.write_bytes(issued.key_pem)
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
    with pytest.raises(ssl.SSLError, match="names"):
        ctx.load_cert_chain(str(certfile), str(keyfile))
    ctx.load_cert_chain(*issued.write(tmp_path))  # the undamaged one loads


def x509_pem(der: bytes) -> bytes:
    import base64

    return b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"


# The calls a program may get wrong on a TLS socket, each tried on ssl's socket and ours.
_MISUSES = {
    "recv(-1)": lambda s: s.recv(-1),
    "read(-1)": lambda s: s.read(-1),
    "recv(0)": lambda s: s.recv(0),
    "read(0)": lambda s: s.read(0),
    "recv(10, MSG_PEEK)": lambda s: s.recv(10, socket.MSG_PEEK),
    "recv_into(buf, 4, MSG_PEEK)": lambda s: s.recv_into(bytearray(8), 4, socket.MSG_PEEK),
    "send(x, MSG_OOB)": lambda s: s.send(b"x", socket.MSG_OOB),
    "sendall(x, MSG_OOB)": lambda s: s.sendall(b"x", socket.MSG_OOB),
    "recvfrom(10)": lambda s: s.recvfrom(10),
    "recvfrom_into(buf)": lambda s: s.recvfrom_into(bytearray(8)),
    "sendto(x, addr)": lambda s: s.sendto(b"x", ("127.0.0.1", 9)),
    "sendto(x, 0, addr)": lambda s: s.sendto(b"x", 0, ("127.0.0.1", 9)),
    "recvmsg(10)": lambda s: s.recvmsg(10),
    "recvmsg_into([buf])": lambda s: s.recvmsg_into([bytearray(8)]),
    "sendmsg([x])": lambda s: s.sendmsg([b"x"]),
    "dup()": lambda s: s.dup(),
    "connect again": lambda s: s.connect(s.getpeername()),
    "connect_ex again": lambda s: s.connect_ex(s.getpeername()),
}
_AFTER_CLOSE = {
    "read(1)": lambda s: s.read(1),
    "write(x)": lambda s: s.write(b"x"),
    "recv(1)": lambda s: s.recv(1),
    "send(x)": lambda s: s.send(b"x"),
    "sendall(x)": lambda s: s.sendall(b"x"),
    "do_handshake()": lambda s: s.do_handshake(),
    "unwrap()": lambda s: s.unwrap(),
    "pending()": lambda s: s.pending(),
    "version()": lambda s: s.version(),
    "cipher()": lambda s: s.cipher(),
    "selected_alpn_protocol()": lambda s: s.selected_alpn_protocol(),
}


def _outcome(call, s):
    try:
        result = call(s)
    except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
        # Our classes subclass ssl's; compare the family a program would catch, and the
        # message with the class name made neutral.
        family = next(t for t in type(exc).__mro__ if t.__module__ in ("builtins", "ssl"))
        message = str(exc).replace("fasttls.socket.", "ssl.")
        if message.startswith("No SSL wrapper around"):
            message = "No SSL wrapper around"  # then the socket's repr, which is ours
        return family.__name__, message
    return "ok", result if not isinstance(result, bytes) else bytes(result)


def test_misuse_of_a_socket_matches_ssl(files):
    std_client = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    std_client.load_verify_locations(files.ca)
    seen = {}
    for kind, ctx in (("ssl", std_client), ("fasttls", client(files))):
        with echo_server(fasttls_server(files)) as srv:
            with connect(ctx, srv.port) as s:
                assert echo(s, b"before") == b"before"
                seen[kind] = {name: _outcome(call, s) for name, call in _MISUSES.items()}
                assert echo(s, b"still works") == b"still works"
                s.close()
                seen[kind].update({f"closed: {name}": _outcome(call, s) for name, call in _AFTER_CLOSE.items()})
    assert seen["fasttls"] == seen["ssl"]
    # Where ssl fails by accident (AttributeError: its SSL object is gone), ours says why.
    with echo_server(fasttls_server(files)) as srv:
        with connect(client(files), srv.port) as s:
            s.close()
            with pytest.raises(ValueError, match="handshake not done"):
                s.getpeercert()


# The calls a program may get wrong on an SSLObject, before the handshake, after it, and after
# unwrap(), each tried on ssl's SSLObject pair and on ours.
_OBJECT_MISUSES = {
    "before": {
        "read(-1)": lambda o, p: o.read(-1),
        "read(0)": lambda o, p: o.read(0),
        "read(10)": lambda o, p: o.read(10),
        "write(x)": lambda o, p: o.write(b"x"),
        "getpeercert()": lambda o, p: o.getpeercert(),
        "session = 42": lambda o, p: setattr(o, "session", 42),
        "server: session = None": lambda o, p: setattr(p, "session", None),
        "context = 42": lambda o, p: setattr(o, "context", 42),
        "get_channel_binding(bogus)": lambda o, p: o.get_channel_binding("bogus"),
        "pending()": lambda o, p: o.pending(),
        "session_reused": lambda o, p: o.session_reused,
    },
    "established": {
        "read(-1)": lambda o, p: o.read(-1),
        "read(0)": lambda o, p: o.read(0),
        "read(10) with nothing": lambda o, p: o.read(10),
        "write(b'')": lambda o, p: o.write(b""),
        "session = None": lambda o, p: setattr(o, "session", None),
        "get_channel_binding(bogus)": lambda o, p: o.get_channel_binding("bogus"),
        "pending()": lambda o, p: o.pending(),
        "do_handshake() again": lambda o, p: o.do_handshake(),
    },
    "unwrapped": {
        "read(10)": lambda o, p: o.read(10),
        "write(x)": lambda o, p: o.write(b"x"),
        "unwrap() again": lambda o, p: o.unwrap(),
        "do_handshake()": lambda o, p: o.do_handshake(),
        "pending()": lambda o, p: o.pending(),
    },
}


def _object_outcome(call, obj, peer):
    try:
        result = call(obj, peer)
    except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
        family = next(t for t in type(exc).__mro__ if t.__module__ in ("builtins", "ssl"))
        return family.__name__
    return "ok", result


def test_misuse_of_an_sslobject_matches_ssl(files):
    std_client = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    std_client.load_verify_locations(files.ca)
    seen = {}
    for kind, cctx, sctx in (("ssl", std_client, ssl_server(files)), ("fasttls", client(files), fasttls_server(files))):
        bios = c_in, c_out, s_in, s_out = [ssl.MemoryBIO() for _ in range(4)]
        c = cctx.wrap_bio(c_in, c_out, server_hostname="localhost")
        s = sctx.wrap_bio(s_in, s_out, server_side=True)
        out = seen[kind] = {}
        out.update({f"before: {k}": _object_outcome(f, c, s) for k, f in _OBJECT_MISUSES["before"].items()})
        c_out.read()  # whatever the probes queued (a ClientHello): start the handshake afresh
        c = cctx.wrap_bio(c_in, c_out, server_hostname="localhost")
        _handshake(c, s, bios)
        out.update({f"established: {k}": _object_outcome(f, c, s) for k, f in _OBJECT_MISUSES["established"].items()})
        with pytest.raises(ssl.SSLWantReadError):
            c.unwrap()
        _pump(c, s, *bios)
        assert s.read(10) == b""
        s.unwrap()
        _pump(c, s, *bios)
        c.unwrap()
        out.update({f"unwrapped: {k}": _object_outcome(f, c, s) for k, f in _OBJECT_MISUSES["unwrapped"].items()})
    assert seen["fasttls"] == seen["ssl"]


# Settings and calls a program may get wrong on a context, each tried on ssl's and ours.
# Left out on purpose: versions below TLS 1.2 (refused: test_versions_below_tls12_are_refused_clearly),
# options = -1 (OverflowError, as ssl on Python 3.12 and newer) and wrap_socket(None) (ssl: AttributeError).
_CONTEXT_MISUSES = {
    "load_verify_locations()": lambda c: c.load_verify_locations(),
    "load_verify_locations(cadata=1)": lambda c: c.load_verify_locations(cadata=1),
    "load_verify_locations(cadata='junk')": lambda c: c.load_verify_locations(cadata="junk"),
    "load_verify_locations(cadata=b'junk')": lambda c: c.load_verify_locations(cadata=b"junk"),
    "load_verify_locations('/nonexistent')": lambda c: c.load_verify_locations("/nonexistent"),
    "load_cert_chain('/nonexistent')": lambda c: c.load_cert_chain("/nonexistent"),
    "set_alpn_protocols([''])": lambda c: c.set_alpn_protocols([""]),
    "set_alpn_protocols(['x'*256])": lambda c: c.set_alpn_protocols(["x" * 256]),
    "set_alpn_protocols('h2')": lambda c: c.set_alpn_protocols("h2"),
    "set_alpn_protocols([b'h2'])": lambda c: c.set_alpn_protocols([b"h2"]),
    "set_ciphers('')": lambda c: c.set_ciphers(""),
    "set_ciphers('NOPE')": lambda c: c.set_ciphers("NOPE"),
    "set_ciphers(1)": lambda c: c.set_ciphers(1),
    "minimum_version = 5": lambda c: setattr(c, "minimum_version", 5),
    "minimum_version = 'x'": lambda c: setattr(c, "minimum_version", "x"),
       "verify_mode = 5": lambda c: setattr(c, "verify_mode", 5),
    "verify_mode = CERT_NONE (check_hostname on)": lambda c: setattr(c, "verify_mode", ssl.CERT_NONE),
    "check_hostname = 'yes'": lambda c: setattr(c, "check_hostname", "yes"),
    "options = 'x'": lambda c: setattr(c, "options", "x"),
    "verify_flags = 'x'": lambda c: setattr(c, "verify_flags", "x"),
    "num_tickets = -1": lambda c: setattr(c, "num_tickets", -1),
    "num_tickets = 3 (client)": lambda c: setattr(c, "num_tickets", 3),
    "set_servername_callback(1)": lambda c: c.set_servername_callback(1),
    "sni_callback = 1": lambda c: setattr(c, "sni_callback", 1),
    "keylog_filename = 1": lambda c: setattr(c, "keylog_filename", 1),
    "keylog_filename = '/nonexistent/x'": lambda c: setattr(c, "keylog_filename", "/nonexistent/x"),
    "set_ecdh_curve('nope')": lambda c: c.set_ecdh_curve("nope"),
    "set_ecdh_curve('prime256v1')": lambda c: c.set_ecdh_curve("prime256v1"),
    "load_dh_params('/nonexistent')": lambda c: c.load_dh_params("/nonexistent"),
    "get_ca_certs(binary_form='x')": lambda c: c.get_ca_certs("x"),
    "cert_store_stats()": lambda c: c.cert_store_stats(),
    "session_stats()": lambda c: sorted(c.session_stats()),
    "get_ciphers() type": lambda c: type(c.get_ciphers()).__name__,
    "wrap_bio(None, None)": lambda c: c.wrap_bio(None, None),
    "post_handshake_auth = True": lambda c: setattr(c, "post_handshake_auth", True),
    "security_level": lambda c: c.security_level,
    "protocol": lambda c: c.protocol,
    "hostname_checks_common_name = 1": lambda c: setattr(c, "hostname_checks_common_name", 1),
    # The wrong side for the protocol: ssl.SSLError, not ValueError (test_ssl's test_echo).
    "wrap_bio(server_side=True)": lambda c: c.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True) and None,
    "wrap_bio(server_side=False)": lambda c: c.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost") and None,
}



def _context_outcome(call):
    try:
        result = call()
    except Exception as exc:  # noqa: BLE001 - the outcome is what is compared
        return next(t for t in type(exc).__mro__ if t.__module__ in ("builtins", "ssl")).__name__
    return "ok", repr(result)


@pytest.mark.parametrize("protocol", ["PROTOCOL_TLS_CLIENT", "PROTOCOL_TLS_SERVER"])
def test_misuse_of_a_context_matches_ssl(protocol):
    for name, call in _CONTEXT_MISUSES.items():
        theirs = _context_outcome(lambda: call(_StdSSLContext(getattr(ssl, protocol))))
        ours = _context_outcome(lambda: call(fasttls.SSLContext(getattr(fasttls, protocol))))
        assert ours == theirs, name


# ---------------------------------------------------------------------------
# Found by a differential run against ssl (same scenario, both stacks)
# ---------------------------------------------------------------------------


def _reset_after(s, payload: bytes) -> None:
    """Server side: send ``payload``, wait for one byte, then reset the TCP connection."""
    import struct

    s.sendall(payload)
    s.recv(1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.mark.parametrize("suppress", [True, False], ids=["suppress_ragged_eofs", "strict"])
@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_reset_after_the_handshake_reads_as_an_eof(files, kind, suppress):
    """ssl (OpenSSL 3) up to Python 3.12 reads a TCP reset after the handshake as an EOF
    without close_notify: b"" or SSLEOFError.  We raised ConnectionResetError, so
    http.client lost a body that a server ended with a reset.  Python 3.13's ssl raises
    ConnectionResetError again, and so do we there."""
    results = {}
    for side in ("ssl", kind):
        ctx = client_of(side, files)
        with echo_server(make_server("ssl", files), after_handshake=lambda s: _reset_after(s, b"hello")) as srv:
            with connect(ctx, srv.port, suppress_ragged_eofs=suppress) as s:
                got = [s.recv(5)]
                s.sendall(b"x")
                for _ in range(2):
                    try:
                        got.append(s.recv(10))
                    except (ssl.SSLEOFError, ConnectionResetError) as e:
                        got.append(type(e).__name__)
        results[side] = got
    if sys.version_info >= (3, 13):
        assert results["ssl"][:2] == results[kind][:2] == [b"hello", "ConnectionResetError"]
        return
    assert results["ssl"] == results[kind] == [b"hello"] + ([b"", b""] if suppress else ["SSLEOFError", "SSLEOFError"])


def _read_after_a_close_without_close_notify(files, kind, how, ignore):
    """What a client of ``kind`` reads after "hello" and a close without close_notify."""
    ctx = client_of(kind, files)
    if ignore:
        ctx.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
    got = []

    def read(fn):
        try:
            got.append(fn())
        except ssl.SSLEOFError:
            got.append("SSLEOFError")

    if how == "socket":
        with echo_server(ssl_server(files), after_handshake=lambda s: (s.sendall(b"hello"), s.recv(1))) as srv:
            with connect(ctx, srv.port, suppress_ragged_eofs=False) as s:
                read(lambda: s.recv(5))
                s.sendall(b"x")  # the server closes (no close_notify: ssl's close()) after this
                read(lambda: s.recv(10))
    else:
        bios = [ssl.MemoryBIO() for _ in range(4)]
        c = ctx.wrap_bio(bios[0], bios[1], server_hostname="localhost")
        srv = ssl_server(files).wrap_bio(bios[2], bios[3], server_side=True)
        _handshake(c, srv, bios)
        srv.write(b"hello")
        bios[0].write(bios[3].read())
        bios[0].write_eof()
        read(lambda: c.read(5))
        read(lambda: c.read(10))
    return got


def test_a_ragged_eof_reads_as_ssls_error(files):
    """Library, reason and text of the SSLEOFError a read raises at a close without
    close_notify, as ssl's ("[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in
    violation of protocol", less its "(_ssl.c:NNN)")."""
    import re

    seen = {}
    for side in ("ssl", "fasttls"):
        with echo_server(ssl_server(files), after_handshake=lambda s: (s.sendall(b"hello"), s.recv(1))) as srv:
            with connect(client_of(side, files), srv.port, suppress_ragged_eofs=False) as s:
                assert s.recv(5) == b"hello"
                s.sendall(b"x")
                with pytest.raises(ssl.SSLEOFError) as info:
                    s.recv(10)
        e = info.value
        seen[side] = (e.library, e.reason, re.sub(r" \(_ssl\.c:\d+\)$", "", str(e)))
    assert seen["fasttls"] == seen["ssl"]


@pytest.mark.parametrize("how", ["socket", "bio"])
@pytest.mark.parametrize("ignore", [False, True], ids=["default", "OP_IGNORE_UNEXPECTED_EOF"])
def test_op_ignore_unexpected_eof_reads_a_close_without_close_notify_as_eof(files, how, ignore):
    """OP_IGNORE_UNEXPECTED_EOF (the usual workaround for servers that never send
    close_notify): b"" instead of SSLEOFError, on sockets (even without
    suppress_ragged_eofs) and on SSLObject (asyncio), as with ``ssl``."""
    ours = _read_after_a_close_without_close_notify(files, "fasttls", how, ignore)
    assert ours == _read_after_a_close_without_close_notify(files, "ssl", how, ignore)
    assert ours == [b"hello", b"" if ignore else "SSLEOFError"]


def _write_errors_after_the_peer_went_away(files, kind, how):
    """The exceptions of the first two failing sendalls of a client of ``kind`` whose
    (ssl) server closed (FIN) or reset (RST) the connection after the handshake."""
    import struct

    def go_away(s):
        s.sendall(b"x")
        s.recv(1)
        if how == "RST":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    with echo_server(ssl_server(files), after_handshake=go_away) as srv:
        with connect(client_of(kind, files), srv.port) as s:
            assert s.recv(1) == b"x"
            s.sendall(b"k")
            time.sleep(0.2)  # the server has closed
            errors = _first_two_write_errors(s, 16384)
    return errors


def _first_two_write_errors(s, size: int) -> list:
    """The types of the first two writes of ``size`` bytes that fail (the kernel takes a few
    writes before the peer's RST comes back)."""
    errors = []
    for _ in range(400):
        try:
            s.sendall(b"y" * size)
        except OSError as e:
            errors.append(type(e))
            if len(errors) == 2:
                break
        time.sleep(0.002)
    return errors


@pytest.mark.parametrize("how", ["FIN", "RST"])
def test_writing_to_a_peer_that_went_away_is_an_eof_error(files, how):
    """ssl (OpenSSL 3) up to Python 3.12 raises SSLEOFError for a write the peer is gone
    for, and for each later write; we raised BrokenPipeError, then a "write interrupted"
    SSLError.  Python 3.13's ssl raises the socket's error (BrokenPipeError, or
    ConnectionResetError first) and BrokenPipeError after it, and so do we there."""
    ours = _write_errors_after_the_peer_went_away(files, "fasttls", how)
    theirs = _write_errors_after_the_peer_went_away(files, "ssl", how)
    assert len(ours) == len(theirs) == 2
    if sys.version_info >= (3, 13):
        assert all(e in (BrokenPipeError, ConnectionResetError) for e in ours + theirs), (ours, theirs)
        assert ours[1] is theirs[1] is BrokenPipeError
        return
    assert all(issubclass(e, ssl.SSLEOFError) for e in ours + theirs), (ours, theirs)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_retried_writes_to_a_peer_that_went_away_keep_raising_eof(files, kind):
    """A non-blocking writer fills the socket (SSLWantWriteError), the peer resets, and
    the retries of the same write all raise SSLEOFError, as ssl's do (the second retry
    used to say "a previous write was interrupted")."""
    import struct

    box = {}

    def serve(raw):
        with ssl_server(files).wrap_socket(raw, server_side=True) as s:
            s.recv(1)
            box["ready"].set()
            box["go"].wait(20)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    box["ready"], box["go"] = threading.Event(), threading.Event()
    with one_connection(serve) as (port, thread):
        with connect(client_of(kind, files), port) as c:
            c.sendall(b"x")
            assert box["ready"].wait(20)
            c.setblocking(False)
            data = b"y" * 65536
            with pytest.raises(ssl.SSLWantWriteError):
                for _ in range(2000):
                    c.write(data)
            box["go"].set()
            thread.join(20)
            time.sleep(0.2)  # the reset has come back
            errors = []
            for _ in range(4):
                with pytest.raises(OSError) as info:
                    c.write(data)
                errors.append(type(info.value))
    if sys.version_info >= (3, 13):  # the socket's own errors (see the test above)
        assert errors[0] in (BrokenPipeError, ConnectionResetError) and set(errors[1:]) == {BrokenPipeError}, errors
        return
    assert all(issubclass(e, ssl.SSLEOFError) for e in errors), errors


def _write_errors_after_a_close_notify(files, kind, read_end: bool, size: int):
    """A server sends its last data and close_notify, then closes the TCP connection (what
    PostgreSQL does when it terminates a backend).  The client reads the data with reads of
    ``size``, and the end (b"") too if ``read_end``; the types of its first two failing writes."""

    def serve(raw):
        with ssl_server(files).wrap_socket(raw, server_side=True) as s:
            s.sendall(b"bye")
            s.setblocking(False)
            with contextlib.suppress(ssl.SSLWantReadError):
                s.unwrap()  # sends close_notify, does not wait for the client's

    with one_connection(serve) as (port, thread):
        with connect(client_of(kind, files), port) as c:
            assert c.recv(size) == b"bye"
            if read_end:
                assert c.recv(size) == b""
            thread.join(20)
            time.sleep(0.2)
            errors = _first_two_write_errors(c, 1024)
    assert len(errors) == 2, errors
    return errors


@pytest.mark.parametrize("read_end", [True, False], ids=["end-read", "data-only"])
@pytest.mark.parametrize("size", [100, 262144])
def test_writes_after_the_peer_closed_with_close_notify(files, read_end, size):
    """Once a read has returned the end the peer's close_notify marks, a failing write is
    SSLZeroReturnError (a clean close), not SSLEOFError (a truncation), on every Python:
    OpenSSL's SSL_get_error says ZERO_RETURN for any failure after it.  Before that read it
    is what a write to a peer that went away is, even when our 256 KiB read has already
    taken the close_notify off the socket (OpenSSL's SSL_read has not reached it)."""
    ours = _write_errors_after_a_close_notify(files, "fasttls", read_end, size)
    theirs = _write_errors_after_a_close_notify(files, "ssl", read_end, size)
    if read_end:
        assert all(issubclass(e, ssl.SSLZeroReturnError) for e in ours + theirs), (ours, theirs)
    else:
        if sys.version_info >= (3, 13):  # the socket's own errors (test_writing_to_a_peer_that_went_away...)
            assert set(ours + theirs) <= {BrokenPipeError, ConnectionResetError}, (ours, theirs)
        else:
            assert all(issubclass(e, ssl.SSLEOFError) for e in ours + theirs), (ours, theirs)


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2])
def test_workers_forked_after_the_context_open_each_others_tickets(files, version):
    """A pre-fork server (gunicorn's ssl_context hook, --preload) makes its context before
    forking its workers.  ssl's ticket key is made with the context, so a session from one
    worker resumes at another; ours was made at the first ticket, in each worker: no
    resumption across workers (half or none of gunicorn's connections resumed)."""
    reused = {}
    for kind in ("ssl", "fasttls"):
        sctx = make_server(kind, files)
        cctx = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
        cctx.load_verify_locations(files.ca)
        cctx.maximum_version = version
        with socket.create_server(("127.0.0.1", 0)) as listener:
            session, reused[kind] = None, []
            for _ in range(2):  # each connection served by a new worker
                pid = os.fork()
                if pid == 0:  # the worker: one connection, then gone without cleanup
                    code = 1
                    try:
                        raw, _ = listener.accept()
                        raw.settimeout(10)
                        with sctx.wrap_socket(raw, server_side=True) as s:
                            s.sendall(s.recv(10))
                            s.recv(10)  # until the client closes (it has read its tickets)
                        code = 0
                    finally:
                        os._exit(code)
                try:
                    with socket.create_connection(listener.getsockname(), timeout=10) as raw:
                        with cctx.wrap_socket(raw, server_hostname="localhost", session=session) as c:
                            c.sendall(b"x")
                            assert c.recv(10) == b"x"
                            reused[kind].append(c.session_reused)
                            session = c.session
                finally:
                    assert os.waitpid(pid, 0)[1] == 0
    assert reused["fasttls"] == reused["ssl"] == [False, True], reused


@pytest.mark.parametrize("version,no_ticket", [("TLSv1_3", False), ("TLSv1_2", False), ("TLSv1_2", True)], ids=["1.3", "1.2-ticket", "1.2-session-id"])
def test_a_server_socket_has_a_session_as_in_ssl(files, version, no_ticket):
    """ssl gives a server socket an SSLSession too (cheroot puts its id in SSL_SESSION_ID):
    a 32-byte id in TLS 1.3, an empty one when a TLS 1.2 ticket stands in for it, the
    session ID otherwise; OpenSSL's 7200 s timeout, which is also the clients' lifetime hint."""
    seen = {}
    for kind in ("ssl", "fasttls"):
        sctx = make_server(kind, files)
        if no_ticket:
            sctx.options |= ssl.OP_NO_TICKET
        cctx = client_of("ssl", files)
        cctx.maximum_version = getattr(ssl.TLSVersion, version)
        a, b = socket.socketpair()
        with a, b:
            a.settimeout(10)
            b.settimeout(10)
            got = {}

            def run_client():
                with cctx.wrap_socket(b, server_hostname="localhost") as c:
                    c.recv(1)
                    got["client"] = c.session

            t = threading.Thread(target=run_client)
            t.start()
            with sctx.wrap_socket(a, server_side=True) as s:
                session = s.session
                s.sendall(b"x")
                t.join(20)
        client_session = got["client"]
        seen[kind] = (
            len(session.id), session.has_ticket, session.timeout, session.ticket_lifetime_hint, session.time > 0,
            client_session.ticket_lifetime_hint, session.id == client_session.id,
        )
    assert seen["fasttls"] == seen["ssl"], seen


def _bio_pair(sctx, cctx, session=None):
    """A handshake over MemoryBIOs, and the client's tickets taken: (server, client, the
    server's incoming BIO, the client's outgoing BIO)."""
    si, so, ci, co = (ssl.MemoryBIO() for _ in range(4))
    s = sctx.wrap_bio(si, so, server_side=True)
    c = cctx.wrap_bio(ci, co, server_hostname="localhost", session=session)
    for _ in range(6):
        for obj, out, peer in ((c, co, si), (s, so, ci)):
            with contextlib.suppress(ssl.SSLWantReadError):
                obj.do_handshake()
            peer.write(out.read())
    s.write(b"x")
    ci.write(so.read())
    assert c.read(1) == b"x"
    return s, c, si, co


def test_a_server_session_through_resumption_and_failure_as_in_ssl(files):
    """A TLS 1.2 session resumed keeps its first time; a TLS 1.3 server that sends no
    tickets gives its session no id; a fatal error leaves the session in place."""
    seen = {}
    for kind in ("ssl", "fasttls"):
        cctx = client_of("ssl", files)
        cctx.maximum_version = ssl.TLSVersion.TLSv1_2
        sctx = make_server(kind, files)
        first, c1, _, _ = _bio_pair(sctx, cctx)
        time.sleep(1.1)
        again, _, _, _ = _bio_pair(sctx, cctx, c1.session)
        cctx.maximum_version = ssl.TLSVersion.TLSv1_3
        quiet = make_server(kind, files)
        quiet.num_tickets = 0
        s, c, si, co = _bio_pair(quiet, cctx)
        c.write(b"hello")
        damaged = bytearray(co.read())
        damaged[-1] ^= 1
        si.write(bytes(damaged))
        with pytest.raises(ssl.SSLError):
            s.read(10)
        seen[kind] = (again.session_reused, again.session.time == first.session.time, len(s.session.id), s.session.timeout)
    assert seen["fasttls"] == seen["ssl"] == (True, True, 0, 7200), seen


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_a_client_session_id_is_the_same_for_each_resumption_as_in_ssl(files, version):
    """OpenSSL's client takes SHA-256 of a ticket as the session's ID and sends it with
    the ticket in TLS 1.2, so a server sees one ID for every resumption of that session.
    ProFTPD refuses an FTP data connection whose ID is not its control connection's;
    we sent a fresh random ID each time."""
    seen = {}
    for kind in ("ssl", "fasttls"):
        cctx = client_of(kind, files)
        cctx.maximum_version = getattr(ssl.TLSVersion, version)
        sctx = make_server("ssl", files)
        sctx.num_tickets = 1
        _, a, _, _ = _bio_pair(sctx, cctx)
        b_server, b, _, _ = _bio_pair(sctx, cctx, a.session)
        c_server, c, _, _ = _bio_pair(sctx, cctx, b.session)
        seen[kind] = (
            b.session_reused, c.session_reused, len(a.session.id), a.session.id == b.session.id,
            b_server.session.id == c_server.session.id, b_server.session.id == a.session.id,
        )
    assert seen["fasttls"] == seen["ssl"], seen


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_a_flood_of_user_canceled_warnings_ends_the_handshake_as_in_ssl(files, version):
    """A ClientHello and then warning user_canceled alerts without end: OpenSSL stops
    after five (TOO_MANY_WARN_ALERTS); we ignored every one, so a peer could hold a
    handshake for as long as it liked."""
    client = ssl.create_default_context()
    client.maximum_version = getattr(ssl.TLSVersion, version)
    hello_source = client.wrap_bio(ssl.MemoryBIO(), out := ssl.MemoryBIO(), server_hostname="localhost")
    with contextlib.suppress(ssl.SSLWantReadError):
        hello_source.do_handshake()
    hello = out.read()
    seen = {}
    for kind in ("ssl", "fasttls"):
        sctx = make_server(kind, files)
        sctx.maximum_version = getattr(ssl.TLSVersion, version)
        a, b = socket.socketpair()
        with a, b:
            a.settimeout(10)
            b.sendall(hello + bytes.fromhex("150303000201" "5a") * 50)
            with pytest.raises(ssl.SSLError) as e:
                sctx.wrap_socket(a, server_side=True)
            seen[kind] = e.value.reason
    assert seen["fasttls"] == seen["ssl"] == "TOO_MANY_WARN_ALERTS", seen


@pytest.mark.parametrize("reads", ["one read", "separate reads"])
@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_warnings_are_bounded_in_a_row_as_in_ssl(files, version, reads):
    """OpenSSL counts warning alerts in a row (data in between starts again) and fails at
    the fifth: rounds of four user_canceled and some data go on for ever, five in a row
    end the connection.  fasttls counted them over the whole connection.  In separate
    reads the data is opened by SSLObject.read's fast path, which must start the count
    again too."""
    from fasttls.constants import AlertDescription, AlertLevel

    seen = {}
    for kind in ("ssl", "fasttls"):
        bios = [ssl.MemoryBIO() for _ in range(4)]
        sctx = make_server("fasttls", files)
        sctx.maximum_version = getattr(ssl.TLSVersion, version)
        c = client_of(kind, files).wrap_bio(bios[0], bios[1], server_hostname="localhost")
        s = sctx.wrap_bio(bios[2], bios[3], server_side=True)
        _handshake(c, s, bios)
        got, outcome = 0, None
        for in_a_row in (4, 4, 4, 4, 5):
            for _ in range(in_a_row):
                s._conn._send_alert(AlertLevel.WARNING, AlertDescription.user_canceled)
            if reads == "separate reads":
                bios[0].write(s._conn.data_to_send())
                try:
                    c.read(100)  # the warnings alone (the fifth in a row fails here)
                except ssl.SSLWantReadError:
                    pass
                except ssl.SSLError as e:
                    outcome = e.reason
                    break
            s._conn.send(b"hello")
            bios[0].write(s._conn.data_to_send())
            try:
                while True:
                    got += len(c.read(100))
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as e:
                outcome = e.reason
                break
        seen[kind] = (got, outcome)
    assert seen["fasttls"] == seen["ssl"] == (20, "TOO_MANY_WARN_ALERTS"), seen


@pytest.mark.parametrize("declared", [0xFFFFFF, 0x30000])
def test_a_client_hello_header_over_the_limit_is_refused_as_in_ssl(files, declared):
    """A ClientHello header declaring more than the server takes: refused from the header,
    with OpenSSL's reason (EXCESSIVE_MESSAGE_SIZE) and alert (illegal_parameter)."""
    seen = {}
    for kind in ("ssl", "fasttls"):
        a, b = socket.socketpair()
        with a, b:
            a.settimeout(10)
            b.settimeout(10)
            b.sendall(b"\x16\x03\x01\x00\x04\x01" + declared.to_bytes(3, "big"))
            with pytest.raises(ssl.SSLError) as e:
                make_server(kind, files).wrap_socket(a, server_side=True)
            seen[kind] = (e.value.reason, b.recv(7))
    assert seen["fasttls"] == seen["ssl"] == ("EXCESSIVE_MESSAGE_SIZE", b"\x15\x03\x03\x00\x02\x02\x2f"), seen


@pytest.mark.parametrize("server_preference", [True, False])
def test_the_signature_scheme_follows_the_preferred_order(files, server_preference):
    """With OP_CIPHER_SERVER_PREFERENCE an OpenSSL server signs with its own first scheme
    the client accepts (RSA-PSS with SHA-256), without it with the client's first."""
    seen = {}
    for kind in ("ssl", "fasttls"):
        sctx = make_server(kind, files, files.rsa_cert, files.rsa_key)
        if not server_preference:
            sctx.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
        with echo_server(sctx, after_handshake=lambda s: s.recv(100)) as srv:
            args = ["-CAfile", files.ca, "-servername", "localhost", "-sigalgs", "rsa_pss_rsae_sha512:rsa_pss_rsae_sha256", "-tls1_3"]
            with openssl_client(srv.port, args) as cli:
                seen[kind] = cli.wait_for(r"Peer signing digest: \S+").split()[-1]
                cli.send(b"bye\n")
                cli.close_stdin()
    assert seen["fasttls"] == seen["ssl"] == ("SHA256" if server_preference else "SHA512"), seen


def test_an_sni_callback_may_switch_a_config_made_socket_to_a_context(files):
    """A server socket made from a sans-IO Config (no SSLContext of its own) whose
    sni_callback sets ``.context``: the session statistics have no first context to
    move the accept from (this raised internal_error)."""
    import dataclasses

    chosen = fasttls_server(files)

    def switch(conn, name):
        conn.owner().context = chosen

    config = dataclasses.replace(chosen._config_for(True), sni_callback=switch)
    got = {}

    def serve(raw):
        with fasttls.wrap_socket(raw, config, server_side=True) as s:
            got["data"] = s.recv(10)

    with one_connection(serve) as (port, thread):
        with connect(client_of("ssl", files), port) as c:
            c.sendall(b"hi")
        thread.join(20)
    assert got == {"data": b"hi"}
    assert chosen.session_stats()["accept"] == 1


def test_a_type_error_in_sendall_leaves_the_socket_usable(files):
    """ssl raises TypeError and sends nothing; so do we (it used to cut the connection)."""
    with echo_server(ssl_server(files)) as srv:
        with connect(client(files), srv.port) as s:
            for bad in ("text", None, 42, memoryview(b"abcdef")[::2]):
                with pytest.raises((TypeError, BufferError)):
                    s.sendall(bad)
            assert echo(s, b"still fine") == b"still fine"


def test_an_unneeded_password_is_ignored_and_not_asked_for(files):
    asked = []

    def callback():
        asked.append(1)
        return "secret"

    for ctx in (fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER), _StdSSLContext(ssl.PROTOCOL_TLS_SERVER)):
        ctx.load_cert_chain(files.cert, files.key, password="not needed")
        ctx.load_cert_chain(files.cert, files.key, password=callback)
    assert asked == []  # OpenSSL asks only for an encrypted key


def _records(data: bytes) -> list[tuple[int, int]]:
    """(content type, length) of each whole record in ``data``."""
    out, i = [], 0
    while i + 5 <= len(data):
        n = int.from_bytes(data[i + 3 : i + 5], "big")
        out.append((data[i], n))
        i += 5 + n
    return out


def test_the_client_change_cipher_spec_goes_with_its_finished(files):
    """A TLS 1.3 client's dummy ChangeCipherSpec (RFC 8446 D.4) went out in a write of its
    own as soon as the ServerHello came, and with Nagle its Finished then waited ~40 ms for
    the server's delayed ACK (SMTP, IMAP, anything where the server speaks first).  OpenSSL
    and Go send the two together.  Here an ssl server's flight is handed over in two parts:
    after the ServerHello alone the client sends nothing, and after the rest it sends the
    ChangeCipherSpec and its Finished in one write."""
    s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    server = ssl_server(files).wrap_bio(s_in, s_out, server_side=True)
    done = threading.Event()

    def drive(raw):
        raw.settimeout(20)
        s_in.write(raw.recv(65536))  # the ClientHello
        with pytest.raises(ssl.SSLWantReadError):
            server.do_handshake()
        flight = s_out.read()
        first = 5 + int.from_bytes(flight[3:5], "big")
        raw.sendall(flight[:first])  # the ServerHello alone
        readable = select.select([raw], [], [], 0.5)[0]
        drive.early = raw.recv(65536) if readable else b""
        raw.sendall(flight[first:])
        drive.second = raw.recv(65536)
        s_in.write(drive.early + drive.second)
        server.do_handshake()
        done.set()

    with one_connection(drive) as (port, thread):
        with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
            with client(files).wrap_socket(raw, server_hostname="localhost"):
                assert done.wait(20)
    assert drive.early == b""
    assert [t for t, _ in _records(drive.second)] == [20, 23]  # change_cipher_spec, then the encrypted Finished


def _suite_chosen(server_kind: str, files, version: str, prioritize_chacha: bool) -> str:
    """The suite a server of ``server_kind`` (server order, AES-256-GCM before ChaCha20)
    picks for a client that lists ChaCha20 first."""
    server = make_server(server_kind, files)
    if prioritize_chacha:
        server.options |= 0x00200000  # SSL_OP_PRIORITIZE_CHACHA (ssl passes it, unnamed)
    if version == "1.2":
        server.set_ciphers("ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305")
        with echo_server(server) as srv:
            ctx = client_of("ssl", files)
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers("ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384")
            with connect(ctx, srv.port) as s:
                return s.cipher()[0]
    if server_kind == "fasttls":  # OpenSSL's default TLS 1.3 order (ours puts AES-128 first)
        server.set_ciphersuites("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256")
    with echo_server(server) as srv:
        args = ["-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384", "-CAfile", files.ca, "-quiet"]
        with openssl_client(srv.port, args) as cli:
            cli.send(b"ping\n")
            cli.wait_for("ping")
        return srv.results[0]["cipher"][0]


@pytest.mark.parametrize("prioritize_chacha", [False, True], ids=["server order", "OP_PRIORITIZE_CHACHA"])
@pytest.mark.parametrize("version", ["1.3", "1.2"])
def test_server_order_keeps_aes_before_chacha20_unless_asked(files, version, prioritize_chacha):
    """OpenSSL follows the server's order even when the client prefers ChaCha20, unless
    SSL_OP_PRIORITIZE_CHACHA; Go's rule (Config.prioritize_chacha) is now that option."""
    ours = _suite_chosen("fasttls", files, version, prioritize_chacha)
    assert ours == _suite_chosen("ssl", files, version, prioritize_chacha)
    assert ("CHACHA20" in ours) == prioritize_chacha


_LOAD_ON_A_TERMINAL = """
import ssl, sys
sys.path.insert(0, sys.argv[4])
import fasttls
from fasttls.context import _StdSSLContext
ctx = (fasttls.SSLContext if sys.argv[1] == "fasttls" else _StdSSLContext)(ssl.PROTOCOL_TLS_SERVER)
try:
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    print("LOADED")
except OSError as e:  # ssl: OSError(EINVAL) after a wrong pass phrase; ours: SSLError
    print("REFUSED", type(e).__name__)
"""


def _load_on_a_terminal(kind: str, files, answer: bytes | None) -> str:
    """What ``load_cert_chain`` of an encrypted key without a password prints in a child
    whose controlling terminal is a pty we answer the prompt on (``answer``), or which
    has no terminal at all (``answer`` None)."""
    import pty
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(fasttls.__file__))
    argv = [sys.executable, "-c", _LOAD_ON_A_TERMINAL, kind, files.cert, files.encrypted_key, root]
    if answer is None:
        done = subprocess.run(argv, capture_output=True, timeout=60, start_new_session=True, stdin=subprocess.DEVNULL)
        return done.stdout.decode().strip()
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execv(sys.executable, argv)
    out, sent, deadline = b"", False, time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if not select.select([fd], [], [], 0.5)[0]:
                continue
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if b"pass phrase" in out and not sent:
                os.write(fd, answer + b"\n")
                sent = True
    finally:
        os.close(fd)
        os.waitpid(pid, 0)
    return out.decode(errors="replace").replace("\r\n", "\n").strip()


@pytest.mark.parametrize("answer", [b"secret", b"wrong", None], ids=["right", "wrong", "no terminal"])
def test_an_encrypted_key_without_a_password_asks_on_the_terminal(files, answer):
    """OpenSSL's default password callback, which ssl keeps when load_cert_chain gets no
    password: "Enter PEM pass phrase:" on the controlling terminal (a server started by
    hand).  Without a terminal the load fails; OpenSSL would read stdin instead, which we
    do not (a service's stdin may be a pipe that never ends)."""
    ours = _load_on_a_terminal("fasttls", files, answer)
    theirs = _load_on_a_terminal("ssl", files, answer)
    assert ours.splitlines()[-1].split()[0] == theirs.splitlines()[-1].split()[0]
    assert ours.splitlines()[-1].startswith("LOADED" if answer == b"secret" else "REFUSED")
    if answer is not None:
        assert "Enter PEM pass phrase:" in ours and "Enter PEM pass phrase:" in theirs


def _streaming(s) -> None:
    """Server side: send until the client goes away (or 32 MiB went: a client that
    waits instead of failing then ends, and its test fails rather than hangs)."""
    try:
        for _ in range(2048):
            s.sendall(b"x" * 16384)
    except OSError:
        pass


@pytest.mark.parametrize("server", ["fasttls", "ssl"])
@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_unwrap_while_the_peer_keeps_sending_fails_at_once(files, kind, server):
    """OpenSSL's SSL_shutdown refuses application data after our close_notify
    (APPLICATION_DATA_AFTER_CLOSE_NOTIFY); we waited for a close_notify a busy peer never
    sends, so asyncio closes hung until ssl_shutdown_timeout and anyio's forever."""
    ctx = client_of(kind, files)
    with echo_server(make_server(server, files), after_handshake=_streaming) as srv:
        with connect(ctx, srv.port) as s:
            s.settimeout(10)
            assert s.recv(100)
            with pytest.raises(ssl.SSLError) as e:
                s.unwrap()
            assert e.value.reason == "APPLICATION_DATA_AFTER_CLOSE_NOTIFY"
            with pytest.raises(ssl.SSLError):  # and again (ssl: SHUTDOWN_WHILE_IN_INIT), never a wait
                s.unwrap()


_server_unwrap: list = []


def _one_record_then_unwrap(s) -> None:
    """Server side: one 10,000-byte record, then answer the client's close_notify."""
    s.sendall(b"y" * 10000)
    s.settimeout(5)
    try:
        s.unwrap()
        _server_unwrap.append("ok")
    except (ssl.SSLError, OSError) as e:
        _server_unwrap.append(e)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_unwrap_with_received_data_unread_fails_and_loses_nothing(files, kind):
    """The application read 10 bytes of a 10,000-byte record, then unwraps: ssl's
    SSL_shutdown meets the rest before the peer's close_notify and fails
    (APPLICATION_DATA_AFTER_CLOSE_NOTIFY).  Ours succeeded and dropped the 9,990 bytes
    with the connection.  Now it fails as ssl's does, and the bytes stay readable."""
    _server_unwrap.clear()
    with echo_server(ssl_server(files), after_handshake=_one_record_then_unwrap) as srv:
        with connect(client_of(kind, files), srv.port) as s:
            s.settimeout(10)
            first = s.recv(10)
            assert first == b"y" * 10
            with pytest.raises(ssl.SSLError) as e:
                s.unwrap()
            assert e.value.reason == "APPLICATION_DATA_AFTER_CLOSE_NOTIFY"
            if kind == "fasttls":
                assert s.recv(20000) == b"y" * 9990
    # Our close_notify went out before the error, as ssl's: the peer's unwrap() completed.
    assert _server_unwrap == ["ok"]


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_unwrap_after_a_write_that_stopped_half_way_is_refused(files, kind):
    """A non-blocking send() that met a full socket (SSLWantWriteError) took part of its
    data: unwrap() before the retry would send a close_notify after a cut message.  ssl
    refuses it (BAD_WRITE_RETRY) and sends no close_notify; ours sent both."""
    release = threading.Event()
    with echo_server(ssl_server(files), after_handshake=lambda s: release.wait(20)) as srv:
        try:
            with connect(client_of(kind, files), srv.port) as s:
                s.setblocking(False)
                with pytest.raises(ssl.SSLWantWriteError):
                    for _ in range(1000):  # until the socket is full
                        s.send(b"z" * (1 << 20))
                with pytest.raises(ssl.SSLError) as e:
                    s.unwrap()
                if kind == "fasttls":
                    assert e.value.reason == "BAD_WRITE_RETRY"
                else:  # OpenSSL says so, or first wants to flush the cut record (no close_notify either way)
                    assert e.value.reason == "BAD_WRITE_RETRY" or isinstance(e.value, ssl.SSLWantWriteError), e.value
        finally:
            release.set()


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
@pytest.mark.parametrize("first", ["we", "peer"], ids=["we-close-first", "peer-closes-first"])
def test_sslobject_unwrap_leaves_the_plain_bytes_after_close_notify_in_incoming(files, kind, first):
    """The bytes after the peer's close_notify are the plain stream's (STARTTLS-style):
    ssl leaves them in ``incoming`` for the caller (anyio's TLSStream.unwrap returns them)."""
    sctx = _StdSSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(files.cert, files.key)
    from fasttls.bench import bio_pair

    c, s, (ci, co, si, so) = bio_pair(client_of(kind, files), sctx)
    if first == "we":
        with pytest.raises(ssl.SSLWantReadError):
            c.unwrap()
        si.write(co.read())
    try:
        s.unwrap()
    except ssl.SSLWantReadError:  # the server closes first: it waits for the client's
        assert first == "peer"
    ci.write(so.read() + b"PLAINTEXT AFTER TLS")
    if first == "peer":
        assert c.read(10) == b""
    c.unwrap()
    assert ci.read() == b"PLAINTEXT AFTER TLS"


def test_our_socket_is_an_ssl_socket(files):
    """Libraries ask isinstance(sock, ssl.SSLSocket) (httpcore, ftplib, asyncio); while TLS
    is on, ``_sslobj`` (httpcore's ssl_object) answers as the socket does."""
    import asyncio

    with echo_server(ssl_server(files)) as srv:
        with connect(client(files), srv.port) as s:
            assert isinstance(s, ssl.SSLSocket) and isinstance(s, fasttls.SSLSocket)
            assert s._sslobj.version() == "TLSv1.3" and s._sslobj.cipher() == s.cipher()
            loop = asyncio.new_event_loop()
            try:
                with pytest.raises(TypeError, match="SSLSocket"):  # as for ssl's sockets
                    loop.run_until_complete(loop.sock_sendall(s, b"x"))
            finally:
                loop.close()
            s.unwrap()
            assert s._sslobj is None


def test_forking_server_parent_close_does_not_end_the_childs_connection(files):
    """socketserver.ForkingTCPServer closes the parent's copy of each connection while the
    forked child serves it.  close() sent close_notify from the parent, so the client saw
    the end of the stream before the child's reply; ssl sends nothing on close()."""
    import socketserver
    import time

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            data = self.request.recv(100)
            time.sleep(0.3)  # the parent has closed its copy by now
            self.request.sendall(b"reply:" + data)

    class Server(socketserver.ForkingTCPServer):
        allow_reuse_address = True

    srv = Server(("127.0.0.1", 0), Handler)
    srv.socket = fasttls_server(files).wrap_socket(srv.socket, server_side=True)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    t.start()
    try:
        with connect(client(files), srv.server_address[1]) as s:
            s.sendall(b"hello")
            assert s.recv(100) == b"reply:hello"
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(20)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_plain_http_answer_is_a_wrong_version_number(files, kind):
    """A TLS client that reaches a plain HTTP server (an http:// proxy given as https://)
    gets OpenSSL's "wrong version number", which urllib3 turns into its proxy hint."""

    def serve(raw):
        raw.recv(65536)
        raw.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    ctx = client(files) if kind == "fasttls" else _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)  # (no CA needed)
    with one_connection(serve) as (port, _):
        with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
            with pytest.raises(ssl.SSLError) as e:
                ctx.wrap_socket(raw, server_hostname="localhost")
    assert "wrong version number" in " ".join(str(e.value).lower().replace("_", " ").split())


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_write_retry_with_less_data_is_bad_length(files, kind):
    """After SSLWantWriteError the retry must offer the same data: with less, OpenSSL says
    BAD_LENGTH.  We returned the first write's length (more than the buffer given)."""
    release = threading.Event()

    def stalled(s):
        release.wait(20)

    ctx = client_of(kind, files)
    with echo_server(ssl_server(files), after_handshake=stalled) as srv:
        try:
            with connect(ctx, srv.port) as s:
                s.setblocking(False)
                payload = b"x" * 1_000_000
                with pytest.raises(ssl.SSLWantWriteError):
                    for _ in range(200):  # until the socket buffers are full
                        s.send(payload)
                with pytest.raises(ssl.SSLError) as e:
                    s.send(b"short")
                assert e.value.reason == "BAD_LENGTH"
        finally:
            release.set()


@pytest.mark.parametrize("blocking", [False, True], ids=["non-blocking", "blocking"])
@pytest.mark.parametrize("bufsize", [4096, 65536])
@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_select_loop_reading_once_per_event_gets_every_record(files, kind, bufsize, blocking):
    """An event loop that does one recv per readiness event and then waits in select()
    (no pending() check) works with ssl for small records, which OpenSSL reads one at a
    time.  We read 256 KiB ahead and left opened data where select() does not look; a
    socket now receives no more than the read can return.  Blocking sockets too:
    websockets' sync client selects on one."""
    import selectors
    import time

    count, size = 150, 1000
    done = threading.Event()

    def burst(s):
        s.recv(1)
        for i in range(count):
            s.send(bytes([65 + i % 26]) * size)  # one record each
        done.wait(20)

    ctx = client_of(kind, files)
    with echo_server(ssl_server(files), after_handshake=burst) as srv:
        try:
            with connect(ctx, srv.port) as c:
                c.sendall(b"go")
                time.sleep(0.3)  # the burst is in the kernel's buffer
                c.setblocking(blocking)
                got = bytearray()
                with selectors.DefaultSelector() as sel:
                    sel.register(c, selectors.EVENT_READ)
                    deadline = time.monotonic() + 10
                    while len(got) < count * size and time.monotonic() < deadline:
                        for _ in sel.select(timeout=0.5):
                            try:
                                got += c.recv(bufsize)
                            except ssl.SSLWantReadError:
                                pass
                assert len(got) == count * size and c.pending() == 0
        finally:
            done.set()


@pytest.mark.parametrize("blocking", [False, True], ids=["non-blocking", "blocking"])
@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_select_loop_sees_the_close_notify_that_came_with_the_last_data(files, kind, blocking):
    """The peer sends its last bytes and unwrap()s, and both arrive together.  OpenSSL reads
    the data record and leaves the close_notify in the kernel, so select() wakes the loop
    for it.  We took it with the data: the loop slept in select() while the peer waited for
    our close_notify (websockets' sync client waited out its close timeout).  Now a last
    record that may be an alert stays in the kernel when records come before it."""
    import time

    release = threading.Event()

    def last_words(s):
        s.recv(1)
        s.sendall(b"bye")
        try:
            s.unwrap()  # waits for our close_notify
        except (ssl.SSLError, OSError):
            pass
        release.set()

    ctx = client_of(kind, files)
    with echo_server(ssl_server(files), after_handshake=last_words) as srv:
        with connect(ctx, srv.port) as c:
            c.sendall(b"g")  # one byte: the server's unwrap must find nothing unread
            time.sleep(0.3)  # "bye" and the close_notify are both in the kernel's buffer
            c.setblocking(blocking)
            got, eof = bytearray(), False
            deadline = time.monotonic() + 10
            while not eof and time.monotonic() < deadline:
                if select.select([c], [], [], 0.5)[0]:
                    try:
                        data = c.recv(4096)
                    except ssl.SSLWantReadError:
                        continue
                    eof = not data
                    got += data
            assert (bytes(got), eof) == (b"bye", True)
            c.unwrap()
        assert release.wait(10)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_non_blocking_server_sees_data_sent_right_behind_the_handshake(files, kind):
    """A non-blocking server finishes its handshake and then waits in select() for the
    request.  When the client's request arrived in the same read as its Finished, we had
    opened it during the handshake, where select() does not look; now a non-blocking
    handshake reads a record at a time, as OpenSSL does."""
    import time

    sctx = fasttls_server(files) if kind == "fasttls" else ssl_server(files)
    result = {}

    def serve(raw):
        raw.setblocking(False)
        with sctx.wrap_socket(raw, server_side=True, do_handshake_on_connect=False) as s:
            while True:
                try:
                    s.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    select.select([s], [], [], 5)
                    time.sleep(0.2)  # the client's Finished and its request are both here now
            readable = select.select([s], [], [], 3)[0]
            result["readable"] = bool(readable)
            result["data"] = s.recv(100) if readable or s.pending() else None

    with one_connection(serve) as (port, t):
        with connect(client(files), port) as c:
            c.sendall(b"request")
            t.join(20)
    assert result == {"readable": True, "data": b"request"}


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_blocking_server_sees_data_sent_right_behind_the_handshake(files, kind):
    """The same with a blocking server (websockets' sync server, socketserver with a
    select loop): the client's Finished and its request arrive in one segment, here
    exactly so (the client is an ssl MemoryBIO pair).  A blocking handshake read 256 KiB
    and opened the request, where select() does not look."""
    sctx = fasttls_server(files) if kind == "fasttls" else ssl_server(files)
    result = {}

    def serve(raw):
        raw.settimeout(10)
        with sctx.wrap_socket(raw, server_side=True) as s:
            readable = select.select([s], [], [], 3)[0]
            result["readable"] = bool(readable)
            result["data"] = s.recv(100) if readable else None

    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_of("ssl", files).wrap_bio(incoming, outgoing, server_hostname="localhost")
    with one_connection(serve) as (port, t):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            while True:
                try:
                    obj.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    if outgoing.pending:
                        raw.sendall(outgoing.read())
                    incoming.write(raw.recv(65536))
            obj.write(b"request")
            raw.sendall(outgoing.read())  # Finished and the request, one send
            t.join(20)
    assert result == {"readable": True, "data": b"request"}


@pytest.mark.parametrize("how", ["shutdown+close", "close"])
@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_closing_under_a_blocked_reader_reads_as_eof(files, kind, how):
    """The usual way to stop a reader thread: another thread shuts the socket down and
    closes it.  ssl's reader gets b"" (an EOF); ours got OSError(EBADF) when the close
    came between the wake-up and the read.  On Python 3.13 ssl's gets the socket's error
    (EBADF when the close came first, or the server's reset), and so does ours."""
    import time

    def hold(s):
        try:
            s.recv(1)  # sends nothing; returns when the client has gone
        except (ssl.SSLError, OSError):
            pass

    rounds = 5 if how == "shutdown+close" else 1
    with echo_server(ssl_server(files), connections=rounds, after_handshake=hold) as srv:
        for _ in range(rounds):
            raw = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            s = client_of(kind, files).wrap_socket(raw, server_hostname="localhost")
            s.settimeout(3 if how == "shutdown+close" else 1)
            box = {}

            def reader(s=s, box=box):
                try:
                    box["got"] = s.recv(1024)
                except BaseException as e:  # the test reports it
                    box["got"] = e

            t = threading.Thread(target=reader)
            t.start()
            time.sleep(0.2)  # blocked in recv
            if how == "shutdown+close":
                s.shutdown(socket.SHUT_RDWR)
            s.close()
            t.join(10)
            if sys.version_info >= (3, 13) and isinstance(box["got"], OSError):
                # The socket's own error: EBADF, or the reset the server answered with.
                assert box["got"].errno in (errno.EBADF, errno.ECONNRESET), box
                continue
            assert box["got"] == b"", box


@pytest.mark.parametrize("how", ["close", "shutdown"])
@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_closing_under_a_blocked_writer(files, kind, how):
    """The writer's side of stopping a thread: it is blocked in sendall() on a peer that
    does not read, and another thread closes the socket or shuts it down.  ssl says
    SSLEOFError up to Python 3.12, and the socket's own error from 3.13 (EBADF after a
    close, EPIPE after a shutdown).  Ours said the 3.13 errors on every Python: the
    write failed after close()/shutdown() had dropped the connection it looked at."""
    import time

    release = threading.Event()

    def hold(s):
        release.wait(20)  # reads nothing until the test is done

    with echo_server(ssl_server(files), after_handshake=hold) as srv:
        raw = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s = client_of(kind, files).wrap_socket(raw, server_hostname="localhost")
        s.settimeout(None)
        box = {}

        def writer():
            try:
                while True:
                    s.sendall(b"x" * 65536)
            except BaseException as e:  # the test reports it
                box["error"] = e

        t = threading.Thread(target=writer)
        t.start()
        try:
            for _ in range(20):  # until the socket's buffers are full and the writer blocks
                time.sleep(0.05)
                if not t.is_alive():
                    break
            if how == "close":
                s.close()
            else:
                s.shutdown(socket.SHUT_RDWR)
            time.sleep(0.2)
            release.set()  # a write blocked before close() waits for the peer to go (Linux)
            t.join(10)
            assert not t.is_alive(), "the writer is still blocked"
        finally:
            release.set()
            s.close()
    err = box["error"]
    if sys.version_info < (3, 13):
        assert type(err) is ssl.SSLEOFError or (kind == "fasttls" and type(err) is fasttls.SSLEOFError), repr(err)
    elif how == "close":
        assert isinstance(err, OSError) and err.errno == errno.EBADF, repr(err)
    else:
        assert isinstance(err, BrokenPipeError), repr(err)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_failed_handshake_on_a_socket_with_a_timeout_fails_at_once(files, kind):
    """Plain HTTP sent to a TLS server whose socket has a timeout: the handshake fails at
    once.  Dropping the client's unread bytes after our alert waited out the timeout
    (CPython polls before every recv on such a socket, MSG_DONTWAIT or not)."""
    sctx = fasttls_server(files) if kind == "fasttls" else ssl_server(files)
    result = {}

    def serve(raw):
        raw.settimeout(60)
        try:
            sctx.wrap_socket(raw, server_side=True).close()
        except (ssl.SSLError, OSError) as e:
            result["error"] = e

    with one_connection(serve) as (port, t):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n" + b"x" * 5000)
            t.join(10)  # the client keeps the connection open meanwhile
            assert not t.is_alive(), "the handshake did not fail at once"
    assert isinstance(result["error"], ssl.SSLError)


def test_which_records_a_read_takes_from_the_kernel():
    """``_records_to_take``: whole records whose plaintext the read can return (at least
    one), never a last record that may be an alert behind other records (alone, it is
    taken: that read returns the EOF), and everything when no record is whole yet."""
    from fasttls.socket import _records_to_take

    def rec(ctype, n):
        return bytes([ctype, 3, 3]) + n.to_bytes(2, "big") + bytes(n)

    data13, alert13, alert12 = rec(23, 1000), rec(23, 19), rec(21, 26)
    big = 1 << 20
    cases = [
        ((data13, alert13), big, len(data13)),  # TLS 1.3: 2 + 1 + 16 bytes
        ((data13, alert12), big, len(data13)),  # TLS 1.2: the alert content type shows
        ((data13, data13, alert13), big, 2 * len(data13)),
        ((alert13,), big, len(alert13)),  # alone: take it
        ((data13, rec(23, 20)), big, len(data13) + 25),  # a data record
        ((data13, alert13, data13[:7]), big, len(data13)),  # the alert is last of the whole ones
        ((data13, data13[:3]), big, len(data13)),  # a partial record stays in the kernel
        ((data13[:300],), big, 300),  # nothing whole: take what is there
        ((data13, data13, data13), 2 * len(data13), 2 * len(data13)),  # what the read can return
        ((data13, data13), 10, len(data13)),  # but at least one record
    ]
    for parts, want, expected in cases:
        blob = bytearray(b"xx" + b"".join(parts))
        assert _records_to_take(blob, 2, len(blob), want) == expected + 2, (parts, want)


def test_reads_of_records_a_peek_saw_take_the_same_records():
    """After a peek, the next small reads take the whole records it saw with one read each
    (``_known_to_take``), without peeking again.  Over random queues of records (data and
    alert-sized ones) and random read sizes, they take exactly what a fresh peek before
    every read would have taken (``_records_to_take``)."""
    import random

    from fasttls.socket import _known_to_take, _records_to_take

    def rec(ctype, n):
        return bytes([ctype, 3, 3]) + n.to_bytes(2, "big") + bytes(n)

    rng = random.Random(8446)
    for _ in range(400):
        kernel = bytearray()
        for _ in range(rng.randrange(1, 12)):
            kind = rng.random()
            if kind < 0.2:
                kernel += rec(23, 19)  # a TLS 1.3 close_notify's size
            elif kind < 0.3:
                kernel += rec(21, 26)  # a TLS 1.2 alert
            else:
                kernel += rec(23, rng.choice([1, 20, 100, 1000, 5000, 16401]))
        kernel += rec(23, 300)[: rng.randrange(0, 40)]  # and maybe a partial record
        wants = [rng.choice([1, 50, 200, 1024, 8192, 17000, 100000]) for _ in range(40)]

        def fresh_peeks():
            at, cuts = 0, []
            for want in wants:
                if at >= len(kernel):
                    break
                cut = _records_to_take(bytearray(kernel), at, len(kernel), want)
                cuts.append(cut - at)
                at = cut
            return cuts

        def peek_then_known():
            at, cuts, known = 0, [], []
            for want in wants:
                if at >= len(kernel):
                    break
                if known:
                    take = _known_to_take(known, want)
                else:
                    take = _records_to_take(bytearray(kernel), at, len(kernel), want, known) - at
                cuts.append(take)
                at += take
            return cuts

        assert peek_then_known() == fresh_peeks(), (bytes(kernel[:40]), wants)


@pytest.mark.parametrize("timeout", [None, 10.0])
def test_small_reads_over_many_queued_records(files, timeout):
    """Many small records queued in the kernel, read with reads of mixed sizes (small
    ones take the records an earlier peek saw without peeking again; a 256 KiB read or
    a recv_into takes whatever is there): every byte arrives in order, the peer's
    close_notify, queued behind the last data, is left in the kernel (select() sees
    it), and the read after returns the EOF."""
    sizes = [1 + (i * 37) % 300 for i in range(400)]
    payload = bytes(i % 251 for i in range(sum(sizes)))
    half = sum(sizes[:200])
    queued = [threading.Event(), threading.Event()]

    def serve(raw):
        with ssl_server(files).wrap_socket(raw, server_side=True) as s:
            at = 0
            for i, n in enumerate(sizes):
                if i == 200:
                    queued[0].set()
                    s.recv(1)  # the client's go-ahead for the second half
                s.sendall(payload[at : at + n])
                at += n
            queued[1].set()
            with contextlib.suppress(ssl.SSLError, OSError):
                s.unwrap()  # its close_notify; the client closes without answering

    def read(s, n, into):
        if into:
            buf = bytearray(n)
            return buf[: s.recv_into(buf)]
        return s.recv(n)

    with one_connection(serve) as (port, t):
        with connect(client(files), port) as s:
            s.settimeout(timeout)
            assert queued[0].wait(20)
            time.sleep(0.1)  # the first half is in the kernel
            got = bytearray()
            reads = [1, 700, 5, 300000, 64, 2000, 100]
            i = 0
            while len(got) < half:
                got += read(s, reads[i % len(reads)], i % 5 == 0)
                i += 1
            assert len(got) == half
            s.sendall(b"g")
            assert queued[1].wait(20)
            time.sleep(0.2)  # the second half and the close_notify are in the kernel
            reads = [1, 700, 5, 64, 2000, 100, 5000]
            while len(got) < len(payload):
                got += read(s, reads[i % len(reads)], i % 5 == 0)
                i += 1
            assert bytes(got) == payload
            assert select.select([s], [], [], 5)[0], "the close_notify was taken with the data"
            assert s.recv(100) == b""
        t.join(20)


@pytest.mark.parametrize("how", ["fin", "reset"])
@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_unwrap_when_the_peer_closes_instead_of_answering(files, kind, how):
    """The peer reads our close_notify and closes TCP without its own: ssl's unwrap() raises
    (SSLEOFError for a FIN, ConnectionResetError for a reset), so the application learns the
    shutdown was not confirmed.  Ours returned the plain socket as if it had been."""
    import struct

    def serve(raw):
        with ssl_server(files).wrap_socket(raw, server_side=True) as s:
            assert s.recv(100) == b""  # the client's close_notify
            if how == "reset":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    with one_connection(serve) as (port, _):
        raw = socket.create_connection(("127.0.0.1", port), timeout=20)
        with client_of(kind, files).wrap_socket(raw, server_hostname="localhost") as s:
            with pytest.raises(ssl.SSLEOFError if how == "fin" else ConnectionResetError):
                s.unwrap()
            assert s._sslobj is not None  # still wrapped, as ssl's


def _leaf_only_files(pki, tmp_path, client=False):
    from .pki import pem_of

    issued = pki.issued(names=("client.fasttls.test",) if client else ("localhost",), client=client)
    leaf, key, cas = tmp_path / "leaf.pem", tmp_path / "leaf.key", tmp_path / "cas.pem"
    leaf.write_bytes(pem_of(issued.cert))
    key.write_bytes(issued.key_pem)
    cas.write_bytes(pki.ca.cert_pem + pki.root.cert_pem)  # the intermediate and the root
    return str(leaf), str(key), str(cas)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_leaf_loaded_alone_goes_out_with_its_chain_from_the_trust_store(files, pki, tmp_path, kind):
    """OpenSSL completes a certificate loaded without its chain from the context's trust
    store when it sends it (the intermediate a server loaded for client authentication
    goes out): a client trusting only the root verifies it, and sees three certificates.
    fasttls sent the leaf alone (unable to get local issuer certificate)."""
    leaf, key, cas = _leaf_only_files(pki, tmp_path)
    server = make_server(kind, files, leaf, key)
    server.load_verify_locations(cas)
    ctx = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(files.ca)  # the root only
    with echo_server(server) as srv:
        with connect(ctx, srv.port) as s:
            assert len(s._sslobj.get_unverified_chain()) == 3
            echo(s, b"chained")


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_client_certificate_loaded_alone_goes_out_with_its_chain(files, pki, tmp_path, kind):
    """The same for a client certificate, to an ``ssl`` server trusting only the root."""
    leaf, key, cas = _leaf_only_files(pki, tmp_path, client=True)
    server = ssl_server(files)
    server.verify_mode = ssl.CERT_REQUIRED
    server.load_verify_locations(files.ca)
    ctx = client_of(kind, files)
    ctx.load_cert_chain(leaf, key)
    ctx.load_verify_locations(cas)
    with echo_server(server) as srv:
        with connect(ctx, srv.port) as s:
            echo(s, b"chained")
        assert dict(srv.results[0]["peercert"]["subjectAltName"])["DNS"] == "client.fasttls.test"


_DEPRECATED = {
    "SSLContext()": lambda m: m.SSLContext(),
    "SSLContext(PROTOCOL_TLS)": lambda m: m.SSLContext(m.PROTOCOL_TLS),
    "SSLContext(PROTOCOL_TLSv1_2)": lambda m: m.SSLContext(m.PROTOCOL_TLSv1_2),
    "SSLContext(PROTOCOL_TLS_CLIENT)": lambda m: m.SSLContext(m.PROTOCOL_TLS_CLIENT),
    "options |= OP_NO_TLSv1_3": lambda m: setattr(c := m.SSLContext(m.PROTOCOL_TLS_CLIENT), "options", c.options | m.OP_NO_TLSv1_3),
    "options |= OP_NO_TLSv1 again": lambda m: [
        setattr(c := m.SSLContext(m.PROTOCOL_TLS_CLIENT), "options", c.options | m.OP_NO_TLSv1),  # set by default: not new
    ],
    "options |= OP_NO_COMPRESSION": lambda m: setattr(c := m.SSLContext(m.PROTOCOL_TLS_CLIENT), "options", c.options | m.OP_NO_COMPRESSION),
    "minimum_version = TLSv1_1": lambda m: setattr(m.SSLContext(m.PROTOCOL_TLS_CLIENT), "minimum_version", m.TLSVersion.TLSv1_1),
    "minimum_version = TLSv1_2": lambda m: setattr(m.SSLContext(m.PROTOCOL_TLS_CLIENT), "minimum_version", m.TLSVersion.TLSv1_2),
}


@pytest.mark.parametrize("name", list(_DEPRECATED))
def test_deprecation_warnings_as_ssl(name):
    """The DeprecationWarnings ssl gives for deprecated protocols, version options and
    versions (CPython's test_openssl111_deprecations), with the same texts."""
    import warnings

    seen = []
    for module in (ssl, fasttls):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _DEPRECATED[name](module)
        seen.append(sorted(str(w.message) for w in caught if w.category is DeprecationWarning))
    assert seen[0] == seen[1]


@pytest.mark.parametrize("returned", ["nope", 1.5, 0, ssl.ALERT_DESCRIPTION_ACCESS_DENIED], ids=["str", "float", "zero", "access_denied"])
def test_an_sni_callback_refusal_as_ssl(files, returned, monkeypatch):
    """What an ``sni_callback`` returns other than None fails the handshake as in ssl: an
    int is the alert sent, anything else is reported to ``sys.unraisablehook`` (the
    TypeError) and sends internal_error; the server's error says CALLBACK_FAILED."""
    from .helpers import bio_handshake

    seen = {}
    for kind in ("ssl", "fasttls"):
        reported = []
        # The hook's argument as ssl's: the default hook (C) takes nothing else.
        monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append((type(u).__name__, u.exc_type)))
        server = make_server(kind, files)
        server.sni_callback = lambda sock, name, ctx: returned
        errors = bio_handshake((client_of("ssl", files), "localhost"), server)
        seen[kind] = (getattr(errors.get("client"), "reason", None), getattr(errors.get("server"), "reason", None), reported)
    assert seen["fasttls"] == seen["ssl"]
    assert seen["ssl"][1] == "CALLBACK_FAILED"


def test_an_sni_callback_that_raises_is_reported_by_the_default_hook(files, monkeypatch, capsys):
    """ssl prints the callback's exception through sys.unraisablehook and fails the
    handshake with handshake_failure.  Ours handed the hook an object of its own, which
    the default hook (C) refuses with a TypeError: internal_error went out instead and
    the callback's exception was never shown."""
    from .helpers import bio_handshake

    def callback(sock, name, ctx):
        raise LookupError("no such site")

    monkeypatch.setattr(sys, "unraisablehook", sys.__unraisablehook__)
    seen = {}
    for kind in ("ssl", "fasttls"):
        server = make_server(kind, files)
        server.sni_callback = callback
        errors = bio_handshake((client_of("ssl", files), "localhost"), server)
        err = capsys.readouterr().err
        seen[kind] = (getattr(errors.get("client"), "reason", None), getattr(errors.get("server"), "reason", None), "LookupError: no such site" in err, "Exception ignored" in err)
        if kind == "fasttls":
            # Its server error names what the callback raised, not an alert it "returned".
            assert "raised LookupError: no such site" in str(errors["server"])
            assert isinstance(errors["server"].__cause__, LookupError)
    assert seen["fasttls"] == seen["ssl"] == ("SSLV3_ALERT_HANDSHAKE_FAILURE", "CALLBACK_FAILED", True, True)


def test_finding_the_hook_argument_type_leaves_the_hook_alone(monkeypatch):
    """The type is found from an unraisable of our own, with the hook swapped for that
    moment: the marker never reaches the application's hook, which is put back."""
    from fasttls import context

    seen = []

    def hook(unraisable):
        seen.append(unraisable)

    monkeypatch.setattr(sys, "unraisablehook", hook)
    monkeypatch.setattr(context, "_hook_args_type", [])
    found = context._unraisable_hook_args_type()
    assert found is not None and found.__name__ == "UnraisableHookArgs"
    assert sys.unraisablehook is hook and seen == []
    assert context._unraisable_hook_args_type() is found  # once


def test_a_hook_that_raises_changes_nothing(files, monkeypatch, capsys):
    """A sys.unraisablehook that raises: ssl (PyErr_WriteUnraisable) lets nothing out,
    and the handshake fails as it would have, with handshake_failure."""
    from .helpers import bio_handshake

    def hook(unraisable):
        raise KeyError("the hook broke")

    def callback(sock, name, ctx):
        raise LookupError("no such site")

    monkeypatch.setattr(sys, "unraisablehook", hook)
    seen = {}
    for kind in ("ssl", "fasttls"):
        server = make_server(kind, files)
        server.sni_callback = callback
        errors = bio_handshake((client_of("ssl", files), "localhost"), server)
        capsys.readouterr()
        seen[kind] = getattr(errors.get("client"), "reason", None)
    assert seen["fasttls"] == seen["ssl"] == "SSLV3_ALERT_HANDSHAKE_FAILURE"


@pytest.mark.parametrize("case", ["client to the right CA", "client to the wrong CA", "server to the right certificate"])
def test_a_context_assigned_before_the_handshake_is_used(files, case):
    """``obj.context = other`` before the handshake (trio's SSLStream forwards it): ssl
    (OpenSSL's SSL_set_SSL_CTX) verifies with the new context's trust store and presents
    its certificate.  Ours kept the first context's: a stricter trust store assigned
    there went unused."""

    def client_ctx(mod, ca):
        ctx = mod.SSLContext(mod.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(ca)
        return ctx

    def server_ctx(mod, cert, key):
        ctx = mod.SSLContext(mod.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        return ctx

    outcomes = {}
    for name, mod in (("ssl", ssl), ("fasttls", fasttls)):
        std = _StdSSLContext
        if case == "client to the right CA":
            first, then, server, server_then = client_ctx(mod, files.other_ca), client_ctx(mod, files.ca), None, None
        elif case == "client to the wrong CA":
            first, then, server, server_then = client_ctx(mod, files.ca), client_ctx(mod, files.other_ca), None, None
        else:
            first, then = client_ctx(ssl, files.ca), None
            server, server_then = server_ctx(mod, files.untrusted_cert, files.untrusted_key), server_ctx(mod, files.cert, files.key)
        if server is None:
            server = std(ssl.PROTOCOL_TLS_SERVER)
            server.load_cert_chain(files.cert, files.key)
        bios = [ssl.MemoryBIO() for _ in range(4)]
        c = first.wrap_bio(bios[0], bios[1], server_hostname="localhost")
        s = server.wrap_bio(bios[2], bios[3], server_side=True)
        if then is not None:
            c.context = then
        if server_then is not None:
            s.context = server_then
        try:
            _handshake(c, s, bios)
            outcomes[name] = "ok"
        except ssl.SSLCertVerificationError as e:
            outcomes[name] = e.verify_code
    assert outcomes["fasttls"] == outcomes["ssl"] == ("ok" if "right" in case else 20)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_client_that_leaves_after_its_finished_does_not_fail_the_server_handshake(files, kind):
    """A TLS 1.3 client that closes right after its handshake (a health check, a probe):
    the server's handshake still succeeds and its read sees the end, as OpenSSL's (whose
    NewSessionTicket write error is ignored).  Ours raised BrokenPipeError from
    wrap_socket in about one handshake of five (trio's own tests met it).  A second
    do_handshake() is a no-op, as OpenSSL's."""
    client_ctx = client_of("ssl", files)
    server_ctx = fasttls_server(files) if kind == "fasttls" else ssl_server(files)
    outcomes = []
    for _ in range(30):
        a, b = socket.socketpair()
        a.settimeout(10)
        b.settimeout(10)

        def leave(a=a):
            with client_ctx.wrap_socket(a, server_hostname="localhost"):
                pass

        t = threading.Thread(target=leave)
        t.start()
        try:
            with server_ctx.wrap_socket(b, server_side=True) as s:
                s.do_handshake()  # again, as trio's echo server does: done, nothing to send
                try:
                    outcomes.append(s.recv(10))
                except ConnectionResetError:  # Python 3.13: the socket's own error (see above)
                    outcomes.append(b"" if sys.version_info >= (3, 13) else "ConnectionResetError")
        except OSError as e:  # SSLError included: the handshake failed
            outcomes.append(type(e).__name__)
        finally:
            t.join(10)
            b.close()
    assert outcomes == [b""] * 30


@pytest.mark.parametrize("name", ["server_side", "server_hostname"])
def test_sslobject_side_and_name_are_read_only(name):
    """As ssl's: the connection was made for them (trio's test_attributes checks it)."""
    for ctx in (fasttls.create_default_context(), ssl.create_default_context()):
        obj = ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.org")
        with pytest.raises(AttributeError):
            setattr(obj, name, "other.example")
        assert (obj.server_side, obj.server_hostname) == (False, "example.org")


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_context_swap_does_not_resume_the_first_contexts_session(files, kind):
    """Our client contexts resume their cached sessions by themselves.  A connection made
    from a context holding a session for the host, then moved to a context that does not
    trust the server, resumed that session and skipped the new trust store (trio's
    test_attributes, after its other tests had connected).  It must verify, and fail."""
    good = client_of(kind, files)
    bad = (fasttls.SSLContext if kind == "fasttls" else _StdSSLContext)(ssl.PROTOCOL_TLS_CLIENT)
    bad.load_verify_locations(files.other_ca)
    server = _StdSSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(files.cert, files.key)
    for swap in (False, True):
        bios = [ssl.MemoryBIO() for _ in range(4)]
        c = good.wrap_bio(bios[0], bios[1], server_hostname="localhost")
        s = server.wrap_bio(bios[2], bios[3], server_side=True)
        if swap:
            c.context = bad
            with pytest.raises(ssl.SSLCertVerificationError):
                _handshake(c, s, bios)
            return
        _handshake(c, s, bios)
        s.write(b"x")  # the tickets come with it
        _pump(c, s, *bios)
        assert c.read(1) == b"x"


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
@pytest.mark.parametrize("when", ["before", "after"])
def test_a_swapped_connection_files_no_session_for_the_new_context(files, kind, when):
    """A connection moved to context B (before or after its handshake) was checked by a mix
    of A's and B's settings: its ticket must not land in B's cache, or B would later resume
    a server its own trust store refuses (ssl resumes only a session it is given)."""
    std = fasttls.SSLContext if kind == "fasttls" else _StdSSLContext
    a = std(ssl.PROTOCOL_TLS_CLIENT)
    a.load_verify_locations(files.ca)
    b = std(ssl.PROTOCOL_TLS_CLIENT)
    b.load_verify_locations(files.other_ca)  # does not trust the server
    server = ssl_server(files)

    def connect(ctx, swap_to=None):
        bios = [ssl.MemoryBIO() for _ in range(4)]
        c = ctx.wrap_bio(bios[0], bios[1], server_hostname="localhost")
        s = server.wrap_bio(bios[2], bios[3], server_side=True)
        if swap_to is not None and when == "before":
            c.context = swap_to
        try:
            _handshake(c, s, bios)
        except ssl.SSLCertVerificationError as e:
            return e.verify_code
        if swap_to is not None and when == "after":
            c.context = swap_to
        s.write(b"x")  # the tickets come with it
        _pump(c, s, *bios)
        assert c.read(1) == b"x"
        return "ok"

    # Before the handshake the verify mode stays A's but the trust store is B's (OpenSSL's
    # SSL_set_SSL_CTX), so that connection fails; after it, it has connected already.
    assert connect(a, swap_to=b) == (20 if when == "before" else "ok")
    assert connect(b) == 20


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_client_swapped_before_its_handshake_offers_the_first_contexts_alpn(files, kind):
    """OpenSSL copies a client's ALPN list into the connection when it is made; only a
    server's ALPN choice comes from a context set later."""
    std = fasttls.SSLContext if kind == "fasttls" else _StdSSLContext
    a, b = std(ssl.PROTOCOL_TLS_CLIENT), std(ssl.PROTOCOL_TLS_CLIENT)
    for ctx, alpn in ((a, ["h2"]), (b, ["http/1.1"])):
        ctx.load_verify_locations(files.ca)
        ctx.set_alpn_protocols(alpn)
    server = ssl_server(files)
    server.set_alpn_protocols(["h2", "http/1.1"])
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c = a.wrap_bio(bios[0], bios[1], server_hostname="localhost")
    c.context = b
    s = server.wrap_bio(bios[2], bios[3], server_side=True)
    _handshake(c, s, bios)
    assert c.selected_alpn_protocol() == "h2"


def _count_tickets(cctx) -> list:
    """Count the NewSessionTickets an ``ssl`` client context receives (its message callback)."""
    seen = [0]

    def callback(conn, direction, version, content_type, msg_type, data):
        if direction == "read" and content_type == ssl._TLSContentType.HANDSHAKE and msg_type == ssl._TLSMessageType.NEWSESSION_TICKET:
            seen[0] += 1

    cctx._msg_callback = callback
    return seen


def test_a_tls13_server_without_tickets_resumes_with_stateful_ones_as_in_ssl(files):
    """OP_NO_TICKET on a TLS 1.3 server: OpenSSL keeps the sessions and sends their cache
    keys as tickets (stateful tickets), so clients still resume; we sent no tickets and
    every connection was a full handshake.  Resumed, a server sends one new ticket."""
    seen = {}
    for kind in ("ssl", "fasttls"):
        sctx = make_server(kind, files)
        sctx.options |= ssl.OP_NO_TICKET
        sctx.num_tickets = 3
        cctx = client_of("ssl", files)
        tickets = _count_tickets(cctx)
        # The server ends are kept: OpenSSL drops the session of one freed without a
        # shutdown (ssl_clear_bad_session), and these pairs never shut down.
        server, first, _, _ = _bio_pair(sctx, cctx)
        counts = [tickets[0]]
        again, kept = [], [server]
        for _ in range(2):
            server, c, _, _ = _bio_pair(sctx, cctx, first.session)
            kept.append(server)
            again.append((c.version(), c.session_reused, len(c.session.id)))
            counts.append(tickets[0])
        stats = sctx.session_stats()
        seen[kind] = (first.session_reused, first.session.has_ticket, again, counts, stats["hits"], stats["number"] > 0)
    assert seen["fasttls"] == seen["ssl"] == (False, True, [("TLSv1.3", True, 32)] * 2, [3, 4, 5], 2, True), seen


@pytest.mark.parametrize("num_tickets", [4, 300])
def test_tickets_after_a_full_handshake_and_a_resumption_as_in_ssl(files, num_tickets):
    """num_tickets after a full handshake, one after a resumption (OpenSSL's "in a
    resumption we only ever send a maximum of one new ticket"); we sent num_tickets.
    And a ticket's nonce was one byte: the 257th ticket failed the connection
    (internal_error, OverflowError); RFC 8446 4.6.1 allows nonces up to 255 bytes."""
    seen = {}
    for kind in ("ssl", "fasttls"):
        sctx = make_server(kind, files)
        sctx.num_tickets = num_tickets
        cctx = client_of("ssl", files)
        tickets = _count_tickets(cctx)
        _, first, _, _ = _bio_pair(sctx, cctx)
        after_full = tickets[0]
        _, c, _, _ = _bio_pair(sctx, cctx, first.session)
        seen[kind] = (after_full, c.session_reused, tickets[0] - after_full)
    assert seen["fasttls"] == seen["ssl"] == (num_tickets, True, 1), seen


@pytest.mark.parametrize(
    "change",
    [
        lambda ctx, files: ctx.set_alpn_protocols(["http/1.1"]),
        lambda ctx, files: ctx.load_cert_chain(files.cert, files.key),
        lambda ctx, files: setattr(ctx, "num_tickets", 3),
        lambda ctx, files: setattr(ctx, "verify_flags", ctx.verify_flags | ssl.VERIFY_X509_STRICT),
    ],
    ids=["alpn", "certificate-reload", "num_tickets", "verify_flags"],
)
def test_server_session_ids_outlive_a_setting_change_as_in_ssl(files, change):
    """The TLS 1.2 session-ID cache lived in each Config, so any setting change (a new
    Config) dropped every session: a certificate reload made all clients do full
    handshakes.  It is the context's now, as OpenSSL's SSL_CTX cache."""
    seen = {}
    for kind in ("ssl", "fasttls"):
        sctx = make_server(kind, files)
        sctx.options |= ssl.OP_NO_TICKET
        cctx = client_of("ssl", files)
        cctx.maximum_version = ssl.TLSVersion.TLSv1_2
        server, first, _, _ = _bio_pair(sctx, cctx)  # kept: see the test above
        change(sctx, files)
        resumed, c, _, _ = _bio_pair(sctx, cctx, first.session)
        stats = sctx.session_stats()
        del server, resumed
        seen[kind] = (c.session_reused, stats["hits"], stats["misses"], stats["number"])
    assert seen["fasttls"] == seen["ssl"] == (True, 1, 0, 1), seen


def test_answers_to_our_own_key_updates_are_not_a_flood(files):
    """Each key_update() asks the peer for one in return (RFC 8446 4.6.3).  Those answers
    counted toward max_key_updates (32 without application data), so the 33rd
    key_update() of an upload failed our own connection with unexpected_message, and the
    ssl server's reply was lost."""
    count = 40
    a, b = socket.socketpair()
    a.settimeout(20)
    b.settimeout(20)
    seen = {}

    def serve() -> None:
        try:
            with ssl_server(files).wrap_socket(a, server_side=True) as s:
                n = 0
                while n < count * 1000:
                    data = s.recv(65536)
                    if not data:
                        break
                    n += len(data)
                s.sendall(b"stored %d" % n)
                seen["server"] = s.recv(10)
        except Exception as e:  # reported by the assertion below
            seen["server"] = e

    t = threading.Thread(target=serve)
    t.start()
    try:
        with b, client(files).wrap_socket(b, server_hostname="localhost") as c:
            for _ in range(count):
                c.sendall(b"u" * 1000)
                c.key_update()
            assert c.recv(100) == b"stored %d" % (count * 1000)
    finally:
        t.join(20)
        a.close()
    assert seen["server"] == b"", seen


def _memory_pair(cctx, sctx):
    """A completed handshake over MemoryBIOs: (client, server, their four BIOs), with a
    function that moves what each side wrote to the other."""
    ci, co, si, so = (ssl.MemoryBIO() for _ in range(4))
    c = cctx.wrap_bio(ci, co, server_hostname="localhost")
    s = sctx.wrap_bio(si, so, server_side=True)
    for _ in range(6):
        for obj in (c, s):
            with contextlib.suppress(ssl.SSLWantReadError):
                obj.do_handshake()
        si.write(co.read())
        ci.write(so.read())
    for obj in (s, c):  # the tickets
        with contextlib.suppress(ssl.SSLWantReadError):
            obj.read(1)
    return c, s, (ci, co, si, so)


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_nothing_follows_our_close_notify_and_unwrap_after_an_error_fails_at_once(files, kind, version):
    """A bad record arriving while unwrap() waits for the peer's close_notify: we sent
    a fatal alert after our close_notify (RFC 8446 6.1: nothing follows it), and every
    later unwrap() waited (SSLWantReadError; a socket until its timeout) for a
    close_notify that a failed connection never gets.  OpenSSL sends nothing and says
    SHUTDOWN_WHILE_IN_INIT."""
    cctx = client_of(kind, files)
    cctx.maximum_version = getattr(ssl.TLSVersion, version)
    c, s, (ci, co, si, so) = _memory_pair(cctx, ssl_server(files))
    with pytest.raises(ssl.SSLWantReadError):
        c.unwrap()
    assert len(co.read()) in (24, 31)  # our close_notify (TLS 1.3, TLS 1.2 AES-GCM)
    s.write(b"hello")
    record = bytearray(so.read())
    record[-1] ^= 1
    ci.write(bytes(record))
    with pytest.raises(ssl.SSLError) as first:
        c.unwrap()
    assert first.value.reason in ("DECRYPTION_FAILED_OR_BAD_RECORD_MAC", "BAD_RECORD_MAC")
    with pytest.raises(ssl.SSLError) as again:
        c.unwrap()
    assert again.value.reason == "SHUTDOWN_WHILE_IN_INIT"
    assert co.read() == b""  # no alert after our close_notify


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_unwrap_before_or_during_the_handshake_sends_nothing_as_in_ssl(files, kind):
    """OpenSSL's SSL_shutdown in a handshake: SHUTDOWN_WHILE_IN_INIT, nothing sent.  We
    sent a close_notify (in the clear before the hellos) and waited for the peer's."""
    cctx = client_of(kind, files)
    ci, co = ssl.MemoryBIO(), ssl.MemoryBIO()
    c = cctx.wrap_bio(ci, co, server_hostname="localhost")
    with pytest.raises(ssl.SSLError) as before:
        c.unwrap()
    with pytest.raises(ssl.SSLWantReadError):
        c.do_handshake()
    hello = co.read()
    with pytest.raises(ssl.SSLError) as during:
        c.unwrap()
    assert (before.value.reason, during.value.reason, co.read(), hello[:1]) == ("SHUTDOWN_WHILE_IN_INIT", "SHUTDOWN_WHILE_IN_INIT", b"", b"\x16")


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_socket_unwrap_after_a_bad_record_fails_at_once(files, kind):
    """SSLSocket.unwrap() after recv() failed on a bad record waited for the peer's
    close_notify until the socket's timeout (for ever without one)."""
    a, b = socket.socketpair()
    with a, b:
        a.settimeout(10)
        b.settimeout(10)
        server = ssl_server(files).wrap_bio(si := ssl.MemoryBIO(), so := ssl.MemoryBIO(), server_side=True)
        done = threading.Event()

        def serve() -> None:
            # A handshake over the socket, then one record the client cannot open.
            try:
                while True:
                    try:
                        server.do_handshake()
                        break
                    except ssl.SSLWantReadError:
                        a.sendall(so.read())
                        si.write(a.recv(65536))
                a.sendall(so.read())
                server.write(b"hello")
                record = bytearray(so.read())
                record[-1] ^= 1
                a.sendall(bytes(record))
                done.wait(10)
            except OSError:
                pass

        t = threading.Thread(target=serve)
        t.start()
        try:
            c = client_of(kind, files).wrap_socket(b, server_hostname="localhost")
            with pytest.raises(ssl.SSLError):
                c.recv(100)
            start = time.monotonic()
            with pytest.raises(ssl.SSLError) as e:
                c.unwrap()
            assert e.value.reason == "SHUTDOWN_WHILE_IN_INIT" and time.monotonic() - start < 5
            c.close()
        finally:
            done.set()
            t.join(10)


def _result_of(call):
    try:
        return ("ok", call())
    except ssl.SSLError as e:
        return (type(e).__name__ if type(e).__name__ in ("SSLWantReadError", "SSLZeroReturnError") else "SSLError", getattr(e, "reason", None))


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_later_unwrap_refuses_data_a_read_left_unread(files, kind):
    """After unwrap() had started, the peer sent two records and its close_notify in one
    batch; a read returned the first and opened the rest.  The next unwrap() succeeded
    and the second record was gone without a word (ssl: APPLICATION_DATA_AFTER_CLOSE_NOTIFY)."""
    c, s, (ci, co, si, so) = _memory_pair(client_of(kind, files), ssl_server(files))
    with pytest.raises(ssl.SSLWantReadError):
        c.unwrap()
    s.write(b"a")
    s.write(b"B" * 100)
    with contextlib.suppress(ssl.SSLWantReadError):
        s.unwrap()
    ci.write(so.read())
    assert c.read(1024) == b"a"
    assert _result_of(c.unwrap) == ("SSLError", "APPLICATION_DATA_AFTER_CLOSE_NOTIFY")
    if kind == "fasttls":
        assert c.read(1024) == b"B" * 100  # still readable (ssl loses it: SSLEOFError)


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_data_then_eof_behind_a_close_notify_is_all_read(files, kind):
    """The peer's data and close_notify, then plain bytes and write_eof() (trio and anyio
    write the EOF they read): the parked close_notify could not be written back after
    write_eof(), which raised SSLError and lost the last record."""
    c, s, (ci, co, si, so) = _memory_pair(client_of(kind, files), ssl_server(files))
    s.write(b"x" * 40000)
    with contextlib.suppress(ssl.SSLWantReadError):
        s.unwrap()
    ci.write(so.read())
    got = c.read(1)
    ci.write(b"PLAIN TAIL\r\n")
    ci.write_eof()
    while True:
        data = c.read(65536)
        if not data:
            break
        got += data
    assert got == b"x" * 40000


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_data_between_the_last_flight_and_an_alert_is_read_before_the_error(files, kind):
    """The client's Finished, its request and a fatal alert in one batch: do_handshake()
    raised the alert, and the request was reachable only by reading after that error."""
    server = make_server(kind, files)
    cctx = client_of("ssl", files)
    si, so, ci, co = (ssl.MemoryBIO() for _ in range(4))
    srv = server.wrap_bio(si, so, server_side=True)
    cli = cctx.wrap_bio(ci, co, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        cli.do_handshake()
    si.write(co.read())
    with pytest.raises(ssl.SSLWantReadError):
        srv.do_handshake()
    ci.write(so.read())
    cli.do_handshake()
    cli.write(b"request")
    ci.write_eof()
    with pytest.raises(ssl.SSLEOFError):
        cli.read()  # OpenSSL sends decode_error after a truncation: the fatal alert
    si.write(co.read())
    assert _result_of(srv.do_handshake) == ("ok", None)
    assert srv.read(1024) == b"request"
    assert _result_of(lambda: srv.read(1024))[0] == "SSLError"


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_unwrap_again_after_a_timeout_and_a_partial_read(files, kind):
    """unwrap() timed out, one record came, recv(1) took part of it: the next unwrap()
    waited on the socket for its whole timeout (ssl fails at once); and a reset after a
    timed-out unwrap() made every later recv() a ConnectionResetError (ssl: b"")."""
    sent, done = threading.Event(), threading.Event()

    def after_handshake(s) -> None:
        sent.wait(10)
        s.sendall(b"a" * 7)  # one more record, no close_notify
        done.wait(10)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset

    with echo_server(make_server("ssl", files), after_handshake=after_handshake) as srv:
        with connect(client_of(kind, files), srv.port) as tls:
            tls.settimeout(1.0)
            with pytest.raises(TimeoutError):
                tls.unwrap()
            sent.set()
            assert tls.recv(1) == b"a"
            # Nothing more comes until ``done``: an unwrap() that waited on the socket would
            # end in TimeoutError, not this error.
            with pytest.raises(ssl.SSLError) as e:
                tls.unwrap()
            assert e.value.reason == "APPLICATION_DATA_AFTER_CLOSE_NOTIFY"
            if kind == "fasttls":
                assert tls.recv(100) == b"a" * 6  # still readable (ssl loses it)
            done.set()
            time.sleep(0.3)
            if sys.version_info >= (3, 13) and kind == "fasttls":
                with pytest.raises(ConnectionResetError):  # 3.13's ssl: the socket's own error
                    tls.recv(100)
            else:
                assert tls.recv(100) == b""  # the reset reads as an EOF, as after any read (3.10-3.12)


@pytest.mark.parametrize("timeout", [None, 5.0])
@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_a_buffer_refused_before_sending_leaves_the_socket_usable(files, kind, timeout):
    """A released memoryview raises ValueError before anything is sealed; we took that
    for a write cut inside a record and refused every later write."""
    with echo_server(make_server("ssl", files)) as srv:
        with connect(client_of(kind, files), srv.port) as s:
            s.settimeout(timeout)
            for call in (s.send, s.sendall):
                gone = memoryview(b"gone")
                gone.release()
                with pytest.raises(ValueError):
                    call(gone)
            assert echo(s, b"after\n") == b"after\n"


# ---------------------------------------------------------------------------
# Context settings that ssl reads at other moments than wrapping
# ---------------------------------------------------------------------------


def test_a_subclass_of_ssls_classes_set_on_the_context(files):
    """ssl documents ``sslsocket_class``/``sslobject_class`` for getting one's own subclass
    of ``ssl.SSLSocket``/``ssl.SSLObject`` from ``wrap_socket``/``wrap_bio`` (a certificate
    pin checked in ``do_handshake``).  Ours raised TypeError (wrap_socket) and a
    NotImplementedError that told the caller to use the wrap_bio it had used; now the
    subclass gets fasttls's connection beneath it, its overrides first."""
    with open(files.cert, "rb") as f:
        leaf_der = x509.load_pem_x509_certificates(f.read())[0].public_bytes(serialization.Encoding.DER)
    calls = []

    class PinnedSocket(ssl.SSLSocket):
        def do_handshake(self, *args, **kwargs):
            super().do_handshake(*args, **kwargs)
            calls.append(("socket", self.getpeercert(True) == leaf_der))

    class PinnedObject(ssl.SSLObject):
        def do_handshake(self):
            super().do_handshake()
            calls.append(("object", self.getpeercert(True) == leaf_der))

    ctx = client(files)
    ctx.sslsocket_class = PinnedSocket
    ctx.sslobject_class = PinnedObject
    with echo_server(ssl_server(files)) as srv:
        with connect(ctx, srv.port) as s:
            assert isinstance(s, PinnedSocket) and isinstance(s, fasttls.SSLSocket)
            assert type(s).__name__ == "PinnedSocket"
            assert echo(s, b"pinned") == b"pinned"
    bios = [ssl.MemoryBIO() for _ in range(4)]
    c = ctx.wrap_bio(bios[0], bios[1], server_hostname="localhost")
    assert isinstance(c, PinnedObject) and isinstance(c, fasttls.SSLObject)
    s = ssl_server(files).wrap_bio(bios[2], bios[3], server_side=True)
    _handshake(c, s, bios)
    assert c.version() == "TLSv1.3"
    assert calls[0] == ("socket", True) and ("object", True) in calls
    # A subclass of ours is used as it is; ssl's own classes, put back, are ours.
    ctx.sslsocket_class = type("Ours", (fasttls.SSLSocket,), {})
    with echo_server(ssl_server(files)) as srv:
        with connect(ctx, srv.port) as s:
            assert type(s) is ctx.sslsocket_class
    ctx.sslsocket_class, ctx.sslobject_class = ssl.SSLSocket, ssl.SSLObject
    with echo_server(ssl_server(files)) as srv:
        with connect(ctx, srv.port) as s:
            assert type(s) is fasttls.SSLSocket and echo(s, b"x") == b"x"
    assert type(ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost")) is fasttls.SSLObject


@pytest.mark.parametrize("wrap", ["socket", "bio"])
def test_a_servers_sni_callback_and_alpn_set_after_wrapping(files, wrap):
    """A server wrapped before its context got an ``sni_callback`` and ALPN protocols: ssl
    uses both in the handshake (OpenSSL calls back into the SSL_CTX), ours used the
    settings of the moment of wrapping (no callback, no ALPN)."""
    sctx = fasttls_server(files)
    cctx = client_of("ssl", files)
    cctx.set_alpn_protocols(["h2", "http/1.1"])
    seen = []

    def late(s):
        sctx.sni_callback = lambda sock, name, ctx: seen.append(name)
        sctx.set_alpn_protocols(["http/1.1"])

    if wrap == "socket":
        def serve(raw):
            with sctx.wrap_socket(raw, server_side=True, do_handshake_on_connect=False) as s:
                late(s)
                s.do_handshake()
                seen.append(s.selected_alpn_protocol())

        with one_connection(serve) as (port, t):
            with connect(cctx, port) as c:
                assert c.selected_alpn_protocol() == "http/1.1"
            t.join(20)
    else:
        bios = [ssl.MemoryBIO() for _ in range(4)]
        c = cctx.wrap_bio(bios[0], bios[1], server_hostname="localhost")
        s = sctx.wrap_bio(bios[2], bios[3], server_side=True)
        late(s)
        _handshake(c, s, bios)
        seen.append(s.selected_alpn_protocol())
        assert c.selected_alpn_protocol() == "http/1.1"
    assert seen == ["localhost", "http/1.1"]


def test_the_unverified_contexts_flags_are_ssls():
    """``_create_unverified_context`` (``get_server_certificate``'s, ``_create_stdlib_context``)
    has ssl's verify flags: from Python 3.13 ``create_default_context`` adds
    VERIFY_X509_STRICT and VERIFY_X509_PARTIAL_CHAIN, the unverified one does not (ours
    did, and refused a private CA's leaf without an authority key identifier)."""
    for purpose in (ssl.Purpose.SERVER_AUTH, ssl.Purpose.CLIENT_AUTH):
        assert fasttls._create_unverified_context(purpose=purpose).verify_flags == ssl._create_unverified_context(purpose=purpose).verify_flags
        assert fasttls.create_default_context(purpose).verify_flags == ssl.create_default_context(purpose).verify_flags
    with pytest.raises(ValueError):
        ssl._create_unverified_context(purpose=ssl._ASN1Object.fromnid(13))  # (commonName)
    with pytest.raises(ValueError):
        fasttls._create_unverified_context(purpose=ssl._ASN1Object.fromnid(13))


def test_a_cipher_string_of_only_suites_fasttls_lacks(files):
    """``set_ciphers`` with a string that selects only TLS 1.2 suites fasttls does not have
    (CBC, DHE, static RSA: an older configuration): ssl accepts it and keeps TLS 1.3; ours
    refused it as if nothing matched, so such a program could not make its context at all.
    Now TLS 1.3 works as before and TLS 1.2 has no suites; a string that matches nothing
    in OpenSSL is refused as ssl refuses it."""
    for cipherlist in ("ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384", "DHE-RSA-AES256-GCM-SHA384", "HIGH:!ECDH"):
        _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT).set_ciphers(cipherlist)  # ssl takes it
        ctx = client(files)
        ctx.set_ciphers(cipherlist)
        assert [c["protocol"] for c in ctx.get_ciphers()] == ["TLSv1.3"] * 3
        sctx = fasttls_server(files)
        sctx.set_ciphers(cipherlist)
        for server in (ssl_server(files), sctx):
            with echo_server(server) as srv:
                with connect(ctx, srv.port) as s:
                    assert s.version() == "TLSv1.3" and echo(s, b"x") == b"x"
        only12 = ssl_server(files)
        only12.maximum_version = ssl.TLSVersion.TLSv1_2
        with echo_server(only12) as srv:
            with pytest.raises(ssl.SSLError):
                with connect(ctx, srv.port):
                    pass
    for nothing in ("FOO", "RC4-MD5", "ECDHE-RSA-AES128-SHA256:!ALL"):
        with pytest.raises(ssl.SSLError, match="No cipher can be selected") as theirs:
            _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT).set_ciphers(nothing)
        with pytest.raises(ssl.SSLError, match="No cipher can be selected") as ours:
            client(files).set_ciphers(nothing)
        # _ssl raises the bare message: no errno, no reason (ours had OpenSSL's, 185 and NO_CIPHER_MATCH).
        shape = lambda e: (type(e), e.args, e.errno, getattr(e, "reason", None))  # noqa: E731
        assert shape(ours.value) == shape(theirs.value) == (ssl.SSLError, ("No cipher can be selected.",), None, None)


def test_small_api_details_as_ssl(files, tmp_path):
    """Details code written for ssl meets: load_dh_params checks its file (ours accepted
    any), keylog_filename reads back what was set, get_channel_binding's argument errors,
    num_tickets only on a PROTOCOL_TLS_SERVER context, and a socket's repr is socket's
    (addresses, [closed]), as ssl.SSLSocket's."""
    import subprocess

    dh2048, dh1024, dhx = tmp_path / "ffdhe2048.pem", tmp_path / "rfc5114-1024.pem", tmp_path / "x942.pem"
    q160 = tmp_path / "x942-q160.pem"  # a 2048-bit p, but 80 bits of security by its q
    for path, args in (
        (dh2048, ["DH", "group:ffdhe2048"]),
        (dh1024, ["DH", "dh_rfc5114:1"]),
        (dhx, ["DHX", "dh_rfc5114:3"]),
        (q160, ["DHX", "pbits:2048", "-pkeyopt", "qbits:160"]),
    ):
        subprocess.run(["openssl", "genpkey", "-genparam", "-algorithm", args[0], "-pkeyopt", *args[1:], "-out", str(path)], check=True, timeout=60, capture_output=True)
    import base64 as b64

    p_only = b"\x30\x82\x01\x05\x02\x82\x01\x01\x00\x80" + bytes(255)  # no g
    no_g = tmp_path / "no-g.pem"
    no_g.write_bytes(b"-----BEGIN DH PARAMETERS-----\n" + b64.encodebytes(p_only) + b"-----END DH PARAMETERS-----\n")
    bad_base64 = tmp_path / "bad-base64.pem"
    bad_base64.write_text("-----BEGIN DH PARAMETERS-----\n!!!!\n-----END DH PARAMETERS-----\n")
    cut = tmp_path / "cut.pem"
    cut.write_bytes(dh2048.read_bytes().split(b"-----END")[0])

    def der_length(n: int) -> bytes:
        return bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, "big")

    def der_int(v: int) -> bytes:
        body = v.to_bytes(v.bit_length() // 8 + 1, "big")
        return b"\x02" + der_length(len(body)) + body

    def dh_pem(*ints: int) -> bytes:
        body = b"".join(der_int(v) for v in ints)
        der = b"\x30" + der_length(len(body)) + body
        return b"-----BEGIN DH PARAMETERS-----\n" + b64.encodebytes(der) + b"-----END DH PARAMETERS-----\n"

    ffdhe = b64.b64decode(b"".join(dh2048.read_bytes().splitlines()[1:-1]))
    ffdhe_p = int.from_bytes(ffdhe[9 : 9 + 256], "big")  # (30 82 01 08 02 82 01 01 00 <p>)
    assert ffdhe_p.bit_length() == 2048
    named_with_length = tmp_path / "ffdhe2048-length-200.pem"  # OpenSSL takes q from the named group
    named_with_length.write_bytes(dh_pem(ffdhe_p, 2, 200))
    tiny = tmp_path / "p1023.pem"  # refused even at security level 0
    tiny.write_bytes(dh_pem((1 << 1022) + 1, 2))
    not_dh = tmp_path / "not-dh.pem"
    not_dh.write_bytes(open(files.cert, "rb").read())
    broken = tmp_path / "broken.pem"
    broken.write_text("-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----\n")

    def outcome(ctx, path):
        try:
            ctx.load_dh_params(path)
            return "ok"
        except ssl.SSLError as e:
            return (e.library, e.reason)
        except OSError as e:
            return type(e)

    for level in (None, 0, 1, 3):
        for path in (dh2048, dh1024, dhx, q160, no_g, bad_base64, cut, named_with_length, tiny, not_dh, broken, tmp_path / "missing.pem"):
            theirs, ours = _StdSSLContext(ssl.PROTOCOL_TLS_SERVER), fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
            if level is not None:
                theirs.set_ciphers(f"DEFAULT@SECLEVEL={level}")
                ours.set_ciphers(f"DEFAULT@SECLEVEL={level}")
            assert outcome(ours, path) == outcome(theirs, path), (path, level)
    assert outcome(_StdSSLContext(ssl.PROTOCOL_TLS_SERVER), dh1024) == ("SSL", "DH_KEY_TOO_SMALL")
    assert outcome(_StdSSLContext(ssl.PROTOCOL_TLS_SERVER), q160) == ("SSL", "DH_KEY_TOO_SMALL")

    for ctx in (fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT), _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)):
        ctx.keylog_filename = tmp_path / "keys.txt"
        assert ctx.keylog_filename == tmp_path / "keys.txt"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            tls = type(ctx)(ssl.PROTOCOL_TLS)
        with pytest.raises(ValueError, match="not a server context"):
            tls.num_tickets = 1

    pairs = []
    for kind in ("fasttls", "ssl"):
        bios = [ssl.MemoryBIO() for _ in range(4)]
        c = client_of(kind, files).wrap_bio(bios[0], bios[1], server_hostname="localhost")
        s = ssl_server(files).wrap_bio(bios[2], bios[3], server_side=True)
        _handshake(c, s, bios)
        errors = []
        for bad in (None, 5, "tls-nope"):
            with pytest.raises((TypeError, ValueError)) as info:
                c.get_channel_binding(bad)
            errors.append((type(info.value), str(info.value)))
        pairs.append(errors)
    assert pairs[0] == pairs[1]

    with echo_server(ssl_server(files)) as srv:
        with connect(client(files), srv.port) as s:
            r = repr(s)
            assert r.startswith("<fasttls.socket.SSLSocket fd=") and f"raddr=('127.0.0.1', {srv.port})" in r
        assert "[closed]" in repr(s)


@pytest.mark.parametrize("legacy", [False, True])
def test_a_tls12_server_without_secure_renegotiation(files, legacy):
    """A TLS 1.2 ServerHello without renegotiation_info (RFC 5746): OpenSSL 3's client, so
    ssl's, refuses it with handshake_failure (UNSAFE_LEGACY_RENEGOTIATION_DISABLED) unless
    OP_LEGACY_SERVER_CONNECT (0x4) is set; ours went on (as Go does, which Config keeps)."""

    def server_hello() -> bytes:
        exts = b"\x00\x17\x00\x00" + b"\x00\x0b\x00\x02\x01\x00"  # extended_master_secret, ec_point_formats
        body = b"\x03\x03" + os.urandom(32) + b"\x00" + b"\xc0\x2b\x00" + struct.pack("!H", len(exts)) + exts
        hs = b"\x02" + len(body).to_bytes(3, "big") + body
        return struct.pack("!BHH", 22, 0x0303, len(hs)) + hs

    answers = {}
    for kind in ("ssl", "fasttls"):
        ctx = client_of(kind, files)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if legacy:
            ctx.options |= 0x4
        got = {}

        def serve(raw):
            raw.settimeout(10)
            raw.recv(65536)  # the ClientHello
            raw.sendall(server_hello())
            raw.settimeout(1 if legacy else 10)  # (a refusing client answers at once)
            try:
                got["answer"] = raw.recv(100)[:7]
            except socket.timeout:
                got["answer"] = "waits"  # for the server's Certificate

        with one_connection(serve) as (port, t):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                with pytest.raises((ssl.SSLError, OSError)) as info:
                    ctx.wrap_socket(raw, server_hostname="localhost")
            t.join(20)
        answers[kind] = (got["answer"], getattr(info.value, "reason", None))
    if legacy:
        assert answers["fasttls"][0] == answers["ssl"][0] == "waits"
    else:
        assert answers["ssl"] == (b"\x15\x03\x03\x00\x02\x02\x28", "UNSAFE_LEGACY_RENEGOTIATION_DISABLED")
        assert answers["fasttls"] == answers["ssl"]


@pytest.mark.parametrize("ignore_eof", [False, True])
def test_a_reset_after_the_handshake_as_ssl_reports_it(files, ignore_eof):
    """A client that resets the connection after its request (one that closed with the
    server's tickets unread does): OP_IGNORE_UNEXPECTED_EOF does not make that a clean
    close in ssl (OpenSSL sees a failed read, not an EOF), and the first error has no
    reason.  Ours returned b"" with the option, and named UNEXPECTED_EOF_WHILE_READING."""
    outcomes = {}
    for kind in ("ssl", "fasttls"):
        sctx = make_server(kind, files)
        if ignore_eof:
            sctx.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
        seen = []

        def serve(raw):
            with sctx.wrap_socket(raw, server_side=True, suppress_ragged_eofs=False) as s:
                s.settimeout(10)
                for _ in range(3):
                    try:
                        seen.append(s.recv(100))
                    except (ssl.SSLError, OSError) as e:
                        ssl_type = next(c for c in type(e).__mro__ if c.__module__ in ("ssl", "builtins"))
                        seen.append((ssl_type.__name__, getattr(e, "reason", None)))

        with one_connection(serve) as (port, t):
            with connect(client_of("ssl", files), port) as c:
                c.sendall(b"req")
                time.sleep(0.2)
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            t.join(20)
        outcomes[kind] = seen
    assert outcomes["fasttls"] == outcomes["ssl"], outcomes
    assert outcomes["ssl"][0] == b"req"


def test_a_der_bundle_of_only_certificates_cryptography_refuses_names_why(files):
    """Two DER certificates OpenSSL reads and cryptography refuses: the error names why,
    as the PEM path's, not "cadata does not contain a certificate"."""
    odd = _root_with_utctime_without_seconds()
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    with pytest.raises(ssl.SSLError, match="cannot use any certificate: cryptography refuses them"):
        ctx.load_verify_locations(cadata=odd + _root_with_utctime_without_seconds())


def test_a_bundle_with_a_left_out_certificate_holds_no_reference_cycle(files):
    """The reason a certificate was left out was kept as the exception, whose traceback
    held the loading frame (and the store) in a cycle until the cyclic collector ran."""
    import gc
    import weakref

    from fasttls.verify import TrustStore

    pem = ssl.DER_cert_to_PEM_cert(_root_with_utctime_without_seconds()) + open(files.ca).read()
    gc.collect()
    gc.disable()
    try:
        store = TrustStore()
        store.load_verify_locations(cadata=pem)
        assert len(store) == 1
        ref = weakref.ref(store)
        del store
        assert ref() is None
    finally:
        gc.enable()


@pytest.mark.parametrize("name", ["SSLZeroReturnError", "SSLSyscallError", "SSLEOFError", "SSLCertVerificationError", "CertificateError"])
def test_errors_are_made_as_ssls_are_with_errno_and_strerror(name):
    """``import fasttls as ssl`` code (and CPython's test_ssl) makes these as ssl's,
    ``(errno, strerror)``: ours took ``(message, ...)`` and raised TypeError or ValueError,
    or (SSLEOFError) turned the errno into a reason: "[SSL: EOF occurred ...] 8"."""
    import pickle

    from fasttls.errors import fresh_copy

    for errno_ in (8, 5, 1, 6):  # (each class's own number, and others: a copy keeps it)
        ours, theirs = getattr(fasttls, name)(errno_, "EOF occurred in violation of protocol"), getattr(ssl, name)(errno_, "EOF occurred in violation of protocol")
        assert isinstance(ours, getattr(ssl, name))
        assert (str(ours), ours.errno, ours.strerror, ours.args) == (str(theirs), theirs.errno, theirs.strerror, theirs.args)
        for again in (pickle.loads(pickle.dumps(ours)), fresh_copy(ours)):
            assert type(again) is type(ours) and (str(again), again.errno, again.args) == (str(ours), ours.errno, ours.args)
    # Ours, made as fasttls makes them, read as before.
    if name == "SSLEOFError":
        assert str(fasttls.SSLEOFError()) == "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol"
    elif name == "SSLZeroReturnError":
        assert fasttls.SSLZeroReturnError().errno == ssl.SSL_ERROR_ZERO_RETURN


def test_module_names_that_import_fasttls_as_ssl_code_reads():
    """CPython's test_ssl and code written for ssl read these module names; ours had none
    (AttributeError).  The version is the OpenSSL fasttls's primitives run on, in ssl's
    forms: the text names it, and the tuple is parsed from the number as _ssl parses its own."""
    from cryptography.hazmat.backends.openssl.backend import backend

    assert len(fasttls.RAND_bytes(32)) == 32 and fasttls.RAND_bytes(32) != fasttls.RAND_bytes(32)
    assert fasttls.RAND_status() is True
    fasttls.RAND_add(b"entropy", 0.0)
    assert fasttls.OPENSSL_VERSION == backend.openssl_version_text() and fasttls.OPENSSL_VERSION.startswith("OpenSSL ")
    assert fasttls.OPENSSL_VERSION_NUMBER == backend.openssl_version_number()
    major, minor, fix, patch, status = fasttls.OPENSSL_VERSION_INFO
    assert fasttls.OPENSSL_VERSION.split()[1].startswith(f"{major}.{minor}.{patch}")
    assert fasttls.OPENSSL_VERSION_INFO >= (1, 1, 1)
    # The same parse of ssl's own number gives ssl's tuple.
    n = ssl.OPENSSL_VERSION_NUMBER
    assert (n >> 28 & 0xFF, n >> 20 & 0xFF, n >> 12 & 0xFF, n >> 4 & 0xFF, n & 0xF) == ssl.OPENSSL_VERSION_INFO

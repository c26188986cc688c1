"""``python -m fasttls``: see TLS at work.

``demo`` runs a server and a client on loopback with the embedded default
certificate: one full handshake and one resumed, traced, then a transfer.
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import sys
import threading
import time

from . import default_cert
from .config import Config
from .constants import NamedGroup, SignatureScheme, name_of
from .errors import SSLEOFError, SSLZeroReturnError
from .socket import wrap_socket
from .trace import JsonTracer, TextTracer


def _summary(s, out) -> None:
    conn = s.connection
    group = name_of(NamedGroup, conn.group) if conn.group else "-"
    scheme = conn.peer_signature_scheme or conn.signature_scheme
    lines = [
        ("version", s.version()),
        ("cipher suite", s.cipher()[0]),
        ("key exchange", group + (" (after HelloRetryRequest)" if conn.hello_retry_request else "")),
        ("signature", name_of(SignatureScheme, scheme) if scheme else "- (resumed: no certificate)"),
        ("ALPN", conn.alpn_protocol or "-"),
        ("SNI", _sni_sent(s.server_hostname)),
        ("resumed", "yes" if conn.session_reused else "no"),
        ("record layer", _impl()),
    ]
    if conn.verified_chain:
        leaf = conn.verified_chain[0]
        lines.append(("server certificate", leaf.subject.rfc4514_string()))
        lines.append(("verified", f"yes, chain of {len(conn.verified_chain)}"))
    width = max(len(k) for k, _ in lines)
    for k, v in lines:
        out.write(f"  {k:<{width}}  {v}\n")


def _sni_sent(hostname: str | None) -> str:
    from .verify import ip_literal

    if not hostname:
        return "-"
    if ip_literal(hostname.strip("[]").split("%", 1)[0]) is not None:
        return "- (none sent for an IP address, RFC 6066 3)"
    return hostname


def _impl() -> str:
    from . import record

    return record.IMPLEMENTATION


def cmd_demo(args) -> int:
    out = sys.stdout
    from .verify import TrustStore

    ck = default_cert.generate()
    out.write("fasttls demo: a TLS server and client on 127.0.0.1\n")
    out.write(f"  default certificate: {ck.leaf.subject.rfc4514_string()} ({ck.key_type}), made in memory\n")
    out.write(f"  SHA-256 fingerprint: {default_cert.fingerprint(ck.leaf)}\n\n")

    server_config = Config(certificates=[ck], alpn_protocols=["h2", "http/1.1"])
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    total = args.megabytes << 20
    received: dict[int, int] = {}
    errors: list[BaseException] = []

    def serve() -> None:
        for i in range(3):
            raw, _ = listener.accept()
            try:
                with wrap_socket(raw, server_config, server_side=True) as s:
                    n = 0
                    buf = bytearray(1 << 18)
                    while True:
                        k = s.recv_into(buf)
                        if not k:
                            break
                        n += k
                        if i < 2:
                            s.sendall(buf[:k])
                    received[i] = n
                    if s.connection is not None and s.connection.peer_closed:
                        s.unwrap()  # the client's unwrap() waits for our close_notify
            except BaseException as exc:  # noqa: BLE001 - shown by the client side
                errors.append(exc)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    tracer = JsonTracer(out, side="client") if args.trace == "json" else TextTracer(out, prefix="  ")
    client_config = Config(trust_store=TrustStore.from_certificates([ck.leaf]), alpn_protocols=["h2", "http/1.1"], tracer=tracer)
    try:
        for label in ("1. full handshake", "2. resumed handshake"):
            out.write(f"{label} (client's view)\n")
            with wrap_socket(socket.create_connection(("127.0.0.1", port)), client_config, server_hostname="localhost") as s:
                s.sendall(b"hello over TLS\n")
                reply = s.recv(100)
                # Give the server's NewSessionTicket a chance to arrive for the resumption.
                s.settimeout(0.2)
                try:
                    s.recv(1)
                except (TimeoutError, OSError):
                    pass
                out.write(f"  echoed back: {reply!r}\n")
                _summary(s, out)
            out.write("\n")
        client_config.tracer = None
        out.write(f"3. bulk transfer: {args.megabytes} MiB client -> server\n")
        chunk = bytes(1 << 16)
        with wrap_socket(socket.create_connection(("127.0.0.1", port)), client_config, server_hostname="localhost") as s:
            start = time.perf_counter()
            sent = 0
            while sent < total:
                s.sendall(chunk)
                sent += len(chunk)
            s.unwrap()
            elapsed = time.perf_counter() - start
        t.join(10)
        if errors:
            raise errors[0]
        mbps = total / elapsed / 1e6
        out.write(f"  {received.get(2, 0) >> 20} MiB received by the server in {elapsed:.2f} s: {mbps:.0f} MB/s ({_impl()} record layer)\n")
    finally:
        listener.close()
    return 0


# ---------------------------------------------------------------------- shared options


class UsageError(Exception):
    """A bad option or file: one line on stderr, exit status 2."""


def _add_tls_options(p: argparse.ArgumentParser) -> None:
    v = p.add_mutually_exclusive_group()
    v.add_argument("--tls1_2", "--tls1.2", dest="only", action="store_const", const="1.2", help="TLS 1.2 only")
    v.add_argument("--tls1_3", "--tls1.3", dest="only", action="store_const", const="1.3", help="TLS 1.3 only")
    p.add_argument("--suites", help="TLS 1.3 suites, OpenSSL names, colon-separated (TLS_AES_128_GCM_SHA256:...)")
    p.add_argument("--ciphers", help="TLS 1.2 suites, an OpenSSL cipher string (ECDHE-ECDSA-AES128-GCM-SHA256:...)")
    p.add_argument("--groups", help="key exchange groups, colon-separated (X25519MLKEM768:X25519:P-256:P-384:P-521:X448)")
    p.add_argument("--alpn", help="ALPN protocols, comma-separated, in preference order")
    p.add_argument("--keylog", metavar="FILE", help="append NSS key log lines (default: $SSLKEYLOGFILE)")
    p.add_argument(
        "--trace",
        nargs="?",
        const="text",
        metavar="{text,json}",
        help="print the handshake as it happens (json: one object per line on stdout, the summary on stderr)",
    )
    p.add_argument("--records", action="store_true", help="with --trace: show every record and its size")
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto", help="colour in the text trace")


def _read_file(path: str, what: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path!r}: {exc.strerror or exc}") from None


def _certified_key(certfile: str | None, keyfile: str | None, what: str):
    from .config import CertifiedKey

    if certfile is None:
        raise UsageError(f"--key needs --cert (the {what} certificate chain)")

    cert_pem = _read_file(certfile, f"{what} certificate")
    key_pem = _read_file(keyfile, f"{what} key") if keyfile else None
    try:
        return CertifiedKey.from_pem(cert_pem, key_pem)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"cannot load {what} certificate/key from {certfile!r}: {exc}") from None


def _tracer(args, side: str):
    if not args.trace:
        return None
    if args.trace == "json":
        return JsonTracer(sys.stdout, side=side)
    color = {"always": True, "never": False}.get(args.color)
    return TextTracer(sys.stdout, color=color, prefix="  ", records=args.records)


def _apply_tls_options(cfg: Config, args, side: str) -> Config:
    from . import cipher_suites, key_exchange, keylog
    from .constants import ProtocolVersion

    if args.only == "1.2":
        cfg.min_version = cfg.max_version = ProtocolVersion.TLS12
    elif args.only == "1.3":
        cfg.min_version = cfg.max_version = ProtocolVersion.TLS13
    try:
        if args.suites:
            cfg.cipher_suites_tls13 = cipher_suites.parse_tls13_ciphersuites(args.suites)
        if args.ciphers:
            cfg.cipher_suites_tls12 = cipher_suites.parse_openssl_cipher_string(args.ciphers)
        if args.groups:
            cfg.groups = key_exchange.parse_group_names(args.groups)
            cfg.key_share_groups = None
    except (ValueError, Exception) as exc:  # noqa: BLE001 - the parsers raise ValueError or an SSLError
        raise UsageError(exc.args[-1] if exc.args else str(exc)) from None
    if args.alpn:
        cfg.alpn_protocols = [p for p in args.alpn.split(",") if p]
    if args.keylog:
        try:
            cfg.keylog = keylog.KeyLogFile(args.keylog)
        except OSError as exc:
            raise UsageError(f"cannot write key log {args.keylog!r}: {exc.strerror or exc}") from None
    else:
        try:
            cfg.keylog = keylog.from_environment()
        except OSError as exc:
            raise UsageError(f"cannot write key log {os.environ.get('SSLKEYLOGFILE')!r} (SSLKEYLOGFILE): {exc.strerror or exc}") from None
    cfg.tracer = _tracer(args, side)
    return cfg


def _host_port(text: str, default_port: int = 443) -> tuple[str, int]:
    if text.count(":") > 1 and not text.startswith("["):
        return text, default_port  # a bare IPv6 address: "[::1]:8443" gives a port
    if text.startswith("[") and text.endswith("]"):
        return text[1:-1], default_port
    host, sep, port = text.rpartition(":")
    if not sep:
        return text, default_port
    host = host.strip("[]")
    number = int(port) if port.isascii() and port.isdigit() else -1  # (int() takes " 1", "4_43")
    if not 0 < number <= 65535:
        raise UsageError(f"bad port in {text!r}")  # (getaddrinfo would take 70000 as 4464)
    return host, number


# ---------------------------------------------------------------------- client


def _describe_chain(ders: list[bytes], out) -> None:
    from cryptography import x509

    from .auth import CERT_PARSE_ERRORS, certificate_key

    for i, der in enumerate(ders):
        try:
            cert = x509.load_der_x509_certificate(der)
            subject = cert.subject.rfc4514_string()
            try:
                sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                san = ", ".join(str(g.value) for g in sans)
            except x509.ExtensionNotFound:
                san = "-"
        except CERT_PARSE_ERRORS as exc:
            # Taken with --insecure: a certificate cryptography will not parse (old devices).
            out.write(f"  [{i}] {len(der)} bytes that cryptography cannot parse ({exc})\n")
            try:
                out.write(f"      key      {_key_type(certificate_key(der).public_key())}\n")
            except Exception:  # noqa: BLE001 - a description, never a failure
                pass
            continue
        out.write(f"  [{i}] subject  {subject}\n")
        out.write(f"      issuer   {cert.issuer.rfc4514_string()}\n")
        out.write(f"      valid    {cert.not_valid_before_utc:%Y-%m-%d %H:%M} .. {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC\n")
        out.write(f"      SANs     {san}\n")
        out.write(f"      key      {_key_type(cert.public_key())}\n")


def _key_type(pub) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    if isinstance(pub, rsa.RSAPublicKey):
        return f"RSA {pub.key_size} bits"
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return f"ECDSA {pub.curve.name}"
    if isinstance(pub, ed25519.Ed25519PublicKey):
        return "Ed25519"
    if isinstance(pub, ed448.Ed448PublicKey):
        return "Ed448"
    from .auth import mldsa_name

    return mldsa_name(pub) or type(pub).__name__


def _client_config(args) -> Config:
    from .verify import TrustStore

    cfg = Config()
    if args.insecure:
        cfg.verify_peer = False
        cfg.check_hostname = False
    elif args.cafile:
        try:
            cfg.trust_store = TrustStore.from_locations(cafile=args.cafile)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot load CA file {args.cafile!r}: {exc}") from None
    if args.cert or args.key:
        cfg.certificates = [_certified_key(args.cert, args.key, "client")]
    return _apply_tls_options(cfg, args, "client")


def _close_write(s) -> None:
    """Send our close_notify and go on reading (TLS 1.3 lets the peer finish sending)."""
    conn = s.connection
    if conn is not None:
        with s._conn_lock:
            conn.close()
        s._flush()


def _relay(s, out, linger: float) -> int:
    """s_client-style: stdin goes to the peer, whatever the peer sends goes to stdout.

    The relay ends when the peer closes (its close_notify gets ours), or when stdin ends:
    then our close_notify goes out and the peer's last data is still shown, until it
    closes or ``linger`` seconds pass.  An error from the peer (an alert) goes to stderr
    and makes the exit status 1.  Returns the exit status.
    """
    errors: list[BaseException] = []
    peer_done = threading.Event()

    def pump_out() -> None:
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                try:
                    out.buffer.write(data) if hasattr(out, "buffer") else out.write(data.decode("utf-8", "replace"))
                    out.flush()
                except BrokenPipeError:
                    _stdout_gone()
                    break  # our reader went away (| head -1): end as if the peer had
        except SSLZeroReturnError:
            pass  # the peer's close_notify after ours (_close_write): the end, as in ssl
        except OSError as exc:
            errors.append(exc)
        finally:
            peer_done.set()

    s.settimeout(None)
    threading.Thread(target=pump_out, daemon=True).start()
    # stdin is read here, not in a thread: a daemon thread blocked on stdin aborts the
    # interpreter at exit ("could not acquire lock for <stdin>").
    fd = sys.stdin.fileno() if sys.stdin is not None else -1  # (none under some daemons: as empty)
    while fd >= 0 and not peer_done.is_set():
        if not select.select([fd], [], [], 0.05)[0]:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break  # stdin ended
        try:
            s.sendall(chunk)
        except OSError as exc:
            if not peer_done.wait(1.0):  # the reader reports the peer's own error
                errors.append(exc)
            break
    if not peer_done.is_set():
        try:
            _close_write(s)
        except OSError:
            pass  # the peer is gone already: the reader reports why, below
        if not peer_done.wait(linger):
            sys.stderr.write(f"fasttls: the peer did not close within {linger:g} s of our close_notify\n")
    elif not errors:
        try:
            _close_write(s)  # answer the peer's close_notify, as s_client does
        except OSError:
            pass  # the peer is gone already
    for exc in list(errors):
        sys.stderr.write(f"fasttls: {type(exc).__name__}: {exc}\n")
    return 1 if errors else 0


def cmd_client(args) -> int:
    from .errors import SSLCertVerificationError

    host, port = _host_port(args.target)
    cfg = _client_config(args)
    sni = args.sni or host
    # With the JSON trace, stdout carries the events (and relayed data) only: jq reads it.
    out = sys.stderr if args.trace == "json" else sys.stdout
    rounds = 2 if args.resume else 1
    for n in range(rounds):
        try:
            raw = socket.create_connection((host, port), timeout=args.timeout)
        except OSError as exc:
            raise UsageError(f"cannot connect to {host}:{port}: {exc.strerror or exc}") from None
        if n:
            out.write("\nreconnecting to resume the session\n")
        try:
            # A close without close_notify is reported (SSLEOFError, status 1), as s_client
            # says "unexpected eof": relayed data cut short is not a clean end.
            s = wrap_socket(raw, cfg, server_hostname=sni, do_handshake_on_connect=False, suppress_ragged_eofs=False)
        except BaseException:
            raw.close()
            raise
        with s:
            try:
                s.do_handshake()
            except SSLCertVerificationError as exc:
                conn = s.connection
                out.write(f"certificate verification FAILED: {exc.verify_message} (code {exc.verify_code})\n")
                if conn is not None and conn.peer_certificates:
                    out.write("certificate chain sent by the server:\n")
                    _describe_chain(conn.peer_certificates, out)
                return 1
            _summary(s, out)
            conn = s.connection
            if conn.peer_certificates:
                out.write("certificate chain:\n")
                _describe_chain(conn.peer_certificates, out)
            if cfg.verify_peer:
                out.write("verification: OK" + (f" (host name {sni} matches)" if cfg.check_hostname else "") + "\n")
            else:
                out.write("verification: SKIPPED (--insecure)\n")
            if n + 1 < rounds:
                # The TLS 1.3 ticket follows the handshake: wait briefly for it.
                s.settimeout(0.3)
                try:
                    s.recv(1)
                except (TimeoutError, OSError):
                    pass
                continue
            if not args.no_relay:
                out.write("---\n")
                out.flush()
                return _relay(s, sys.stdout, args.timeout)
    return 0


# ---------------------------------------------------------------------- server

_PAGE = """<!doctype html><title>fasttls</title><h1>Hello from fasttls</h1><pre>
{details}
</pre>
"""


def _server_config(args) -> tuple[Config, str | None]:
    from .config import ClientAuthType
    from .verify import TrustStore

    note = None
    cfg = Config()
    if args.cert or args.key:
        cfg.certificates = [_certified_key(args.cert, args.key, "server")]
    else:
        ck = default_cert.generate()
        cfg.certificates = [ck]
        note = f"default certificate {ck.leaf.subject.rfc4514_string()}, SHA-256 fingerprint {default_cert.fingerprint(ck.leaf)}"
    mode = {
        "none": ClientAuthType.NoClientCert,
        "request": ClientAuthType.RequestClientCert,
        "require-any": ClientAuthType.RequireAnyClientCert,
        "verify-if-given": ClientAuthType.VerifyClientCertIfGiven,
        "require": ClientAuthType.RequireAndVerifyClientCert,
    }[args.client_auth]
    cfg.client_auth = mode
    if args.cafile:
        try:
            cfg.client_ca_store = TrustStore.from_locations(cafile=args.cafile)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot load CA file {args.cafile!r}: {exc}") from None
    elif mode in (ClientAuthType.VerifyClientCertIfGiven, ClientAuthType.RequireAndVerifyClientCert):
        raise UsageError(f"--client-auth {args.client_auth} needs --cafile to verify client certificates against")
    return _apply_tls_options(cfg, args, "server"), note


def _negotiated(s) -> str:
    conn = s.connection
    group = name_of(NamedGroup, conn.group) if conn.group else "-"
    peer = "-"
    if conn.peer_certificates:
        from cryptography import x509

        from .auth import CERT_PARSE_ERRORS

        try:
            peer = x509.load_der_x509_certificate(conn.peer_certificates[0]).subject.rfc4514_string()
        except CERT_PARSE_ERRORS:  # taken with --insecure from an old device
            peer = "(a certificate cryptography cannot parse)"
    return "\n".join(
        [
            f"version        {s.version()}",
            f"cipher suite   {s.cipher()[0]}",
            f"group          {group}{' (after HelloRetryRequest)' if conn.hello_retry_request else ''}",
            f"ALPN           {conn.alpn_protocol or '-'}",
            f"SNI            {conn.server_name or '-'}",
            f"resumed        {'yes' if conn.session_reused else 'no'}",
            f"client cert    {peer}",
        ]
    )


def _end_with_close_notify(s) -> None:
    """Our close_notify, and the client's answer if it gives one: browsers and many HTTP
    clients just close the connection, which is no failure of the session we served."""
    try:
        s.unwrap()
    except (SSLEOFError, ConnectionResetError, BrokenPipeError):
        pass


def _log(out, lock: threading.Lock, text: str) -> None:
    """A server's log line; a reader of it that went away (``| head``) does not stop the
    serving, as it would stop nothing in s_server."""
    with lock:
        try:
            out.write(text)
            out.flush()
        except BrokenPipeError:
            _stdout_gone()


def _serve_one(raw: socket.socket, cfg: Config, args, out, lock: threading.Lock) -> None:
    peer: tuple = ("?", "?")
    try:
        peer = raw.getpeername()  # ENOTCONN when the client reset already
        raw.settimeout(args.timeout)
        with wrap_socket(raw, cfg, server_side=True) as s:
            _log(out, lock, f"connection from {peer[0]}:{peer[1]}\n" + "".join(f"  {line}\n" for line in _negotiated(s).splitlines()))
            if args.http:
                request = b""
                while b"\r\n\r\n" not in request and b"\n\n" not in request and len(request) < 65536:
                    chunk = s.recv(4096)
                    if not chunk:
                        # The client closed before its request ended: its close_notify
                        # gets ours, as in echo mode (a close without it reads as a cut).
                        if s.connection is not None and s.connection.peer_closed:
                            _end_with_close_notify(s)
                        _log(out, lock, f"connection from {peer[0]}:{peer[1]}: closed before its request ended\n")
                        return
                    request += chunk
                body = _PAGE.format(details=_negotiated(s)).encode()
                s.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
                    + b"Content-Length: %d\r\n\r\n" % len(body)
                    + body
                )
                _end_with_close_notify(s)
                return
            while True:
                data = s.recv(65536)
                if not data:
                    break
                s.sendall(data)
            if s.connection is not None and s.connection.peer_closed:
                _end_with_close_notify(s)  # answer the client's close_notify with ours
    except Exception as exc:  # noqa: BLE001 - one line per failed connection, the server goes on
        _log(out, lock, f"connection from {peer[0]}:{peer[1]} failed: {exc}\n")


def _listen_address(host: str, port: int) -> tuple[int, tuple]:
    """The family and address to listen on: ``socket.create_server`` takes
    IPv4 unless told, so ``--host ::1`` (or a name that resolves only to IPv6)
    needs the family getaddrinfo gives for it.  A name with both (``localhost``,
    often ``::1`` first) listens on IPv4, as before, where clients of
    127.0.0.1 find it."""
    infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, _, _, _, address = next((i for i in infos if i[0] == socket.AF_INET), infos[0])
    return family, address


def cmd_server(args) -> int:
    if args.http and args.alpn and any(p != "http/1.1" for p in args.alpn.split(",") if p):
        raise UsageError("--http serves HTTP/1.1 only: --alpn may list http/1.1 alone")
    cfg, note = _server_config(args)
    out = sys.stdout
    host = args.host[1:-1] if args.host.startswith("[") and args.host.endswith("]") else args.host
    shown = f"[{host}]" if ":" in host else host
    try:
        family, address = _listen_address(host, args.port)
        listener = socket.create_server(address, family=family)
    except OSError as exc:
        raise UsageError(f"cannot listen on {shown}:{args.port}: {exc.strerror or exc}") from None
    lock = threading.Lock()
    with listener:
        port = listener.getsockname()[1]
        out.write(f"fasttls {'HTTPS' if args.http else 'echo'} server on {shown}:{port}\n")
        if note:
            out.write(f"  {note}\n")
        out.flush()
        served = 0
        threads = []
        while args.count is None or served < args.count:
            raw, _ = listener.accept()
            served += 1
            t = threading.Thread(target=_serve_one, args=(raw, cfg, args, out, lock), daemon=True)
            t.start()
            threads.append(t)
        for t in threads:
            t.join(args.timeout)
    return 0


# ---------------------------------------------------------------------- bench


def cmd_bench(args) -> int:
    from . import bench

    return bench.run_cli(args)


# ---------------------------------------------------------------------- main


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {value}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


# argparse names a type in its messages ("invalid port value: 'abc'").
_positive_int.__name__, _port.__name__, _seconds.__name__ = "positive integer", "port", "seconds"


def _fix_trace(parser: argparse.ArgumentParser, args, positional: str | None) -> None:
    """``--trace`` takes an optional format, so argparse takes the word after it as one:
    ``client --trace HOST:PORT`` (openssl's order) is the text trace and the target."""
    if args.trace in (None, "text", "json"):
        return
    if positional is not None and getattr(args, positional) is None:
        setattr(args, positional, args.trace)
        args.trace = "text"
        return
    parser.error(f"argument --trace: invalid choice: {args.trace!r} (choose from 'text', 'json')")


def _stdout_gone() -> bool:
    """Has our stdout's reader gone away?  Then stdout is pointed at /dev/null, so the
    interpreter's flush at exit does not report the broken pipe again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return False
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    if not any(events & select.POLLERR for _, events in poller.poll(0)):
        return False  # (a pipe without a reader reports POLLERR; a socket's error is not ours)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fasttls", description="TLS 1.3 and 1.2 for Python: see TLS at work.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    # --debug also after the subcommand (SUPPRESS keeps the top-level value when absent).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")

    demo = sub.add_parser("demo", parents=[common], help="a loopback server and client: full and resumed handshakes, then a transfer")
    demo.add_argument("--trace", choices=["text", "json"], default="text")
    demo.add_argument("--megabytes", type=_positive_int, default=64)

    client = sub.add_parser("client", parents=[common], help="connect to HOST:PORT and show what was negotiated (like openssl s_client)")
    client.add_argument("target", metavar="HOST:PORT", nargs="?")
    client.add_argument("--cafile", help="trust these CA certificates (PEM) instead of the system's")
    client.add_argument("--insecure", "-k", action="store_true", help="do not verify the server certificate")
    client.add_argument("--sni", help="server name to send and verify (default: HOST)")
    client.add_argument("--cert", help="client certificate chain (PEM)")
    client.add_argument("--key", help="client private key (PEM; default: in --cert)")
    client.add_argument("--resume", action="store_true", help="connect twice and show the resumption")
    client.add_argument("--no-relay", action="store_true", help="do not relay stdin/stdout after the handshake")
    client.add_argument(
        "--timeout", type=_seconds, default=15.0, help="seconds to connect, and to wait for the server to close after stdin ends"
    )
    _add_tls_options(client)

    server = sub.add_parser("server", parents=[common], help="an echo (or --http) server; the embedded default certificate if none is given")
    server.add_argument("--port", type=_port, default=8443)
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--cert", help="certificate chain (PEM)")
    server.add_argument("--key", help="private key (PEM; default: in --cert)")
    server.add_argument("--http", action="store_true", help="answer with a small HTTPS page showing what was negotiated")
    server.add_argument(
        "--client-auth",
        choices=["none", "request", "require-any", "verify-if-given", "require"],
        default="none",
        help="Go's client-certificate modes",
    )
    server.add_argument("--cafile", help="CA certificates for verifying client certificates")
    server.add_argument("--count", type=_positive_int, help="stop after this many connections")
    server.add_argument("--timeout", type=_seconds, default=30.0, help="seconds a connection may stay silent (handshake and echo)")
    _add_tls_options(server)

    bench = sub.add_parser("bench", parents=[common], help="side-by-side throughput and handshake rate against Python's ssl")
    bench.add_argument("--megabytes", type=_positive_int, default=32, help="per throughput run")
    bench.add_argument("--write-size", type=_positive_int, default=16384)
    bench.add_argument("--handshakes", type=_positive_int, default=200, help="per handshake-rate run")
    bench.add_argument("--repeat", type=_positive_int, default=3, help="runs per case; the median is shown")

    args = parser.parse_args(argv)
    if args.command == "client":
        _fix_trace(client, args, "target")
        if args.target is None:
            client.error("the following arguments are required: HOST:PORT")
    elif args.command == "server":
        _fix_trace(server, args, None)
    commands = {"demo": cmd_demo, "client": cmd_client, "server": cmd_server, "bench": cmd_bench}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt:
        return 130
    except UsageError as exc:
        if args.debug:
            raise
        sys.stderr.write(f"fasttls: {exc}\n")
        return 2
    except Exception as exc:  # noqa: BLE001 - one clear line, the traceback with --debug
        if isinstance(exc, BrokenPipeError) and _stdout_gone():
            return 0  # the reader of our output went away (| head -1): nothing to report
        if args.debug:
            raise
        sys.stderr.write(f"fasttls: {type(exc).__name__}: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())

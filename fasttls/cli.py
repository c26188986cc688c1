"""``python -m fasttls``: see TLS at work.

``demo`` runs a server and a client on loopback with the embedded default
certificate: one full handshake and one resumed, traced, then a transfer.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time

from . import default_cert
from .config import Config
from .constants import NamedGroup, SignatureScheme, name_of
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
        ("SNI", s.server_hostname or "-"),
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fasttls", description="TLS 1.3 and 1.2 for Python: see TLS at work.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="a loopback server and client: full and resumed handshakes, then a transfer")
    demo.add_argument("--trace", choices=["text", "json"], default="text")
    demo.add_argument("--megabytes", type=int, default=64)
    args = parser.parse_args(argv)
    try:
        return {"demo": cmd_demo}[args.command](args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one clear line, the traceback with --debug
        if args.debug:
            raise
        sys.stderr.write(f"fasttls: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())

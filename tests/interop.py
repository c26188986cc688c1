"""Glue for interop tests: fasttls endpoints over real sockets, talking to peers we did not write."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fasttls.config import Config
from fasttls.socket import wrap_socket


def summary(tls) -> dict:
    """What a fasttls SSLSocket negotiated, in one dict (for assertions in the test thread)."""
    conn = tls.connection
    return {
        "version": tls.version(),
        "cipher": conn.cipher_suite.name,
        "group": conn.group,
        "hrr": conn.hello_retry_request,
        "reused": conn.session_reused,
        "alpn": conn.alpn_protocol,
        "peer_chain": list(conn.peer_certificates),
        "scheme": conn.signature_scheme,
        "sni": conn.server_name,
    }


class FastTLSServer:
    """A fasttls echo server on 127.0.0.1 in a thread; serves ``connections`` clients, one at a time.

    Each handshake's summary (or the exception it raised) lands in ``results``.
    """

    def __init__(self, config: Config, connections: int = 1, echo: bool = True) -> None:
        self.config = config
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(20)
        self.port = self.sock.getsockname()[1]
        self.results: list = []
        self.echo = echo
        self._thread = threading.Thread(target=self._run, args=(connections,), daemon=True)
        self._thread.start()

    def _run(self, connections: int) -> None:
        for _ in range(connections):
            try:
                raw, _ = self.sock.accept()
            except OSError as exc:
                self.results.append(exc)
                return
            raw.settimeout(20)
            try:
                with wrap_socket(raw, self.config, server_side=True) as tls:
                    info = summary(tls)
                    total = 0
                    while self.echo:
                        try:
                            data = tls.recv(65536)
                        except ConnectionResetError:
                            # A client that closes with our tickets unread resets: from Python
                            # 3.13 the read says so, as ssl's (before, b"").  It has gone.
                            data = b""
                        if not data:
                            break
                        total += len(data)
                        tls.sendall(data)
                    info["echoed"] = total
                    # True when the loop ended on the peer's close_notify, not a bare TCP close.
                    info["close_notify"] = tls.connection.peer_closed
                    if info["close_notify"]:
                        tls.unwrap()  # answer it (close() sends none, as with ssl)
                    self.results.append(info)
            except Exception as exc:  # noqa: BLE001 - the test thread inspects it
                self.results.append(exc)
            finally:
                raw.close()

    def join(self, timeout: float = 30) -> list:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("fasttls server thread did not finish")
        return self.results

    def close(self) -> None:
        self.sock.close()
        self._thread.join(5)


@contextmanager
def fasttls_server(config: Config, connections: int = 1, echo: bool = True) -> Iterator[FastTLSServer]:
    srv = FastTLSServer(config, connections, echo)
    try:
        yield srv
    finally:
        srv.close()


@contextmanager
def fasttls_client(config: Config, port: int, server_hostname: str | None = "localhost", session=None):
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    try:
        tls = wrap_socket(raw, config, server_hostname=server_hostname, session=session)
    except BaseException:
        raw.close()
        raise
    with tls:
        yield tls


def recv_exactly(tls, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = tls.recv(min(65536, n - len(out)))
        if not chunk:
            raise EOFError(f"connection closed after {len(out)} of {n} bytes")
        out += chunk
    return bytes(out)


class StripTLS13Proxy:
    """A man in the middle on 127.0.0.1 for downgrade tests: it removes TLS 1.3 from the
    first ClientHello (supported_versions, key_share, PSK) and relays everything else.

    A TLS 1.3-capable server then negotiates TLS 1.2 and, per RFC 8446 4.1.3, marks
    ServerHello.random with the downgrade sentinel, which a TLS 1.3 client must catch.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(20)
        self.port = self.sock.getsockname()[1]
        self.errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def _read_exactly(sock: socket.socket, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            chunk = sock.recv(n - len(out))
            if not chunk:
                raise EOFError("peer closed")
            out += chunk
        return bytes(out)

    @staticmethod
    def strip(record_body: bytes) -> bytes:
        from fasttls.messages import handshake as m

        hello = m.ClientHello.unmarshal(record_body)
        hello.supported_versions = []
        hello.key_shares = None
        hello.psk_modes = []
        hello.psk_identities = []
        hello.psk_binders = []
        hello.early_data = False
        hello.raw = None
        return hello.marshal()

    def _run(self) -> None:
        try:
            client, _ = self.sock.accept()
        except OSError as exc:
            self.errors.append(exc)
            return
        with client, socket.create_connection(("127.0.0.1", self.upstream_port), timeout=20) as upstream:
            client.settimeout(20)
            try:
                hdr = self._read_exactly(client, 5)
                body = self._read_exactly(client, int.from_bytes(hdr[3:5], "big"))
                new = self.strip(body)
                upstream.sendall(hdr[:3] + len(new).to_bytes(2, "big") + new)
                pump = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
                pump.start()
                self._pump(client, upstream)
                pump.join(20)
            except Exception as exc:  # noqa: BLE001 - reported to the test
                self.errors.append(exc)

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.sock.close()
        self._thread.join(10)


@contextmanager
def strip_tls13_proxy(upstream_port: int) -> Iterator[StripTLS13Proxy]:
    proxy = StripTLS13Proxy(upstream_port)
    try:
        yield proxy
    finally:
        proxy.close()

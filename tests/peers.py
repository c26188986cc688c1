"""Real TLS peers we did not write, for interop tests: the openssl CLI, Python's ssl, pyOpenSSL.

Every peer binds 127.0.0.1 on a port the OS picks, is stopped by its handle
when the test ends, and fails loudly when the tool is missing.
"""

from __future__ import annotations

import os
import queue
import re
import select
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

OPENSSL = shutil.which("openssl")


def openssl_bin() -> str:
    if OPENSSL is None:
        raise RuntimeError("the openssl command line tool is missing: run the README's test command (./.ci/test) to install it")
    return OPENSSL


class OpenSSLServer:
    """``openssl s_server`` on 127.0.0.1; the port comes from its ``ACCEPT`` line."""

    def __init__(self, args: list[str], stdin_data: bytes | None = None) -> None:
        cmd = [openssl_bin(), "s_server", "-accept", "127.0.0.1:0", "-naccept", "1000", *args]
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = self._wait_for_port()

    def _read(self) -> None:
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode("latin-1")
            self.output.append(line)
            self.lines.put(line)

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            mo = re.match(r"ACCEPT\s+(?:127\.0\.0\.1|\[?[0-9a-f:.]*\]?):(\d+)", line.strip())
            if mo:
                return int(mo.group(1))
        self.stop()
        raise RuntimeError(f"openssl s_server did not start: {' '.join(self.cmd)}\n{''.join(self.output)}")

    def wait_for(self, pattern: str, timeout: float = 10.0) -> str:
        """Wait for an output line matching ``pattern`` (regex)."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        for line in list(self.output):
            if rx.search(line):
                return line
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if rx.search(line):
                return line
        raise TimeoutError(f"no line matching {pattern!r} from s_server:\n{''.join(self.output)}")

    def send(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def text(self) -> str:
        return "".join(self.output)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        # The reader ends at EOF now the process is gone; closing its pipe under it
        # would make its readline fail (seen once in CI as a thread exception).
        self._reader.join(timeout=5)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


@contextmanager
def openssl_server(args: list[str]) -> Iterator[OpenSSLServer]:
    srv = OpenSSLServer(args)
    try:
        yield srv
    finally:
        srv.stop()


class OpenSSLClient:
    """``openssl s_client`` with stdin kept open (its ``k``/``K`` lines request key updates)."""

    def __init__(self, port: int, args: list[str]) -> None:
        cmd = [openssl_bin(), "s_client", "-connect", f"127.0.0.1:{port}", *args]
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            chunk = self.proc.stdout.read1(65536) if hasattr(self.proc.stdout, "read1") else self.proc.stdout.read(4096)
            if not chunk:
                return
            with self._lock:
                self.output += chunk

    def send(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def text(self) -> str:
        with self._lock:
            return self.output.decode("latin-1")

    def wait_for(self, pattern: str, timeout: float = 10.0) -> str:
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mo = rx.search(self.text())
            if mo:
                return mo.group(0)
            if self.proc.poll() is not None:
                # It exited: what it printed last may still be in the pipe, not yet
                # read by the reader thread, which ends at the pipe's EOF.
                self._reader.join(timeout=5)
                mo = rx.search(self.text())
                if mo:
                    return mo.group(0)
                break
            time.sleep(0.02)
        raise TimeoutError(f"no match for {pattern!r} from s_client ({' '.join(self.cmd)}):\n{self.text()}")

    def close_stdin(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass

    def wait(self, timeout: float = 10.0) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self._reader.join(timeout=5)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


@contextmanager
def openssl_client(port: int, args: list[str]) -> Iterator[OpenSSLClient]:
    cli = OpenSSLClient(port, args)
    try:
        yield cli
    finally:
        cli.stop()


class ThreadServer:
    """A TCP server on 127.0.0.1 running ``handler(conn_socket)`` for each connection in a thread."""

    def __init__(self, handler: Callable[[socket.socket], None], connections: int = 1) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(15)
        self.port = self.sock.getsockname()[1]
        self.handler = handler
        self.errors: list[BaseException] = []
        self.results: list = []
        self._thread = threading.Thread(target=self._run, args=(connections,), daemon=True)
        self._thread.start()

    def _run(self, connections: int) -> None:
        for _ in range(connections):
            try:
                conn, _ = self.sock.accept()
            except OSError as exc:
                self.errors.append(exc)
                return
            with conn:
                conn.settimeout(15)
                try:
                    self.results.append(self.handler(conn))
                except BaseException as exc:  # noqa: BLE001 - reported by join()
                    self.errors.append(exc)

    def join(self, timeout: float = 20) -> None:
        self._thread.join(timeout)
        self.sock.close()
        if self._thread.is_alive():
            raise TimeoutError("server thread did not finish")

    def close(self) -> None:
        self.sock.close()
        self._thread.join(5)


@contextmanager
def thread_server(handler, connections: int = 1) -> Iterator[ThreadServer]:
    srv = ThreadServer(handler, connections)
    try:
        yield srv
    finally:
        srv.close()


def ssl_echo_handler(ctx: ssl.SSLContext, info: dict | None = None):
    """A Python-ssl server handler: echo until the peer closes; records what was negotiated."""

    def handler(raw: socket.socket):
        with ctx.wrap_socket(raw, server_side=True) as s:
            result = {
                "version": s.version(),
                "cipher": s.cipher(),
                "alpn": s.selected_alpn_protocol(),
                "reused": s.session_reused,
                "peercert": s.getpeercert(binary_form=True),
            }
            total = 0
            while True:
                try:
                    data = s.recv(65536)
                except (ssl.SSLEOFError, ConnectionResetError):
                    break
                if not data:
                    break
                total += len(data)
                s.sendall(data)
            result["echoed"] = total
            try:
                s.unwrap()
            except (ssl.SSLError, OSError):
                pass
            return result

    return handler


def readable(sock: socket.socket, timeout: float) -> bool:
    return bool(select.select([sock], [], [], timeout)[0])


def free_env() -> dict:
    env = dict(os.environ)
    env.pop("SSLKEYLOGFILE", None)
    return env

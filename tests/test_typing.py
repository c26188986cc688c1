"""fasttls's public API is typed (it ships ``py.typed``): user code written as the README's
"Using it" shows passes ``mypy --strict``, with the types ``ssl``'s stubs give the same code
(``wrap_socket`` returns an ``SSLSocket``, ``recv`` bytes, ``getpeercert()`` a dict...), and a
genuine type error in such code is reported, which an API typed ``Any`` would hide.

One mypy run checks every sample (each module below is a file), in a cache of its own.
fasttls's own modules are checked for the types they give, their errors left out
(``ignore_errors``): these tests are about what a program using fasttls sees, as it sees an
installed package.  The version checked is the running Python's (mypy's default), so
``OP_LEGACY_SERVER_CONNECT`` is checked from 3.12 on, as ``ssl``'s stubs have it.
"""

from __future__ import annotations

import re
import ssl
import textwrap
import time
from pathlib import Path

import mypy.api
import pytest

import fasttls

REPO = Path(fasttls.__file__).resolve().parent.parent

# Each sample is a module of user code.  A line ending in ``# E: <code>`` must get exactly that
# mypy error (and only such lines may get one).
SAMPLES = {
    "user_client": '''
        import socket
        import ssl
        import sys

        from typing_extensions import assert_type

        import fasttls


        def fetch(host: str, port: int, cafile: str | None = None) -> tuple[str | None, tuple[str, str, int] | None, bytes]:
            ctx = fasttls.create_default_context(cafile=cafile)  # verifies certificates and host names
            assert_type(ctx, fasttls.SSLContext)
            ctx.options |= fasttls.OP_NO_TICKET
            ctx.minimum_version = fasttls.TLSVersion.TLSv1_2
            ctx.set_alpn_protocols(["h2", "http/1.1"])
            ctx.set_ciphers("ECDHE+AESGCM")
            if sys.version_info >= (3, 12):
                ctx.options |= fasttls.OP_LEGACY_SERVER_CONNECT
            with socket.create_connection((host, port), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname=host) as tls:
                    assert_type(tls, fasttls.SSLSocket)
                    tls.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
                    data = tls.recv(1024)
                    assert_type(data, bytes)
                    assert_type(tls.recv_into(bytearray(16)), int)
                    assert_type(tls.read(10), bytes)
                    assert_type(tls.read(10, bytearray(10)), int)
                    cert = tls.getpeercert()
                    if cert is not None:
                        print(cert.get("subject"), cert["issuer"])
                    der: bytes | None = tls.getpeercert(binary_form=True)
                    alpn: str | None = tls.selected_alpn_protocol()
                    context: ssl.SSLContext = tls.context
                    print(der, alpn, context, tls.pending(), tls.server_hostname)
                    reconnect(ctx, socket.create_connection((host, port)), tls.session)
                    return tls.version(), tls.cipher(), data


        def reconnect(ctx: fasttls.SSLContext, raw: socket.socket, session: fasttls.SSLSession | None) -> socket.socket:
            """Resumes the session (a fasttls.ClientSession)."""
            tls = ctx.wrap_socket(raw, server_hostname="example.org", session=session)
            return tls.unwrap()


        def safe_fetch(host: str) -> bytes:
            try:
                return fetch(host, 443)[2]
            except fasttls.AlertReceived as e:
                print("the peer sent alert", e.alert, e.reason)
            except fasttls.FastTLSError as e:
                print("fasttls's own error", e.library, e.reason)
            except fasttls.SSLError as e:  # ssl.SSLError itself: every ssl-family error
                reason: str = e.reason
                print(reason, e.errno)
            return b""


        def stdlib_api(ctx: ssl.SSLContext) -> None:
            """Code typed for ssl takes fasttls's context."""


        stdlib_api(fasttls.create_default_context())
        err: ssl.SSLError = fasttls.SSLError(1, "boom")
    ''',
    "user_server": '''
        import socket

        from typing_extensions import assert_type

        import fasttls


        def sni(conn: fasttls.SSLSocket | fasttls.SSLObject, name: str | None, ctx: fasttls.SSLContext) -> int | None:
            return None if name else fasttls.ALERT_DESCRIPTION_UNRECOGNIZED_NAME


        def serve_one(certfile: str, keyfile: str) -> bytes:
            ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(certfile, keyfile)
            ctx.sni_callback = sni
            ctx.num_tickets = 1
            with socket.create_server(("127.0.0.1", 0)) as listener:
                with ctx.wrap_socket(listener, server_side=True) as server:
                    conn, addr = server.accept()
                    assert_type(conn, fasttls.SSLSocket)
                    with conn:
                        conn.sendall(b"hello")
                        return conn.recv(1024)
    ''',
    "user_memory_bio": '''
        from typing_extensions import assert_type

        import fasttls


        def bio_client(ctx: fasttls.SSLContext, host: str, transport: list[bytes]) -> bytes:
            incoming, outgoing = fasttls.MemoryBIO(), fasttls.MemoryBIO()
            obj = ctx.wrap_bio(incoming, outgoing, server_hostname=host)
            assert_type(obj, fasttls.SSLObject)
            while True:
                try:
                    obj.do_handshake()
                    break
                except fasttls.SSLWantReadError:
                    transport.append(outgoing.read())
                    incoming.write(transport.pop(0))
            written: int = obj.write(b"ping")
            buf = bytearray(1024)
            n = obj.read(1024, buf)
            assert_type(n, int)
            data = obj.read(1024)
            assert_type(data, bytes)
            cert = obj.getpeercert()
            print(written, obj.version(), obj.cipher(), cert["subject"] if cert else None)
            return data + bytes(buf[:n])
    ''',
    "user_frameworks": '''
        import asyncio
        import http.client
        import ssl

        import fasttls


        async def fetch(host: str, port: int) -> bytes:
            ctx = fasttls.create_default_context()
            reader, writer = await asyncio.open_connection(host, port, ssl=ctx)
            writer.write(b"ping")
            await writer.drain()
            data = await reader.read(100)
            writer.close()
            await writer.wait_closed()
            return data


        def https_status(host: str) -> int:
            conn = http.client.HTTPSConnection(host, context=fasttls.create_default_context(), timeout=5)
            conn.request("GET", "/")
            return conn.getresponse().status


        class LoggingSocket(ssl.SSLSocket):
            def recv(self, buflen: int = 1024, flags: int = 0) -> bytes:
                data = super().recv(buflen, flags)
                print("recv", len(data))
                return data


        class PinningObject(ssl.SSLObject):
            pass


        ctx = fasttls.create_default_context()
        ctx.sslsocket_class = LoggingSocket  # ssl's documented hook, which fasttls honours
        ctx.sslobject_class = PinningObject


        class LoggingContext(fasttls.SSLContext):
            sslsocket_class = LoggingSocket
    ''',
    # Code written for ssl, run on fasttls: the module's names and ssl's way of making errors.
    "user_as_ssl": '''
        import fasttls as ssl


        def made_as_ssls() -> list[ssl.SSLError]:
            return [ssl.SSLEOFError(8, "EOF occurred in violation of protocol"), ssl.SSLZeroReturnError(6, "closed"),
                    ssl.SSLSyscallError(5, "I/O"), ssl.SSLCertVerificationError(1, "bad")]


        def names() -> tuple[bytes, bool, str, int, tuple[int, int, int, int, int]]:
            ssl.RAND_add(b"seed", 0.0)
            return ssl.RAND_bytes(16), ssl.RAND_status(), ssl.OPENSSL_VERSION, ssl.OPENSSL_VERSION_NUMBER, ssl.OPENSSL_VERSION_INFO
    ''',
    # Genuine bugs: each must be reported, as ssl's stubs report them (Any would hide them).
    "user_bugs": '''
        import socket

        import fasttls


        def real_bug(ctx: fasttls.SSLContext, raw: socket.socket) -> None:
            tls = ctx.wrap_socket(raw, server_hostname="example.org")
            n: str = tls.recv(10)  # E: assignment
            der: bytes = tls.getpeercert()  # E: assignment
            tls.sendall(n)  # E: arg-type


        def bio_bug(obj: fasttls.SSLObject) -> bytes:
            return obj.read(10, bytearray(10))  # E: return-value


        def config_bug(ctx: fasttls.SSLContext) -> None:
            ctx.sslsocket_class = socket.socket  # E: assignment
    ''',
}

_ERROR = re.compile(r"^(?P<file>[^:]+\.py):(?P<line>\d+): error: (?P<message>.*?)  \[(?P<code>[a-z-]+)\]$")


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every sample checked by one ``mypy --strict`` run, in a cache of its own."""
    root = tmp_path_factory.mktemp("typing")
    files = []
    expected = set()
    for name, text in SAMPLES.items():
        path = root / f"{name}.py"
        source = textwrap.dedent(text).lstrip("\n")
        path.write_text(source)
        files.append(str(path))
        for lineno, line in enumerate(source.splitlines(), 1):
            marker = re.search(r"# E: ([a-z-]+)$", line)
            if marker:
                expected.add((path.name, lineno, marker.group(1)))
    config = root / "mypy.ini"
    # fasttls from this checkout (the one under test), its own modules' errors left out.
    config.write_text(f"[mypy]\nmypy_path = {REPO}\n\n[mypy-fasttls.*]\nignore_errors = True\n")
    args = ["--strict", "--config-file", str(config), "--cache-dir", str(root / "cache"), "--no-color-output", *files]
    start = time.monotonic()
    stdout, stderr, status = mypy.api.run(args)
    elapsed = time.monotonic() - start
    errors = set()
    for line in stdout.splitlines():
        m = _ERROR.match(line)
        if m:
            errors.add((Path(m["file"]).name, int(m["line"]), m["code"]))
    return {"stdout": stdout, "stderr": stderr, "status": status, "errors": errors, "expected": expected, "elapsed": elapsed}


def test_readme_style_user_code_passes_mypy_strict(mypy_run: dict) -> None:
    assert mypy_run["stderr"] == "", mypy_run["stderr"]
    # No error anywhere but in the deliberate bugs (fasttls's own modules included).
    others = [line for line in mypy_run["stdout"].splitlines() if ": error:" in line and "user_bugs.py:" not in line]
    assert others == [], mypy_run["stdout"]


def test_type_errors_in_user_code_are_reported(mypy_run: dict) -> None:
    """The deliberate bugs each get their error: recv's bytes, getpeercert's dict, read's
    int into a buffer, sslsocket_class's type (an API typed ``Any`` reports none)."""
    assert mypy_run["status"] == 1, mypy_run["stdout"]
    assert mypy_run["errors"] == mypy_run["expected"], mypy_run["stdout"]
    assert len(mypy_run["expected"]) == 5


def test_sslerror_is_ssls_own_class() -> None:
    """``except fasttls.SSLError`` (``import fasttls as ssl``: ``except ssl.SSLError``) catches
    every ssl-family error fasttls raises, ssl's own classes included (the non-blocking signals,
    a context method's error), and is made as ssl's is; ``FastTLSError`` is fasttls's own."""
    assert fasttls.SSLError is ssl.SSLError
    assert issubclass(fasttls.FastTLSError, ssl.SSLError) and fasttls.FastTLSError is not ssl.SSLError
    for cls in (fasttls.TLSError, fasttls.AlertReceived, fasttls.SSLEOFError, fasttls.SSLZeroReturnError, fasttls.SSLCertVerificationError):
        assert issubclass(cls, fasttls.FastTLSError), cls
    assert fasttls.SSLError(1, "boom").args == (1, "boom") and fasttls.SSLError().args == ()
    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
    with pytest.raises(fasttls.SSLError):
        ctx.set_ciphers("NOPE")  # a plain ssl.SSLError, as ssl's
    ctx.check_hostname = False
    ctx.verify_mode = fasttls.CERT_NONE
    obj = ctx.wrap_bio(fasttls.MemoryBIO(), fasttls.MemoryBIO())
    with pytest.raises(fasttls.SSLError) as info:
        obj.do_handshake()
    assert type(info.value) is ssl.SSLWantReadError
    assert "FastTLSError" in fasttls.__all__ and "SSLError" in fasttls.__all__

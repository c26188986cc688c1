"""asyncio with fasttls contexts: start_server, open_connection, loop.start_tls.

asyncio's sslproto drives ``SSLContext.wrap_bio`` and the resulting
``SSLObject`` over ``ssl.MemoryBIO`` pairs; a fasttls context gives it a
:class:`fasttls.SSLObject`.  Each side is checked both against fasttls and
against Python's ``ssl`` (OpenSSL) on the other end.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import sys

import pytest

import fasttls
from fasttls.context import _StdSSLContext

from .compat import files, find_exc, no_leaks  # noqa: F401 - fixtures

PAYLOAD = os.urandom(300_000)


def server_ctx(kind: str, files, **kw):
    cls = fasttls.SSLContext if kind == "fasttls" else _StdSSLContext
    ctx = cls(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(kw.get("cert", files.cert), kw.get("key", files.key))
    return ctx


def client_ctx(kind: str, files, cafile=None):
    if kind == "fasttls":
        return fasttls.create_default_context(cafile=cafile or files.ca)
    ctx = _StdSSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile or files.ca)
    return ctx


def expected_type(kind: str) -> type:
    return fasttls.SSLObject if kind == "fasttls" else ssl.SSLObject


async def echo_handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        sslobj = writer.get_extra_info("ssl_object")
        writer.write(f"{type(sslobj).__module__}.{type(sslobj).__name__}\n".encode())
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, ssl.SSLError):
            pass


async def echo_round_trip(port: int, ctx, payload: bytes = PAYLOAD) -> tuple[bytes, bytes, object]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost")
    try:
        banner = await reader.readline()
        sslobj = writer.get_extra_info("ssl_object")
        writer.write(payload)
        await writer.drain()
        echoed = await reader.readexactly(len(payload))
        writer.write_eof() if writer.can_write_eof() else None
        return banner, echoed, sslobj
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, ssl.SSLError):
            pass


@pytest.mark.parametrize(
    "server_kind,client_kind", [("fasttls", "fasttls"), ("ssl", "fasttls"), ("fasttls", "ssl")]
)
def test_start_server_and_open_connection(files, server_kind, client_kind):
    async def main():
        server = await asyncio.start_server(echo_handler, "127.0.0.1", 0, ssl=server_ctx(server_kind, files))
        port = server.sockets[0].getsockname()[1]
        try:
            results = [await echo_round_trip(port, client_ctx(client_kind, files)) for _ in range(2)]
        finally:
            server.close()
            await server.wait_closed()
        return results

    for banner, echoed, sslobj in asyncio.run(main()):
        assert echoed == PAYLOAD
        expected = expected_type(server_kind)
        assert banner.decode().strip() == f"{expected.__module__}.{expected.__name__}"
        assert type(sslobj) is expected_type(client_kind)
        assert sslobj.version() == "TLSv1.3"
        if client_kind == "fasttls":
            assert sslobj.getpeercert()["subjectAltName"][0] == ("DNS", "localhost")
            assert sslobj.context.check_hostname


def test_transport_extra_info_and_alpn(files):
    async def main():
        sctx = server_ctx("fasttls", files)
        sctx.set_alpn_protocols(["h2", "http/1.1"])
        server = await asyncio.start_server(echo_handler, "127.0.0.1", 0, ssl=sctx)
        port = server.sockets[0].getsockname()[1]
        cctx = client_ctx("fasttls", files)
        cctx.set_alpn_protocols(["http/1.1"])
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=cctx, server_hostname="localhost")
            await reader.readline()
            info = {
                "peercert": writer.get_extra_info("peercert"),
                "cipher": writer.get_extra_info("cipher"),
                "compression": writer.get_extra_info("compression"),
                "sslcontext": writer.get_extra_info("sslcontext"),
                "alpn": writer.get_extra_info("ssl_object").selected_alpn_protocol(),
            }
            writer.close()
            await writer.wait_closed()
        finally:
            server.close()
            await server.wait_closed()
        return info, cctx

    info, cctx = asyncio.run(main())
    assert info["peercert"]["subject"] == ((("organizationName", "fasttls tests"),), (("commonName", "localhost"),))
    assert info["cipher"][1] == "TLSv1.3"
    assert info["compression"] is None
    assert info["sslcontext"] is cctx
    assert info["alpn"] == "http/1.1"


@pytest.mark.parametrize("server_kind,client_kind", [("fasttls", "fasttls"), ("ssl", "fasttls"), ("fasttls", "ssl")])
def test_start_tls_upgrade(files, server_kind, client_kind):
    """A STARTTLS-style protocol: plain text first, then both sides upgrade the same connection."""

    async def handler(reader, writer):
        try:
            assert await reader.readline() == b"STARTTLS\n"
            writer.write(b"GO\n")
            await writer.drain()
            if sys.version_info >= (3, 11):
                await writer.start_tls(server_ctx(server_kind, files))
            else:  # StreamWriter.start_tls is new in 3.11: what it does, by hand
                transport = writer.transport
                new = await asyncio.get_running_loop().start_tls(
                    transport, transport.get_protocol(), server_ctx(server_kind, files), server_side=True
                )
                writer._transport = reader._transport = new
            sslobj = writer.get_extra_info("ssl_object")
            line = await reader.readline()
            writer.write(line.upper() + type(sslobj).__name__.encode() + b"\n")
            await writer.drain()
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, ssl.SSLError):
                pass

    async def main():
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"STARTTLS\n")
            assert await reader.readline() == b"GO\n"
            loop = asyncio.get_running_loop()
            transport = writer.transport
            protocol = transport.get_protocol()
            new_transport = await loop.start_tls(transport, protocol, client_ctx(client_kind, files), server_hostname="localhost")
            writer._transport = new_transport  # as StreamWriter.start_tls does
            reader._transport = new_transport
            sslobj = new_transport.get_extra_info("ssl_object")
            writer.write(b"secret line\n")
            reply = await reader.readline() + await reader.readline()
            new_transport.close()
            await asyncio.sleep(0)
        finally:
            server.close()
            await server.wait_closed()
        return reply, sslobj

    reply, sslobj = asyncio.run(main())
    assert reply == b"SECRET LINE\n" + expected_type(server_kind).__name__.encode() + b"\n"
    assert type(sslobj) is expected_type(client_kind)


@pytest.mark.parametrize("case,code", [("untrusted", 20), ("wronghost", 62), ("expired", 10)])
@pytest.mark.parametrize("server_kind", ["fasttls", "ssl"])
def test_open_connection_refuses_bad_certificates(files, case, code, server_kind):
    cert, key = {
        "untrusted": (files.untrusted_cert, files.untrusted_key),
        "wronghost": (files.wronghost_cert, files.wronghost_key),
        "expired": (files.expired_cert, files.expired_key),
    }[case]

    async def main():
        server = await asyncio.start_server(echo_handler, "127.0.0.1", 0, ssl=server_ctx(server_kind, files, cert=cert, key=key))
        port = server.sockets[0].getsockname()[1]
        try:
            with pytest.raises(ssl.SSLCertVerificationError) as info:
                await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx("fasttls", files), server_hostname="localhost")
        finally:
            server.close()
            await server.wait_closed()
        return info.value

    err = asyncio.run(main())
    assert isinstance(err, fasttls.SSLCertVerificationError)
    assert err.verify_code == code


def test_client_certificate_over_asyncio(files):
    async def handler(reader, writer):
        cert = writer.get_extra_info("peercert")
        writer.write(repr(cert["subject"]).encode() + b"\n")
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def main():
        sctx = server_ctx("fasttls", files)
        sctx.verify_mode = ssl.CERT_REQUIRED
        sctx.load_verify_locations(files.ca)
        server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=sctx)
        port = server.sockets[0].getsockname()[1]
        cctx = client_ctx("fasttls", files)
        cctx.load_cert_chain(files.client_cert, files.client_key)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=cctx, server_hostname="localhost")
            line = await reader.readline()
            writer.close()
            await writer.wait_closed()
        finally:
            server.close()
            await server.wait_closed()
        return line

    assert b"client.fasttls.test" in asyncio.run(main())


def test_inject_into_ssl_asyncio_defaults(files, monkeypatch):
    """With inject_into_ssl, ``ssl=True`` (asyncio's own default context) is fasttls too."""
    monkeypatch.setenv("SSL_CERT_FILE", files.ca)
    fasttls.inject_into_ssl()
    try:

        async def main():
            server = await asyncio.start_server(echo_handler, "127.0.0.1", 0, ssl=server_ctx("ssl", files))
            port = server.sockets[0].getsockname()[1]
            try:
                reader, writer = await asyncio.open_connection("localhost", port, ssl=True)
                banner = await reader.readline()
                sslobj = writer.get_extra_info("ssl_object")
                writer.close()
                await writer.wait_closed()
            finally:
                server.close()
                await server.wait_closed()
            return banner, sslobj

        banner, sslobj = asyncio.run(main())
    finally:
        fasttls.extract_from_ssl()
    assert banner == b"ssl.SSLObject\n"
    assert isinstance(sslobj, fasttls.SSLObject)


def test_start_tls_requires_a_context_and_accepts_ours(files):
    async def main():
        loop = asyncio.get_running_loop()
        server = await asyncio.start_server(echo_handler, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            with pytest.raises(TypeError):
                await loop.start_tls(writer.transport, writer.transport.get_protocol(), object())
            writer.close()
            await writer.wait_closed()
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(main())
    assert isinstance(fasttls.SSLContext(ssl.PROTOCOL_TLS_CLIENT), ssl.SSLContext)


def test_wrong_host_error_is_found_in_chain(files):
    # The error asyncio raises is ours, and also what stdlib code catches.
    async def main():
        server = await asyncio.start_server(
            echo_handler, "127.0.0.1", 0, ssl=server_ctx("fasttls", files, cert=files.wronghost_cert, key=files.wronghost_key)
        )
        port = server.sockets[0].getsockname()[1]
        try:
            try:
                await asyncio.open_connection("127.0.0.1", port, ssl=client_ctx("fasttls", files), server_hostname="localhost")
            except ssl.SSLError as exc:
                return exc
        finally:
            server.close()
            await server.wait_closed()

    exc = asyncio.run(main())
    err = find_exc(exc, ssl.SSLCertVerificationError)
    assert err.verify_message == "Hostname mismatch, certificate is not valid for 'localhost'."


@pytest.fixture(scope="module")
def uvloop_ready():
    """libuv opens a process-wide pipe with its first loop and keeps it: open it before
    ``no_leaks`` counts file descriptors."""
    import uvloop

    uvloop.run(asyncio.sleep(0))


def _uvloop_server_and_client(files, server_kind: str, reads: int, client) -> dict:
    """A uvloop server of ``server_kind`` whose handler makes ``reads`` reads (their results
    in ``"reads"``) and closes; ``client(port, result)`` runs in a thread meanwhile, its
    exception in ``"error"``."""
    import threading

    import uvloop

    result: dict = {"error": None}

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        result["reads"] = [await reader.read(100) for _ in range(reads)]
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, ssl.SSLError):
            pass

    async def main() -> None:
        server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=server_ctx(server_kind, files), ssl_shutdown_timeout=60)
        port = server.sockets[0].getsockname()[1]
        t = threading.Thread(target=_run_catching, args=(lambda: client(port, result), result))
        t.start()
        await asyncio.get_running_loop().run_in_executor(None, t.join, 20)
        server.close()
        await server.wait_closed()

    uvloop.run(main())
    return result


@pytest.mark.parametrize("server_kind", ["fasttls", "ssl"])
def test_uvloop_server_sees_close_notify_that_came_with_data(files, server_kind, uvloop_ready):
    """uvloop's own SSL protocol reads again only while ``incoming.pending or pending()``.
    A client that sends its last bytes and then unwrap()s (one TCP segment) used to leave
    a fasttls server under uvloop waiting: it never saw the close_notify, so never answered
    it, and the client's unwrap() hung until a timeout.  The control runs ssl's server."""
    import socket

    def client(port: int, result: dict) -> None:
        ctx = client_ctx("ssl", files)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"last words")
                tls.unwrap()  # TimeoutError after 10 s if the server never answers
                result["unwrapped"] = True

    result = _uvloop_server_and_client(files, server_kind, 2, client)
    assert result == {"error": None, "reads": [b"last words", b""], "unwrapped": True}


@pytest.mark.parametrize("version", ["TLSv1_3", "TLSv1_2"])
@pytest.mark.parametrize("server_kind", ["fasttls", "ssl"])
def test_uvloop_server_sees_close_notify_that_came_with_the_finished(files, server_kind, version, uvloop_ready):
    """A client that connects and closes at once (a health check, a pool dropping a
    connection) sends its Finished and its close_notify together.  Our do_handshake took in
    both, and uvloop, which reads only while ``incoming.pending or pending()``, never saw the
    EOF: the server waited for asyncio's 30 s shutdown timeout (probe finding).  Here the
    client puts both in one segment (ssl over memory BIOs); the control runs ssl's server.
    In TLS 1.2 the client's Finished comes last only when it resumes: a first connection
    makes the session (its close_notify comes alone)."""
    import socket

    def client(port: int, result: dict) -> None:
        ctx = client_ctx("ssl", files)
        ctx.maximum_version = getattr(ssl.TLSVersion, version)
        session = None
        if version == "TLSv1_2":
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as first:
                    session = first.session
                    first.unwrap()
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost", session=session)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            while True:
                try:
                    tls.do_handshake()
                    assert tls.session_reused == (session is not None)
                    break
                except ssl.SSLWantReadError:
                    raw.sendall(outgoing.read())
                    data = raw.recv(65536)
                    assert data, "the server closed during the handshake"
                    incoming.write(data)
            try:
                tls.unwrap()  # the close_notify joins the Finished still in ``outgoing``
            except ssl.SSLWantReadError:
                pass
            raw.sendall(outgoing.read())  # one segment
            while True:
                data = raw.recv(65536)  # TimeoutError after 10 s if the server never answers
                assert data, "the server closed without its close_notify"
                incoming.write(data)
                try:
                    tls.unwrap()
                    break
                except ssl.SSLWantReadError:
                    continue
            result["unwrapped"] = True

    result = _uvloop_server_and_client(files, server_kind, 1, client)
    assert result == {"error": None, "reads": [b""], "unwrapped": True}


@pytest.mark.parametrize("client_kind", ["fasttls", "ssl"])
def test_uvloop_client_sees_close_notify_that_came_with_the_finished(files, client_kind, uvloop_ready):
    """The other side of the test above: a TLS 1.2 server that finishes its handshake and
    closes at once (its Finished and close_notify in one segment); our client on uvloop
    never read the EOF (probe finding).  The server is ssl over memory BIOs."""
    import socket
    import threading

    import uvloop

    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    result: dict = {"error": None}

    def server() -> None:
        ctx = server_ctx("ssl", files)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(incoming, outgoing, server_side=True)
        raw, _ = listener.accept()
        with raw:
            raw.settimeout(10)
            while True:
                data = raw.recv(65536)
                assert data, "the client closed during the handshake"
                incoming.write(data)
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    raw.sendall(outgoing.read())
            try:
                tls.unwrap()  # the close_notify joins the Finished still in ``outgoing``
            except ssl.SSLWantReadError:
                pass
            raw.sendall(outgoing.read())  # one segment
            raw.recv(65536)  # the client's close_notify, or its EOF

    async def main() -> None:
        t = threading.Thread(target=_run_catching, args=(server, result))
        t.start()
        try:
            ctx = client_ctx(client_kind, files)
            reader, writer = await asyncio.open_connection(*listener.getsockname(), ssl=ctx, server_hostname="localhost", ssl_shutdown_timeout=60)
            result["eof"] = await asyncio.wait_for(reader.read(100), 10)
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, ssl.SSLError):
                pass
        finally:
            await asyncio.get_running_loop().run_in_executor(None, t.join, 20)
            listener.close()

    uvloop.run(main())
    assert result == {"error": None, "eof": b""}


def _run_catching(fn, result: dict) -> None:
    try:
        fn()
    except BaseException as e:  # reported by the test, not lost in the thread
        result["error"] = repr(e)

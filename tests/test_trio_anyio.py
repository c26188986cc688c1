"""trio's SSLStream and anyio's TLSStream drive ``SSLObject`` over ``MemoryBIO`` in their
own way (not asyncio's): fasttls on either side against ``ssl``, compared with ``ssl`` on
both.  Probing trio's own ssl tests on fasttls found the context swap, the read-only
attributes and the server handshake a client leaves right after (test_ssl_compat)."""

from __future__ import annotations

import ssl

import anyio
import pytest
import trio
import trio.testing
from anyio.streams.tls import TLSAttribute, TLSListener, TLSStream

import fasttls

from .compat import files, no_leaks  # noqa: F401 - fixtures
from .test_ssl_compat import client_of, make_server

PAIRS = [("fasttls", "ssl"), ("ssl", "fasttls"), ("fasttls", "fasttls")]


@pytest.mark.parametrize("client_kind,server_kind", PAIRS)
def test_trio_ssl_stream(files, client_kind, server_kind):
    """Handshake, 4 MiB each way at once (two tasks per side), ALPN, then close_notify."""
    payload = bytes(range(256)) * 16384
    client_ctx = client_of(client_kind, files)
    server_ctx = make_server(server_kind, files)
    client_ctx.set_alpn_protocols(["h2", "http/1.1"])
    server_ctx.set_alpn_protocols(["http/1.1"])
    seen = {}

    async def pump(stream: trio.SSLStream, name: str) -> None:
        async def send() -> None:
            await stream.send_all(payload)

        async def receive() -> None:
            got = bytearray()
            while len(got) < len(payload):
                got += await stream.receive_some(65536)
            seen[name] = bytes(got) == payload

        async with trio.open_nursery() as nursery:
            nursery.start_soon(send)
            nursery.start_soon(receive)

    async def main() -> None:
        a, b = trio.testing.memory_stream_pair()
        client = trio.SSLStream(a, client_ctx, server_hostname="localhost")
        server = trio.SSLStream(b, server_ctx, server_side=True)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(client.do_handshake)
            nursery.start_soon(server.do_handshake)
        seen["alpn"] = client.selected_alpn_protocol(), server.selected_alpn_protocol()
        seen["types"] = type(client._ssl_object).__module__, type(server._ssl_object).__module__
        async with trio.open_nursery() as nursery:
            nursery.start_soon(pump, client, "client")
            nursery.start_soon(pump, server, "server")
        async with trio.open_nursery() as nursery:
            nursery.start_soon(client.aclose)
            nursery.start_soon(server.receive_some, 1)
        await server.aclose()

    trio.run(main)
    assert seen["client"] and seen["server"]
    assert seen["alpn"] == ("http/1.1", "http/1.1")
    assert seen["types"] == (("fasttls.sslobject" if client_kind == "fasttls" else "ssl"), ("fasttls.sslobject" if server_kind == "fasttls" else "ssl"))


@pytest.mark.parametrize("kind", ["fasttls", "ssl"])
def test_trio_refuses_an_untrusted_server_after_a_context_swap(files, kind):
    """trio forwards ``stream.context = ctx`` to the SSLObject: the handshake then uses the
    new context's trust (trio's test_attributes), even after the first context has
    connected (and cached a session) before."""
    good = client_of(kind, files)
    bad = (fasttls.SSLContext if kind == "fasttls" else ssl.SSLContext)(ssl.PROTOCOL_TLS_CLIENT)
    bad.load_verify_locations(files.other_ca)
    server_ctx = make_server("ssl", files)
    outcomes = []

    async def connect(swap: bool) -> None:
        a, b = trio.testing.memory_stream_pair()
        client = trio.SSLStream(a, good, server_hostname="localhost")
        server = trio.SSLStream(b, server_ctx, server_side=True)
        if swap:
            client.context = bad
            assert client.context is bad
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(client.do_handshake)
                nursery.start_soon(server.do_handshake)
            await server.send_all(b"x")  # the tickets come before it
            assert await client.receive_some(1) == b"x"
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001 - an ExceptionGroup from the nursery
            causes = [e.__cause__ for e in _leaves(exc) if isinstance(e, trio.BrokenResourceError)]
            outcomes.append(next((c.verify_code for c in causes if isinstance(c, ssl.SSLCertVerificationError)), repr(exc)))

    async def main() -> None:
        await connect(False)
        await connect(True)

    trio.run(main)
    assert outcomes == ["ok", 20]


def _leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups."""
    inner = getattr(exc, "exceptions", None)
    return [leaf for e in inner for leaf in _leaves(e)] if inner else [exc]


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("client_kind,server_kind", PAIRS)
def test_anyio_tls_listener_and_connect_tcp(files, backend, client_kind, server_kind):
    """anyio's TLSListener (server) and connect_tcp(tls=True) (client) on both backends,
    with what ``extra()`` reports."""
    client_ctx = client_of(client_kind, files)
    server_ctx = make_server(server_kind, files)
    seen = {}

    async def main() -> None:
        listener = TLSListener(await anyio.create_tcp_listener(local_host="127.0.0.1"), server_ctx, standard_compatible=True)
        port = listener.listener.extra(anyio.abc.SocketAttribute.local_port)

        async def handle(stream: TLSStream) -> None:
            async with stream:
                seen["server_version"] = stream.extra(TLSAttribute.tls_version)
                await stream.send(await stream.receive())

        async with listener, anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, handle)
            async with await anyio.connect_tcp("127.0.0.1", port, tls=True, ssl_context=client_ctx, tls_hostname="localhost") as stream:
                await stream.send(b"hello anyio")
                seen["echo"] = await stream.receive()
                seen["client"] = (
                    stream.extra(TLSAttribute.tls_version),
                    stream.extra(TLSAttribute.server_side),
                    stream.extra(TLSAttribute.peer_certificate)["subject"] is not None,
                    stream.extra(TLSAttribute.cipher)[1],
                )
            tg.cancel_scope.cancel()

    anyio.run(main, backend=backend)
    assert seen["echo"] == b"hello anyio"
    assert seen["client"] == ("TLSv1.3", False, True, "TLSv1.3")
    assert seen["server_version"] == "TLSv1.3"


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_anyio_refuses_a_wrong_host(files, backend):
    async def main() -> None:
        listener = TLSListener(await anyio.create_tcp_listener(local_host="127.0.0.1"), make_server("ssl", files))
        port = listener.listener.extra(anyio.abc.SocketAttribute.local_port)

        async def handle(stream: TLSStream) -> None:
            await stream.aclose()

        async with listener, anyio.create_task_group() as tg:
            tg.start_soon(listener.serve, handle)
            with pytest.raises(ssl.SSLCertVerificationError) as info:
                await anyio.connect_tcp("127.0.0.1", port, tls=True, ssl_context=client_of("fasttls", files), tls_hostname="wrong.example")
            assert info.value.verify_code == 62
            tg.cancel_scope.cancel()

    anyio.run(main, backend=backend)

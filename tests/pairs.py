"""In-memory client/server pairs over the sans-IO connection (rustls' make_pair / do_handshake / transfer)."""

from __future__ import annotations

import dataclasses

import pytest

from fasttls.config import Config
from fasttls.connection import Connection
from fasttls.errors import TLSError
from fasttls.record import Twin

from .helpers import split


def make_pair(client_config: Config, server_config: Config, server_hostname: str | None = "localhost", twin: Twin | None = None, session=None):
    client = Connection(client_config, server_side=False, server_hostname=server_hostname, twin=twin, session=session)
    server = Connection(server_config, server_side=True, twin=twin)
    return client, server


def transfer(src: Connection, dst: Connection, feed: str = "whole") -> list:
    """Move everything ``src`` has queued into ``dst``; returns ``dst``'s events."""
    data = src.data_to_send()
    events = []
    for chunk in split(data, feed):
        events += dst.receive_data(chunk)
    return events


def do_handshake(client: Connection, server: Connection, feed: str = "whole", max_rounds: int = 10) -> tuple[list, list]:
    """Run the handshake to completion; returns (client events, server events)."""
    client.start()
    server.start()
    cev, sev = [], []
    for _ in range(max_rounds):
        if client.bytes_to_send():
            sev += transfer(client, server, feed)
        if server.bytes_to_send():
            cev += transfer(server, client, feed)
        if client.handshake_complete and server.handshake_complete and not client.bytes_to_send() and not server.bytes_to_send():
            return cev, sev
    raise AssertionError("handshake did not complete")


def exchange(a: Connection, b: Connection, data: bytes, feed: str = "whole") -> bytes:
    a.send(data)
    transfer(a, b, feed)
    return b.read()


def tamper_sent(conn, cls, change=None, in_place=False, **changes):
    """Make ``conn`` send its ``cls`` handshake messages changed, by ``change(msg)`` or by the
    field ``changes`` (its transcript stays consistent with what it sent, so only the rule
    under test is broken).  ``changes`` makes a copy; a message the sender checks replies
    against (its ClientHello) needs ``in_place=True``."""
    orig = conn.write_handshake

    def write_handshake(msg):
        if isinstance(msg, cls):
            if change is not None:
                msg = change(msg)
            elif in_place:
                for name, value in changes.items():
                    setattr(msg, name, value)
            else:
                msg = dataclasses.replace(msg, raw=None, **changes)
        return orig(msg)

    conn.write_handshake = write_handshake


def run_until_error(c, s) -> TLSError:
    """Drive the handshake until one side raises; returns that error."""
    with pytest.raises(TLSError) as e:
        do_handshake(c, s)
    return e.value


def post_handshake_auth_error(c, s) -> TLSError:
    """Complete the handshake, let the server ask for a certificate (RFC 8446 4.6.2),
    and return the error the client's answer raises at the server."""
    do_handshake(c, s)
    s.verify_client_post_handshake()
    transfer(s, c)
    with pytest.raises(TLSError) as e:
        transfer(c, s)
    return e.value

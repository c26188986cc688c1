"""Events the sans-IO connection reports (frozen, slotted: the h11 style).

Application data is not an event: it accumulates in the connection's receive
buffer (``Connection.read``), so bulk transfer makes no object per chunk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class HandshakeComplete:
    version: int
    cipher_suite: int
    alpn_protocol: str | None
    session_reused: bool


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """The peer sent close_notify: it will send nothing more."""


@dataclass(frozen=True, slots=True)
class SessionTicketReceived:
    """A TLS 1.3 NewSessionTicket (or TLS 1.2 ticket) was stored for resumption."""

    session: Any


@dataclass(frozen=True, slots=True)
class KeyUpdated:
    """Traffic keys changed after the handshake (TLS 1.3 KeyUpdate)."""

    direction: str  # "read" or "write"
    update_requested: bool


@dataclass(frozen=True, slots=True)
class PostHandshakeAuth:
    """TLS 1.3 post-handshake client authentication completed (RFC 8446 4.6.2).

    Client: we answered a CertificateRequest, with a certificate or without one.  Server:
    the client's answer checked out; ``certificate`` says whether it carried one (the
    connection's ``peer_certificates`` and ``verified_chain`` now hold it).
    """

    certificate: bool


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One thing worth showing a human: a message, a key change, an alert, a record.

    ``kind`` is one of ``"message"``, ``"keys"``, ``"alert"``, ``"record"``,
    ``"info"``; ``direction`` is ``"send"``, ``"receive"`` or ``""``; ``fields``
    holds what matters for that kind (see ``fasttls.trace``).
    """

    kind: str
    direction: str
    name: str
    fields: dict

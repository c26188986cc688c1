"""Session tickets: stateless, encrypted, with key rotation; and the client's session cache.

Server side (RFC 8446 section 4.6.1, RFC 5077): the ticket is the session state
sealed with AES-256-GCM under a ticket key the server alone knows; the ticket
carries the key's name so older keys still open it after a rotation.  Like Go's
crypto/tls, a new key is made every day and keys are kept for a week.

Client side: :class:`ClientSession` is what a client keeps to resume
(``SSLSocket.session``), :class:`ClientSessionCache` a bounded LRU of them.

TLS 1.2 session IDs (RFC 5246 7.4.1.2) need state on the server:
:class:`ServerSessionCache` is a bounded LRU of :class:`SessionState` by ID.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TICKET_KEY_NAME_SIZE = 16
_NONCE_SIZE = 12
#: RFC 8446 section 4.6.1: ticket lifetimes are at most 7 days.
MAX_TICKET_LIFETIME = 7 * 24 * 3600
#: RFC 8446 4.6.1 and RFC 5077 3.3: ``opaque ticket<..2^16-1>``.
MAX_TICKET_SIZE = 0xFFFF


class TicketKeys:
    """Ticket encryption keys, rotated: the newest seals, every unexpired one opens.

    ``keys`` (or :meth:`set_keys`), Go's ``SetSessionTicketKeys``: 32-byte secrets shared
    by the servers of a fleet, so each opens the others' tickets; the first seals, all
    open, and they do not rotate."""

    def __init__(
        self,
        rotation_interval: float = 24 * 3600,
        key_lifetime: float = MAX_TICKET_LIFETIME,
        clock: Callable[[], float] = time.time,
        keys: Sequence[bytes] | None = None,
    ) -> None:
        self.rotation_interval = rotation_interval
        self.key_lifetime = key_lifetime
        self._clock = clock
        self._lock = threading.Lock()
        self._fixed = False
        # (name, aead, created), newest first.  The first key is made now, not at the first
        # ticket: a server context made before fork (gunicorn's ssl_context hook, --preload)
        # then has the same key in every worker, so each opens the others' tickets, as
        # OpenSSL's (whose keys are made with the SSL_CTX).
        self._keys: list[tuple[bytes, AESGCM, float]] = [(os.urandom(TICKET_KEY_NAME_SIZE), AESGCM(os.urandom(32)), clock())]
        if keys is not None:
            self.set_keys(keys)

    def set_keys(self, keys: Sequence[bytes]) -> None:
        """Use these 32-byte secrets from now on (Go's ``SetSessionTicketKeys``): the first
        seals, every one opens, and none rotates or expires (tickets still end with their
        lifetime).  Each key's name and AES-256-GCM key come from its SHA-512, as Go's
        ticketKeyFromBytes derives them, so the same secrets give the same keys everywhere."""
        if isinstance(keys, (bytes, bytearray, memoryview)):
            raise ValueError("set_keys takes a non-empty list of 32-byte keys")
        keys = list(keys)  # (a generator says nothing of its length)
        if not keys:
            raise ValueError("set_keys takes a non-empty list of 32-byte keys")
        derived = []
        for key in keys:
            if not isinstance(key, (bytes, bytearray)) or len(key) != 32:
                raise ValueError(f"a session ticket key is 32 bytes, not {len(key) if isinstance(key, (bytes, bytearray)) else type(key).__name__}")
            digest = hashes.Hash(hashes.SHA512())
            digest.update(bytes(key))
            hashed = digest.finalize()
            derived.append((hashed[:TICKET_KEY_NAME_SIZE], AESGCM(hashed[TICKET_KEY_NAME_SIZE : TICKET_KEY_NAME_SIZE + 32]), self._clock()))
        with self._lock:
            self._keys = derived
            self._fixed = True

    def _current(self) -> tuple[bytes, AESGCM, float]:
        if self._fixed:
            return self._keys[0]
        now = self._clock()
        keys = self._keys
        # Every ticket sealed or opened comes here: when no rotation is due and no key
        # has expired, the newest key without the lock or a new list.  (The oldest by
        # time, not keys[-1]: a wall clock set back can leave the list out of order.)
        if (
            keys
            and now - keys[0][2] < self.rotation_interval
            and now - min(k[2] for k in keys) < self.key_lifetime + self.rotation_interval
        ):
            return keys[0]
        with self._lock:
            if self._fixed:  # set_keys ran since the check above
                return self._keys[0]
            if not self._keys or now - self._keys[0][2] >= self.rotation_interval:
                self._keys.insert(0, (os.urandom(TICKET_KEY_NAME_SIZE), AESGCM(os.urandom(32)), now))
            self._keys = [k for k in self._keys if now - k[2] < self.key_lifetime + self.rotation_interval]
            return self._keys[0]

    def rotate(self) -> None:
        """Start a new key now (older ones keep opening their tickets); after
        :meth:`set_keys`, rotation goes on from here."""
        with self._lock:
            now = self._clock()
            if self._fixed:  # the set keys age from now on, as rotated ones
                self._keys = [(name, aead, now) for name, aead, _ in self._keys]
                self._fixed = False
            self._keys.insert(0, (os.urandom(TICKET_KEY_NAME_SIZE), AESGCM(os.urandom(32)), now))

    def seal(self, state: bytes) -> bytes:
        """A ticket for ``state``; empty when it would not fit a ticket's 16-bit length
        (a client's certificate chain of over 64 KiB): that session is not resumable,
        and the handshake goes on without a ticket rather than fail."""
        if len(state) + TICKET_KEY_NAME_SIZE + _NONCE_SIZE + 16 > MAX_TICKET_SIZE:
            return b""
        name, aead, _ = self._current()
        nonce = os.urandom(_NONCE_SIZE)
        return name + nonce + aead.encrypt(nonce, state, name)

    def sealed_with_current_key(self, ticket: bytes) -> bool:
        """Whether ``ticket`` names the key that seals now: a ticket under an older one is
        renewed when it resumes a TLS 1.2 session (as OpenSSL's SSL_TICKET_SUCCESS_RENEW)."""
        return ticket[:TICKET_KEY_NAME_SIZE] == self._current()[0]

    def open(self, ticket: bytes) -> bytes | None:
        """The state inside ``ticket``, or None when it is not one of ours (or too old)."""
        if len(ticket) < TICKET_KEY_NAME_SIZE + _NONCE_SIZE + 16:
            return None
        self._current()  # drop expired keys
        name = ticket[:TICKET_KEY_NAME_SIZE]
        with self._lock:
            keys = list(self._keys)
        for key_name, aead, _ in keys:
            if key_name == name:
                try:
                    return aead.decrypt(ticket[16:28], ticket[28:], name)
                except InvalidTag:
                    return None
        return None


#: In a serialized verified path, a length word with this bit is an index into the peer's chain.
_CHAIN_REF = 0x80000000


def _take(data: bytes, pos: int, length_format: str) -> tuple[bytes, int]:
    """The length-prefixed bytes at ``pos`` and the offset after them; struct.error
    when they run past the end."""
    (n,) = struct.unpack_from(length_format, data, pos)
    pos += struct.calcsize(length_format)
    blob = data[pos : pos + n]
    if len(blob) != n:
        raise struct.error("truncated")
    return blob, pos + n


@dataclass
class SessionState:
    """What a ticket carries (sealed, so only we can read it)."""

    version: int
    cipher_suite: int
    secret: bytes = field(repr=False)  # TLS 1.3: the resumption PSK; TLS 1.2: the master secret (never in a repr: logs)
    created_at: int  # seconds since the epoch
    age_add: int = 0
    lifetime: int = MAX_TICKET_LIFETIME
    extended_master_secret: bool = False
    alpn_protocol: str = ""
    server_name: str = ""
    peer_certificates: list[bytes] = field(default_factory=list)
    #: The client's certificates were verified against our client CAs when the session
    #: was made (Go keeps the verified chains): a verifying server resumes only such sessions.
    peer_verified: bool = False
    #: When ``peer_verified``: the rest of the verified path, after the leaf (which is
    #: ``peer_certificates[0]``) up to the trust anchor, as DER.  Go keeps the verified
    #: chains in its session state too, so a resumed connection reports the same path
    #: as the full handshake that made the session.
    verified_chain_tail: list[bytes] = field(default_factory=list)

    _FMT = "!HHQIIB"  # ..., flags: 1 = extended master secret, 2 = peer_verified

    @property
    def verified_chain(self) -> list[bytes]:
        """The verified path, leaf first, as DER; empty when never verified."""
        if not self.peer_verified or not self.peer_certificates:
            return []
        return [self.peer_certificates[0], *self.verified_chain_tail]

    def to_bytes(self) -> bytes:
        parts = [
            struct.pack(
                self._FMT,
                self.version,
                self.cipher_suite,
                self.created_at,
                self.age_add,
                self.lifetime,
                (1 if self.extended_master_secret else 0) | (2 if self.peer_verified else 0),
            )
        ]
        for blob in (self.secret, self.alpn_protocol.encode(), self.server_name.encode()):
            parts.append(struct.pack("!H", len(blob)) + blob)
        parts.append(struct.pack("!H", len(self.peer_certificates)))
        for der in self.peer_certificates:
            parts.append(struct.pack("!I", len(der)) + der)
        # The verified path mostly repeats certificates the peer sent (its intermediates, often
        # the root): those go as their index in the peer's chain (_CHAIN_REF set in the length
        # word), not again.  wolfSSL's client drops a ticket over 1,536 bytes with BUFFER_E, and
        # an RSA client chain sent with its root made ours 1,592 bytes, 1,191 without the repeat.
        parts.append(struct.pack("!H", len(self.verified_chain_tail)))
        for der in self.verified_chain_tail:
            try:
                parts.append(struct.pack("!I", _CHAIN_REF | self.peer_certificates.index(der)))
            except ValueError:
                parts.append(struct.pack("!I", len(der)) + der)
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> SessionState | None:
        """Parse our own serialization; None if it is not one (never raises)."""
        try:
            head = struct.calcsize(cls._FMT)
            version, suite, created, age_add, lifetime, flags = struct.unpack_from(cls._FMT, data, 0)
            if flags & ~3:
                return None
            pos = head
            blobs = []
            for _ in range(3):
                blob, pos = _take(data, pos, "!H")
                blobs.append(blob)
            chains: list[list[bytes]] = []
            for _ in range(2):
                (count,) = struct.unpack_from("!H", data, pos)
                pos += 2
                certs = []
                for _ in range(count):
                    (word,) = struct.unpack_from("!I", data, pos)
                    if word & _CHAIN_REF and chains:  # the verified path's reference to a sent certificate
                        certs.append(chains[0][word & ~_CHAIN_REF])  # IndexError: not ours
                        pos += 4
                        continue
                    der, pos = _take(data, pos, "!I")
                    certs.append(der)
                chains.append(certs)
            if pos != len(data) or (chains[1] and not (flags & 2 and chains[0])):
                return None
            return cls(
                version, suite, blobs[0], created, age_add, lifetime, bool(flags & 1), blobs[1].decode(), blobs[2].decode(), chains[0],
                peer_verified=bool(flags & 2), verified_chain_tail=chains[1],
            )  # fmt: skip
        except (struct.error, UnicodeDecodeError, IndexError):
            return None


@dataclass
class ClientSession:
    """A session a client can resume: the ticket and what goes with it.

    For TLS 1.2 session-ID resumption ``ticket`` is empty and ``session_id`` set.
    """

    version: int
    cipher_suite: int
    secret: bytes = field(repr=False)  # TLS 1.3 resumption PSK / TLS 1.2 master secret (never in a repr: logs)
    ticket: bytes = field(repr=False)  # (not in a repr: ~200 bytes; ``id`` hashes it)
    received_at: float  # time.time() when received
    lifetime: int
    age_add: int = 0
    server_name: str = ""
    alpn_protocol: str | None = None
    extended_master_secret: bool = False
    session_id: bytes = b""
    #: (Out of the repr: a chain's DER made it ~14 KB, which ssl's one-line SSLSession repr is not.)
    peer_certificates: list[bytes] = field(default_factory=list, repr=False)
    verified_chain: list[bytes] = field(default_factory=list, repr=False)
    #: A TLS 1.2 ticket's ticket_lifetime_hint as sent, when it is not ``lifetime``
    #: (RFC 5077 3.3: 0 means unspecified, and we then keep the ticket for 7 days).
    lifetime_hint: int | None = None
    #: A weak reference to the SSLContext whose socket handed the session out: as with
    #: ``ssl``, only that context may resume it (another may not trust the server).
    origin: Any = field(default=None, compare=False, repr=False)

    @property
    def id(self) -> bytes:
        """The session ID: the server's for session-ID resumption, else SHA-256 of the ticket.

        The hash is OpenSSL's choice (``tls_process_new_session_ticket``): a TLS 1.2
        client sends it as the session ID with the ticket (RFC 5077 3.4), so every
        resumption of one ticket shows the server the same ID.  FTP servers such as
        ProFTPD compare the data connection's session ID with the control
        connection's, and ``ssl``'s ``session.id`` is this hash too.
        """
        if self.session_id or not self.ticket:
            return self.session_id
        digest = hashes.Hash(hashes.SHA256())
        digest.update(self.ticket)
        return digest.finalize()

    @property
    def time(self) -> int:
        return int(self.received_at)

    @property
    def timeout(self) -> int:
        return self.lifetime

    @property
    def has_ticket(self) -> bool:
        return bool(self.ticket)

    @property
    def ticket_lifetime_hint(self) -> int:
        """The lifetime the server gave the ticket (0 without one), as ``ssl.SSLSession``'s."""
        if not self.ticket:
            return 0
        return self.lifetime if self.lifetime_hint is None else self.lifetime_hint

    def valid_at(self, now: float) -> bool:
        return now - self.received_at < min(self.lifetime, MAX_TICKET_LIFETIME)


def check_session_origin(session: Any, context: Any) -> None:
    """ssl's rule: a session resumes only under the context that made it, since another
    context may trust other CAs and resumption skips the certificate check."""
    origin = getattr(session, "origin", None)
    if origin is not None and origin() is not context:
        raise ValueError("Session refers to a different SSLContext.")


class ServerSession:
    """A server connection's ``session`` (``ssl`` gives server sockets an SSLSession too;
    cheroot reads its ``id`` into ``SSL_SESSION_ID``): its id as OpenSSL's server has it (TLS
    1.2: the session ID sent, empty when a ticket stands in for it; TLS 1.3: 32 random bytes
    when a ticket was sent), when it began, and how long tickets for it last.  Only a client
    can offer a session.  (A plain class: one is made per server handshake.)"""

    __slots__ = ("id", "time", "timeout")
    has_ticket = False
    ticket_lifetime_hint = 0

    def __init__(self, id: bytes, time: int, timeout: int) -> None:  # noqa: A002 - ssl's name
        self.id, self.time, self.timeout = id, time, timeout

    def __repr__(self) -> str:
        return f"<ServerSession id={self.id.hex()!r} time={self.time} timeout={self.timeout}>"


class ClientSessionCache:
    """A bounded LRU of client sessions, keyed by server name (Go's LRUClientSessionCache)."""

    def __init__(self, capacity: int = 64) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, ClientSession] = OrderedDict()

    def get(self, key: str) -> ClientSession | None:
        with self._lock:
            session = self._entries.get(key)
            if session is not None:
                self._entries.move_to_end(key)
            return session

    def put(self, key: str, session: ClientSession | None) -> None:
        with self._lock:
            if session is None:
                self._entries.pop(key, None)
                return
            self._entries[key] = session
            self._entries.move_to_end(key)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def discard(self, key: str, session: ClientSession) -> None:
        """Drop ``key``'s entry if it is still ``session`` (one lock: a session another
        connection stored meanwhile stays)."""
        with self._lock:
            if self._entries.get(key) is session:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


def uncache_session(cache: Any, name: str | None, session: Any) -> None:
    """Drop ``name``'s entry from a client session cache if it is still ``session``: one
    lock in ours (``discard``); ``get`` then ``put`` in a cache of the application's own."""
    if cache is None or not name or session is None:
        return
    discard = getattr(cache, "discard", None)
    if discard is not None:
        discard(name, session)
    elif cache.get(name) is session:
        cache.put(name, None)


class ServerSessionCache:
    """TLS 1.2 session-ID resumption (RFC 5246 7.4.1.2, F.1.4): a bounded LRU of
    :class:`SessionState` keyed by session ID.  Expiry is checked by the handshake
    (the state carries its creation time and lifetime)."""

    def __init__(self, capacity: int = 1024) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._entries: OrderedDict[bytes, SessionState] = OrderedDict()

    def get(self, session_id: bytes) -> SessionState | None:
        if not session_id:
            return None
        with self._lock:
            state = self._entries.get(bytes(session_id))
            if state is not None:
                self._entries.move_to_end(bytes(session_id))
            return state

    def put(self, session_id: bytes, state: SessionState) -> None:
        if not session_id or self.capacity <= 0:
            return
        with self._lock:
            self._entries[bytes(session_id)] = state
            self._entries.move_to_end(bytes(session_id))
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def remove(self, session_id: bytes) -> None:
        with self._lock:
            self._entries.pop(bytes(session_id), None)

    def __len__(self) -> int:
        return len(self._entries)

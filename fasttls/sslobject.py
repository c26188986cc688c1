"""``SSLObject``: a fasttls connection over a pair of ``ssl.MemoryBIO`` (``SSLContext.wrap_bio``).

This is what asyncio's ``sslproto`` (and anyio, trio-style code) drive: bytes
the transport received are written into ``incoming``; the object's
``do_handshake``/``read``/``write``/``unwrap`` move them through the sans-IO
:class:`~fasttls.connection.Connection` and leave what must be sent in
``outgoing``.  When more input is needed they raise ``SSLWantReadError``,
exactly as ``ssl.SSLObject`` does; ``read`` returns ``b""`` (or 0) once the
peer's close_notify has arrived.

:class:`TLSInfo` holds what both this class and :class:`fasttls.SSLSocket`
report about a connection (``cipher()``, ``getpeercert()``, ``version()``...).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import ssl
import weakref
from typing import TYPE_CHECKING, Any, Literal, overload

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from . import cipher_suites
from .config import ClientAuthType, Config
from .connection import Connection, is_interruption
from .constants import ProtocolVersion
from .tickets import ClientSession, check_session_origin
from .errors import (
    SSLEOFError,
    SSLError,
    SSLWantReadError,
    SSLZeroReturnError,
    application_data_after_close_notify,
    fresh_copy,
    read_only_buffer,
    shutdown_while_in_init,
    want_read,
)

if TYPE_CHECKING:
    from ssl import _PeerCertRetDictType, _PeerCertRetType
    from typing import TypeAlias

    from _typeshed import ReadableBuffer, WriteableBuffer

    from .context import SSLContext

    #: ``getpeercert()``'s dict and its result of any form, as typeshed names them for ``ssl``.
    _PeerCertDict: TypeAlias = _PeerCertRetDictType
    _PeerCert: TypeAlias = _PeerCertRetType

__all__ = ["SSLObject", "TLSInfo"]

_VERSION_NAMES = {ProtocolVersion.TLS13: "TLSv1.3", ProtocolVersion.TLS12: "TLSv1.2"}
_CHANNEL_BINDINGS = ("tls-unique", "tls-exporter")


def _facade_gone(conn_ref: weakref.ref, _ref: Any) -> None:
    """The ``SSLSocket`` or ``SSLObject`` driving a connection was dropped (asyncio
    after a handshake timeout, a socket never closed): a handshake it left unfinished
    cannot go on.  End its run now, so that the connection, its suspended handshake
    and its key shares go with their last reference instead of at a pass of the
    cyclic GC.  (A weak reference to the connection: a strong one, held by the
    connection's own ``owner``, would be a cycle of its own.)"""
    conn = conn_ref()
    if conn is not None and not conn.handshake_complete:
        try:
            conn._end_handshake_run()
        except Exception:  # noqa: BLE001 - a finalizer must not raise
            pass


#: Stands in ``incoming`` for a close_notify already opened (``SSLObject._park_close_notify``):
#: a plaintext close_notify alert record, though only its length is ever used.
_PARKED_CLOSE_NOTIFY = b"\x15\x03\x03\x00\x02\x01\x00"


class TLSInfo:
    """What was negotiated, in ``ssl``'s shapes; needs ``self._conn`` (None when unwrapped)."""

    _conn: Connection | None
    server_side: bool
    _session: ClientSession | None
    _context: Any  # a fasttls SSLContext (None for a socket made from a Config)
    _config: Config
    _session_context: Any
    _started: bool

    def _established(self) -> Connection | None:
        conn = self._conn
        return conn if conn is not None and conn.handshake_complete else None

    def version(self) -> str | None:
        conn = self._established()
        return _VERSION_NAMES.get(conn.version) if conn is not None else None

    def cipher(self) -> tuple[str, str, int] | None:
        conn = self._established()
        if conn is None or conn.cipher_suite is None:
            return None
        return cipher_suites.cipher_tuple(conn.cipher_suite)

    def shared_ciphers(self) -> list[tuple[str, str, int]] | None:
        """Server: the client's suites we also enable; client: the suites we offered."""
        conn = self._established()
        if conn is None:
            return None
        config = conn.config
        ours = list(config.cipher_suites_tls13) + list(config.cipher_suites_tls12)
        if self.server_side:
            offered = set(conn.peer_cipher_suites)
            ids = [s for s in ours if s in offered]
        else:
            ids = ours
        out = []
        for sid in ids:
            suite = cipher_suites.suite_by_id(sid)
            if suite is not None:
                out.append(cipher_suites.cipher_tuple(suite))
        return out

    def compression(self) -> None:
        return None

    def selected_alpn_protocol(self) -> str | None:
        conn = self._established()
        return conn.alpn_protocol if conn is not None else None

    def selected_npn_protocol(self) -> None:
        return None

    def _verifies_peer(self, conn: Connection) -> bool:
        config = conn.config
        if self.server_side:
            return config.client_auth >= ClientAuthType.VerifyClientCertIfGiven
        return bool(config.verify_peer)

    def _getpeercert(self, binary_form: bool = False) -> _PeerCert:
        conn = self._conn
        if conn is None or not conn.handshake_complete:
            raise ValueError("handshake not done yet")
        if not conn.peer_certificates:
            return None
        if binary_form:
            return bytes(conn.peer_certificates[0])
        if not self._verifies_peer(conn):
            return {}
        from .verify import peer_certificate_dict

        leaf = conn.verified_chain[0] if conn.verified_chain else x509.load_der_x509_certificate(conn.peer_certificates[0])
        return peer_certificate_dict(leaf)

    def get_verified_chain(self) -> list[bytes]:
        """The verified chain (leaf first, up to the trust anchor), DER-encoded (Python 3.13's API)."""
        conn = self._established()
        if conn is None or not self._verifies_peer(conn):
            return []
        return [c.public_bytes(serialization.Encoding.DER) for c in conn.verified_chain]

    def get_unverified_chain(self) -> list[bytes]:
        """The certificates as the peer sent them, DER-encoded."""
        conn = self._established()
        return [bytes(c) for c in conn.peer_certificates] if conn is not None else []

    def get_channel_binding(self, cb_type: str = "tls-unique") -> bytes | None:
        """``tls-unique`` (RFC 5929; TLS 1.2 only, None on TLS 1.3) or ``tls-exporter`` (RFC 9266)."""
        if not isinstance(cb_type, str):
            what = "None" if cb_type is None else type(cb_type).__name__
            raise TypeError(f"get_channel_binding() argument 'cb_type' must be str, not {what}")
        if cb_type not in _CHANNEL_BINDINGS:
            raise ValueError(f"'{cb_type}' channel binding type not implemented")  # _ssl's words
        conn = self._established()
        if conn is None:
            return None
        if cb_type == "tls-unique":
            return conn.tls_unique if conn.version == ProtocolVersion.TLS12 else None
        return conn.export_keying_material(b"EXPORTER-Channel-Binding", b"", 32)

    def export_keying_material(self, label: str | bytes, context: bytes | None, length: int) -> bytes:
        conn = self._conn
        if conn is None or not conn.handshake_complete:
            raise ValueError("handshake not done yet")
        return conn.export_keying_material(label, context, length)

    @property
    def session(self) -> ClientSession | None:
        """The connection's TLS session (``fasttls.SSLSession``, not an ``ssl.SSLSession``): a
        client's :class:`fasttls.ClientSession`, to resume with ``wrap_socket``/``wrap_bio``
        (``session=``) or by setting it here before the handshake.  A server's is a
        ``fasttls.tickets.ServerSession``, with ssl's ``id``, ``time``, ``timeout``,
        ``has_ticket`` and ``ticket_lifetime_hint`` (typed as the client's, as typeshed
        gives ssl's one class for both)."""
        conn = self._conn
        if conn is not None and conn.session is not None:
            session = conn.session
            if not self.server_side and session.origin is None and self.context is not None:  # None: a Config, not a context
                session.origin = weakref.ref(self.context)
            return session
        return self._session

    @session.setter
    def session(self, session: ClientSession) -> None:
        # ssl's order: the type first (None is not a session either), then the side and state.
        if not hasattr(session, "ticket"):
            raise TypeError("Value is not a fasttls session.")
        if self.server_side:
            raise ValueError(f"Cannot set session for server-side {type(self).__name__}.")
        conn = self._conn
        if conn is not None and conn.handshake_complete:
            raise ValueError("Cannot set session after handshake.")
        check_session_origin(session, self.context)
        self._session = session
        if conn is not None:
            conn.session = session

    @property
    def session_reused(self) -> bool | None:
        conn = self._conn
        return conn.session_reused if conn is not None else None

    def verify_client_post_handshake(self) -> None:
        """Server, TLS 1.3: request the client's certificate now (RFC 8446 4.6.2).  The
        request goes out with the next bytes sent and the answer is checked as it arrives,
        as with ``ssl``; a refusal (a TLS 1.2 connection, a client that did not enable
        ``post_handshake_auth``, verify_mode CERT_NONE, a request still pending) raises
        :class:`SSLError`."""
        conn = self._conn
        if conn is None:
            raise ValueError(f"No SSL wrapper around {self}")  # as ssl, once unwrapped
        conn.verify_client_post_handshake()

    @property
    def context(self) -> SSLContext:
        """The fasttls :class:`~fasttls.SSLContext` the connection was made with (None for a
        socket made by :func:`fasttls.wrap_socket` from a Config); set another one in an
        ``sni_callback`` to switch, as with ``ssl``."""
        return self._context

    @context.setter
    def context(self, ctx: SSLContext) -> None:
        if not hasattr(ctx, "_config_for"):
            raise TypeError("The value must be a fasttls SSLContext")
        config = ctx._config_for(self.server_side)
        old = self._config
        if old is not None and old is not config:
            # As OpenSSL's SSL_set_SSL_CTX (what ssl does here, typically in an sni_callback):
            # the new context brings its certificates, trust store, TLS 1.2 cipher list and
            # key log, and a server's ALPN choice; verify mode, versions, groups, options,
            # tickets and a client's ALPN offer stay the connection's (OpenSSL copied them
            # into the SSL when it was made).  Taking the whole new context would drop a
            # required client certificate when the per-host context (as they usually are)
            # never asked for one.
            config = dataclasses.replace(
                old,
                certificates=config.certificates,
                alpn_protocols=config.alpn_protocols if self.server_side else old.alpn_protocols,
                trust_store=config.trust_store,
                client_ca_store=config.client_ca_store,
                cipher_suites_tls12=config.cipher_suites_tls12,  # set_ciphers: the SSL_CTX's list
                security_level=config.security_level,  # the new SSL_CTX's CERT holds it
                keylog=config.keylog,
                # No session cache: this connection's checks are a mix of two contexts', so
                # it neither resumes a session either cached (one verified under the old
                # trust would skip the new) nor files its own in one (the new context
                # would later resume what its own checks refuse).  ssl resumes only a
                # session it is given, which stays.
                session_cache=None,
            )
        old_ctx, conn = self._context, self._conn
        if self.server_side and self._started and conn is not None and not conn.handshake_complete and ctx is not old_ctx:
            # As OpenSSL's final_server_name: the connection is counted as an accept of
            # the context the sni_callback chose; hits and misses stay with the first.
            if hasattr(old_ctx, "_stat"):  # None for a socket made from a Config
                old_ctx._stat("accept", -1)
            ctx._stat("accept")
        self._context = ctx
        self._config = config
        if self._conn is not None:
            self._conn.replace_config(config)

    @property
    def connection(self) -> Connection | None:
        """The sans-IO connection underneath (negotiated details, trace, key updates)."""
        return self._conn

    def _new_connection(self) -> Connection:
        hostname = None if self.server_side else self.server_hostname
        conn = Connection(self._config, server_side=self.server_side, server_hostname=hostname, session=self._session)
        # A weak reference for the context's sni_callback, whose callback ends a
        # handshake this facade leaves unfinished when it goes (see _facade_gone).
        conn.owner = weakref.ref(self, functools.partial(_facade_gone, weakref.ref(conn)))
        return conn

    def _take_late_settings(self) -> None:
        """A server about to start its handshake takes the ``sni_callback`` and ALPN
        protocols its context has now: set after wrapping, they count in ssl, whose
        OpenSSL calls back into the SSL_CTX for both during the handshake.  The other
        settings stay as they were at wrapping (SSL_new copied them into the SSL)."""
        ctx = self._context
        if ctx is not self._session_context or not hasattr(ctx, "_config_for"):
            return  # switched by the context setter (it chose what to take), or a Config
        fresh = ctx._config_for(True)
        old = self._config
        if fresh is old or (
            (fresh.sni_callback is None) == (old.sni_callback is None) and fresh.alpn_protocols == old.alpn_protocols
        ):
            return
        self._config = dataclasses.replace(old, sni_callback=fresh.sni_callback, alpn_protocols=fresh.alpn_protocols)
        self._conn.replace_config(self._config)

    def _count(self, key: str, ctx: Any = None) -> None:
        ctx = ctx or self._context
        if ctx is not None and hasattr(ctx, "_stat"):
            ctx._stat(key)

    def _handshake_done(self) -> None:
        """``session_stats()`` as OpenSSL counts: accept_good/connect_good on the context in
        use, hits and misses (a session offered, or a TLS 1.2 session ID looked up, and not
        resumed) on the context the connection was made with (its ``session_ctx``)."""
        conn = self._conn
        self._count("accept_good" if self.server_side else "connect_good")
        if conn.session_reused:
            self._count("hits", self._session_context)
        elif conn.session_missed:
            self._count("misses", self._session_context)


class SSLObject(TLSInfo, ssl.SSLObject):  # type: ignore[misc]  # context, session: fasttls's own classes
    """A TLS connection over ``ssl.MemoryBIO`` objects; made by ``SSLContext.wrap_bio``."""

    # Set by _create.
    _incoming: ssl.MemoryBIO
    _outgoing: ssl.MemoryBIO
    _server_side: bool
    _server_hostname: str | None
    _closing: bool
    _unread_at_close: int
    _shut: bool
    _parked: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError(
            f"{self.__class__.__name__} does not have a public constructor. Instances are returned by SSLContext.wrap_bio()."
        )

    @classmethod
    def _create(cls, incoming, outgoing, server_side: bool = False, server_hostname: str | None = None, session: Any = None, context: Any = None):
        self = object.__new__(cls)
        self._incoming = incoming
        self._outgoing = outgoing
        self._context = self._session_context = context
        self._config = context._config_for(server_side)
        self._server_side = server_side
        self._server_hostname = server_hostname
        self._session = session
        self._conn = self._new_connection()
        self._conn.keep_record_boundaries()  # for the copied read (_read_one_record)
        self._started = False
        self._closing = False
        self._unread_at_close = 0
        self._shut = False
        self._parked = 0  # bytes of _PARKED_CLOSE_NOTIFY at the head of incoming
        return self

    # Read-only, as ssl's: the connection was made for this side and name.
    @property
    def server_side(self) -> bool:
        return self._server_side

    @property
    def server_hostname(self) -> str | None:
        return self._server_hostname

    # ------------------------------------------------------------------ the pump

    def _push(self) -> None:
        conn = self._conn
        if conn is not None:
            while conn.bytes_to_send():
                self._outgoing.write(conn.data_to_send())

    def _pull(self) -> None:
        """Feed everything in ``incoming`` to the connection (and queue its answers)."""
        self._feed(self._read_incoming())

    def _read_incoming(self) -> bytes:
        """All of ``incoming``, less a parked close_notify marker (see ``_park_close_notify``)."""
        self._unpark()
        return self._incoming.read()

    def _unpark(self) -> None:
        if self._parked:
            self._incoming.read(self._parked)  # the marker is at the head
            self._parked = 0

    def _park_close_notify(self) -> None:
        """A read is returning the last data before the peer's close_notify, which the
        connection opened in the same batch.  OpenSSL opens one record per read, so there
        the close_notify would still be in ``incoming``, and event loops look there:
        uvloop reads again only while ``incoming.pending or pending()``, and otherwise
        never saw the EOF (the connection hung until a shutdown timeout).  So a marker
        stands in ``incoming`` for the close_notify until the next read (which returns
        b"") or ``unwrap()`` takes it out."""
        if self._parked or self._shut or self._incoming.eof:
            return  # after write_eof() nothing can be written: the next read says EOF anyway
        try:
            # write_eof() with bytes still pending (a plain tail behind the close_notify,
            # which trio and anyio write before their EOF): ``eof`` is False, yet nothing
            # may be written.  Probed before anything is taken out of ``incoming``.
            self._incoming.write(b"")
        except ssl.SSLError:  # the BIO's own ("cannot write() after write_eof()")
            return
        rest = self._incoming.read()
        self._incoming.write(_PARKED_CLOSE_NOTIFY + rest)
        self._parked = len(_PARKED_CLOSE_NOTIFY)

    def _feed(self, data: bytes) -> None:
        """Give ``data`` from ``incoming`` to the connection the general way; queue its answers."""
        try:
            if data:
                self._conn.receive_data(data)
        finally:
            self._push()

    def _raise_want_read(self) -> None:
        """Nothing more to do with the input so far: an EOF on ``incoming`` is a truncation
        (SSLEOFError), else wait (SSLWantReadError).  Returns only when the EOF closed the
        connection instead (``Config.ignore_unexpected_eof``, after the handshake).  The
        errors are raised as made: one kept in a local would put the caller's frame and its
        traceback in a reference cycle, left to the garbage collector (3k instructions a
        read in the instruction gate's SSLObject workload)."""
        conn = self._conn
        if self._incoming.eof and not conn.peer_closed:
            conn.receive_eof()
            return
        raise want_read()

    def _checked(self) -> Connection:
        conn = self._conn
        if conn is None:
            raise ValueError("SSL object has been unwrapped")
        return conn

    # ------------------------------------------------------------------ ssl.SSLObject API

    def do_handshake(self) -> None:
        conn = self._checked()
        if not self._started:
            self._started = True
            self._count("accept" if self.server_side else "connect")
            if self.server_side:
                self._take_late_settings()
            conn.start()
            self._push()
        if conn.handshake_complete:
            return
        if conn.error is not None:
            raise fresh_copy(conn.error)  # a failed handshake stays failed, as reads do
        try:
            self._pull()
        except SSLError:
            # The peer's last flight and then an error (a fatal alert, a bad record), with or
            # without application data between, in one batch: the handshake completed, and
            # the data and then the error are the reads' (as OpenSSL reads no further than
            # its Finished in SSL_do_handshake: ssl's handshake succeeds there too).
            if not (conn.handshake_complete and conn.error is not None):
                raise
        if not conn.handshake_complete:
            self._raise_want_read()  # receive_eof raises before the handshake completes
        self._handshake_done()
        if conn.peer_closed and not conn.pending():
            # The peer's close_notify came in with its last flight (a client that connects
            # and closes at once): OpenSSL stops at the Finished, so the close_notify would
            # still be in ``incoming``, where uvloop looks before it reads (_park_close_notify).
            self._park_close_notify()

    @overload  # type: ignore[override]  # int read into a buffer (typeshed's ssl says bytes)
    def read(self, len: int = 1024, buffer: None = None) -> bytes: ...
    @overload
    def read(self, len: int, buffer: WriteableBuffer) -> int: ...
    @overload
    def read(self, len: int = 1024, *, buffer: WriteableBuffer) -> int: ...

    def read(self, len: int = 1024, buffer: WriteableBuffer | None = None) -> bytes | int:
        """Up to ``len`` bytes of application data (into ``buffer`` if given, returning the count).

        ``b""``/0 after the peer's close_notify; ``SSLWantReadError`` when more input is needed;
        ``SSLZeroReturnError`` once ``unwrap()`` has completed, as ssl.
        """
        conn = self._checked()
        if buffer is None and conn._marks and len > 0 and not self._shut:
            # The copied read's records already opened (_read_one_record): one each.
            got = conn.read_record(len)
            if conn.peer_closed and not conn.pending():
                self._park_close_notify()
            return got
        if self._shut:
            raise SSLZeroReturnError("TLS/SSL connection has been closed (EOF)")
        if buffer is not None:
            view = memoryview(buffer).cast("B")  # TypeError for a strided buffer, as ssl
            if view.readonly:
                view.release()  # a kept exception must not keep the caller's buffer exported
                raise read_only_buffer(buffer)
            if len <= 0 or len > view.nbytes:
                len = view.nbytes
                if len == 0:
                    return 0  # as ssl: an empty buffer reads nothing
        elif len < 0:
            raise ValueError("size should not be negative")
        elif len == 0:
            return b""
        if not conn.handshake_complete:
            try:
                self.do_handshake()
            except BaseException:
                if buffer is not None:
                    view.release()  # a kept exception must not keep the caller's buffer exported
                raise
        if not conn.pending():
            try:
                # The records are opened straight into the caller's buffer (asyncio's buffered
                # read) or into the bytes returned (its copied read) when the connection is
                # in its steady state; see Connection._receive_into.
                if self._parked:
                    self._unpark()
                data = self._incoming.read()
                if buffer is None:
                    got = self._read_one_record(conn, data, len)
                    if got is not None:
                        return got
                elif not data:
                    self._feed(data)  # nothing new
                else:
                    part = view[:len]
                    try:
                        n = conn._receive_into(data, part)
                    except BaseException:
                        # A kept exception (its traceback holds these frames) must not keep
                        # the caller's buffer exported: it could not be resized.
                        for v in (part, view):
                            with contextlib.suppress(BufferError):
                                v.release()
                        raise
                    finally:
                        # (Released before the push, which can fail too, and before the
                        # want-read below: no error may keep the buffer exported.)
                        part.release()
                        try:
                            self._push()  # answers to what came in (a KeyUpdate, an alert)
                        except BaseException:
                            with contextlib.suppress(BufferError):
                                view.release()  # (the BIO's own errors are not ours: not below)
                            raise
                    if n:
                        if conn.peer_closed and not conn.pending():
                            self._park_close_notify()
                        return n
            except SSLError:
                # Application data that came before the error (a fatal alert, a bad record)
                # is read first and the error raised by the next read, as OpenSSL's
                # SSL_read opens one record at a time.
                if not conn.pending() or conn.error is None:
                    if buffer is not None:
                        view.release()  # a kept exception must not keep the caller's buffer exported
                    raise
                if buffer is not None:
                    view = memoryview(buffer).cast("B")  # the one above was released
        if conn.pending():
            got = conn.read_into(view[:len]) if buffer is not None else conn.read_record(len)
            if conn.peer_closed and not conn.pending():
                self._park_close_notify()
            return got
        if conn.peer_closed:
            if conn.closed:
                # Both close_notify sent: SSLZeroReturnError, as ssl (b"" only while ours
                # has not gone out: SSL_get_shutdown == SSL_RECEIVED_SHUTDOWN).
                raise SSLZeroReturnError("TLS/SSL connection has been closed (EOF)")
            return 0 if buffer is not None else b""
        if buffer is not None:
            view.release()  # as above: the errors below keep this frame
        if conn.error is not None:
            raise fresh_copy(conn.error)  # a failed connection says so again, not "want read"
        # _raise_want_read, written out: this is the hot path of every event loop's read.
        if self._incoming.eof and not conn.peer_closed:
            conn.receive_eof()
            return 0 if buffer is not None else b""  # an EOF read as a close
        raise want_read()

    def _read_one_record(self, conn: Connection, data: bytes, limit: int) -> bytes | None:
        """The copied read (``read(n)``, no buffer) returns one record's data at most, as
        OpenSSL's SSL_read.  Callers that read once per wake-up (anyio and trio streams,
        and h2 clients on them such as httpcore, whose tasks each wait for their own
        flow-control update) then find the next record still in hand; when one read took
        the updates meant for several waiting streams, the next reader blocked on the
        socket for data that had come (httpx against hypercorn, one run in two).

        A chunk that is one whole record is opened straight into the bytes returned;
        a chunk of several goes the general way, which opens them all in one call and
        keeps their boundaries (``Connection.read_record`` hands them out).  None when
        no application data came of it (the caller goes on as for any read)."""
        size = conn.next_record_length(data)
        if not size or size != data.__len__() + conn.receive_buffer.__len__():
            self._feed(data)
            return None
        out = bytearray(min(limit, size))  # a record's length bounds its plaintext
        with memoryview(out) as view:
            try:
                n = conn._receive_into(data, view)
            finally:
                self._push()  # answers to what came in (a KeyUpdate, an alert)
            if not n:
                return None
            if conn.peer_closed and not conn.pending():
                self._park_close_notify()
            return bytes(view[:n])

    def write(self, data: ReadableBuffer) -> int:
        conn = self._checked()
        if not conn.handshake_complete:
            self.do_handshake()
        # The records are sealed straight into the bytes handed to the BIO, after
        # anything queued: no staging in the connection's buffer, no copy out of
        # it, and nothing left queued behind them.
        try:
            if type(data) is bytes:
                n = len(data)
                if n:
                    self._outgoing.write(conn.send_and_take(data))
                    return n
            else:
                with memoryview(data) as view:
                    n = view.nbytes
                    if n:
                        self._outgoing.write(conn.send_and_take(view))
                        return n
        except BaseException as exc:
            # A signal handler's exception between the seal and the BIO: the records are
            # sealed (the sequence number moved on) and lost, so the next ones would fail
            # at the peer.  Our own refusals (a bad buffer, a failed connection) are not it.
            if is_interruption(exc):
                conn.interrupted(exc)
            raise
        self._push()
        return n

    def pending(self) -> int:
        """Bytes left in the current record, as OpenSSL's SSL_pending (``read(pending())``
        returns them all)."""
        conn = self._conn
        return conn.pending_in_record() if conn is not None else 0

    def unwrap(self) -> None:
        """Send close_notify and wait (``SSLWantReadError``) for the peer's."""
        conn = self._checked()
        if conn.error is not None or not conn.handshake_complete:
            raise shutdown_while_in_init()
        if not self._closing:
            self._closing = True
            # Data received and not read yet: as SSLSocket.unwrap (ssl's SSL_shutdown fails
            # on it, APPLICATION_DATA_AFTER_CLOSE_NOTIFY; it stays readable).
            self._unread_at_close = -1 if conn.pending() else 0
            conn.close()
            self._push()
        if self._unread_at_close < 0 or conn.pending():
            # Data unread now, on a later call too: a read since may have opened more than
            # it returned (the rest of a record, a record behind it, even the close_notify),
            # which a success here would drop without a word.
            self._unread_at_close = -1
            raise application_data_after_close_notify()
        while not conn.peer_closed:
            if not self._incoming.pending:
                if self._incoming.eof:
                    raise SSLEOFError("EOF occurred in violation of protocol")
                raise want_read()
            self._pull()
            if conn.pending() > self._unread_at_close:
                self._unread_at_close = -1  # and every later unwrap says so too
                raise application_data_after_close_notify()
        # What followed the peer's close_notify goes back to ``incoming``, ahead of what
        # is still there: it is the plain stream's (a STARTTLS-style downgrade), as with ssl.
        self._unpark()
        trailing = conn.take_trailing_data()
        if trailing and not self._incoming.eof:
            self._incoming.write(bytes(trailing) + self._incoming.read())
        self._shut = True

    @overload
    def getpeercert(self, binary_form: Literal[False] = False) -> _PeerCertDict | None: ...
    @overload
    def getpeercert(self, binary_form: Literal[True]) -> bytes | None: ...
    @overload
    def getpeercert(self, binary_form: bool) -> _PeerCert: ...

    def getpeercert(self, binary_form: bool = False) -> _PeerCert:
        return self._getpeercert(binary_form)

    def __repr__(self) -> str:
        return f"<fasttls.SSLObject server_side={self.server_side} version={self.version()}>"

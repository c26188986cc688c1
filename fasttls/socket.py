"""``SSLSocket``: a ``socket.socket`` subclass driving a sans-IO :class:`Connection`.

The shape follows CPython's ``ssl.SSLSocket`` (``_create`` taking over the file
descriptor of the socket it wraps), so code written for ``ssl`` finds the
methods it expects.  All TLS work happens in :mod:`fasttls.connection`; this
module only moves bytes: one ``recv_into`` straight into the record layer's
receive buffer, one ``send`` of everything the connection has queued.
"""

from __future__ import annotations

import errno
import socket as _socket
from typing import Any

from .connection import Connection
from .constants import ProtocolVersion
from .errors import SSLEOFError, SSLError, SSLWantReadError, SSLWantWriteError, SSLZeroReturnError

_RECV_SIZE = 256 * 1024

_VERSION_NAMES = {ProtocolVersion.TLS13: "TLSv1.3", ProtocolVersion.TLS12: "TLSv1.2"}


class SSLSocket(_socket.socket):
    """A TLS connection over a socket; made by ``SSLContext.wrap_socket`` or :func:`wrap_socket`."""

    def __init__(self, *args, **kwargs):
        raise TypeError(
            f"{self.__class__.__name__} does not have a public constructor. Instances are returned by SSLContext.wrap_socket()."
        )

    @classmethod
    def _create(
        cls,
        sock: _socket.socket,
        config,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | None = None,
        session: Any = None,
        context: Any = None,
    ) -> SSLSocket:
        if sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE) != _socket.SOCK_STREAM:
            raise NotImplementedError("only stream sockets are supported")
        if server_side and server_hostname:
            raise ValueError("server_hostname can only be specified in client mode")
        if session is not None and server_side:
            raise ValueError("session can only be specified in client mode")
        kwargs = dict(family=sock.family, type=sock.type, proto=sock.proto, fileno=sock.fileno())
        self = cls.__new__(cls, **kwargs)
        super(SSLSocket, self).__init__(**kwargs)
        timeout = sock.gettimeout()
        sock.detach()
        self._config = config
        self._context = context
        self.server_side = server_side
        self.server_hostname = server_hostname
        self.do_handshake_on_connect = do_handshake_on_connect
        self.suppress_ragged_eofs = suppress_ragged_eofs
        self._session = session
        self._conn: Connection | None = None
        self._out = b""  # bytes taken from the connection and not yet sent
        self._closed_tls = False
        self.settimeout(timeout)
        try:
            self.getpeername()
        except OSError as e:
            if e.errno != errno.ENOTCONN:
                raise
            connected = False
        else:
            connected = True
        self._connected = connected
        if connected:
            self._conn = self._new_connection()
            if do_handshake_on_connect:
                if timeout == 0.0:
                    raise ValueError("do_handshake_on_connect should not be specified for non-blocking sockets")
                try:
                    self.do_handshake()
                except BaseException:
                    self.close()
                    raise
        return self

    def _new_connection(self) -> Connection:
        return Connection(self._config, server_side=self.server_side, server_hostname=self.server_hostname, session=self._session)

    @property
    def context(self):
        return self._context

    # ------------------------------------------------------------------ I/O pump

    def _flush(self) -> None:
        """Send everything the connection has queued (raises SSLWantWriteError if the socket is full)."""
        conn = self._conn
        while True:
            if not self._out:
                if conn is None or not conn.bytes_to_send():
                    return
                self._out = conn.data_to_send()
            try:
                sent = super().send(self._out)
            except (BlockingIOError, InterruptedError):
                raise SSLWantWriteError() from None
            except TimeoutError:
                raise
            self._out = self._out[sent:]

    def _fill(self) -> None:
        """Receive once from the socket into the record layer and process it."""
        conn = self._conn
        buf = conn._read.buffer
        end = buf.reserve(_RECV_SIZE)
        view = memoryview(buf.buffer)
        try:
            n = super().recv_into(view[end : end + _RECV_SIZE])
        except (BlockingIOError, InterruptedError):
            raise SSLWantReadError() from None
        finally:
            view.release()
        if n == 0:
            conn.receive_eof()
            return
        buf.commit(n)
        try:
            conn.receive_data(b"")
        finally:
            try:
                self._flush()
            except OSError:
                pass

    def _check_connected(self) -> None:
        if not self._connected:
            # Like ssl: getpeername raises ENOTCONN for an unconnected socket.
            self.getpeername()

    # ------------------------------------------------------------------ public API

    def do_handshake(self, block: bool = False) -> None:
        self._check_connected()
        conn = self._conn
        timeout = self.gettimeout()
        try:
            if timeout == 0.0 and block:
                self.settimeout(None)
            conn.start()
            self._flush()
            while not conn.handshake_complete:
                self._fill()
            self._flush()
        finally:
            self.settimeout(timeout)

    def connect(self, addr) -> None:
        self._real_connect(addr, False)

    def connect_ex(self, addr) -> int:
        return self._real_connect(addr, True)

    def _real_connect(self, addr, connect_ex: bool):
        if self.server_side:
            raise ValueError("can't connect in server-side mode")
        if self._connected or self._conn is not None:
            raise ValueError("attempt to connect already-connected SSLSocket!")
        self._conn = self._new_connection()
        try:
            if connect_ex:
                rc = super().connect_ex(addr)
            else:
                rc = None
                super().connect(addr)
            if not rc:
                self._connected = True
                if self.do_handshake_on_connect:
                    self.do_handshake()
            return rc
        except (OSError, ValueError):
            self._conn = None
            raise

    def accept(self):
        newsock, addr = super().accept()
        wrap = self._context.wrap_socket if self._context is not None else None
        if wrap is not None:
            newsock = wrap(
                newsock,
                do_handshake_on_connect=self.do_handshake_on_connect,
                suppress_ragged_eofs=self.suppress_ragged_eofs,
                server_side=True,
            )
        else:
            newsock = SSLSocket._create(
                newsock,
                self._config,
                server_side=True,
                do_handshake_on_connect=self.do_handshake_on_connect,
                suppress_ragged_eofs=self.suppress_ragged_eofs,
            )
        return newsock, addr

    def _ensure_handshake(self) -> None:
        self._check_connected()
        if not self._conn.handshake_complete:
            self.do_handshake()

    def read(self, len: int = 1024, buffer=None):
        """Read up to ``len`` bytes (into ``buffer`` if given), like ``ssl.SSLSocket.read``."""
        conn = self._conn
        if conn is None:
            raise ValueError("Read on closed or unwrapped SSL socket.")
        try:
            self._ensure_handshake()
            while not conn.pending():
                if conn.peer_closed:
                    return 0 if buffer is not None else b""
                self._fill()
        except SSLEOFError:
            if self.suppress_ragged_eofs:
                return 0 if buffer is not None else b""
            raise
        if buffer is not None:
            view = memoryview(buffer)
            return conn.read_into(view[:len] if len < view.nbytes else view)
        return conn.read(len)

    def write(self, data) -> int:
        conn = self._conn
        if conn is None:
            raise ValueError("Write on closed or unwrapped SSL socket.")
        self._ensure_handshake()
        conn.send(data)
        self._flush()
        return len(data)

    def recv(self, buflen: int = 1024, flags: int = 0) -> bytes:
        if self._conn is None:
            return super().recv(buflen, flags)
        if flags != 0:
            raise ValueError(f"non-zero flags not allowed in calls to recv() on {self.__class__}")
        return self.read(buflen)

    def recv_into(self, buffer, nbytes: int | None = None, flags: int = 0) -> int:
        if self._conn is None:
            return super().recv_into(buffer, nbytes or 0, flags)
        if flags != 0:
            raise ValueError(f"non-zero flags not allowed in calls to recv_into() on {self.__class__}")
        view = memoryview(buffer)
        if nbytes is None or nbytes <= 0:
            nbytes = view.nbytes
        if nbytes == 0:
            return 0
        return self.read(nbytes, view)

    def recvfrom(self, buflen=1024, flags=0):
        if self._conn is not None:
            raise ValueError(f"recvfrom not allowed on instances of {self.__class__}")
        return super().recvfrom(buflen, flags)

    def recvfrom_into(self, buffer, nbytes=None, flags=0):
        if self._conn is not None:
            raise ValueError(f"recvfrom_into not allowed on instances of {self.__class__}")
        return super().recvfrom_into(buffer, nbytes or 0, flags)

    def send(self, data, flags: int = 0) -> int:
        if self._conn is None:
            return super().send(data, flags)
        if flags != 0:
            raise ValueError(f"non-zero flags not allowed in calls to send() on {self.__class__}")
        return self.write(data)

    def sendall(self, data, flags: int = 0) -> None:
        if self._conn is None:
            return super().sendall(data, flags)
        if flags != 0:
            raise ValueError(f"non-zero flags not allowed in calls to sendall() on {self.__class__}")
        self.write(data)
        # Blocking sockets: write() already flushed; non-blocking: keep trying.
        while self._out or self._conn.bytes_to_send():
            self._flush()

    def sendto(self, data, flags_or_addr, addr=None):
        if self._conn is not None:
            raise ValueError(f"sendto not allowed on instances of {self.__class__}")
        if addr is None:
            return super().sendto(data, flags_or_addr)
        return super().sendto(data, flags_or_addr, addr)

    def sendfile(self, file, offset=0, count=None):
        if self._conn is not None:
            return self._sendfile_use_send(file, offset, count)
        return super().sendfile(file, offset, count)

    def pending(self) -> int:
        return self._conn.pending() if self._conn is not None else 0

    def unwrap(self) -> _socket.socket:
        """Send close_notify, wait for the peer's, and return the plain socket."""
        conn = self._conn
        if conn is None:
            raise ValueError(f"No SSL wrapper around {self}")
        conn.close()
        self._flush()
        try:
            while not conn.peer_closed:
                self._fill()
        except (SSLEOFError, OSError):
            pass
        self._conn = None
        s = _socket.socket(self.family, self.type, self.proto, fileno=self.detach())
        return s

    def shutdown(self, how: int) -> None:
        self._conn = None
        super().shutdown(how)

    def _real_close(self) -> None:
        conn = self._conn
        if conn is not None and conn.handshake_complete and not conn.closed and conn.error is None:
            # A polite close: send close_notify, without waiting for the peer's.
            try:
                conn.close()
                self._flush()
            except OSError:
                pass
        self._conn = None
        super()._real_close()

    # ------------------------------------------------------------------ what was negotiated

    def version(self) -> str | None:
        conn = self._conn
        if conn is None or not conn.handshake_complete:
            return None
        return _VERSION_NAMES.get(conn.version)

    def cipher(self):
        conn = self._conn
        if conn is None or not conn.handshake_complete:
            return None
        suite = conn.cipher_suite
        bits = suite.key_length * 8
        return (suite.openssl_name if conn.version == ProtocolVersion.TLS12 else suite.name, self.version(), bits)

    def shared_ciphers(self):
        return None if self._conn is None or not self._conn.handshake_complete else [self.cipher()]

    def compression(self):
        return None

    def selected_alpn_protocol(self) -> str | None:
        conn = self._conn
        return conn.alpn_protocol if conn is not None else None

    def selected_npn_protocol(self):
        return None

    def getpeercert(self, binary_form: bool = False):
        self._check_connected()
        conn = self._conn
        if conn is None or not conn.handshake_complete:
            raise ValueError("handshake not done yet")
        if not conn.peer_certificates:
            return None
        if binary_form:
            return conn.peer_certificates[0]
        if not conn.verified_chain:
            return {}
        from .verify import peer_certificate_dict

        return peer_certificate_dict(conn.verified_chain[0])

    @property
    def session(self):
        return self._conn.session if self._conn is not None else self._session

    @session.setter
    def session(self, session) -> None:
        if self.server_side:
            raise ValueError("Cannot set session for server-side SSLSocket.")
        if self._conn is not None and self._conn.handshake_complete:
            raise ValueError("Cannot set session after handshake.")
        self._session = session
        if self._conn is not None:
            self._conn.session = session

    @property
    def session_reused(self) -> bool | None:
        return self._conn.session_reused if self._conn is not None else None

    def export_keying_material(self, label, context, length) -> bytes:
        return self._conn.export_keying_material(label, context, length)

    def key_update(self, request_peer: bool = True) -> None:
        self._conn.key_update(request_peer)
        self._flush()

    @property
    def connection(self) -> Connection | None:
        """The sans-IO connection underneath (negotiated details, trace, key updates)."""
        return self._conn

    def __repr__(self):
        return f"<fasttls.SSLSocket fd={self.fileno()} server_side={self.server_side}>"


def wrap_socket(
    sock: _socket.socket,
    config,
    server_side: bool = False,
    server_hostname: str | None = None,
    do_handshake_on_connect: bool = True,
    suppress_ragged_eofs: bool = True,
    session: Any = None,
) -> SSLSocket:
    """Wrap ``sock`` with a :class:`~fasttls.config.Config` directly (no SSLContext)."""
    return SSLSocket._create(
        sock,
        config,
        server_side=server_side,
        do_handshake_on_connect=do_handshake_on_connect,
        suppress_ragged_eofs=suppress_ragged_eofs,
        server_hostname=server_hostname,
        session=session,
    )


__all__ = ["SSLSocket", "wrap_socket", "SSLError", "SSLZeroReturnError"]

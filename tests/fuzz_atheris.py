"""Coverage-guided fuzz targets (atheris / libFuzzer) for the parsers and state machines.

    python3 -m tests.fuzz_atheris TARGET [libFuzzer options]     # from the project root

TARGET is one of :data:`TARGETS`.  The invariant, checked on every input: only
fasttls errors come out (``SSLError`` family; a ``TLSError`` never carries
``internal_error``, which is how the connection wraps a stray ``IndexError`` or
``struct.error``), and an error leaves an alert queued for the peer (none for bytes
that are not TLS at all, as OpenSSL).  libFuzzer
reports anything else as a crash, and an input slower than ``-timeout`` seconds
as a hang.  ``tests/test_atheris.py`` runs each target for a bounded number of
inputs in CI; a long run is, for example::

    python3 -m tests.fuzz_atheris client_encrypted -max_total_time=3600 -jobs=2 corpus/

Targets
  records           the record framing parser (both twins, any expected version)
  messages          every handshake message parser (the first byte picks TLS 1.2/1.3)
  server            a server Connection fed the input as its peer's first bytes
                    (seeded with a real ClientHello flight)
  client            a client Connection, after its ClientHello, fed the input as the
                    server's reply (seeded with a real reply)
  client_encrypted  a client that has processed a real ServerHello, fed the input as
                    the *decrypted* handshake stream (EncryptedExtensions, Certificate,
                    CertificateVerify, Finished), which byte mutations of ciphertext
                    never reach (seeded with the real messages)
  server_encrypted  the same for a server that asked for a client certificate: the
                    client's decrypted Certificate, CertificateVerify and Finished
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports(include=["fasttls"]):
    from fasttls.config import Config
    from fasttls.connection import Connection
    from fasttls.constants import AlertDescription, ContentType
    from fasttls.errors import AlertReceived, SSLError, TLSError
    from fasttls.messages import parse_handshake
    from fasttls.record import TWINS

from tests.pki import TestPKI

_PKI = None


def check_error(exc: BaseException) -> None:
    if not isinstance(exc, SSLError):
        raise AssertionError(f"not a fasttls error: {exc!r}") from exc
    if isinstance(exc, TLSError) and exc.alert == AlertDescription.internal_error:
        raise AssertionError(f"a parser crashed and was wrapped: {exc!r} (cause {exc.__cause__!r})") from exc


def pki() -> TestPKI:
    global _PKI
    if _PKI is None:
        _PKI = TestPKI()
    return _PKI


def configs():
    p = pki()
    return Config(trust_store=p.store, session_cache=None), Config(certificates=[p.server()])


def feed(conn: Connection, data: bytes) -> None:
    try:
        conn.receive_data(data)
    except AlertReceived:
        return
    except SSLError as exc:
        check_error(exc)
        out = conn.data_to_send()
        if not getattr(exc, "send_alert", True):  # bytes that are not TLS at all: no alert, as OpenSSL
            if out or exc.reason not in ("WRONG_VERSION_NUMBER", "HTTP_REQUEST", "HTTPS_PROXY_REQUEST"):
                raise AssertionError(f"{exc!r} sent {out!r}") from exc
            return
        if not out:
            raise AssertionError(f"no alert queued for the peer after {exc!r}") from exc


# ---- targets ---------------------------------------------------------------------------------------


def records(data: bytes) -> None:
    if len(data) < 1:
        return
    twins = list(TWINS.values())
    twin = twins[data[0] % len(twins)]
    expected = (0, 0x0301, 0x0303)[(data[0] >> 1) % 3]
    buf = twin.framing.RecordBuffer()
    buf.feed(data[1:])
    try:
        while buf.next_record(expected, 16384 + 256) is not None:
            pass
    except SSLError as exc:
        check_error(exc)


def messages(data: bytes) -> None:
    if len(data) < 1:
        return
    try:
        parse_handshake(data[1:], bool(data[0] & 1))
    except SSLError as exc:
        check_error(exc)


def server(data: bytes) -> None:
    feed(Connection(configs()[1], server_side=True), data)


def client(data: bytes) -> None:
    c = Connection(configs()[0], server_side=False, server_hostname="localhost")
    c.start()
    c.data_to_send()
    feed(c, data)


def _record_handshake_writes(conn: Connection) -> list[bytes]:
    """The handshake messages ``conn`` writes from now on, as plaintext, in a list."""
    sent: list[bytes] = []
    orig = conn.write_handshake

    def write_handshake(msg):
        raw = orig(msg)
        sent.append(raw)
        return raw

    conn.write_handshake = write_handshake
    return sent


def _feed_handshake_plaintext(conn: Connection, data: bytes) -> None:
    """``data`` as the decrypted content of the peer's protected handshake records."""
    try:
        conn._guard(conn._on_handshake_record, data, True)
    except AlertReceived:
        return
    except SSLError as exc:
        check_error(exc)


def _client_after_server_hello():
    """A client that has read a real ServerHello (handshake keys in place), and the server's
    handshake messages that followed it, as plaintext."""
    cc, sc = configs()
    c = Connection(cc, server_side=False, server_hostname="localhost")
    s = Connection(sc, server_side=True)
    sent = _record_handshake_writes(s)
    c.start()
    s.receive_data(c.data_to_send())
    reply = s.data_to_send()
    n = int.from_bytes(reply[3:5], "big")
    assert reply[0] == ContentType.HANDSHAKE
    c.receive_data(reply[: 5 + n])  # the ServerHello record only
    return c, b"".join(sent[1:])


def client_encrypted(data: bytes) -> None:
    _feed_handshake_plaintext(_client_after_server_hello()[0], data)


def _server_after_its_flight():
    """A server (asking for a client certificate) that has sent its flight, and the
    client's answering handshake messages, as plaintext."""
    from fasttls.config import ClientAuthType

    p = pki()
    cc = Config(trust_store=p.store, session_cache=None, certificates=[p.client()])
    sc = Config(certificates=[p.server()], client_auth=ClientAuthType.RequireAndVerifyClientCert, client_ca_store=p.store)
    c = Connection(cc, server_side=False, server_hostname="localhost")
    s = Connection(sc, server_side=True)
    sent = _record_handshake_writes(c)
    c.start()
    s.receive_data(c.data_to_send())
    c.receive_data(s.data_to_send())
    return s, b"".join(sent[1:])  # after the ClientHello: Certificate, CertificateVerify, Finished


def server_encrypted(data: bytes) -> None:
    _feed_handshake_plaintext(_server_after_its_flight()[0], data)


TARGETS = {
    "records": records,
    "messages": messages,
    "server": server,
    "client": client,
    "client_encrypted": client_encrypted,
    "server_encrypted": server_encrypted,
}


def seeds(target: str) -> list[bytes]:
    """Real inputs to start from: without them the fuzzer would spend its time finding a ClientHello."""
    cc, sc = configs()
    c = Connection(cc, server_side=False, server_hostname="localhost")
    s = Connection(sc, server_side=True)
    c.start()
    hello = c.data_to_send()
    s.receive_data(hello)
    reply = s.data_to_send()
    if target == "server":
        return [hello]
    if target == "client":
        return [reply]
    if target == "records":
        return [b"\x00" + hello, b"\x05" + reply]
    if target == "messages":
        return [b"\x01" + hello[5:], b"\x01" + reply[5 : 5 + int.from_bytes(reply[3:5], "big")]]
    if target == "server_encrypted":
        return [_server_after_its_flight()[1]]
    return [_client_after_server_hello()[1]]


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.stderr.write(f"usage: python -m tests.fuzz_atheris {{{','.join(TARGETS)}}} [libFuzzer options] [corpus dirs]\n")
        sys.exit(2)
    target = argv[1]
    args = [argv[0], *argv[2:]]
    corpora = [a for a in argv[2:] if not a.startswith("-")]
    if not corpora:
        # No corpus directory given: a new one, kept (and named) so the run can be resumed.
        corpora = [tempfile.mkdtemp(prefix=f"fasttls-fuzz-{target}-")]
        sys.stderr.write(f"corpus: {corpora[0]}\n")
        args.append(corpora[0])
    if not os.listdir(corpora[0]):
        # An empty corpus starts from the real handshake flights.
        for i, seed in enumerate(seeds(target)):
            with open(os.path.join(corpora[0], f"seed{i}"), "wb") as f:
                f.write(seed)
    fn = TARGETS[target]
    atheris.Setup(args, fn)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)

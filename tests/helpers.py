"""Test helpers: ways of feeding bytes (whole, byte by byte, in random chunks), a handshake over memory BIOs."""

from __future__ import annotations

import random
import ssl
from collections.abc import Iterator

FEEDS = ["whole", "bytewise", "chunks"]


def split(data: bytes, how: str, seed: int = 0) -> Iterator[bytes]:
    """Cut ``data`` the way a transport might deliver it."""
    if how == "whole":
        yield data
    elif how == "bytewise":
        for i in range(len(data)):
            yield data[i : i + 1]
    elif how == "chunks":
        rng = random.Random(seed)
        i = 0
        while i < len(data):
            n = rng.randint(1, 700)
            yield data[i : i + n]
            i += n
    else:
        raise ValueError(how)


def bio_handshake(client, server):
    """Run a handshake over memory BIOs between ``client`` (a context and the server name)
    and ``server`` (a context; ``ssl``'s or fasttls's, either side); return
    {"client"/"server": the SSLError it raised}.
    After its handshake each side reads once, which picks up an alert sent after its
    Finished (a TLS 1.3 server refuses a client certificate after the client is done)."""
    ci, co, si, so = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    c = client[0].wrap_bio(ci, co, server_hostname=client[1])
    s = server.wrap_bio(si, so, server_side=True)
    ends = {"client": c, "server": s}
    done: dict[str, bool] = {}
    errors: dict[str, ssl.SSLError] = {}
    for _ in range(30):
        for name, obj in ends.items():
            if name in errors:
                continue
            try:
                if name not in done:
                    obj.do_handshake()
                    done[name] = True
                else:
                    obj.read(1)
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as e:
                errors[name] = e
        moved = co.pending or so.pending
        si.write(co.read())
        ci.write(so.read())
        if not moved and (len(done) == 2 or errors):
            break
    return errors


def client_verify_codes(certfile, keyfile, cafile, host: str = "localhost", configure=lambda ctx: None) -> list:
    """What an ``ssl`` client and then a fasttls client, each trusting ``cafile`` and set
    up by ``configure``, make of an ``ssl`` server sending ``certfile``: the verify code,
    None when it verified (another error is returned as its repr, never as None)."""
    import fasttls

    seen: list = []
    for cls in (ssl.SSLContext, fasttls.SSLContext):
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(certfile, keyfile)
        client = cls(ssl.PROTOCOL_TLS_CLIENT)
        client.load_verify_locations(str(cafile))
        configure(client)
        err = bio_handshake((client, host), server).get("client")
        seen.append(None if err is None else err.verify_code if isinstance(err, ssl.SSLCertVerificationError) else repr(err))
    return seen


def twins_to_compare() -> tuple:
    """Both record twins, for the differential tests that loop over them: fails when the
    compiled one is not built (looping over what is importable compared a twin with itself)."""
    import pytest

    import fasttls.record as record

    if record.CYTHON is None:
        pytest.fail(f"the compiled record twin is not built ({record.CYTHON_IMPORT_ERROR}); reinstall with a C compiler")
    return record.PYTHON, record.CYTHON

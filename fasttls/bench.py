"""Side-by-side measurements against Python's ``ssl``, each endpoint in its own process.

Used by ``python -m fasttls bench`` and by ``benchmarks/``.  Every run starts a
receiver (server) process and a sender (client) process with
``python -m fasttls.bench endpoint ...``, so the GIL of one side never slows
the other and each side can be fasttls or ``ssl`` independently.  The client
reports what it timed as one JSON line; the server reports its CPU time.

Python 3.11's ``ssl`` cannot choose TLS 1.3 suites, so an ``ssl`` endpoint gets
an ``OPENSSL_CONF`` naming the suite (``Ciphersuites`` in ``system_default``);
the process environment is ours to set because the endpoint is a fresh process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

SUITES13 = {"aes128gcm": "TLS_AES_128_GCM_SHA256", "aes256gcm": "TLS_AES_256_GCM_SHA384", "chacha20": "TLS_CHACHA20_POLY1305_SHA256"}
#: Handshakes before the clock starts (imports, caches), on both implementations.
WARMUP = 10

SUITES12 = {"aes128gcm": "ECDHE-ECDSA-AES128-GCM-SHA256", "aes256gcm": "ECDHE-ECDSA-AES256-GCM-SHA384", "chacha20": "ECDHE-ECDSA-CHACHA20-POLY1305"}


@dataclass
class Case:
    """One measurement: who sends, who receives, which protocol and cipher."""

    client: str = "fasttls"  # "fasttls", "ssl", or "tcp" (plain TCP, both sides: the ceiling)
    server: str = "fasttls"
    version: str = "1.3"  # "1.3" or "1.2"
    cipher: str = "aes128gcm"
    key_type: str = "ecdsa-p256"  # or "rsa-2048"
    pure_python: bool = False  # the fasttls side(s) on the pure-Python record twin


# ---------------------------------------------------------------------- certificates


def write_certificate(directory: str, key_type: str = "ecdsa-p256") -> tuple[str, str]:
    """A self-signed server certificate for localhost in ``directory``; returns (cert, key) paths."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1()) if key_type == "ecdsa-p256" else rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = os.path.join(directory, f"{key_type}.pem"), os.path.join(directory, f"{key_type}.key")
    with open(certfile, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(keyfile, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return certfile, keyfile


# ---------------------------------------------------------------------- endpoints (child processes)


def _fasttls_config(args, server: bool):
    from .config import CertifiedKey, Config
    from .constants import CipherSuite, NamedGroup, ProtocolVersion
    from .verify import TrustStore

    with open(args.cert, "rb") as f:
        cert_pem = f.read()
    cfg = Config()
    if server:
        with open(args.key, "rb") as f:
            cfg.certificates = [CertifiedKey.from_pem(cert_pem, f.read())]
    else:
        from cryptography import x509

        cfg.trust_store = TrustStore.from_certificates(x509.load_pem_x509_certificates(cert_pem))
    v = ProtocolVersion.TLS13 if args.version == "1.3" else ProtocolVersion.TLS12
    cfg.min_version = cfg.max_version = v
    # X25519 on both implementations (ssl's OpenSSL 3.0 has no hybrid group); P-256 is
    # listed too because TLS 1.2 needs the ECDSA certificate's curve in supported_groups.
    cfg.groups = [NamedGroup.x25519, NamedGroup.secp256r1]
    cfg.key_share_groups = [NamedGroup.x25519]
    if args.version == "1.3":
        cfg.cipher_suites_tls13 = [CipherSuite[SUITES13[args.cipher]]]
    else:
        from .cipher_suites import parse_openssl_cipher_string

        cfg.cipher_suites_tls12 = parse_openssl_cipher_string(SUITES12[args.cipher])
    if not args.resume:
        cfg.session_cache = None
    return cfg


def _ssl_context(args, server: bool):
    import ssl

    if server:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(args.cert)
    v = ssl.TLSVersion.TLSv1_3 if args.version == "1.3" else ssl.TLSVersion.TLSv1_2
    ctx.minimum_version = ctx.maximum_version = v
    if args.version == "1.2":
        ctx.set_ciphers(SUITES12[args.cipher])
    return ctx


def _wrap(args, raw: socket.socket, server: bool, state: dict):
    # Small handshake flights and the one-byte replies must not wait for
    # delayed ACKs (Nagle), on either implementation.
    if os.environ.get("FASTTLS_BENCH_NODELAY", "1") == "1":
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if args.impl == "tcp":
        return raw  # no TLS: the loopback ceiling the TLS figures sit under
    if args.impl == "fasttls":
        from .socket import wrap_socket

        if "cfg" not in state:
            state["cfg"] = _fasttls_config(args, server)
        return wrap_socket(raw, state["cfg"], server_side=server, server_hostname=None if server else "localhost")
    if "ctx" not in state:
        state["ctx"] = _ssl_context(args, server)
    if server:
        return state["ctx"].wrap_socket(raw, server_side=True)
    s = state["ctx"].wrap_socket(raw, server_hostname="localhost", session=state.get("session"))
    return s


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _sys_cpu() -> float:
    """Kernel share of :func:`_cpu` (socket calls): what TLS work cannot shrink."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_stime


def endpoint(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m fasttls.bench endpoint")
    p.add_argument("role", choices=["server", "client"])
    p.add_argument("--impl", choices=["fasttls", "ssl", "tcp"], required=True)
    p.add_argument("--mode", choices=["bulk", "handshake", "idle"], required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert", required=True)
    p.add_argument("--key")
    p.add_argument("--version", default="1.3")
    p.add_argument("--cipher", default="aes128gcm")
    p.add_argument("--bytes", type=int, default=64 << 20)
    p.add_argument("--write-size", type=int, default=16384)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--resume", action="store_true")
    args = p.parse_args(argv)
    server = args.role == "server"
    state: dict = {}
    out = sys.stdout

    if server:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(120)
        out.write(json.dumps({"port": listener.getsockname()[1]}) + "\n")
        out.flush()
        conns = args.count if args.mode in ("handshake", "idle") else args.rounds
        if args.mode == "handshake":
            conns += WARMUP
        cpu0, sys0 = _cpu(), _sys_cpu()
        bulk_cpu = bulk_sys = 0.0
        held = []
        for i in range(conns):
            if args.mode == "handshake" and i == WARMUP:
                cpu0, sys0 = _cpu(), _sys_cpu()  # lazy imports and first-use caches are not per-handshake costs
            raw, _ = listener.accept()
            raw.settimeout(120)
            s = _wrap(args, raw, True, state)
            if args.mode == "bulk":
                buf = bytearray(1 << 18)
                n = 0
                c0, k0 = _cpu(), _sys_cpu()  # the transfer only: not imports, not the handshake
                while n < args.bytes:
                    k = s.recv_into(buf)
                    if not k:
                        break
                    n += k
                bulk_cpu += _cpu() - c0
                bulk_sys += _sys_cpu() - k0
                s.sendall(b"k")  # received everything: the client stops its clock
                s.close()
            elif args.mode == "handshake":
                s.sendall(b"x")  # after the handshake; TLS 1.3 tickets travel before it
                try:
                    s.recv(1)
                except OSError:
                    pass
                s.close()
            else:
                held.append(s)
        cpu = bulk_cpu if args.mode == "bulk" else _cpu() - cpu0
        sys_cpu = bulk_sys if args.mode == "bulk" else _sys_cpu() - sys0
        out.write(json.dumps({"server_cpu": cpu, "server_sys": sys_cpu, "rss_kib": _rss_kib()}) + "\n")
        out.flush()
        if args.mode == "idle":
            sys.stdin.readline()  # the parent measured us; now we may go
            for s in held:
                s.close()
        return 0

    addr = ("127.0.0.1", args.port)
    if args.mode == "bulk":
        chunk = memoryview(os.urandom(args.write_size))
        times = []
        cpu = sys_cpu = 0.0
        for _ in range(args.rounds):
            s = _wrap(args, socket.create_connection(addr, timeout=120), False, state)
            n = 0
            c0, k0 = _cpu(), _sys_cpu()  # the transfer only: not imports, not the handshake
            start = time.perf_counter()
            while n < args.bytes:
                s.sendall(chunk)
                n += len(chunk)
            if s.recv(1) != b"k":
                raise RuntimeError("receiver did not confirm")
            times.append(time.perf_counter() - start)
            cpu += _cpu() - c0
            sys_cpu += _sys_cpu() - k0
            s.close()
        out.write(json.dumps({"seconds": times, "bytes": args.bytes, "client_cpu": cpu, "client_sys": sys_cpu}) + "\n")
        return 0
    if args.mode == "handshake":
        cpu0 = _cpu()
        start = time.perf_counter()
        reused = 0
        for i in range(-WARMUP, args.count):
            if i == 0:
                cpu0, start, reused = _cpu(), time.perf_counter(), 0
            s = _wrap(args, socket.create_connection(addr, timeout=120), False, state)
            s.recv(1)
            reused += bool(s.session_reused)
            if args.impl == "ssl" and args.resume:
                state["session"] = s.session
            s.close()
        elapsed = time.perf_counter() - start
        out.write(json.dumps({"seconds": elapsed, "count": args.count, "client_cpu": _cpu() - cpu0, "reused": reused}) + "\n")
        return 0
    # idle: open many connections and keep them
    rss0 = _rss_kib()
    held = [_wrap(args, socket.create_connection(addr, timeout=120), False, state) for _ in range(args.count)]
    out.write(json.dumps({"rss_kib_before": rss0, "rss_kib": _rss_kib()}) + "\n")
    out.flush()
    sys.stdin.readline()
    for s in held:
        s.close()
    return 0


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _bio_context(args, server: bool):
    """The context of one side of an in-memory pair (``memory``): ``ssl``'s, or fasttls's
    drop-in ``SSLContext``, whose ``wrap_bio`` is what asyncio drives."""
    if args.impl == "ssl":
        return _ssl_context(args, server)
    import ssl

    import fasttls

    ctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER if server else fasttls.PROTOCOL_TLS_CLIENT)
    if server:
        ctx.load_cert_chain(args.cert, args.key)
    else:
        ctx.load_verify_locations(args.cert)
    v = ssl.TLSVersion.TLSv1_3 if args.version == "1.3" else ssl.TLSVersion.TLSv1_2
    ctx.minimum_version = ctx.maximum_version = v
    if args.version == "1.3":
        ctx.set_ciphersuites(SUITES13[args.cipher])
    else:
        ctx.set_ciphers(SUITES12[args.cipher])
    return ctx


def bio_pair(client_ctx, server_ctx):
    """A client and a server ``SSLObject`` over ``MemoryBIO`` pairs, handshake done:
    ``(client, server, (client_in, client_out, server_in, server_out))``."""
    import ssl

    bios = cin, cout, sin, sout = tuple(ssl.MemoryBIO() for _ in range(4))
    c = client_ctx.wrap_bio(cin, cout, server_hostname="localhost")
    s = server_ctx.wrap_bio(sin, sout, server_side=True)
    for _ in range(10):
        for obj in (c, s):
            try:
                obj.do_handshake()
            except ssl.SSLWantReadError:
                pass
        sin.write(cout.read())
        cin.write(sout.read())
    return c, s, bios


def memory_endpoint(argv: list[str]) -> int:
    """Both ends of one connection in this process, ``SSLObject`` over ``MemoryBIO`` as
    asyncio's sslproto drives them: writes of ``--write-size``, handed over in chunks of
    up to 256 KiB (asyncio's read size), read back with ``read(256 KiB)`` until
    ``SSLWantReadError``.  No sockets, no scheduler: the CPU time of each side's TLS
    work, steadier than a loopback transfer.  Prints the thread CPU seconds of the
    sending side (writes and taking the output) and of the receiving side."""
    p = argparse.ArgumentParser(prog="python -m fasttls.bench memory")
    p.add_argument("--impl", choices=["fasttls", "ssl"], required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--version", default="1.3")
    p.add_argument("--cipher", default="aes128gcm")
    p.add_argument("--bytes", type=int, default=64 << 20)
    p.add_argument("--write-size", type=int, default=16384)
    args = p.parse_args(argv)
    import ssl

    c, s, (cin, cout, sin, sout) = bio_pair(_bio_context(args, False), _bio_context(args, True))
    chunk = os.urandom(args.write_size)
    per_handover = max(1, (256 << 10) // args.write_size)
    clock = time.thread_time

    def transfer(total: int) -> tuple[float, float]:
        send = recv = 0.0
        moved = got = 0
        while moved < total:
            t0 = clock()
            for _ in range(per_handover):
                c.write(chunk)
            data = cout.read()
            t1 = clock()
            sin.write(data)
            while True:
                try:
                    piece = s.read(256 << 10)
                except ssl.SSLWantReadError:
                    break
                if not piece:
                    raise RuntimeError("peer closed")
                got += len(piece)
            t2 = clock()
            send += t1 - t0
            recv += t2 - t1
            moved += per_handover * len(chunk)
        if got != moved:
            raise RuntimeError(f"received {got} of {moved} bytes")
        return send, recv

    transfer(1 << 20)  # warm: first-use costs are not per-byte costs
    send, recv = transfer(args.bytes)
    sys.stdout.write(json.dumps({"send_cpu": send, "recv_cpu": recv, "bytes": args.bytes}) + "\n")
    return 0


# ---------------------------------------------------------------------- orchestration (parent)


class _Workdir:
    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="fasttls-bench-")
        self.certs: dict[str, tuple[str, str]] = {}
        self.confs: dict[str, str] = {}

    def cert(self, key_type: str) -> tuple[str, str]:
        if key_type not in self.certs:
            self.certs[key_type] = write_certificate(self.tmp.name, key_type)
        return self.certs[key_type]

    def openssl_conf(self, suite: str) -> str:
        if suite not in self.confs:
            path = os.path.join(self.tmp.name, f"openssl-{suite}.cnf")
            with open(path, "w") as f:
                f.write(
                    "openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n"
                    "[ssl_sect]\nsystem_default = system_default_sect\n"
                    f"[system_default_sect]\nCiphersuites = {suite}\n"
                )
            self.confs[suite] = path
        return self.confs[suite]

    def close(self) -> None:
        self.tmp.cleanup()


_WORK: _Workdir | None = None


def _work() -> _Workdir:
    global _WORK
    if _WORK is None:
        _WORK = _Workdir()
    return _WORK


def _env(case: Case, impl: str) -> dict:
    env = dict(os.environ)
    env.pop("SSLKEYLOGFILE", None)
    env.pop("FASTTLS_PURE_PYTHON", None)
    if impl == "fasttls" and case.pure_python:
        env["FASTTLS_PURE_PYTHON"] = "1"
    if impl == "ssl" and case.version == "1.3":
        env["OPENSSL_CONF"] = _work().openssl_conf(SUITES13[case.cipher])
    return env


def _spawn(case: Case, role: str, impl: str, mode: str, extra: list[str]) -> subprocess.Popen:
    cert, key = _work().cert(case.key_type)
    cmd = [sys.executable, "-m", "fasttls.bench", "endpoint", role, "--impl", impl, "--mode", mode, "--cert", cert, "--key", key]
    cmd += ["--version", case.version, "--cipher", case.cipher, *extra]
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(case, impl))


def _line(proc: subprocess.Popen, what: str, timeout: float = 300) -> dict:
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout)
        raise RuntimeError(f"{what} endpoint failed (exit {proc.returncode}): {proc.stderr.read()[-2000:]}")
    return json.loads(line)


def _finish(*procs: subprocess.Popen) -> None:
    for p in procs:
        try:
            p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        for f in (p.stdin, p.stdout, p.stderr):
            if f:
                f.close()


def _run_pair(case: Case, mode: str, extra: list[str]) -> dict:
    """Start the server endpoint, then the client; return the client's report merged with the server's."""
    server = _spawn(case, "server", case.server, mode, extra)
    try:
        port = _line(server, "server")["port"]
        client = _spawn(case, "client", case.client, mode, [*extra, "--port", str(port)])
        try:
            result = _line(client, "client")
            result.update(_line(server, "server"))
        finally:
            _finish(client)
    finally:
        _finish(server)
    return result


def bulk(case: Case, total: int = 64 << 20, write_size: int = 16384, rounds: int = 3) -> dict:
    """Seconds per ``total`` bytes sent client -> server, one value per round (median first in ``median``)."""
    result = _run_pair(case, "bulk", ["--bytes", str(total), "--write-size", str(write_size), "--rounds", str(rounds)])
    # CPU seconds per MiB on each side: which side is the bottleneck (steadier than wall time).
    mib = total * rounds / (1 << 20)
    result["client_cpu_ms_per_mib"] = result["client_cpu"] / mib * 1000
    result["server_cpu_ms_per_mib"] = result["server_cpu"] / mib * 1000
    result["client_sys_ms_per_mib"] = result["client_sys"] / mib * 1000
    result["server_sys_ms_per_mib"] = result["server_sys"] / mib * 1000
    result["median"] = statistics.median(result["seconds"])
    result["mb_per_s"] = total / result["median"] / 1e6
    return result


def memory_bulk(case: Case, total: int = 64 << 20, write_size: int = 16384) -> dict:
    """One in-memory transfer (``memory_endpoint``) by ``case.client``'s implementation:
    CPU per MiB of the sending and the receiving side, in the shape :func:`bulk` reports."""
    cert, key = _work().cert(case.key_type)
    cmd = [sys.executable, "-m", "fasttls.bench", "memory", "--impl", case.client, "--cert", cert, "--key", key]
    cmd += ["--version", case.version, "--cipher", case.cipher, "--bytes", str(total), "--write-size", str(write_size)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(case, case.client), timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"memory endpoint failed:\n{proc.stderr[-3000:]}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    mib = total / (1 << 20)
    return {
        "client_cpu_ms_per_mib": r["send_cpu"] / mib * 1000,
        "server_cpu_ms_per_mib": r["recv_cpu"] / mib * 1000,
        "mb_per_s": total / (r["send_cpu"] + r["recv_cpu"]) / 1e6,
    }


def handshakes(case: Case, count: int = 200, resume: bool = False) -> dict:
    """Sequential handshakes, a new TCP connection each: rate and CPU per handshake on each side."""
    result = _run_pair(case, "handshake", ["--count", str(count)] + (["--resume"] if resume else []))
    result["per_second"] = count / result["seconds"]
    result["server_cpu_ms"] = result["server_cpu"] / count * 1000
    result["client_cpu_ms"] = result["client_cpu"] / count * 1000
    return result


def idle_memory(case: Case, count: int = 1000) -> dict:
    """RSS growth per idle established connection, on each side (KiB)."""
    extra = ["--count", str(count)]
    server = _spawn(case, "server", case.server, "idle", extra)
    try:
        port = _line(server, "server")["port"]
        base_server = _server_rss(server.pid)
        client = _spawn(case, "client", case.client, "idle", [*extra, "--port", str(port)])
        try:
            c = _line(client, "client")
            s = _line(server, "server")
            client.stdin.write("\n")
            client.stdin.flush()
        finally:
            _finish(client)
        server.stdin.write("\n")
        server.stdin.flush()
    finally:
        _finish(server)
    return {
        "client_kib_per_conn": (c["rss_kib"] - c["rss_kib_before"]) / count,
        "server_kib_per_conn": (s["rss_kib"] - base_server) / count,
    }


def _server_rss(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


# ---------------------------------------------------------------------- python -m fasttls bench


def _progress(i: int, n: int, label: str) -> None:
    width = 30
    done = int(width * i / n)
    sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {i}/{n} {label:<48}")
    sys.stderr.flush()


def run_cli(args) -> int:
    total = args.megabytes << 20
    plan = []
    for impl in ("fasttls", "ssl"):
        plan.append((f"bulk {args.megabytes} MiB, {args.write_size} B writes", impl, "bulk"))
    for impl in ("fasttls", "ssl"):
        plan.append((f"full handshakes x{args.handshakes}", impl, "full"))
    for impl in ("fasttls", "ssl"):
        plan.append((f"resumed handshakes x{args.handshakes}", impl, "resumed"))
    results: dict[tuple[str, str], float] = {}
    steps = len(plan) * args.repeat
    step = 0
    try:
        for label, impl, kind in plan:
            values = []
            for _ in range(args.repeat):
                _progress(step, steps, f"{impl}: {label}")
                case = Case(client=impl, server=impl)
                if kind == "bulk":
                    values.append(bulk(case, total, args.write_size, rounds=1)["mb_per_s"])
                else:
                    values.append(handshakes(case, args.handshakes, resume=kind == "resumed")["per_second"])
                step += 1
            results[(label, impl)] = statistics.median(values)
        _progress(steps, steps, "done")
        sys.stderr.write("\n")
    finally:
        if _WORK is not None:
            _WORK.close()
    from . import record

    out = sys.stdout
    out.write(f"\nfasttls vs ssl on this machine (TLS 1.3, AES-128-GCM, ECDSA P-256; {record.IMPLEMENTATION} record layer; ")
    out.write(f"median of {args.repeat})\n\n")
    out.write(f"{'case':<40} {'fasttls':>12} {'ssl':>12} {'ratio':>7}\n")
    for label, _, kind in plan[::2]:
        f, s = results[(label, "fasttls")], results[(label, "ssl")]
        unit = "MB/s" if kind == "bulk" else "/s"
        out.write(f"{label:<40} {f:>9.0f} {unit:<2} {s:>9.0f} {unit:<2} {f / s:>6.2f}x\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "endpoint":
        return endpoint(argv[1:])
    if argv and argv[0] == "memory":
        return memory_endpoint(argv[1:])
    sys.stderr.write("usage: python -m fasttls bench (this module's own entry point is for its child processes)\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())

"""Instruction counts of fixed workloads under callgrind: the steady half of the CI perf gate.

    python3 benchmarks/instructions.py            # measure, compare with the baseline (exit 1 on a regression)
    python3 benchmarks/instructions.py --update   # write this machine's counts as the new baseline

Wall-clock and CPU-time ratios move by tens of percent on shared machines, so
``gate.py`` can only catch large regressions.  An instruction count does not
depend on what else the machine is doing (shared/PERF-NOTES.md): the same
interpreter, libraries and inputs execute the same instructions.  Each workload
runs in one process under ``valgrind --tool=callgrind``, FIRST + 2 x STEP
repetitions (``REPETITIONS``), and callgrind dumps its counts at two marks
(after FIRST and after FIRST + STEP repetitions) and after the last: the two
parts of STEP repetitions each, divided by STEP, are the cost of one
repetition, without interpreter start-up, imports and set-up (one process, not
one per count: start-up under callgrind is ~13 s of each run, and the gate
took 9.5 of CI's minutes with three runs per workload).

Only instructions outside ``cryptography``'s compiled library are compared
(the interpreter running our code, our compiled record twin, libc): that is
the part a fasttls change moves, and it stays put when a new ``cryptography``
release changes the speed of its primitives.  The crypto share is printed.
libc's copy routines are compared as a figure of their own, ``copies``: that
figure grows with the bytes copied (an extra 16 KiB copy of a record adds ~3 k),
and mixed into ``ours`` it would hide a Python regression of that size behind
the copies.  It moves
more between runs (a one-off ``realloc`` lands inside or outside the counted
repetitions), so it is gated at +40% and only for the record workloads, where
an extra copy of the data raises it by 50% or more.

Two things keep the counts the same from one x86-64 machine to the next:

* libc picks its string and copy routines by the CPU it finds (AVX2, ERMS,
  FSRM, the cache sizes), and valgrind shows the program one of a few CPU
  models chosen by the host's: CI's machine counted 830 k of copies per
  repetition of the 1 KiB records against 524 k here, with the code unchanged
  (a non-AVX2 choice here gives 810 k).  The children therefore run with
  ``GLIBC_TUNABLES`` (``PINNED_LIBC``) masking every feature above x86-64's
  baseline and fixing the cache-derived thresholds: SSE2 routines on every
  machine.  A glibc that ignores the masks (one built for a higher x86-64
  level) is seen by the routines' names: the copies are then printed, not gated.
* the smaller of the two parts is the cost of a repetition: a one-off
  (a heap growth, a ``realloc``) lands in at most one of them.

Workloads:

* ``handshake13``: one full TLS 1.3 handshake in memory (X25519, ECDSA P-256),
  client and server, through the sans-IO connection;
* ``records-<twin>``: 1 MiB sealed and opened again as 1 KiB TLS 1.3
  AES-128-GCM records by that record twin (per-record overhead shows most
  at 1 KiB);
* ``stream-<twin>``: pairs of 16 KiB writes through that twin's ``RecordWriter``
  into a socket, read back by the peer connection as ``SSLSocket.recv_into`` does
  (the loopback benchmark's path, without the kernel's share);
* ``sslobject-<twin>``: 64 small messages (1 KiB) each written through one
  ``SSLObject`` and read by another until ``SSLWantReadError``, as asyncio
  drives ``wrap_bio``: the Python around the record layer, per call.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BASELINE = os.path.join(HERE, "instructions.json")
#: (FIRST, STEP) per workload: it runs FIRST + 2 x STEP times, and the two parts of STEP
#: repetitions after the first FIRST are measured: enough for a steady figure, short under valgrind.
REPETITIONS = {"handshake13": (3, 4), "records-cython": (1, 2), "records-python": (1, 2), "stream-cython": (2, 3), "stream-python": (2, 3), "sslobject-cython": (2, 2), "sslobject-python": (2, 2)}
#: libc's routine choice pinned to x86-64's baseline (SSE2), the same on every machine
#: (module docstring).  Names as glibc's ``--list-diagnostics`` and tunables spell them.
PINNED_LIBC = ":".join((
    "glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX2,-AVX,-AVX_Fast_Unaligned_Load,"
    "-SSSE3,-SSE4_1,-SSE4_2,-ERMS,-FSRM,-BMI2,-Fast_Unaligned_Copy",
    "glibc.cpu.x86_non_temporal_threshold=0x40000000",
    "glibc.cpu.x86_data_cache_size=0x8000",
    "glibc.cpu.x86_shared_cache_size=0x100000",
))
#: How far (relative) a count may rise above its baseline before the gate fails.  "Ours"
#: repeats to within ~2% between runs here; the rest is room for small library updates.
TOLERANCE = 0.05
#: The same for "copies", which is gated only where record data is copied.  With libc
#: pinned (PINNED_LIBC), an extra copy of the data raises it by 28% for the 1 KiB records
#: (records-cython: 798 k to 1,020 k), by 45% for the 16 KiB ones (stream-cython) and by
#: 10% per 1 KiB write (sslobject-cython), measured by adding one; two runs of the same
#: code, one of them beside a second gate, agreed to 0.01%, a clean clone's CI to 2.3%.  Before the pin, CI's machines
#: counted the 1 KiB records' copies 26% (1f804aa) and 58% (bac687f) above this
#: machine's, so the limit stays at 40% until a CI run shows the pinned figures
#: agree there too; then 25% catches the extra copy of both record workloads.
COPIES_TOLERANCE = 0.40
COPIES_GATED = ("records-", "stream-", "sslobject-")
WORKLOADS = ("handshake13", "records-cython", "records-python", "stream-cython", "stream-python", "sslobject-cython", "sslobject-python")
#: Objects whose instructions are the primitives', not ours.
_CRYPTO_OBJECTS = re.compile(r"_rust\.abi3\.so|libcrypto|libssl")
#: libc copy routines seen doing real work that are not the pinned SSE2 ones: a glibc that
#: ignores the masks (one built for a higher x86-64 level treats them as always there).
_UNPINNED: set[str] = set()
_NOT_BASELINE = re.compile(r"avx|evex|erms|ssse3|sse4")
#: The mark: callgrind dumps its counts before each call of this libc function
#: (``--dump-before``), which the child calls through ``os.getppid`` after the
#: repetitions it marks and which nothing else in the child calls (checked by the
#: number of dumps).
_MARK = "getppid"
#: libc's copy routines: their count grows with the bytes they move (SSE2 loops once
#: pinned), so they are gated as their own figure, "copies".
_COPY_FUNCTIONS = re.compile(r"mem(cpy|move|set)")


def _environment() -> dict:
    import cryptography

    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "machine": platform.machine(),
        "cryptography": cryptography.__version__,
    }


# ---------------------------------------------------------------------- the workloads (child side)


def _mark_after(marks: frozenset[int]):
    """A function to call after each repetition ``i`` (1-based): it marks the ones in ``marks``."""

    def mark(i: int) -> None:
        if i in marks:
            os.getppid()  # callgrind dumps here (_MARK)

    return mark


def _handshake13(n: int, mark) -> None:
    from fasttls.config import Config
    from fasttls.connection import Connection
    from fasttls.constants import NamedGroup, ProtocolVersion
    from fasttls.default_cert import generate
    from fasttls.verify import TrustStore

    ck = generate()
    server = Config()
    server.certificates = [ck]
    client = Config()
    client.trust_store = TrustStore.from_certificates([ck.leaf])
    for cfg in (server, client):
        cfg.min_version = cfg.max_version = ProtocolVersion.TLS13
        cfg.groups = [NamedGroup.x25519]
        cfg.key_share_groups = [NamedGroup.x25519]
        cfg.session_cache = None
    for i in range(1, n + 1):
        c = Connection(client, server_side=False, server_hostname="localhost")
        s = Connection(server, server_side=True)
        c.start()
        s.receive_data(c.data_to_send())
        c.receive_data(s.data_to_send())
        s.receive_data(c.data_to_send())
        c.receive_data(s.data_to_send())
        if not (c.handshake_complete and s.handshake_complete):
            raise SystemExit("handshake did not complete")
        mark(i)


def _records(twin_name: str, n: int, mark) -> None:
    import fasttls.record as record

    twin = record.TWINS.get(twin_name)
    if twin is None:
        raise SystemExit(f"record twin {twin_name!r} not available ({record.CYTHON_IMPORT_ERROR})")
    key, iv = bytes(range(16)), bytes(range(12))
    data = bytes(1 << 20)
    sealer = twin.aead.RecordSealer(1, key, iv, 0x0304)
    opener = twin.aead.RecordOpener(1, key, iv, 0x0304)
    sealed = bytearray(sealer.sealed_length(len(data), 1024))
    plain = bytearray(len(sealed))
    for i in range(1, n + 1):
        sealer.seq = opener.seq = 0
        end = sealer.seal_into(sealed, 0, 23, data, 1024)
        opener.open_records(sealed, 0, end, plain, 0)
        mark(i)


def _stream(twin_name: str, n: int, mark) -> None:
    """``n`` x 16 x (two 16 KiB writes through the twin's ``RecordWriter`` into a socket,
    and the peer reading them as ``SSLSocket.recv_into`` does: the socket's bytes into the
    connection's receive buffer, ``receive_data``, ``read_into``): the per-record path
    of the loopback benchmark, without the kernel's share (callgrind counts user space)."""
    import socket
    import threading

    import fasttls.record as record
    from fasttls.config import Config
    from fasttls.connection import Connection
    from fasttls.constants import NamedGroup, ProtocolVersion
    from fasttls.default_cert import generate
    from fasttls.verify import TrustStore

    twin = record.TWINS.get(twin_name)
    if twin is None:
        raise SystemExit(f"record twin {twin_name!r} not available ({record.CYTHON_IMPORT_ERROR})")
    ck = generate()
    server, client = Config(), Config()
    server.certificates = [ck]
    client.trust_store = TrustStore.from_certificates([ck.leaf])
    for cfg in (server, client):
        cfg.min_version = cfg.max_version = ProtocolVersion.TLS13
        cfg.groups = cfg.key_share_groups = [NamedGroup.x25519]
        cfg.session_cache = None
    c = Connection(client, server_side=False, server_hostname="localhost", twin=twin)
    s = Connection(server, server_side=True, twin=twin)
    c.start()
    for _ in range(3):
        s.receive_data(c.data_to_send())
        c.receive_data(s.data_to_send())
    if not (c.handshake_complete and s.handshake_complete) or c.bytes_to_send():
        raise SystemExit("handshake did not complete")
    a, b = socket.socketpair()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    writer = twin.aead.RecordWriter(a.fileno(), threading.Lock(), threading.Lock())
    chunk = memoryview(bytes(16384))
    wire = 2 * (16384 + 22)
    inbuf = s.receive_buffer
    out = memoryview(bytearray(1 << 18))
    got = 0
    for i in range(1, n + 1):
        for _ in range(16):
            for _ in range(2):
                if writer.write(c, chunk, None) != 0:
                    raise SystemExit("RecordWriter declined the write")
            end = inbuf.reserve(wire)
            with memoryview(inbuf.buffer) as view:
                if b.recv_into(view[end : end + wire], wire, socket.MSG_WAITALL) != wire:
                    raise SystemExit("short read")
            inbuf.commit(wire)
            s.receive_data(b"")
            while s.pending():
                got += s.read_into(out)
        mark(i)
    a.close()
    b.close()
    if got != n * 16 * 2 * 16384:
        raise SystemExit(f"stream workload moved {got} bytes")


def _sslobject(twin_name: str, n: int, mark) -> None:
    """``n`` x 64 x (a 1 KiB write through an ``SSLObject``, the BIO handover, and reads
    until ``SSLWantReadError``): asyncio's use of ``wrap_bio`` with small messages, where
    the per-call costs of both sides show."""
    import ssl

    import fasttls
    import fasttls.record as record
    from fasttls.bench import bio_pair
    from fasttls.default_cert import generate, pem

    if record.IMPLEMENTATION != twin_name:
        raise SystemExit(f"record twin {twin_name!r} not in use ({record.IMPLEMENTATION}; {record.CYTHON_IMPORT_ERROR})")
    cert_pem, key_pem = pem(generate())
    with tempfile.TemporaryDirectory() as d:
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        for path, data in ((cert, cert_pem), (key, key_pem)):
            with open(path, "wb") as f:
                f.write(data)
        sctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(cert, key)
        cctx = fasttls.SSLContext(fasttls.PROTOCOL_TLS_CLIENT)
        cctx.load_verify_locations(cert)
    c, s, (cin, cout, sin, sout) = bio_pair(cctx, sctx)
    chunk = bytes(1024)
    buf = bytearray(1 << 17)
    got = 0
    for i in range(1, n + 1):
        for _ in range(64):
            c.write(chunk)
            sin.write(cout.read())
            while True:
                try:
                    got += s.read(len(buf), buf)
                except ssl.SSLWantReadError:
                    break
        mark(i)
    if got != n * 64 * 1024:
        raise SystemExit(f"sslobject workload moved {got} bytes")


def _run_workload(name: str, n: int, marks: frozenset[int] = frozenset()) -> None:
    mark = _mark_after(marks)
    if name == "handshake13":
        _handshake13(n, mark)
    elif name.startswith("sslobject-"):
        _sslobject(name.split("-", 1)[1], n, mark)
    elif name.startswith("stream-"):
        _stream(name.split("-", 1)[1], n, mark)
    elif name.startswith("records-"):
        _records(name.split("-", 1)[1], n, mark)
    else:
        raise SystemExit(f"unknown workload {name!r}")


# ---------------------------------------------------------------------- measuring (parent side)


def _by_object(out: str) -> dict[str, int]:
    """Instructions by object file in one callgrind dump, libc's copy routines as ``"copies"``.

    Read from callgrind's format directly: ``callgrind_annotate`` gives the parts dumped
    at a mark the inclusive costs of the functions on the stack there (the interpreter's
    ``main`` at 100%).  Each cost line is the self cost of the current object and
    function; the line after ``calls=`` is a call's inclusive cost and is skipped.  The
    sum must be the dump's ``summary``."""
    names: dict[str, dict[str, str]] = {"ob": {}, "fn": {}}
    by_function: dict[tuple[str | None, str | None], int] = {}
    ob = fn = None
    summary = None
    skip = False
    with open(out) as f:
        for line in f:
            if skip:
                skip = False
                continue
            c = line[:1]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                if len(parts) > 1:
                    by_function[ob, fn] = by_function.get((ob, fn), 0) + int(parts[1])
                continue
            if line.startswith(("summary:", "totals:")):
                summary = int(line.split()[1]) if summary is None else summary
                continue
            key, _, rest = line.rstrip("\n").partition("=")
            if key in ("ob", "cob", "fn", "cfn"):
                kind = key[-2:]
                m = re.match(r"\((\d+)\)(?: (.*))?$", rest)  # name compression: "(id) name", then "(id)"
                if m and m.group(2) is not None:
                    names[kind][m.group(1)] = m.group(2)
                name = names[kind][m.group(1)] if m else rest
                if key == "ob":
                    ob = name
                elif key == "fn":
                    fn = name
            elif key == "calls":
                skip = True
    if summary is None or sum(by_function.values()) != summary:
        raise SystemExit(f"instruction gate: cannot read {out}: self costs {sum(by_function.values())}, summary {summary}")
    by_object: dict[str, int] = {}
    for (obj_path, function), count in by_function.items():
        obj = os.path.basename(obj_path or "?")
        if obj.startswith("libc.") and _COPY_FUNCTIONS.search(function or ""):
            obj = "copies"
            if _NOT_BASELINE.search(function or "") and count > 10_000:
                _UNPINNED.add(function or "")  # the pin did not take (see main)
        by_object[obj] = by_object.get(obj, 0) + count
    return by_object


def measure(name: str, workdir: str) -> dict[str, int]:
    """Instructions per repetition of ``name``: ours, copies and crypto (module docstring)."""
    first, step = REPETITIONS[name]
    marks = (first, first + step, first + 2 * step)
    # Each workload in a directory of its own: the child runs there, and what earlier
    # workloads left in it moved the figures (the sslobject copies by 50% between runs of
    # the same code, as the heap's layout decides how libc copies a buffer).
    workdir = os.path.join(workdir, name)
    os.makedirs(workdir, exist_ok=True)
    out = os.path.join(workdir, "callgrind.out")
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), GLIBC_TUNABLES=PINNED_LIBC)
    env.pop("FASTTLS_PURE_PYTHON", None)
    if name == "sslobject-python":
        env["FASTTLS_PURE_PYTHON"] = "1"  # the connection's twin is chosen at import
    cmd = ["valgrind", "--tool=callgrind", f"--dump-before={_MARK}", f"--callgrind-out-file={out}",
           sys.executable, os.path.abspath(__file__), "--child", name, ",".join(map(str, marks))]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=workdir)
    if proc.returncode != 0:
        raise SystemExit(f"callgrind run of {name} failed:\n{proc.stderr[-3000:]}")
    # Dump k (out.k) holds the counts up to the k-th mark since the one before; the last
    # file (out) the exit.  Parts 2 and 3 are STEP repetitions each.
    dumps = sorted(f for f in os.listdir(workdir) if f.startswith("callgrind.out."))
    if dumps != [f"callgrind.out.{k}" for k in range(1, len(marks) + 1)]:
        raise SystemExit(f"callgrind run of {name}: expected {len(marks)} dumps at the marks, found {dumps} "
                         f"(does something else in the child call {_MARK}?)")
    figures = []
    for k in (2, 3):
        f = {"ours": 0, "copies": 0, "crypto": 0}
        for obj, count in _by_object(f"{out}.{k}").items():
            f["copies" if obj == "copies" else "crypto" if _CRYPTO_OBJECTS.search(obj) else "ours"] += count
        figures.append(f)
    # The smaller of the two parts: a one-off lands in at most one of them (module docstring).
    return {k: round(min(figures[0][k], figures[1][k]) / step) for k in figures[0]}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        import gc

        gc.disable()  # when the cyclic collector runs depends on allocations so far: not steady
        marks = [int(m) for m in argv[2].split(",")]
        _run_workload(argv[1], max(marks), frozenset(marks))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--update", action="store_true", help="write this run's counts as the baseline")
    ap.add_argument("--baseline", default=BASELINE)
    args = ap.parse_args(argv)
    for tool in ("valgrind",):
        if shutil.which(tool) is None:
            print(f"instruction gate: {tool} not found (Debian package 'valgrind'; .ci/run installs it)")
            return 1
    env = _environment()
    counts = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name in WORKLOADS:
            counts[name] = measure(name, workdir)
    print("instructions per repetition (callgrind; ours = everything but cryptography's library and libc's copies):")
    for name, c in counts.items():
        print(f"  {name:<16} ours {c['ours']:>12,}   copies {c['copies']:>12,}   crypto {c['crypto']:>12,}")
    if args.update:
        if _UNPINNED:
            # Copies counted by other routines would be a baseline no pinned run compares with.
            print(f"instruction gate: baseline NOT written: libc's copy routines were not pinned to SSE2 here ({', '.join(sorted(_UNPINNED))})")
            return 1
        with open(args.baseline, "w") as f:
            json.dump({"environment": env, "tolerance": TOLERANCE, "copies_tolerance": COPIES_TOLERANCE, "counts": counts}, f, indent=2, sort_keys=True)
            f.write("\n")
        print(f"baseline written: {args.baseline}")
        return 0
    with open(args.baseline) as f:
        base = json.load(f)
    if base["environment"]["python"] != env["python"] or base["environment"]["machine"] != env["machine"]:
        # Another interpreter executes other instructions: nothing to compare with.  Fail, so
        # the baseline is refreshed on purpose rather than the gate silently not running.
        print(f"instruction gate FAILED: baseline made with {base['environment']}, this run is {env}; "
              "refresh it with: python3 benchmarks/instructions.py --update")
        return 1
    if base["environment"] != env:
        print(f"note: baseline environment {base['environment']}, this run {env} (compared anyway)")
    failed = []
    if _UNPINNED:
        # Copies counted by other routines than the baseline's are not comparable with it.
        print(f"note: libc's copy routines were not pinned to SSE2 here ({', '.join(sorted(_UNPINNED))}): copies are printed, not gated")
    for name, c in counts.items():
        b = base["counts"].get(name)
        if b is None:
            failed.append(f"{name}: no baseline")
            continue
        for figure in ("ours", "copies"):
            if figure == "copies" and (_UNPINNED or not name.startswith(COPIES_GATED)):
                continue
            tolerance = base.get("tolerance", TOLERANCE) if figure == "ours" else base.get("copies_tolerance", COPIES_TOLERANCE)
            if figure not in b:
                failed.append(f"{name}: no baseline for {figure}")
                continue
            limit = b[figure] * (1 + tolerance)
            change = c[figure] / max(b[figure], 1) - 1
            mark = "ok" if c[figure] <= limit else "REGRESSION"
            print(f"  {mark:<10} {name:<16} {figure:<6} {c[figure]:>12,}  baseline {b[figure]:>12,}  ({change:+.1%}, limit +{tolerance:.0%})")
            if c[figure] > limit:
                failed.append(f"{name} ({figure})")
    if failed:
        print("instruction gate FAILED: " + ", ".join(failed))
        return 1
    print("instruction gate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

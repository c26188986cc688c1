"""fasttls against Python's ssl over loopback, each endpoint in its own process (issue 6),
and in memory through ``SSLObject`` (asyncio's path).

Every bulk case runs for each pair of implementations (client -> server): fasttls
to fasttls, fasttls to ssl, ssl to fasttls, and ssl to ssl, the fasttls pairs
on both record twins ("pure" is the pure-Python one), measured in the same
run, in interleaved rounds (one transfer or one batch of handshakes per pair
per round), so the summary can print ratios of medians to ``ssl -> ssl``
that a slow minute of the shared machine does not decide.  What each
endpoint timed (wall time of the transfer, CPU time of each process) goes into
``extra_info``; pytest-benchmark's own timing of the call includes process
start-up and is not what the table shows.

Sizes scale with ``FASTTLS_BENCH_MIB`` (MiB per bulk transfer with 16 KiB writes, a quarter of it with 1 KiB writes; default 64, as issue 6 asks),
``FASTTLS_BENCH_REPS`` (interleaved rounds of one transfer per pair, default 5), ``FASTTLS_BENCH_HANDSHAKES``
(default 200, per round), ``FASTTLS_BENCH_HANDSHAKE_ROUNDS`` (interleaved rounds of
fasttls and ssl handshakes, default 3) and ``FASTTLS_BENCH_IDLE`` (idle connections,
default 1000).
Nothing here asserts a timing: ``benchmarks/gate.py`` compares the ratios with
``benchmarks/baseline.json``.
"""

from __future__ import annotations

import os
import statistics

import pytest

from fasttls import bench

MIB = int(os.environ.get("FASTTLS_BENCH_MIB", "64"))
REPS = int(os.environ.get("FASTTLS_BENCH_REPS", "5"))
HANDSHAKES = int(os.environ.get("FASTTLS_BENCH_HANDSHAKES", "200"))
#: Handshake figures are medians of this many interleaved rounds of HANDSHAKES each.
HANDSHAKE_ROUNDS = int(os.environ.get("FASTTLS_BENCH_HANDSHAKE_ROUNDS", "3"))
HANDSHAKE_PAIRS = ("fasttls->fasttls", "ssl->ssl")
IDLE = int(os.environ.get("FASTTLS_BENCH_IDLE", "1000"))

PAIRS = {
    "fasttls->fasttls": ("fasttls", "fasttls", False),
    "fasttls->ssl": ("fasttls", "ssl", False),
    "ssl->fasttls": ("ssl", "fasttls", False),
    "ssl->ssl": ("ssl", "ssl", False),
    "pure->pure": ("fasttls", "fasttls", True),
    "pure->ssl": ("fasttls", "ssl", True),
    "ssl->pure": ("ssl", "fasttls", True),
    "tcp->tcp": ("tcp", "tcp", False),  # plain TCP, same writes: the ceiling on this machine
}
BULK = {
    "tls13-aes128gcm": ("1.3", "aes128gcm"),
    "tls13-chacha20": ("1.3", "chacha20"),
    "tls12-ecdsa-aes128gcm": ("1.2", "aes128gcm"),
}


def _case(pair: str, version: str = "1.3", cipher: str = "aes128gcm", key_type: str = "ecdsa-p256") -> bench.Case:
    client, server, pure = PAIRS[pair]
    return bench.Case(client=client, server=server, version=version, cipher=cipher, key_type=key_type, pure_python=pure)


# Every case runs each pair on both record twins (issue 6: "both twins"); plain TCP
# once per write size (it has no cipher).
def _bulk_pairs(suite: str, write_size: int) -> list[str]:
    return [pair for pair in PAIRS if pair != "tcp->tcp" or suite == "tls13-aes128gcm"]


def _interleaved_bulk(suite: str, write_size: int, total: int) -> dict[str, list[dict]]:
    """``REPS`` rounds; each round runs one transfer per pair, the pairs' order
    rotating, so a slow stretch of the shared machine is spread over every pair
    instead of landing on the one that happened to run then."""
    version, cipher = BULK[suite]
    pairs = _bulk_pairs(suite, write_size)
    runs: dict[str, list[dict]] = {p: [] for p in pairs}
    for r in range(REPS):
        k = r % len(pairs)
        for pair in pairs[k:] + pairs[:k]:
            runs[pair].append(bench.bulk(_case(pair, version, cipher), total, write_size, rounds=1))
    return runs


@pytest.mark.parametrize("suite,write_size", [(suite, ws) for suite in BULK for ws in (16384, 1024)], ids=lambda v: str(v))
def test_bulk(benchmark, suite, write_size):
    # 1 KiB writes are ~10x slower per byte: keep each case to seconds.
    total = (MIB << 20) if write_size >= 16384 else (MIB << 20) // 4
    runs = benchmark.pedantic(_interleaved_bulk, args=(suite, write_size, total), rounds=1, iterations=1)
    entries = []
    for pair, results in runs.items():
        seconds = [r["median"] for r in results]
        spread = [total / t / 1e6 for t in seconds]
        entries.append(_bulk_entry(f"{suite} {write_size // 1024} KiB writes", pair, results, total / statistics.median(seconds) / 1e6, spread))
    # One benchmark, every pair: ratios.py reads each entry as its own figure.
    benchmark.extra_info.update(kind="entries", entries=entries)


def _bulk_entry(case: str, pair: str, results: list[dict], value: float, spread: list[float]) -> dict:
    """One pair's bulk figures for ratios.py: MB/s, and each side's median CPU per MiB."""
    return dict(
        kind="bulk",
        case=case,
        pair=pair,
        value=value,
        unit="MB/s",
        spread=spread,
        client_cpu=statistics.median(r["client_cpu_ms_per_mib"] for r in results),
        server_cpu=statistics.median(r["server_cpu_ms_per_mib"] for r in results),
        cpu_unit="ms/MiB",
    )


MEMORY_PAIRS = ["fasttls->fasttls", "ssl->ssl", "pure->pure"]


def _interleaved_memory(suite: str, write_size: int, total: int) -> dict[str, list[dict]]:
    version, cipher = BULK[suite]
    runs: dict[str, list[dict]] = {p: [] for p in MEMORY_PAIRS}
    for r in range(REPS):
        for pair in MEMORY_PAIRS if r % 2 == 0 else MEMORY_PAIRS[::-1]:
            runs[pair].append(bench.memory_bulk(_case(pair, version, cipher), total, write_size))
    return runs


@pytest.mark.parametrize("suite,write_size", [("tls13-aes128gcm", 16384), ("tls13-chacha20", 16384), ("tls13-aes128gcm", 1024)], ids=str)
def test_sslobject_in_memory(benchmark, suite, write_size):
    """asyncio's path: SSLObject over MemoryBIO, both ends in one process (no sockets, no
    scheduler), for each implementation.  "client"/"server" CPU are the sending and the
    receiving side; "throughput" is the bytes over both sides' CPU.  Printed beside the
    loopback figures (issue 6 sets no target for it; the instruction gate guards it)."""
    total = (MIB << 20) if write_size >= 16384 else (MIB << 20) // 4
    runs = benchmark.pedantic(_interleaved_memory, args=(suite, write_size, total), rounds=1, iterations=1)
    case = f"in-memory SSLObject, {suite} {write_size // 1024} KiB writes"
    entries = []
    for pair, results in runs.items():
        spread = [r["mb_per_s"] for r in results]
        entries.append(_bulk_entry(case, pair, results, statistics.median(spread), spread))
    benchmark.extra_info.update(kind="entries", entries=entries)


def _interleaved_handshakes(kind: str, key_type: str) -> dict[str, list[dict]]:
    """``HANDSHAKE_ROUNDS`` rounds of ``HANDSHAKES`` handshakes per pair, the pairs
    alternating (and their order flipping each round), so a slow stretch of a
    shared machine lands on both sides of the ratio instead of on one."""
    runs: dict[str, list[dict]] = {p: [] for p in HANDSHAKE_PAIRS}
    for r in range(HANDSHAKE_ROUNDS):
        for pair in HANDSHAKE_PAIRS if r % 2 == 0 else HANDSHAKE_PAIRS[::-1]:
            result = bench.handshakes(_case(pair, key_type=key_type), HANDSHAKES, kind == "resumed")
            if kind == "resumed":
                assert result["reused"] == HANDSHAKES, "resumption did not happen: the figure would be a full handshake's"
            runs[pair].append(result)
    return runs


@pytest.mark.parametrize("key_type", ["ecdsa-p256", "rsa-2048"])
@pytest.mark.parametrize("kind", ["full", "resumed"])
def test_handshakes(benchmark, kind, key_type):
    runs = benchmark.pedantic(_interleaved_handshakes, args=(kind, key_type), rounds=1, iterations=1)
    entries = []
    for pair, results in runs.items():
        entries.append(
            dict(
                kind="handshake",
                case=f"{kind} handshakes, X25519, {key_type}",
                pair=pair,
                value=statistics.median(r["per_second"] for r in results),
                unit="/s",
                spread=[r["per_second"] for r in results],
                client_cpu=statistics.median(r["client_cpu_ms"] for r in results),
                server_cpu=statistics.median(r["server_cpu_ms"] for r in results),
                server_cpu_spread=[r["server_cpu_ms"] for r in results],
                cpu_unit="ms/handshake",
            )
        )
    # One benchmark, both pairs: ratios.py reads each entry as its own figure.
    benchmark.extra_info.update(kind="entries", entries=entries)


@pytest.mark.parametrize("pair", ["fasttls->fasttls", "ssl->ssl"])
def test_idle_memory(benchmark, pair):
    case = _case(pair)
    result = benchmark.pedantic(bench.idle_memory, args=(case, IDLE), rounds=1, iterations=1)
    benchmark.extra_info.update(
        kind="memory",
        case=f"idle connection memory ({IDLE} connections)",
        pair=pair,
        value=None,
        client_kib=result["client_kib_per_conn"],
        server_kib=result["server_kib_per_conn"],
        unit="KiB/conn",
    )


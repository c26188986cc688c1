"""Seal and open throughput of each record twin, next to the floor.

The floor is a bare loop calling the same ``cryptography`` AEAD's
``encrypt_into``/``decrypt_into`` on the same records, with nonces, additional
data and buffer views precomputed: what the twin would cost if its own work
were free.  Each call handles 1 MiB (64 records of 16 KiB or 1024 of 1 KiB),
as a large application write does.

Targets (issue 2), as ratios to the floor: compiled twin >= 0.90 at 16 KiB and
>= 0.85 at 1 KiB; pure-Python twin >= 0.80 at 16 KiB and >= 0.50 at 1 KiB.  The
summary at the end prints them; nothing here asserts a timing.
"""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

TOTAL = 1 << 20
CIPHERS = {
    "AES-128-GCM": (1, 16),
    "AES-256-GCM": (1, 32),
    "ChaCha20-Poly1305": (2, 32),
}
TARGETS = {("cython", 16384): 0.90, ("cython", 1024): 0.85, ("python", 16384): 0.80, ("python", 1024): 0.50}


def _records(cipher_id, key, iv, size):
    """Precomputed TLS 1.3 records for the floor: inner plaintexts, nonces, headers, sealed views."""
    n = TOTAL // size
    aead = (AESGCM if cipher_id == 1 else ChaCha20Poly1305)(key)
    plain = bytearray(os.urandom((size + 1) * n))
    sealed = bytearray((size + 17) * n)
    pv, sv = memoryview(plain), memoryview(sealed)
    ivn = int.from_bytes(iv, "big")
    nonces = [(ivn ^ i).to_bytes(12, "big") for i in range(n)]
    headers = [b"\x17\x03\x03" + (size + 17).to_bytes(2, "big")] * n
    ins = [pv[i * (size + 1) : (i + 1) * (size + 1)] for i in range(n)]
    outs = [sv[i * (size + 17) : (i + 1) * (size + 17)] for i in range(n)]
    return aead, nonces, headers, ins, outs


@pytest.mark.parametrize("size", [16384, 1024])
@pytest.mark.parametrize("cipher", list(CIPHERS))
def test_seal_floor(benchmark, cipher, size):
    cid, klen = CIPHERS[cipher]
    aead, nonces, headers, ins, outs = _records(cid, os.urandom(klen), os.urandom(12), size)
    enc = aead.encrypt_into
    args = list(zip(nonces, ins, headers, outs))

    def run():
        for a in args:
            enc(*a)

    benchmark.group = f"seal {cipher} {size}"
    benchmark.extra_info.update(op="seal", cipher=cipher, size=size, impl="floor")
    benchmark(run)


@pytest.mark.parametrize("size", [16384, 1024])
@pytest.mark.parametrize("cipher", list(CIPHERS))
def test_open_floor(benchmark, cipher, size):
    cid, klen = CIPHERS[cipher]
    aead, nonces, headers, ins, outs = _records(cid, os.urandom(klen), os.urandom(12), size)
    for a in zip(nonces, ins, headers, outs):
        aead.encrypt_into(*a)
    dec = aead.decrypt_into
    args = list(zip(nonces, outs, headers, ins))

    def run():
        for a in args:
            dec(*a)

    benchmark.group = f"open {cipher} {size}"
    benchmark.extra_info.update(op="open", cipher=cipher, size=size, impl="floor")
    benchmark(run)


@pytest.mark.parametrize("size", [16384, 1024])
@pytest.mark.parametrize("cipher", list(CIPHERS))
def test_seal(benchmark, twin, cipher, size):
    cid, klen = CIPHERS[cipher]
    sealer = twin.aead.RecordSealer(cid, os.urandom(klen), os.urandom(12), 0x0304)
    data = os.urandom(TOTAL)
    out = bytearray(sealer.sealed_length(TOTAL, size))

    def run():
        sealer.seq = 0
        sealer.seal_into(out, 0, 23, data, size)

    benchmark.group = f"seal {cipher} {size}"
    benchmark.extra_info.update(op="seal", cipher=cipher, size=size, impl=twin.name, target=TARGETS[twin.name, size])
    benchmark(run)


@pytest.mark.parametrize("size", [16384, 1024])
@pytest.mark.parametrize("cipher", list(CIPHERS))
def test_open(benchmark, twin, cipher, size):
    cid, klen = CIPHERS[cipher]
    key, iv = os.urandom(klen), os.urandom(12)
    sealer = twin.aead.RecordSealer(cid, key, iv, 0x0304)
    opener = twin.aead.RecordOpener(cid, key, iv, 0x0304)
    stream = bytearray(sealer.sealed_length(TOTAL, size))
    sealer.seal_into(stream, 0, 23, os.urandom(TOTAL), size)
    out = bytearray(len(stream))

    def run():
        opener.seq = 0
        pos, app_end, stop, _, _ = opener.open_records(stream, 0, len(stream), out, 0)
        assert app_end == TOTAL and stop == 0

    benchmark.group = f"open {cipher} {size}"
    benchmark.extra_info.update(op="open", cipher=cipher, size=size, impl=twin.name, target=TARGETS[twin.name, size])
    benchmark(run)


#: Rounds of the interleaved measurement: each times one floor call and one twin call back to back.
ROUNDS = int(os.environ.get("FASTTLS_RECORD_ROUNDS", "21"))


def _floor_and_twin(op, twin, cipher, size):
    """Two callables over the same 1 MiB: the bare AEAD loop and the twin, same keys."""
    cid, klen = CIPHERS[cipher]
    key, iv = os.urandom(klen), os.urandom(12)
    aead, nonces, headers, ins, outs = _records(cid, key, iv, size)
    sealer = twin.aead.RecordSealer(cid, key, iv, 0x0304)
    data = os.urandom(TOTAL)
    if op == "seal":
        enc = aead.encrypt_into
        args = list(zip(nonces, ins, headers, outs))
        out = bytearray(sealer.sealed_length(TOTAL, size))

        def floor():
            for a in args:
                enc(*a)

        def run():
            sealer.seq = 0
            sealer.seal_into(out, 0, 23, data, size)

        return floor, run
    for a in zip(nonces, ins, headers, outs):
        aead.encrypt_into(*a)
    dec = aead.decrypt_into
    args = list(zip(nonces, outs, headers, ins))
    opener = twin.aead.RecordOpener(cid, key, iv, 0x0304)
    stream = bytearray(sealer.sealed_length(TOTAL, size))
    sealer.seal_into(stream, 0, 23, data, size)
    out = bytearray(len(stream))

    def floor():
        for a in args:
            dec(*a)

    def run():
        opener.seq = 0
        opener.open_records(stream, 0, len(stream), out, 0)

    return floor, run


@pytest.mark.parametrize("size", [16384, 1024])
@pytest.mark.parametrize("cipher", list(CIPHERS))
@pytest.mark.parametrize("op", ["seal", "open"])
def test_ratio_interleaved(benchmark, twin, op, cipher, size):
    """The ratio the targets are about, measured so machine noise hits both sides alike:
    each round times the floor and the twin back to back (in alternating order) and
    keeps floor/twin; the median of the rounds is the figure (``ratio`` in extra_info)."""
    import statistics
    import time

    floor, run = _floor_and_twin(op, twin, cipher, size)
    floor(), run()  # warm
    ratios = []

    def one_round():
        first, second = (floor, run) if len(ratios) % 2 == 0 else (run, floor)
        t0 = time.perf_counter()
        first()
        t1 = time.perf_counter()
        second()
        t2 = time.perf_counter()
        tf, tt = (t1 - t0, t2 - t1) if first is floor else (t2 - t1, t1 - t0)
        ratios.append(tf / tt)

    benchmark.group = f"interleaved {op} {cipher} {size}"
    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)
    benchmark.extra_info.update(
        op=op, cipher=cipher, size=size, impl=twin.name, target=TARGETS[twin.name, size], kind="interleaved",
        ratio=statistics.median(ratios), ratio_min=min(ratios), ratio_max=max(ratios),
    )  # fmt: skip

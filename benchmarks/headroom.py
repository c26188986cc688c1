"""How much room issue 2's 16 KiB targets leave a record twin, beside the work it cannot skip.

    python3 benchmarks/headroom.py [ROUNDS]

A twin at ratio ``r`` of the bare ``cryptography`` floor spends ``1/r - 1`` of the
floor's time on its own work, so the targets allow 11% (compiled twin, 0.90) and
25% (pure-Python twin, 0.80) at 16 KiB.  Some of that work no implementation
on top of ``cryptography``'s one-shot ``encrypt_into``/``decrypt_into`` can
skip, and this script times it in the same interleaved rounds as the floor:

* the copy: a TLS 1.3 record is sealed from its inner plaintext, the data
  followed by the content-type byte (RFC 8446 5.2), which the application's
  buffer does not have, so the data is copied next to that byte first.  For
  the compiled twin it is timed as 64 copies of 16 KiB out of a 1 MiB source
  into one staging buffer, less the same loop copying nothing (the Python
  around each copy).  A streaming GCM context per record would avoid the copy
  and costs ~10 us a record.
* the objects: ``encrypt_into``/``decrypt_into`` take a nonce, an input and an
  output per call, which Python code must make per record (a 12-byte ``bytes``
  and two memoryview slices).  For the pure-Python twin the least work is timed
  as the floor's loop with those made by comprehensions and, to seal, each
  record's data copied into a staging buffer (the pure twin's own batch path,
  without its header writes and checks).

Each is printed as a share of the floor next to the room the target leaves and
the twin's measured share (from its ratio in the same rounds).  Nothing is
asserted: the figures are for reading (CI prints them).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]

import fasttls.record as record  # noqa: E402
from fasttls.record.aead import _drain  # noqa: E402
from test_record_bench import CIPHERS, TARGETS, TOTAL, _floor_and_twin, _records  # noqa: E402

SIZE = 16384
N = TOTAL // SIZE


def _least(cipher: str) -> dict:
    """The floors, and the least work each kind of twin must add to them (see the module docstring)."""
    cid, klen = CIPHERS[cipher]
    key, iv = os.urandom(klen), os.urandom(12)
    aead, nonces, headers, ins, outs = _records(cid, key, iv, SIZE)
    enc, dec = aead.encrypt_into, aead.decrypt_into
    seal_args = list(zip(nonces, ins, headers, outs))
    for a in seal_args:
        enc(*a)
    open_args = list(zip(nonces, outs, headers, ins))
    plain, sealed = memoryview(ins[0].obj), memoryview(outs[0].obj)
    hdr, ivn = headers[0], int.from_bytes(iv, "big")
    length, size = SIZE + 17, SIZE + 1
    src = memoryview(os.urandom(TOTAL))
    stage = bytearray(size)
    stage[SIZE] = 23
    sv = memoryview(stage)

    def floor_seal():
        for a in seal_args:
            enc(*a)

    def floor_open():
        for a in open_args:
            dec(*a)

    def copy():
        for d in range(0, TOTAL, SIZE):
            sv[:SIZE] = src[d : d + SIZE]

    def copy_nothing():
        for d in range(0, TOTAL, SIZE):
            sv[:0] = src[d:d]

    def staged():
        for d in range(0, TOTAL, SIZE):
            sv[:SIZE] = src[d : d + SIZE]
            yield sv

    def least_seal_python():
        _drain(map(enc, [(ivn ^ s).to_bytes(12, "big") for s in range(N)], staged(), [hdr] * N,
                   [sealed[o : o + length] for o in range(0, N * length, length)]))  # fmt: skip

    def least_open_python():
        _drain(map(dec, [(ivn ^ s).to_bytes(12, "big") for s in range(N)],
                   [sealed[o : o + length] for o in range(0, N * length, length)], [hdr] * N,
                   [plain[o : o + size] for o in range(0, N * size, size)]))  # fmt: skip

    return dict(floor_seal=floor_seal, floor_open=floor_open, copy=copy, copy_nothing=copy_nothing,
                least_seal_python=least_seal_python, least_open_python=least_open_python)  # fmt: skip


def measure(cipher: str, rounds: int) -> dict:
    """Median shares of the floor over ``rounds`` interleaved rounds (every call once per round)."""
    calls = _least(cipher)
    for op in ("seal", "open"):
        for name, twin in record.TWINS.items():
            calls[f"floor {op} {name}"], calls[f"{op} {name}"] = _floor_and_twin(op, twin, cipher, SIZE)
    for f in calls.values():
        f()  # warm
    shares: dict[str, list[float]] = {}
    names = list(calls)
    for r in range(rounds):
        t = {}
        for name in names if r % 2 == 0 else names[::-1]:
            t0 = time.perf_counter()
            calls[name]()
            t[name] = time.perf_counter() - t0
        add = lambda k, v: shares.setdefault(k, []).append(v)  # noqa: E731
        add("least seal cython", (t["copy"] - t["copy_nothing"]) / t["floor_seal"])
        add("least open cython", 0.0)
        for op in ("seal", "open"):
            add(f"least {op} python", t[f"least_{op}_python"] / t[f"floor_{op}"] - 1)
            for name in record.TWINS:
                add(f"{op} {name}", t[f"{op} {name}"] / t[f"floor {op} {name}"] - 1)
    return {k: statistics.median(v) for k, v in shares.items()}


WHAT = {
    ("seal", "cython"): "the copy next to the content-type byte",
    ("open", "cython"): "none",
    ("seal", "python"): "per-record objects and the copy, no checks",
    ("open", "python"): "per-record objects, no checks",
}


def main(argv: list[str]) -> int:
    rounds = int(argv[0]) if argv else 61
    print(f"issue 2 at {SIZE // 1024} KiB: a twin's own work as a share of the floor ({rounds} interleaved rounds, medians)")
    print(f"{'cipher':<18} {'op':<5} {'twin':<7} {'allowed':>8} {'measured':>9} {'least':>8}  (what)")
    for cipher in CIPHERS:
        s = measure(cipher, rounds)
        for op in ("seal", "open"):
            for name in record.TWINS:
                allowed = 1 / TARGETS[name, SIZE] - 1
                floor_work, what = s[f"least {op} {name}"], WHAT[op, name]
                mark = "  > allowed" if floor_work > allowed else ""
                print(
                    f"{cipher:<18} {op:<5} {name:<7} {allowed:>8.0%} {s[f'{op} {name}']:>9.0%} {floor_work:>8.0%}  ({what}){mark}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

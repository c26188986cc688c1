"""CI performance gate: fasttls/ssl ratios of this run against benchmarks/baseline.json.

    python3 benchmarks/gate.py RESULT.json            # check (exit 1 on a regression)
    python3 benchmarks/gate.py RESULT.json --update   # refresh the baseline on purpose

RESULT.json is pytest-benchmark's ``--benchmark-json`` output.  The gate reads
ratios, never absolute times (the machines are shared and noisy), and only the
steadier ones: CPU time per MiB or per handshake on each side, and memory per
idle connection, each as ssl's figure over ours from the same run (see
shared/PERF-NOTES.md).  A ratio may fall up to ``tolerance`` (relative) below
its baseline before the gate fails.  Throughput and handshake-rate ratios are
printed with their issue-6 targets but do not gate: wall time is too noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ratios import key, ratios  # noqa: E402

BASELINE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "baseline.json")
GATED_METRICS = {"client cpu", "server cpu", "client memory", "server memory"}
GATED_PAIRS = {"fasttls->fasttls"}
#: How far (relative) a ratio may fall below its baseline, by what it measures: set from
#: the spread seen between back-to-back CI-sized runs on a shared 2-core machine
#: (memory ~2%, handshake CPU up to ~21%, bulk CPU up to ~43% at 8 MiB x 3).  Memory
#: per idle connection is steady within one environment but differed by ~20% between
#: the development install and a fresh venv (server side 0.75 vs 0.62 of ssl's), so its
#: tolerance is 30%: the floor then sits near issue 6's "at most 2x ssl" (ratio 0.5).
#: The gate catches large regressions (a lost fast path, a per-record allocation), not 10%.
TOLERANCES = {"memory": 0.30, "handshake cpu": 0.35, "bulk cpu": 0.45}
DEFAULT_TOLERANCE = 0.45


def gated_row(case: str, pair: str, metric: str) -> bool:
    """What the gate checks.  Bulk CPU with 1 KiB writes is printed, not gated: whether the
    sender blocks on a full socket (and pays the wakeups) flips from run to run, and its
    ratio spread from 0.41 to 0.77 in clean-clone runs; 16 KiB writes, handshakes and
    memory stay within the tolerances below.  The in-memory SSLObject rows are printed, not
    gated here: instructions.py gates that path by instruction count, which is steadier."""
    if metric not in GATED_METRICS or pair not in GATED_PAIRS:
        return False
    return "1 KiB writes" not in case and not case.startswith("in-memory")


def tolerance_for(k: str) -> float:
    if k.endswith("memory"):
        return TOLERANCES["memory"]
    if "handshakes" in k:
        return TOLERANCES["handshake cpu"]
    return TOLERANCES["bulk cpu"]


def load_rows(path: str):
    with open(path) as f:
        data = json.load(f)
    return ratios([b.get("extra_info") or {} for b in data["benchmarks"]])


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, {platform.platform()}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("result")
    ap.add_argument("more", nargs="*", help="with --update: more result files (the baseline keeps the lowest ratio)")
    ap.add_argument("--update", action="store_true", help="write this run's ratios as the new baseline")
    ap.add_argument("--baseline", default=BASELINE)
    args = ap.parse_args(argv)
    rows = load_rows(args.result)
    gated = {key(c, p, m): r for c, p, m, r, _, _ in rows if gated_row(c, p, m)}
    if args.update:
        # Several result files may be given (--update A.json B.json ...): the baseline keeps
        # each ratio's lowest value, so one lucky run does not raise the bar.
        for extra in args.more:
            for c, p, m, r, _, _ in load_rows(extra):
                k = key(c, p, m)
                if k in gated:
                    gated[k] = min(gated[k], r)
        with open(args.baseline, "w") as f:
            json.dump(
                {"machine": machine(), "tolerances": TOLERANCES, "ratios": {k: round(v, 3) for k, v in sorted(gated.items())}},
                f,
                indent=2,
            )
            f.write("\n")
        print(f"baseline written: {len(gated)} ratios -> {args.baseline}")
        return 0
    with open(args.baseline) as f:
        baseline = json.load(f)
    tols = baseline.get("tolerances", TOLERANCES)
    failures = []
    print(f"perf gate (baseline machine: {baseline.get('machine')}; tolerances below baseline: {tols})")
    for k, base in sorted(baseline["ratios"].items()):
        now = gated.get(k)
        if now is None:
            failures.append(f"{k}: not measured in this run")
            continue
        tol = tolerance_for(k) if "tolerances" not in baseline else (
            tols["memory"] if k.endswith("memory") else tols["handshake cpu"] if "handshakes" in k else tols["bulk cpu"]
        )
        floor = base * (1 - tol)
        status = "ok" if now >= floor else "REGRESSION"
        print(f"  {status:<10} {k:<80} now {now:5.2f}  baseline {base:5.2f}  floor {floor:5.2f}")
        if now < floor:
            failures.append(f"{k}: {now:.2f} < {floor:.2f}")
    print("targets (issue 6, not gated):")
    for c, p, m, r, t, fig in rows:
        if t is not None:
            print(f"  {'ok' if r >= t else 'MISS':<10} {key(c, p, m):<80} {r:5.2f} (target {t})  {fig}")
    if failures:
        print("perf gate FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("perf gate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

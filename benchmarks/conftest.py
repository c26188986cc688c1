"""Benchmark fixtures and the ratio table printed at the end of a run.

Every figure is a ratio measured in the same run (the machines are shared and
noisy: see shared/PERF-NOTES.md); medians, never single times.
"""

from __future__ import annotations

import pytest

import fasttls.record as record


@pytest.fixture(params=["python", "cython"])
def twin(request):
    t = record.TWINS.get(request.param)
    if t is None:
        pytest.fail(f"the compiled record twin is not built ({record.CYTHON_IMPORT_ERROR})")
    return t


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    bs = getattr(config, "_benchmarksession", None)
    if bs is None or not bs.benchmarks:
        return
    _record_summary(terminalreporter, bs)
    _tls_summary(terminalreporter, bs)


def _tls_summary(tr, bs) -> None:
    from ratios import ratios

    rows = ratios([b.extra_info or {} for b in bs.benchmarks])
    if not rows:
        return
    tr.section("fasttls / ssl, same run (medians; ratio > 1 means fasttls is better)")
    tr.write_line(f"{'case':<44} {'pair':<17} {'metric':<14} {'ratio':>6} {'target':>6}  figures")
    for case, pair, metric, ratio, target, figures in rows:
        mark = "" if target is None else ("ok" if ratio >= target else "MISS")
        tr.write_line(f"{case:<44} {pair:<17} {metric:<14} {ratio:>6.2f} {target or '':>6} {mark:<4} {figures}")


def _record_summary(tr, bs) -> None:
    floors, rows, inter = {}, [], {}
    for b in bs.benchmarks:
        extra = b.extra_info or {}
        key = (extra.get("op"), extra.get("cipher"), extra.get("size"))
        if key[0] is None:
            continue
        if extra.get("kind") == "interleaved":
            inter[key, extra.get("impl")] = (extra["ratio"], extra["ratio_min"], extra["ratio_max"], extra.get("target"))
            continue
        if extra.get("impl") == "floor":
            floors[key] = b.stats.median
        else:
            rows.append((key, extra.get("impl"), b.stats.median, extra.get("target")))
    if inter:
        tr.section("record layer: twin / bare cryptography floor, interleaved (median of rounds; the figure the targets use)")
        tr.write_line(f"{'op':<5} {'cipher':<18} {'record':>7} {'twin':<7} {'ratio':>6} {'min':>6} {'max':>6} {'target':>7}")
        for (key, impl), (ratio, lo, hi, target) in sorted(inter.items(), key=lambda r: (r[0][0][1], r[0][0][2], r[0][0][0], r[0][1])):
            op, cipher, size = key
            mark = "" if target is None else ("ok" if ratio >= target else "MISS")
            tr.write_line(f"{op:<5} {cipher:<18} {size:>7} {impl:<7} {ratio:>6.2f} {lo:>6.2f} {hi:>6.2f} {target or '':>5} {mark}")
    if not rows:
        return
    tr.section("record layer: twin throughput as a ratio of the bare cryptography floor (medians of separate runs; noisy)")
    tr.write_line(f"{'op':<5} {'cipher':<18} {'record':>7} {'twin':<7} {'MB/s':>8} {'floor MB/s':>10} {'ratio':>6} {'target':>7}")
    for key, impl, median, target in sorted(rows, key=lambda r: (r[0][1], r[0][2], r[0][0], r[1])):
        floor = floors.get(key)
        op, cipher, size = key
        mbps = (1 << 20) / median / 1e6
        if floor is None:
            continue
        ratio = floor / median
        mark = "" if target is None else ("ok" if ratio >= target else "MISS")
        tr.write_line(
            f"{op:<5} {cipher:<18} {size:>7} {impl:<7} {mbps:>8.0f} {(1 << 20) / floor / 1e6:>10.0f} {ratio:>6.2f} {target or '':>5} {mark}"
        )

"""Ratios of fasttls to ssl from one benchmark run: shared by the summary table and the CI gate.

Input: the benchmarks' ``extra_info`` dicts (from the live session or from a
``--benchmark-json`` file).  Output rows: (case, pair, metric, ratio, target),
where every ratio is "higher is better for fasttls" and 1.0 means "as good as
ssl -> ssl in the same run".
"""

from __future__ import annotations

BASE = "ssl->ssl"

#: Issue 6 targets: (case prefix, pair, metric) -> minimum ratio.
TARGETS = {
    ("tls13-aes128gcm 16 KiB writes", "fasttls->fasttls", "throughput"): 1.5,
    ("tls13-chacha20 16 KiB writes", "fasttls->fasttls", "throughput"): 1.2,
    ("tls13-aes128gcm 16 KiB writes", "pure->pure", "throughput"): 1.0,
    ("tls13-chacha20 16 KiB writes", "pure->pure", "throughput"): 1.0,
    ("tls13-aes128gcm 1 KiB writes", "fasttls->fasttls", "throughput"): 1.0,
    ("tls13-chacha20 1 KiB writes", "fasttls->fasttls", "throughput"): 1.0,
    ("tls12-ecdsa-aes128gcm 1 KiB writes", "fasttls->fasttls", "throughput"): 1.0,
    ("full handshakes, X25519, ecdsa-p256", "fasttls->fasttls", "rate"): 0.5,
    ("full handshakes, X25519, rsa-2048", "fasttls->fasttls", "rate"): 0.5,
    ("resumed handshakes, X25519, ecdsa-p256", "fasttls->fasttls", "rate"): 0.6,
    ("resumed handshakes, X25519, rsa-2048", "fasttls->fasttls", "rate"): 0.6,
    # "CPU per server-side full handshake at most 2x ssl's" = ssl/fasttls CPU ratio >= 0.5
    ("full handshakes, X25519, ecdsa-p256", "fasttls->fasttls", "server cpu"): 0.5,
    ("idle connection memory", "fasttls->fasttls", "client memory"): 0.5,
    ("idle connection memory", "fasttls->fasttls", "server memory"): 0.5,
}


def _target(case: str, pair: str, metric: str):
    for (prefix, p, m), t in TARGETS.items():
        if case.startswith(prefix) and p == pair and m == metric:
            return t
    return None


def ratios(infos: list[dict]) -> list[tuple[str, str, str, float, float | None, str]]:
    """One row per (case, pair != ssl->ssl, metric); the last field describes the two figures."""
    by_case: dict[str, dict[str, dict]] = {}
    flat: list[dict] = []
    for info in infos:  # a benchmark that measured several pairs carries them as "entries"
        flat.extend(info.get("entries", ()) if info.get("kind") == "entries" else (info,))
    for info in flat:
        if info.get("kind") in ("bulk", "handshake", "memory"):
            by_case.setdefault(info["case"], {})[info["pair"]] = info
    rows = []
    for case, pairs in sorted(by_case.items()):
        base = pairs.get(BASE)
        if base is None:
            continue
        for pair, info in sorted(pairs.items()):
            if pair == BASE:
                continue
            kind = info["kind"]
            if kind in ("bulk", "handshake"):
                metric = "throughput" if kind == "bulk" else "rate"
                rows.append((case, pair, metric, info["value"] / base["value"], _target(case, pair, metric),
                             f"{info['value']:.0f} vs {base['value']:.0f} {info['unit']}"))
                # CPU: ssl's CPU over ours (higher is better), client and server separately.
                for side in ("client", "server"):
                    ours, theirs = info[f"{side}_cpu"], base[f"{side}_cpu"]
                    rows.append((case, pair, f"{side} cpu", theirs / ours, _target(case, pair, f"{side} cpu"),
                                 f"{ours:.3f} vs {theirs:.3f} {info['cpu_unit']}"))
            else:
                for side in ("client", "server"):
                    ours, theirs = max(info[f"{side}_kib"], 0.1), max(base[f"{side}_kib"], 0.1)
                    rows.append((case, pair, f"{side} memory", theirs / ours, _target(case, pair, f"{side} memory"),
                                 f"{ours:.1f} vs {theirs:.1f} KiB/conn"))
    return rows


def key(case: str, pair: str, metric: str) -> str:
    return f"{case} | {pair} | {metric}"

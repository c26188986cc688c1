"""Test helpers: ways of feeding bytes (whole, byte by byte, in random chunks)."""

from __future__ import annotations

import random
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

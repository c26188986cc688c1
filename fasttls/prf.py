"""The TLS 1.2 pseudo-random function and what is derived with it.

RFC 5246 section 5 (P_hash and the PRF), 8.1 (master secret), 6.3 (key
block), 7.4.9 (Finished); RFC 7627 (extended master secret); RFC 5705
(keying material exporters).  Modeled on Go's ``crypto/tls/prf.go``.

The PRF hash is the cipher suite's (SHA-256 unless the suite says SHA-384);
HMAC comes from ``cryptography``.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, hmac

__all__ = [
    "MASTER_SECRET_LENGTH",
    "FINISHED_LENGTH",
    "p_hash",
    "prf12",
    "master_secret",
    "extended_master_secret",
    "key_block",
    "finished_verify_data",
    "export_keying_material12",
]

HashAlgorithm = hashes.HashAlgorithm

MASTER_SECRET_LENGTH = 48  # RFC 5246 8.1
FINISHED_LENGTH = 12  # RFC 5246 7.4.9: verify_data_length for every suite we support

# RFC 5705 4: labels an exporter must not be asked for (they name the PRF's own uses).
_RESERVED_EXPORTER_LABELS = frozenset(
    {b"client finished", b"server finished", b"master secret", b"key expansion", b"extended master secret"}
)


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("ascii") if isinstance(value, str) else bytes(value)


def p_hash(hash_alg: HashAlgorithm, secret: bytes, seed: bytes, length: int) -> bytes:
    """P_hash(secret, seed) truncated to ``length`` bytes (RFC 5246 5).

    A(0) = seed, A(i) = HMAC(secret, A(i-1));
    output = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...
    """
    if length < 0:
        raise ValueError("negative PRF output length")
    keyed = hmac.HMAC(secret, hash_alg)  # keyed once, copied per block
    out = bytearray()
    a = seed
    while len(out) < length:
        mac = keyed.copy()
        mac.update(a)
        a = mac.finalize()
        mac = keyed.copy()
        mac.update(a)
        mac.update(seed)
        out += mac.finalize()
    return bytes(out[:length])


def prf12(hash_alg: HashAlgorithm, secret: bytes, label: bytes | str, seed: bytes, length: int) -> bytes:
    """PRF(secret, label, seed) = P_<hash>(secret, label + seed) (RFC 5246 5)."""
    return p_hash(hash_alg, secret, _as_bytes(label) + seed, length)


def master_secret(
    hash_alg: HashAlgorithm, pre_master_secret: bytes, client_random: bytes, server_random: bytes
) -> bytes:
    """master_secret = PRF(pms, "master secret", client_random + server_random)[0..47] (RFC 5246 8.1)."""
    return prf12(hash_alg, pre_master_secret, b"master secret", client_random + server_random, MASTER_SECRET_LENGTH)


def extended_master_secret(hash_alg: HashAlgorithm, pre_master_secret: bytes, session_hash: bytes) -> bytes:
    """master_secret = PRF(pms, "extended master secret", session_hash)[0..47] (RFC 7627 4).

    ``session_hash`` is the transcript hash up to and including ClientKeyExchange.
    """
    return prf12(hash_alg, pre_master_secret, b"extended master secret", session_hash, MASTER_SECRET_LENGTH)


def key_block(
    hash_alg: HashAlgorithm, master_secret: bytes, server_random: bytes, client_random: bytes, length: int
) -> bytes:
    """key_block = PRF(master_secret, "key expansion", server_random + client_random) (RFC 5246 6.3).

    Note the order: the server's random comes first here, unlike the master secret.
    """
    return prf12(hash_alg, master_secret, b"key expansion", server_random + client_random, length)


def finished_verify_data(
    hash_alg: HashAlgorithm, master_secret: bytes, label: bytes | str, handshake_hash: bytes
) -> bytes:
    """verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11] (RFC 5246 7.4.9).

    ``label`` is ``b"client finished"`` or ``b"server finished"``.
    """
    label = _as_bytes(label)
    if label not in (b"client finished", b"server finished"):
        raise ValueError(f"not a Finished label: {label!r}")
    return prf12(hash_alg, master_secret, label, handshake_hash, FINISHED_LENGTH)


def export_keying_material12(
    hash_alg: HashAlgorithm,
    master_secret: bytes,
    client_random: bytes,
    server_random: bytes,
    label: bytes | str,
    context: bytes | None,
    length: int,
) -> bytes:
    """RFC 5705 keying material for a TLS 1.2 session.

    seed = client_random + server_random, followed (only when a context is
    given, even an empty one) by uint16 context length + context.  ``None``
    and ``b""`` are different contexts in TLS 1.2.
    """
    label = _as_bytes(label)
    if label in _RESERVED_EXPORTER_LABELS:
        raise ValueError(f"reserved exporter label: {label.decode('ascii', 'replace')}")
    seed = client_random + server_random
    if context is not None:
        if len(context) > 0xFFFF:
            raise ValueError("exporter context too long")
        seed += len(context).to_bytes(2, "big") + context
    return prf12(hash_alg, master_secret, label, seed, length)

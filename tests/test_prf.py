"""The TLS 1.2 PRF (RFC 5246 5) and what is derived with it, against published vectors.

* The TLS 1.2 PRF test vectors posted to the IETF TLS list (SHA-224, SHA-256,
  SHA-384, SHA-512; "test label"), used by BearSSL, Bouncy Castle and others.
* NIST CAVP SP 800-135 "TLS 1.2" KDF vectors (COUNT = 0) for the master secret
  and key block, SHA-256 and SHA-384.
* A real OpenSSL 3.0.19 TLS 1.2 handshake (ECDHE-RSA-AES128-GCM-SHA256 and
  ECDHE-RSA-AES256-GCM-SHA384, extended master secret): the master secret from
  its ``-keylogfile``, the Finished messages it sent (``-msg``), the handshake
  hashes computed from those captured messages, and the keying material its
  ``-keymatexport`` printed.
* An independent P_hash written with the standard library's ``hmac``.
"""

from __future__ import annotations

import hashlib
import hmac as std_hmac

import pytest
from cryptography.hazmat.primitives import hashes

from fasttls import prf

ALGS = {
    "sha224": hashes.SHA224(),
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}

# (hash, secret, seed, output); label "test label".  IETF TLS list, msg03416.
PRF_VECTORS = [
    pytest.param(
        "sha224",
        "e18828740352b530d69b34c6597dea2e",
        "f5a3fe6d34e2e28560fdcaf6823f9091",
        "224d8af3c0453393a9779789d21cf7da5ee62ae6b617873d489428efc8dd58d1"
        "566e7029e2ca3a5ecd355dc64d4d927e2fbd78c4233e8604b14749a77a92a70f"
        "ddf614bc0df623d798604e4ca5512794d802a258e82f86cf",
        id="sha224",
    ),
    pytest.param(
        "sha256",
        "9bbe436ba940f017b17652849a71db35",
        "a0ba9f936cda311827a6f796ffd5198c",
        "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
        "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
        "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
        "87347b66",
        id="sha256",
    ),
    pytest.param(
        "sha384",
        "b80b733d6ceefcdc71566ea48e5567df",
        "cd665cf6a8447dd6ff8b27555edb7465",
        "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd"
        "e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd"
        "8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425"
        "9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6"
        "91c8f3a26854308d5eaa3be85e0990703d73e56f",
        id="sha384",
    ),
    pytest.param(
        "sha512",
        "b0323523c1853599584d88568bbb05eb",
        "d4640e12e4bcdbfb437f03e6ae418ee5",
        "1261f588c798c5c201ff036e7a9cb5edcd7fe3f94c669a122a4638d7d508b283"
        "042df6789875c7147e906d868bc75c45e20eb40c1cf4a1713b27371f68432592"
        "f7dc8ea8ef223e12ea8507841311bf68653d0cfc4056d811f025c45ddfa6e6fe"
        "c702f054b409d6f28dd0a3233e498da41a3e75c5630eedbe22fe254e33a1b0e9"
        "f6b9826675bec7d01a845658dc9c397545401d40b9f46c7a400ee1b8f81ca0a6"
        "0d1a397a1028bff5d2ef5066126842fb8da4197632bdb54ff6633f86bbc836e6"
        "40d4d898",
        id="sha512",
    ),
]


def oracle_p_hash(hash_name: str, secret: bytes, seed: bytes, length: int) -> bytes:
    """P_hash straight from RFC 5246 5, with the stdlib's hmac (shares no code with fasttls.prf)."""
    out, a = b"", seed
    while len(out) < length:
        a = std_hmac.new(secret, a, hash_name).digest()
        out += std_hmac.new(secret, a + seed, hash_name).digest()
    return out[:length]


@pytest.mark.parametrize("hash_name, secret, seed, output", PRF_VECTORS)
def test_prf_published_vectors(hash_name, secret, seed, output):
    alg = ALGS[hash_name]
    secret_b, seed_b, expected = bytes.fromhex(secret), bytes.fromhex(seed), bytes.fromhex(output)
    assert prf.prf12(alg, secret_b, b"test label", seed_b, len(expected)) == expected
    assert prf.prf12(alg, secret_b, "test label", seed_b, len(expected)) == expected
    assert oracle_p_hash(hash_name, secret_b, b"test label" + seed_b, len(expected)) == expected
    # Shorter outputs are prefixes; the PRF is a stream.
    for n in (0, 1, 12, alg.digest_size, alg.digest_size + 1):
        assert prf.prf12(alg, secret_b, b"test label", seed_b, n) == expected[:n]


@pytest.mark.parametrize("hash_name", ["sha256", "sha384"])
@pytest.mark.parametrize("length", [0, 1, 31, 32, 33, 48, 64, 104, 200])
def test_p_hash_against_oracle(hash_name, length):
    secret = hashlib.new(hash_name, b"secret").digest()[:20]
    seed = b"label" + bytes(range(64))
    assert prf.p_hash(ALGS[hash_name], secret, seed, length) == oracle_p_hash(hash_name, secret, seed, length)


def test_p_hash_rejects_negative_length():
    with pytest.raises(ValueError):
        prf.p_hash(ALGS["sha256"], b"k", b"s", -1)


# NIST CAVP SP 800-135 TLS KDF, [TLS 1.2, SHA-256] and [TLS 1.2, SHA-384], COUNT = 0.
# The master secret uses the hello randoms, the key block the other pair.
CAVP = [
    pytest.param(
        "sha256",
        dict(
            pre_master_secret="f8938ecc9edebc5030c0c6a441e213cd24e6f770a50dda07"
            "876f8d55da062bcadb386b411fd4fe4313a604fce6c17fbc",
            server_hello_random="f6c9575ed7ddd73e1f7d16eca115415812a43c2b747daaaae043abfb50053fce",
            client_hello_random="36c129d01a3200894b9179faac589d9835d58775f9b5ea3587cb8fd0364cae8c",
            server_random="ae6c806f8ad4d80784549dff28a4b58fd837681a51d928c3e30ee5ff14f39868",
            client_random="62e1fd91f23f558a605f28478c58cf72637b89784d959df7e946d3f07bd1b616",
            master_secret="202c88c00f84a17a20027079604787461176455539e705be"
            "730890602c289a5001e34eeb3a043e5d52a65e66125188bf",
            key_block="d06139889fffac1e3a71865f504aa5d0d2a2e89506c6f2279b670c3e1b74f531"
            "016a2530c51a3a0f7e1d6590d0f0566b2f387f8d11fd4f731cdd572d2eae927f"
            "6f2f81410b25e6960be68985add6c38445ad9f8c64bf8068bf9a6679485d966f"
            "1ad6f68b43495b10a683755ea2b858d70ccac7ec8b053c6bd41ca299d4e51928",
        ),
        id="cavp-tls12-sha256",
    ),
    pytest.param(
        "sha384",
        dict(
            pre_master_secret="a5e2642633f5b8c81ad3fe0c2fe3a8e5ef806b06121dd10d"
            "f4bb0fe857bfdcf522558e05d2682c9a80c741a3aab1716f",
            server_hello_random="cb6e0b3eb02976b6466dfa9651c2919414f1648fd3a7838d02153e5bd39535b6",
            client_hello_random="abe4bf5527429ac8eb13574d2709e8012bd1a113c6d3b1d3aa2c3840518778ac",
            server_random="1b1c8568344a65c30828e7483c0e353e2c68641c9551efae6927d9cd627a107c",
            client_random="954b5fe1849c2ede177438261f099a2fcd884d001b9fe1de754364b1f6a6dd8e",
            master_secret="b4d49bfa87747fe815457bc3da15073d6ac73389e703079a"
            "3503c09e14bd559a5b3c7c601c7365f6ea8c68d3d9596827",
            key_block="10fd89ef689c7ef033387b8a8f3e5e8e7c11f680f6bdd71fbac3246a73e98d45"
            "d03185dde686e6b2369e4503e9dc5a6d2cee3e2bf2fa3f41d3de57dff3e197c8"
            "a9d5f74cc2d277119d894f8584b07a0a5822f0bd68b3433ec6adaf5c9406c5f3"
            "ddbb71bbe17ce98f3d4d5893d3179ef369f57aad908e2bf710639100c3ce7e0c",
        ),
        id="cavp-tls12-sha384",
    ),
]


@pytest.mark.parametrize("hash_name, vec", CAVP)
def test_master_secret_and_key_block_cavp(hash_name, vec):
    alg = ALGS[hash_name]
    b = {k: bytes.fromhex(x) for k, x in vec.items()}
    ms = prf.master_secret(alg, b["pre_master_secret"], b["client_hello_random"], b["server_hello_random"])
    assert ms == b["master_secret"]
    assert len(ms) == prf.MASTER_SECRET_LENGTH
    kb = prf.key_block(alg, b["master_secret"], b["server_random"], b["client_random"], len(b["key_block"]))
    assert kb == b["key_block"]
    # The order matters: swapping the randoms gives a different key block.
    assert prf.key_block(alg, b["master_secret"], b["client_random"], b["server_random"], 32) != kb[:32]


def test_extended_master_secret_against_oracle():
    # RFC 7627 4: PRF(pms, "extended master secret", session_hash)[0..47].
    pms = bytes(range(48))
    for name in ("sha256", "sha384"):
        session_hash = hashlib.new(name, b"ClientHello..ClientKeyExchange").digest()
        expected = oracle_p_hash(name, pms, b"extended master secret" + session_hash, 48)
        assert prf.extended_master_secret(ALGS[name], pms, session_hash) == expected
        # Not the same as the classic derivation over the same bytes.
        assert prf.master_secret(ALGS[name], pms, session_hash[:16], session_hash[16:]) != expected


# A real OpenSSL 3.0.19 TLS 1.2 handshake (extended master secret negotiated):
# master secret and client random from -keylogfile; handshake hashes over the
# messages -msg captured (ClientHello..ClientKeyExchange for the client Finished,
# ..client Finished, NewSessionTicket for the server's); the verify_data OpenSSL
# sent; the keying material -keymatexport "EXPERIMENTAL fasttls" (42 bytes, no
# context) printed.
OPENSSL_TLS12 = [
    pytest.param(
        "sha256",
        dict(
            client_random="e7d9e89a6a9cbb365f08c1fce562f72fab29f659cc287d5aef06cba9e876fb79",
            server_random="e453185af5f18bc2d97e2c8e61ff66802266bf16a0736fbc444f574e47524401",
            master_secret="1e798c7c11df656ea302b26ec6fef26c389b713b2b8b9551"
            "e894e346abdb14c7810fb7f2db6bb4dc7de34224b717fbbc",
            client_finished_hash="f3587c225fcd1965c4b6f409779c19e2c4394bfe8b45064201c22317e2e8ead4",
            client_verify_data="d6c672bafebe16503e6e3107",
            server_finished_hash="af8decedcbe3e983d4e9261911ebc64fb0451aa8223f57025aa45ebdfbd0c4fb",
            server_verify_data="625207806872cd72c30604b6",
            keying_material="597c70bd12ac8a49e57d52708447a2b4d6dea1e1eb9faa9ed0d45f95319ed03a0147708457073f821f79",
        ),
        id="ECDHE-RSA-AES128-GCM-SHA256",
    ),
    pytest.param(
        "sha384",
        dict(
            client_random="a8f230bc40cf1ef11f10f9c2cd1cad73e83d547a3793c4eef12c96bb32cebaf4",
            server_random="c2fa8aa09c54184a67d0f12061bf3b6753a9147e981e1a24444f574e47524401",
            master_secret="8fa6f1567cf576758fa176039f2957e0417008e64dce3651"
            "69dc43904063e16bab928d7afb4eac3d0e3a9f262d618e4c",
            client_finished_hash="6bb84634ad85f2da6bbce228449ab0b119fb8fe9cef894ae474229eeb97b6b67"
            "a0f8b003fe1f5c2d0a11ca894344fd97",
            client_verify_data="a42ee745bfc2b3deee50fbbe",
            server_finished_hash="abc648b2803a5855d9218d7a1aeadf96bbdbbcac728db88529b02d76360a7201"
            "8454c518e29256a8256b835e275652f5",
            server_verify_data="5124d766a6467ca8a2b2f182",
            keying_material="84b01cdd5dd1def5cbe225e6c1b576f673d1ed70e8e9c2786d43e282beca09bbba31b5df78ca5ccb5d2e",
        ),
        id="ECDHE-RSA-AES256-GCM-SHA384",
    ),
]


@pytest.mark.parametrize("hash_name, vec", OPENSSL_TLS12)
def test_finished_and_exporter_match_openssl(hash_name, vec):
    alg = ALGS[hash_name]
    b = {k: bytes.fromhex(x) for k, x in vec.items()}
    ms = b["master_secret"]
    client_vd = prf.finished_verify_data(alg, ms, b"client finished", b["client_finished_hash"])
    assert client_vd == b["client_verify_data"] and len(client_vd) == prf.FINISHED_LENGTH
    assert prf.finished_verify_data(alg, ms, "server finished", b["server_finished_hash"]) == b["server_verify_data"]
    label = "EXPERIMENTAL fasttls"
    ekm = prf.export_keying_material12(alg, ms, b["client_random"], b["server_random"], label, None, 42)
    assert ekm == b["keying_material"]
    again = prf.export_keying_material12(alg, ms, b["client_random"], b["server_random"], label.encode(), None, 42)
    assert again == ekm


def test_finished_rejects_other_labels():
    with pytest.raises(ValueError):
        prf.finished_verify_data(ALGS["sha256"], bytes(48), b"key expansion", bytes(32))


def test_exporter_context_none_and_empty_differ():
    # RFC 5705 4: with a context the seed gets its uint16 length too, even when empty.
    alg, ms = ALGS["sha256"], bytes(range(48))
    cr, sr = bytes(32), bytes(range(32))
    no_context = prf.export_keying_material12(alg, ms, cr, sr, "EXPORTER-test", None, 32)
    empty_context = prf.export_keying_material12(alg, ms, cr, sr, "EXPORTER-test", b"", 32)
    with_context = prf.export_keying_material12(alg, ms, cr, sr, "EXPORTER-test", b"abc", 32)
    assert no_context == oracle_p_hash("sha256", ms, b"EXPORTER-test" + cr + sr, 32)
    assert empty_context == oracle_p_hash("sha256", ms, b"EXPORTER-test" + cr + sr + b"\x00\x00", 32)
    assert with_context == oracle_p_hash("sha256", ms, b"EXPORTER-test" + cr + sr + b"\x00\x03abc", 32)
    assert len({no_context, empty_context, with_context}) == 3


@pytest.mark.parametrize(
    "label", ["client finished", "server finished", "master secret", "key expansion", "extended master secret"]
)
def test_exporter_refuses_reserved_labels(label):
    with pytest.raises(ValueError):
        prf.export_keying_material12(ALGS["sha256"], bytes(48), bytes(32), bytes(32), label, None, 16)

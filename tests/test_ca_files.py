"""Loading CA files, hashed CA directories and certificate chains as Python's ``ssl``
(OpenSSL 3) loads them: each case runs on both and compares (a probe of
``load_verify_locations``, ``load_default_certs`` and ``load_cert_chain`` found these)."""

from __future__ import annotations

import ssl
import subprocess
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

import fasttls
from fasttls.verify import name_hash

from . import pki
from .helpers import bio_handshake

CONTEXTS = {"ssl": ssl.SSLContext, "fasttls": fasttls.SSLContext}


def _server(issued: pki.Issued, tmp_path) -> ssl.SSLContext:
    certfile, keyfile = issued.write(tmp_path, "server")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certfile, keyfile)
    return server


def _verdict(client: ssl.SSLContext, server: ssl.SSLContext):
    """None when the client verified the server, else its verify code (or error repr)."""
    err = bio_handshake((client, "localhost"), server).get("client")
    if err is None:
        return None
    return err.verify_code if isinstance(err, ssl.SSLCertVerificationError) else repr(err)


def _verdicts(cafile, server: ssl.SSLContext) -> dict:
    """:func:`_verdict` of an ``ssl`` and a fasttls client trusting ``cafile``."""
    seen = {}
    for kind, cls in CONTEXTS.items():
        client = cls(ssl.PROTOCOL_TLS_CLIENT)
        client.load_verify_locations(str(cafile))
        seen[kind] = _verdict(client, server)
    return seen


def _name(*attrs: x509.NameAttribute | list) -> x509.Name:
    rdns = [x509.RelativeDistinguishedName(a if isinstance(a, list) else [a]) for a in attrs]
    return x509.Name(rdns)


NAMES = {
    "plain": _name(x509.NameAttribute(NameOID.COMMON_NAME, "Test Root")),
    "case-and-blanks": _name(
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "  Mixed   CASE\tOrg "),
        x509.NameAttribute(NameOID.COMMON_NAME, "Root  CA"),
    ),
    "printable": _name(x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"), x509.NameAttribute(NameOID.COMMON_NAME, "Printable Root", x509.name._ASN1Type.PrintableString)),
    "bmp": _name(x509.NameAttribute(NameOID.COMMON_NAME, "BMP Wurzel \u00e9", x509.name._ASN1Type.BMPString)),
    "utf8-non-ascii": _name(x509.NameAttribute(NameOID.COMMON_NAME, "Ra\u00efz CA \u6839")),
    "multi-valued-rdn": _name(
        [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Unit B"), x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "unit a")],
        x509.NameAttribute(NameOID.COMMON_NAME, "Multi"),
    ),
    "ia5-email": _name(x509.NameAttribute(NameOID.EMAIL_ADDRESS, "CA@Example.TEST"), x509.NameAttribute(NameOID.COMMON_NAME, "Mail CA")),
}


@pytest.mark.parametrize("which", NAMES)
def test_name_hash_is_openssls(tmp_path, which):
    """The file name ``openssl rehash`` gives a CA in a hashed directory: we look issuers
    up by it in SSL_CERT_DIR."""
    ca = pki.make_ca(subject=NAMES[which])
    path = tmp_path / "ca.pem"
    path.write_bytes(ca.cert_pem)
    expected = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", str(path)], capture_output=True, check=True, timeout=30).stdout.decode().strip()
    assert name_hash(ca.cert.subject) == expected


@pytest.fixture
def private_ca(tmp_path):
    """A CA found only in a hashed directory (``openssl rehash``), its server
    certificate, and a CA file holding some other CA."""
    ca = pki.make_ca("fasttls private dir CA")
    directory = tmp_path / "certs"
    directory.mkdir()
    (directory / "private.pem").write_bytes(ca.cert_pem)
    subprocess.run(["openssl", "rehash", str(directory)], check=True, capture_output=True, timeout=30)
    other = tmp_path / "other.pem"
    other.write_bytes(pki.make_ca("fasttls unrelated CA").cert_pem)
    return ca, directory, other, _server(pki.make_leaf(ca, ["localhost"]), tmp_path)


@pytest.mark.parametrize("ca_file", ["other-CA", "system-bundle", "missing"])
def test_ssl_cert_dir_is_used_beside_a_ca_file(private_ca, monkeypatch, tmp_path, ca_file):
    """OpenSSL's default paths are the CA file *and* the directory; we read the directory
    only when the file held no certificate, so SSL_CERT_DIR (or a CA added to
    /etc/ssl/certs with c_rehash but not to the bundle) was ignored."""
    ca, directory, other, server = private_ca
    monkeypatch.setenv("SSL_CERT_DIR", str(directory))
    if ca_file == "other-CA":
        monkeypatch.setenv("SSL_CERT_FILE", str(other))
    elif ca_file == "missing":
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    seen = {}
    for kind, cls in CONTEXTS.items():
        client = cls(ssl.PROTOCOL_TLS_CLIENT)
        client.load_default_certs()
        seen[kind] = _verdict(client, server)
    assert seen == {"ssl": None, "fasttls": None}


def test_only_hashed_names_count_in_the_system_directory(tmp_path, monkeypatch):
    """Without certificates in the CA file we read the whole directory at once, and
    trusted any *.pem there; OpenSSL looks up hashed names only (openssl rehash)."""
    ca = pki.make_ca("fasttls not rehashed CA")
    directory = tmp_path / "certs"
    directory.mkdir()
    (directory / "myca.pem").write_bytes(ca.cert_pem)
    monkeypatch.setenv("SSL_CERT_DIR", str(directory))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    server = _server(pki.make_leaf(ca, ["localhost"]), tmp_path)
    seen = {}
    for kind, cls in CONTEXTS.items():
        client = cls(ssl.PROTOCOL_TLS_CLIENT)
        client.load_default_certs()
        seen[kind] = (len(client.get_ca_certs()), _verdict(client, server))
    assert seen == {"ssl": (0, 20), "fasttls": (0, 20)}


def test_a_configured_store_that_holds_nothing_is_not_replaced_by_certifi(tmp_path, monkeypatch):
    """SSL_CERT_FILE naming a file without certificates (and an empty SSL_CERT_DIR): OpenSSL
    trusts nothing; we fell back to certifi's bundle, 120 CAs nobody configured."""
    empty = tmp_path / "none.pem"
    empty.write_bytes(b"no certificates here\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "missing"))
    seen = {}
    for kind, cls in CONTEXTS.items():
        client = cls(ssl.PROTOCOL_TLS_CLIENT)
        client.load_default_certs()
        seen[kind] = client.cert_store_stats()
    assert seen["fasttls"] == seen["ssl"] == {"x509": 0, "crl": 0, "x509_ca": 0}


TRUST_OPTIONS = {
    "no-settings": [],
    "trusted-for-serverAuth": ["-addtrust", "serverAuth"],
    "trusted-for-clientAuth-only": ["-addtrust", "clientAuth"],
    "rejected-for-serverAuth": ["-addreject", "serverAuth"],
    "trusted-for-anyEKU": ["-addtrust", "anyExtendedKeyUsage"],
}


@pytest.mark.parametrize("settings", TRUST_OPTIONS)
def test_trusted_certificate_blocks_as_in_ssl(tmp_path, monkeypatch, settings):
    """``-----BEGIN TRUSTED CERTIFICATE-----`` (openssl x509 -trustout, Fedora's
    ca-bundle.trust.crt) failed to parse as a cafile, and as SSL_CERT_FILE it left the
    store empty, so certifi's bundle was trusted instead.  Its trust settings count: a
    CA distrusted for serverAuth rejects the chain (28), as in OpenSSL."""
    ca = pki.make_ca("fasttls trusted-form CA")
    plain = tmp_path / "ca.pem"
    plain.write_bytes(ca.cert_pem)
    trusted = tmp_path / "ca-trusted.pem"
    subprocess.run(
        ["openssl", "x509", "-in", str(plain), "-trustout", *TRUST_OPTIONS[settings], "-out", str(trusted)], check=True, capture_output=True, timeout=30
    )
    assert trusted.read_bytes().startswith(b"-----BEGIN TRUSTED CERTIFICATE-----")
    server = _server(pki.make_leaf(ca, ["localhost"]), tmp_path)
    seen = {}
    for kind, cls in CONTEXTS.items():
        client = cls(ssl.PROTOCOL_TLS_CLIENT)
        client.load_verify_locations(str(trusted))
        seen[kind] = (client.cert_store_stats(), _verdict(client, server))
    monkeypatch.setenv("SSL_CERT_FILE", str(trusted))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "missing"))
    for kind, cls in CONTEXTS.items():
        client = cls(ssl.PROTOCOL_TLS_CLIENT)
        client.load_default_certs()
        seen[kind] += (client.cert_store_stats(), _verdict(client, server))
    assert seen["fasttls"] == seen["ssl"], seen


def test_a_trusted_certificate_block_as_the_servers_own_chain(tmp_path):
    issued = pki.make_leaf(pki.make_ca(), ["localhost"])
    certfile, keyfile = issued.write(tmp_path, "leaf")
    subprocess.run(["openssl", "x509", "-in", certfile, "-trustout", "-out", certfile], check=True, capture_output=True, timeout=30)
    for cls in CONTEXTS.values():
        ctx = cls(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certfile, keyfile)


def _cut(pem: bytes) -> bytes:
    """The PEM without its last END line."""
    return pem[: pem.rindex(b"-----END ")]


def test_a_pem_block_without_its_end_line_is_refused_as_in_ssl(tmp_path):
    """A bundle or chain cut short loaded silently without its last certificate (a server
    then sent only its leaf; a CA bundle lost its last CA)."""
    ca = pki.make_ca()
    inter = pki.make_ca("fasttls cut intermediate", issuer=ca)
    issued = pki.make_leaf(inter, ["localhost"])
    chain = tmp_path / "chain.pem"
    chain.write_bytes(_cut(issued.cert_pem + inter.cert_pem))
    key = tmp_path / "key.pem"
    key.write_bytes(issued.key_pem)
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(_cut(ca.cert_pem + inter.cert_pem))
    seen = {}
    for kind, cls in CONTEXTS.items():
        with pytest.raises(ssl.SSLError) as chain_error:
            cls(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(str(chain), str(key))
        with pytest.raises(ssl.SSLError) as bundle_error:
            cls(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(str(bundle))
        seen[kind] = (chain_error.value.library, chain_error.value.reason, bundle_error.value.library)
    assert seen["fasttls"] == seen["ssl"] == ("PEM", "BAD_END_LINE", "X509"), seen


def test_a_key_encrypted_with_an_empty_password_loads_as_in_ssl(tmp_path):
    """``openssl pkey -aes256 -passout pass:`` (PBES2): cryptography reads b"" as no
    password; ssl loads it with password=""."""
    issued = pki.make_leaf(pki.make_ca(), ["localhost"])
    certfile, keyfile = issued.write(tmp_path, "leaf")
    encrypted = tmp_path / "encrypted.key"
    subprocess.run(["openssl", "pkey", "-in", keyfile, "-aes256", "-passout", "pass:", "-out", str(encrypted)], check=True, capture_output=True, timeout=30)
    assert b"ENCRYPTED PRIVATE KEY" in encrypted.read_bytes()
    for cls in CONTEXTS.values():
        for password in ("", b"", lambda: ""):
            cls(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(certfile, str(encrypted), password)
        with pytest.raises(ssl.SSLError):
            cls(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(certfile, str(encrypted), "wrong")


def test_small_differences_in_loading_errors_as_in_ssl(tmp_path):
    """A non-ASCII cadata str is a TypeError; a certfile without the key is an SSLError of
    library SSL without a reason (ours said reason "SSL")."""
    issued = pki.make_leaf(pki.make_ca(), ["localhost"])
    certfile, _ = issued.write(tmp_path, "leaf")
    seen = {}
    for kind, cls in CONTEXTS.items():
        with pytest.raises(TypeError) as type_error:
            cls(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata="caf\u00e9")
        with pytest.raises(ssl.SSLError) as no_key:
            cls(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(certfile)
        seen[kind] = (str(type_error.value), no_key.value.library, no_key.value.reason)
    assert seen["fasttls"] == seen["ssl"], seen


def test_a_critical_authority_key_identifier_is_an_unhandled_critical_extension(tmp_path):
    """OpenSSL does not handle a critical authorityKeyIdentifier: 34, as for any unknown
    critical extension; we said 1 (cryptography's "incorrect criticality")."""
    ca = pki.make_ca()
    ski = x509.SubjectKeyIdentifier.from_public_key(ca.key.public_key())
    leaf = pki.make_leaf(
        ca, ["localhost"], aki=False, extra_extensions=[(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), True)]
    )
    server = _server(leaf, tmp_path)
    cafile = tmp_path / "ca.pem"
    cafile.write_bytes(ca.cert.public_bytes(serialization.Encoding.PEM))
    assert _verdicts(cafile, server) == {"ssl": 34, "fasttls": 34}


def _lookup_store(private_ca, tmp_path):
    """A store as the system's is made: a CA file with another CA, and the hashed
    directory that holds ours, looked up on demand."""
    from fasttls.verify import TrustStore

    ca, directory, other, _ = private_ca
    store = TrustStore()
    store.load_file(str(other), strict=False)
    store.add_lookup_directory(str(directory))
    return store


def test_threads_verifying_at_once_all_find_the_directorys_ca(private_ca, tmp_path):
    """The first lookup of a name marked it done before its files were loaded: a second
    thread verifying meanwhile skipped it and failed with 20."""
    import threading

    from fasttls.verify import verify_server_chain

    ca = private_ca[0]
    leaf = pki.make_leaf(ca, ["localhost"])
    for _ in range(10):
        store = _lookup_store(private_ca, tmp_path)
        errors = []
        barrier = threading.Barrier(4)

        def verify() -> None:
            barrier.wait()
            try:
                verify_server_chain(leaf.chain, store, "localhost")
            except Exception as e:  # noqa: BLE001 - collected and asserted below
                errors.append(e)

        threads = [threading.Thread(target=verify) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert errors == []


def test_a_ca_added_to_the_directory_later_is_found(private_ca, tmp_path):
    """A name found nowhere was remembered for the process's life; OpenSSL looks again."""
    from fasttls.errors import SSLCertVerificationError
    from fasttls.verify import verify_server_chain

    ca, directory, _, _ = private_ca
    late = pki.make_ca("fasttls late CA")
    leaf = pki.make_leaf(late, ["localhost"])
    store = _lookup_store(private_ca, tmp_path)
    with pytest.raises(SSLCertVerificationError) as e:
        verify_server_chain(leaf.chain, store, "localhost")
    assert e.value.verify_code == 20
    (directory / "late.pem").write_bytes(late.cert_pem)
    subprocess.run(["openssl", "rehash", str(directory)], check=True, capture_output=True, timeout=30)
    verify_server_chain(leaf.chain, store, "localhost")


def test_only_the_issuers_on_the_path_are_looked_up(private_ca, tmp_path, monkeypatch):
    """Every certificate a peer sent had its issuer looked up: a thousand junk ones meant
    a thousand file lookups each handshake."""
    import fasttls.verify as verify

    ca = private_ca[0]
    leaf = pki.make_leaf(ca, ["localhost"])
    junk = [pki.make_ca(f"junk {i}", issuer=pki.make_ca(f"junk root {i}")).cert for i in range(20)]
    store = _lookup_store(private_ca, tmp_path)
    hashed = []
    real = verify.name_hash
    monkeypatch.setattr(verify, "name_hash", lambda name: hashed.append(name) or real(name))
    verify.verify_server_chain([*leaf.chain, *junk], store, "localhost")
    assert hashed == [ca.cert.subject]


@pytest.mark.parametrize("leaf_kind", ["expired", "wrong-name", "client-eku"])
def test_a_distrusted_anchor_is_reported_before_the_leafs_own_faults(tmp_path, leaf_kind):
    """OpenSSL checks an anchor's trust settings as it builds the chain, before the
    purpose, the name and the dates: 28, where we said 10, 62 or 26."""
    import datetime

    ca = pki.make_ca("fasttls distrusted CA")
    plain = tmp_path / "ca.pem"
    plain.write_bytes(ca.cert_pem)
    trusted = tmp_path / "ca-trusted.pem"
    subprocess.run(["openssl", "x509", "-in", str(plain), "-trustout", "-addreject", "serverAuth", "-out", str(trusted)], check=True, capture_output=True, timeout=30)
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=10)
    leaf = {
        "expired": lambda: pki.make_leaf(ca, ["localhost"], not_before=past, not_after=past + datetime.timedelta(days=1)),
        "wrong-name": lambda: pki.make_leaf(ca, ["elsewhere.test"]),
        "client-eku": lambda: pki.make_leaf(ca, ["localhost"], client=True),
    }[leaf_kind]()
    server = _server(leaf, tmp_path)
    assert _verdicts(trusted, server) == {"ssl": 28, "fasttls": 28}


def test_pem_markers_count_only_at_the_start_of_a_line(tmp_path):
    """OpenSSL reads BEGIN and END lines only at a line's start: a comment mentioning a
    BEGIN marker made the whole file BAD_END_LINE."""
    ca = pki.make_ca()
    data = b"note: -----BEGIN CERTIFICATE----- blocks follow\n" + ca.cert_pem
    path = tmp_path / "ca.pem"
    path.write_bytes(data)
    for cls in CONTEXTS.values():
        cls(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(str(path))
        cls(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=data.decode())


def test_cut_cadata_and_a_cut_leaf_fail_as_in_ssl(tmp_path):
    ca = pki.make_ca()
    inter = pki.make_ca("fasttls cut intermediate", issuer=ca)
    issued = pki.make_leaf(inter, ["localhost"])
    key = tmp_path / "key.pem"
    key.write_bytes(issued.key_pem)
    leaf_only = tmp_path / "leaf.pem"
    leaf_only.write_bytes(_cut(issued.cert_pem))
    seen = {}
    for kind, cls in CONTEXTS.items():
        shapes = []
        for cadata in (_cut(ca.cert_pem + inter.cert_pem), _cut(ca.cert_pem)):
            with pytest.raises(ssl.SSLError) as e:
                cls(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=cadata.decode())
            shapes.append((e.value.library, e.value.reason))
        with pytest.raises(ssl.SSLError) as e:
            cls(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(str(leaf_only), str(key))
        shapes.append((e.value.library, e.value.reason))
        seen[kind] = shapes
    assert seen["fasttls"] == seen["ssl"] == [("PEM", "BAD_END_LINE"), (None, None), ("SSL", None)], seen


def test_crls_in_the_system_directory_are_looked_up(tmp_path, monkeypatch):
    """OpenSSL's directory lookup reads ``<hash>.r<n>`` CRLs as well; with only a directory
    (no CA file) a revoked server was "unable to get certificate CRL" (3) here."""
    import datetime

    from cryptography.hazmat.primitives import hashes

    ca = pki.make_ca("fasttls CRL dir CA")
    leaf = pki.make_leaf(ca, ["localhost"])
    now = datetime.datetime.now(datetime.timezone.utc)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(now - datetime.timedelta(hours=1))
        .next_update(now + datetime.timedelta(days=1))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(leaf.cert.serial_number).revocation_date(now - datetime.timedelta(hours=1)).build()
        )
        .sign(ca.key, hashes.SHA256())
    )
    directory = tmp_path / "certs"
    directory.mkdir()
    (directory / "ca.pem").write_bytes(ca.cert_pem)
    (directory / "ca.crl").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    subprocess.run(["openssl", "rehash", str(directory)], check=True, capture_output=True, timeout=30)
    assert any(p.name.endswith(".r0") for p in directory.iterdir())
    monkeypatch.setenv("SSL_CERT_DIR", str(directory))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    server = _server(leaf, tmp_path)
    seen = {}
    for kind, cls in CONTEXTS.items():
        client = cls(ssl.PROTOCOL_TLS_CLIENT)
        client.load_default_certs()
        client.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
        seen[kind] = _verdict(client, server)
    assert seen == {"ssl": 23, "fasttls": 23}


def test_a_pem_file_with_a_byte_order_mark_loads_as_in_ssl(tmp_path):
    """A UTF-8 BOM (Windows editors) before the first BEGIN line: OpenSSL skips it."""
    issued = pki.make_leaf(pki.make_ca(), ["localhost"])
    certfile, keyfile = issued.write(tmp_path, "leaf")
    bom = tmp_path / "bom.pem"
    bom.write_bytes(b"\xef\xbb\xbf" + issued.chain_pem)
    for cls in CONTEXTS.values():
        cls(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(str(bom))
        cls(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(str(bom), keyfile)
    # And right after an END line (files joined with cat): OpenSSL skips it there too.
    other, root = pki.make_ca("fasttls other root"), issued.root
    joined = tmp_path / "joined.pem"
    joined.write_bytes(other.cert_pem + b"\xef\xbb\xbf" + root.public_bytes(serialization.Encoding.PEM))
    server = _server(issued, tmp_path)
    seen = {}
    for kind, cls in CONTEXTS.items():
        client = cls(ssl.PROTOCOL_TLS_CLIENT)
        client.load_verify_locations(str(joined))
        seen[kind] = (client.cert_store_stats()["x509"], _verdict(client, server))
    assert seen == {"ssl": (2, None), "fasttls": (2, None)}


def test_a_client_offers_one_rsa_chain_a_server_keeps_two(tmp_path):
    """A server keeps an id-RSASSA-PSS chain beside an rsaEncryption one (OpenSSL's two
    slots); a client offers the last loaded, which ssl's TLS 1.2 client sends, where it
    would otherwise send the first that fits (Go's rule)."""
    rsa_pss = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"], capture_output=True, check=True, timeout=60).stdout
    ca = pki.make_ca()
    (tmp_path / "pss.key").write_bytes(rsa_pss)
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem)
    (tmp_path / "ca.key").write_bytes(ca.key_pem)
    subprocess.run(["openssl", "req", "-new", "-key", str(tmp_path / "pss.key"), "-subj", "/CN=localhost", "-out", str(tmp_path / "pss.csr")], check=True, capture_output=True, timeout=60)
    subprocess.run(
        ["openssl", "x509", "-req", "-in", str(tmp_path / "pss.csr"), "-CA", str(tmp_path / "ca.pem"), "-CAkey", str(tmp_path / "ca.key"),
         "-CAcreateserial", "-days", "2", "-out", str(tmp_path / "pss.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    rsa_cert, rsa_key = pki.make_leaf(ca, ["localhost"], key_type="rsa-2048").write(tmp_path, "rsa")
    chains = ((rsa_cert, rsa_key), (str(tmp_path / "pss.pem"), str(tmp_path / "pss.key")))
    for protocol in (ssl.PROTOCOL_TLS_CLIENT, ssl.PROTOCOL_TLS_SERVER, ssl.PROTOCOL_TLS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # PROTOCOL_TLS
            ctx = fasttls.SSLContext(protocol)
        for order in (chains, chains[::-1]):
            for certfile, keyfile in order:
                ctx.load_cert_chain(certfile, keyfile)
            if protocol != ssl.PROTOCOL_TLS_CLIENT:
                assert len(ctx._config_for(True).certificates) == 2
            if protocol != ssl.PROTOCOL_TLS_SERVER:
                # The client offers the last loaded (as ssl's TLS 1.2 client sends it).
                last = x509.load_pem_x509_certificate(open(order[1][0], "rb").read())
                assert [c.leaf for c in ctx._config_for(False).certificates] == [last]

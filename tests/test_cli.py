"""``python -m fasttls``: the README's main-job command must work on a fresh machine."""

from __future__ import annotations

import json
import subprocess
import sys


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fasttls", *args], capture_output=True, text=True, timeout=timeout)


def test_demo_full_then_resumed_handshake_then_transfer():
    p = run("demo", "--megabytes", "2")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "SHA-256 fingerprint:" in out
    # the trace shows the handshake messages and key changes
    for needle in ("--> ClientHello", "<-- ServerHello", "<-- Certificate", "<-- CertificateVerify", "--> Finished", "SERVER_TRAFFIC_SECRET_0"):
        assert needle in out, needle
    assert out.count("echoed back: b'hello over TLS\\n'") == 2
    resumed = [line.split()[-1] for line in out.splitlines() if line.strip().startswith("resumed ")]
    assert resumed == ["no", "yes"]
    assert "2 MiB received by the server" in out


def test_demo_json_trace_is_one_object_per_line():
    p = run("demo", "--megabytes", "1", "--trace", "json")
    assert p.returncode == 0, p.stderr
    events = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    assert events, p.stdout
    kinds = {e.get("event") or e.get("kind") or e.get("type") for e in events}
    assert len(kinds) > 1
    assert any("ClientHello" in json.dumps(e) for e in events)


# ---- client and server subcommands, against real peers -----------------------------------------

import os  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402

from .peers import openssl_client, openssl_server  # noqa: E402


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "fasttls", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def server_port(proc: subprocess.Popen) -> int:
    line = proc.stdout.readline()
    m = re.search(r"on 127\.0\.0\.1:(\d+)", line)
    assert m, line + proc.stderr.read()
    return int(m.group(1))


def pems(pki, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_bytes(pki.ca_pem)
    cert, key = pki.issued("ecdsa-p256").write(tmp_path, "server")
    ccert, ckey = pki.issued("ecdsa-p256", ("client.fasttls.test",), client=True).write(tmp_path, "client")
    return str(ca), cert, key, ccert, ckey


def test_client_against_openssl_server_shows_negotiation_chain_and_relays(pki, tmp_path):
    ca, cert, key, _, _ = pems(pki, tmp_path)
    keylog = tmp_path / "keys.log"
    with openssl_server(["-cert", cert, "-cert_chain", cert, "-key", key, "-rev", "-alpn", "h2"]) as srv:
        p = subprocess.run(
            [sys.executable, "-m", "fasttls", "client", f"127.0.0.1:{srv.port}", "--cafile", ca, "--sni", "localhost", "--alpn", "h2", "--keylog", str(keylog), "--resume"],
            input="relay me\n", capture_output=True, text=True, timeout=60,
        )
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "TLSv1.3" in out and "TLS_AES_" in out
    assert re.search(r"ALPN\s+h2", out)
    assert "CN=localhost" in out and "SANs     localhost, 127.0.0.1" in out and "ECDSA secp256r1" in out
    assert "verification: OK (host name localhost matches)" in out
    assert [line.split()[-1] for line in out.splitlines() if line.strip().startswith("resumed ")] == ["no", "yes"]
    assert "em yaler" in out  # s_server -rev reversed our relayed line
    assert "CLIENT_TRAFFIC_SECRET_0" in keylog.read_text()


def test_client_reports_verification_failure(other_pki, pki, tmp_path):
    _, cert, key, _, _ = pems(pki, tmp_path)
    wrong_ca = tmp_path / "wrong.pem"
    wrong_ca.write_bytes(other_pki.ca_pem)
    with openssl_server(["-cert", cert, "-cert_chain", cert, "-key", key, "-rev"]) as srv:
        p = run("client", f"127.0.0.1:{srv.port}", "--cafile", str(wrong_ca), "--sni", "localhost", "--no-relay")
    assert p.returncode == 1
    assert "certificate verification FAILED" in p.stdout and "Traceback" not in p.stderr + p.stdout


def test_server_default_certificate_with_openssl_client_and_client_auth(pki, tmp_path):
    ca, cert, key, ccert, ckey = pems(pki, tmp_path)
    proc = start("server", "--port", "0", "--count", "1", "--client-auth", "require", "--cafile", ca, "--alpn", "h2,http/1.1")
    try:
        port = server_port(proc)
        assert "SHA-256 fingerprint" in proc.stdout.readline()
        with openssl_client(port, ["-alpn", "http/1.1", "-cert", ccert, "-cert_chain", ccert, "-key", ckey]) as cli:
            cli.wait_for("Verify return code")  # self-signed default: s_client reports, and goes on
            cli.send(b"echo this\n")
            cli.wait_for("echo this")
            cli.close_stdin()
            cli.wait()
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert re.search(r"ALPN\s+http/1\.1", out)
    assert "client cert    O=fasttls tests,CN=client.fasttls.test" in out or "CN=client.fasttls.test" in out


def test_server_http_page(pki, tmp_path):
    import ssl

    ca, cert, key, _, _ = pems(pki, tmp_path)
    proc = start("server", "--port", "0", "--count", "1", "--http", "--cert", cert, "--key", key)
    try:
        port = server_port(proc)
        ctx = ssl.create_default_context(cafile=ca)
        with socket.create_connection(("127.0.0.1", port), timeout=20) as raw, ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            page = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                page += chunk
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert page.startswith(b"HTTP/1.1 200 OK")
    assert b"TLSv1.3" in page and b"SNI            localhost" in page


def test_bad_input_is_one_line_and_nonzero(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cases = [
        (["client", f"127.0.0.1:{port}"], "cannot connect"),
        (["client", "127.0.0.1:notaport"], "bad port"),
        (["server", "--port", "0", "--cert", str(tmp_path / "missing.pem")], "cannot read server certificate"),
        (["client", "127.0.0.1:1", "--groups", "nosuchgroup"], "nosuchgroup"),
        (["client", "127.0.0.1:1", "--tls1_2", "--ciphers", "nonsense"], "fasttls: No cipher can be selected."),
        (["server", "--port", "0", "--key", str(tmp_path / "k.pem")], "--key needs --cert"),
        (["server", "--port", "0", "--http", "--alpn", "h2,http/1.1"], "HTTP/1.1 only"),
        # getaddrinfo takes a port modulo 65536: 70000 would have connected to 4464.
        (["client", "127.0.0.1:70000"], "bad port"),
        (["client", "127.0.0.1:0"], "bad port"),
        (["client", "127.0.0.1:4_43"], "bad port"),  # int() took it as 443
        (["client", "127.0.0.1: 1"], "bad port"),
    ]
    for args, needle in cases:
        p = run(*args)
        assert p.returncode != 0, args
        assert needle in p.stderr, (args, p.stderr)
        assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
    p = run("client", "127.0.0.1:notaport", "--debug")
    assert "Traceback" in p.stderr
    # Values argparse refuses: its usage and one error line, status 2.
    for args, needle in [
        (["server", "--port", "99999"], "not a TCP port"),
        (["bench", "--write-size", "0"], "must be at least 1"),  # looped for ever
        (["bench", "--megabytes", "-1"], "must be at least 1"),  # printed negative MB/s
        (["client", "127.0.0.1:1", "--timeout", "0"], "positive number of seconds"),  # "Operation now in progress"
        (["server", "--timeout", "-5"], "positive number of seconds"),  # every connection failed
        (["server", "--port", "abc"], "invalid port value"),  # named its helper, "_port"
        (["server", "--trace", "xml"], "invalid choice: 'xml'"),
        (["client", "--trace"], "required: HOST:PORT"),
    ]:
        p = run(*args)
        assert p.returncode == 2 and needle in p.stderr and "Traceback" not in p.stderr, (args, p.stderr)


def test_bench_smoke():
    p = run("bench", "--megabytes", "2", "--handshakes", "5", "--repeat", "1", timeout=120)
    assert p.returncode == 0, p.stderr
    assert "full handshakes x5" in p.stdout and "ratio" in p.stdout
    assert os.linesep in p.stdout


def _ssl_server(cert, key, handler):
    """A Python ssl server on a thread, running ``handler(tls)`` for one connection."""
    import ssl
    import threading

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    result = {}

    def serve():
        raw, _ = listener.accept()
        raw.settimeout(30)
        try:
            with ctx.wrap_socket(raw, server_side=True) as tls:
                result["value"] = handler(tls)
        except (ssl.SSLError, OSError) as e:
            result["value"] = e

    t = threading.Thread(target=serve)
    t.start()
    return listener, t, result


def test_client_ends_when_the_server_closes(pki, tmp_path):
    """s_client's behaviour: the server sends its line and closes; the client prints it and
    exits although stdin is still open.  It used to wait on stdin for good."""
    ca, cert, key, _, _ = pems(pki, tmp_path)

    def handler(tls):
        tls.sendall(b"hello from the server\n")
        tls.unwrap()  # close_notify, then wait for the client's
        return "unwrapped"

    listener, t, result = _ssl_server(cert, key, handler)
    try:
        proc = start("client", f"127.0.0.1:{listener.getsockname()[1]}", "--cafile", ca, "--sni", "localhost")
        try:
            out, err = proc.communicate(timeout=30)  # stdin stays open: communicate closes it only at the end
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    finally:
        t.join(30)
        listener.close()
    assert proc.returncode == 0, err
    assert "hello from the server" in out
    assert result["value"] == "unwrapped"  # our close_notify answered the server's


def test_client_reports_an_alert_from_the_server(pki, tmp_path):
    """A server requiring a client certificate refuses us after the handshake (TLS 1.3):
    the alert goes to stderr and the status is 1.  It used to be swallowed, status 0."""
    ca, cert, key, _, _ = pems(pki, tmp_path)
    with openssl_server(["-cert", cert, "-cert_chain", cert, "-key", key, "-Verify", "1", "-verify_return_error"]) as srv:
        p = subprocess.run(
            [sys.executable, "-m", "fasttls", "client", f"127.0.0.1:{srv.port}", "--cafile", ca, "--sni", "localhost"],
            input="ping\n", capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "CERTIFICATE_REQUIRED" in p.stderr and "Traceback" not in p.stderr


def _client_run(listener, thread, ca: str, stdin: str) -> subprocess.CompletedProcess:
    """``fasttls client`` against the server on ``listener`` (run by ``thread``), ``stdin``
    as its input; the thread and the listener are done with afterwards."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "fasttls", "client", f"127.0.0.1:{listener.getsockname()[1]}", "--cafile", ca, "--sni", "localhost"],
            input=stdin, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        thread.join(30)
        listener.close()


def test_client_reports_an_alert_from_a_server_that_closes_at_once(pki, tmp_path):
    """An ssl server refusing us (no client certificate) closes right after its alert: our
    close_notify then met a closed socket (BrokenPipeError), which skipped the wait for
    the reader, and the status was 0 with nothing on stderr, in most runs."""
    import ssl
    import threading

    ca, cert, key, _, _ = pems(pki, tmp_path)
    for _ in range(8):  # a race: it showed in about one run in ten
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(ca)
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(30)

        def serve(ctx=ctx, listener=listener):
            raw, _ = listener.accept()
            raw.settimeout(30)
            try:
                with ctx.wrap_socket(raw, server_side=True) as tls:
                    tls.recv(100)
            except (ssl.SSLError, OSError):
                pass

        t = threading.Thread(target=serve)
        t.start()
        p = _client_run(listener, t, ca, "hello\n")
        assert p.returncode == 1, (p.stdout, p.stderr)
        assert "CERTIFICATE_REQUIRED" in p.stderr and "Traceback" not in p.stderr


def test_client_reports_a_close_without_close_notify(pki, tmp_path):
    """A server that sends its line and closes the TCP connection without close_notify:
    the relay was cut short, which s_client reports ("unexpected eof", status 1); we
    reported a clean end (status 0)."""
    ca, cert, key, _, _ = pems(pki, tmp_path)

    def handler(tls):
        tls.sendall(b"bye\n")
        return "sent"  # and ssl's close() sends no close_notify

    listener, t, result = _ssl_server(cert, key, handler)
    p = _client_run(listener, t, ca, "")
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "bye" in p.stdout and "EOF" in p.stderr and "Traceback" not in p.stderr


def test_client_relays_everything_before_closing(pki, tmp_path):
    """stdin ends: our close_notify goes out and the server's echo is still read to its end
    (it used to stop after a fixed second, without close_notify)."""
    ca, cert, key, _, _ = pems(pki, tmp_path)
    payload = os.urandom(1 << 20).hex().encode() + b"\n"  # 2 MiB of text

    def handler(tls):
        got = 0
        while True:
            data = tls.recv(65536)
            if not data:
                break
            got += len(data)
            tls.sendall(data)
        tls.unwrap()
        return got

    listener, t, result = _ssl_server(cert, key, handler)
    try:
        p = subprocess.run(
            [sys.executable, "-m", "fasttls", "client", f"127.0.0.1:{listener.getsockname()[1]}", "--cafile", ca, "--sni", "localhost"],
            input=payload, capture_output=True, timeout=120,
        )  # fmt: skip
    finally:
        t.join(30)
        listener.close()
    assert p.returncode == 0, p.stderr
    assert result["value"] == len(payload)
    assert p.stdout.split(b"---\n", 1)[1] == payload


def test_client_shows_no_sni_for_an_ip_address(pki, tmp_path):
    ca, cert, key, _, _ = pems(pki, tmp_path)
    with openssl_server(["-cert", cert, "-cert_chain", cert, "-key", key, "-rev"]) as srv:
        p = run("client", f"127.0.0.1:{srv.port}", "--cafile", ca, "--no-relay")
    assert p.returncode == 0, p.stderr
    assert re.search(r"SNI\s+- \(none sent for an IP address", p.stdout), p.stdout


def test_server_survives_resets_quietly_and_answers_close_notify(pki, tmp_path):
    import ssl

    ca, cert, key, _, _ = pems(pki, tmp_path)
    proc = start("server", "--port", "0", "--count", "6", "--cert", cert, "--key", key)
    try:
        port = server_port(proc)
        for _ in range(5):  # connect and reset at once
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
        ctx = ssl.create_default_context(cafile=ca)
        with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
            tls = ctx.wrap_socket(raw, server_hostname="localhost")
            tls.sendall(b"echo\n")
            assert tls.recv(100) == b"echo\n"
            tls.unwrap()  # the echo server answers our close_notify
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert "Traceback" not in err, err


def test_client_takes_options_before_the_target_and_keeps_json_on_stdout(pki, tmp_path):
    """``client --trace HOST:PORT`` (openssl's order) traces and connects: argparse took the
    target for --trace's format.  With ``--trace=json`` stdout holds only the events (the
    summary goes to stderr), so ``| jq`` works."""
    ca, cert, key, _, _ = pems(pki, tmp_path)
    with openssl_server(["-cert", cert, "-cert_chain", cert, "-key", key, "-rev"]) as srv:
        p = run("client", "--trace", f"127.0.0.1:{srv.port}", "--cafile", ca, "--sni", "localhost", "--no-relay")
        assert p.returncode == 0, p.stderr
        assert "--> ClientHello" in p.stdout and "verification: OK" in p.stdout
        p = run("client", f"127.0.0.1:{srv.port}", "--cafile", ca, "--sni", "localhost", "--no-relay", "--trace=json")
    assert p.returncode == 0, p.stderr
    events = [json.loads(line) for line in p.stdout.splitlines()]
    assert any("ClientHello" in json.dumps(e) for e in events)
    assert "verification: OK" in p.stderr


def test_client_without_stdin_or_with_its_reader_gone(pki, tmp_path):
    """Under a daemon stdin may be closed: the relay sees an empty stdin (it raised
    AttributeError).  A reader that goes away (``| head -1``) ends the client quietly
    with status 0, as s_client's (it said BrokenPipeError, status 1)."""
    ca, cert, key, _, _ = pems(pki, tmp_path)
    base = [sys.executable, "-m", "fasttls", "client"]
    with openssl_server(["-cert", cert, "-cert_chain", cert, "-key", key, "-rev"]) as srv:
        args = [f"127.0.0.1:{srv.port}", "--cafile", ca, "--sni", "localhost", "--timeout", "5"]
        p = subprocess.run([*base, *args], stdin=None, capture_output=True, text=True, timeout=60, preexec_fn=lambda: os.close(0))
        assert p.returncode in (0, 1) and "AttributeError" not in p.stderr and "Traceback" not in p.stderr, p.stderr
        shell = subprocess.run(
            " ".join([*base, *args, "--no-relay"]) + " | head -1; exit ${PIPESTATUS[0]}",
            shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=60,
        )
    assert shell.returncode == 0 and "BrokenPipe" not in shell.stderr, shell.stderr


def test_http_server_answers_a_close_before_the_request_ends(pki, tmp_path):
    """``server --http`` and a client whose request ends at its close_notify (``echo GET /
    | fasttls client``): the server answers with its own close_notify, as in echo mode, and
    the client ends cleanly; it closed TCP without one and the client reported a cut.  A
    request ending in bare line feeds is answered too."""
    ca, cert, key, _, _ = pems(pki, tmp_path)
    proc = start("server", "--port", "0", "--count", "2", "--http", "--cert", cert, "--key", key)
    try:
        port = server_port(proc)
        client_args = [sys.executable, "-m", "fasttls", "client", f"127.0.0.1:{port}", "--cafile", ca, "--sni", "localhost"]
        p = subprocess.run(client_args, input="GET / HTTP/1.0\n", capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        p = subprocess.run(client_args, input="GET / HTTP/1.0\n\n", capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and "HTTP/1.1 200 OK" in p.stdout, p.stderr
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "closed before its request ended" in out


def test_server_goes_on_when_its_log_reader_goes_away(pki, tmp_path):
    """``fasttls server | head -1``: once the reader of its log has gone, the server still
    serves (each connection's thread died on its log line, after the handshake, and the
    client got no echo)."""
    ca, cert, key, _, _ = pems(pki, tmp_path)
    import time

    first = tmp_path / "first-line.txt"
    # The OS picks the port (a port probed free and then passed on could be taken meanwhile);
    # head keeps the server's first line, which names it, and goes away.
    server = subprocess.Popen(
        f"{sys.executable} -m fasttls server --port 0 --count 3 --cert {cert} --key {key} 2>{tmp_path / 'err.txt'} | head -1 >{first}",
        shell=True, executable="/bin/bash", start_new_session=True,
    )
    try:
        for _ in range(300):  # until it listens and head has its line
            m = re.search(r"on 127\.0\.0\.1:(\d+)", first.read_text()) if first.exists() else None
            if m:
                break
            time.sleep(0.1)
        assert m, (tmp_path / "err.txt").read_text()
        port = int(m.group(1))
        socket.create_connection(("127.0.0.1", port), timeout=10).close()  # a first connection, as before: --count 3
        client_args = [sys.executable, "-m", "fasttls", "client", f"127.0.0.1:{port}", "--cafile", ca, "--sni", "localhost"]
        for i in range(2):
            p = subprocess.run(client_args, input=f"echo {i}\n", capture_output=True, text=True, timeout=60)
            assert p.returncode == 0 and f"echo {i}" in p.stdout, p.stderr
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            import signal

            os.killpg(server.pid, signal.SIGKILL)  # the shell, the server and head
            server.wait()
    err = (tmp_path / "err.txt").read_text()
    assert "Exception" not in err and "Traceback" not in err, err


def test_server_listens_on_the_family_of_its_host():
    """``server --host ::1`` failed: ``socket.create_server`` takes IPv4 unless told.
    (Checked without binding: tests listen on 127.0.0.1 only.)"""
    from fasttls.cli import _listen_address

    assert _listen_address("::1", 0) == (socket.AF_INET6, ("::1", 0, 0, 0))
    assert _listen_address("127.0.0.1", 8443) == (socket.AF_INET, ("127.0.0.1", 8443))


def test_server_on_a_name_with_both_families_listens_on_ipv4(monkeypatch):
    """A name resolving to ::1 first and 127.0.0.1 too (localhost in most /etc/hosts)
    listened on ::1 alone after the change above, refusing IPv4 clients (a review)."""
    from fasttls import cli

    both = [
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 8443, 0, 0)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 8443)),
    ]
    monkeypatch.setattr(cli.socket, "getaddrinfo", lambda *a, **k: both)
    assert cli._listen_address("localhost", 8443) == (socket.AF_INET, ("127.0.0.1", 8443))

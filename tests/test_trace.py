"""The trace hook: the same sans-IO events feed a callback, the logging module and the CLI."""

from __future__ import annotations

import io
import json
import logging

from fasttls.config import Config
from fasttls.constants import ProtocolVersion
from fasttls.trace import JsonTracer, TextTracer

from .pairs import do_handshake, exchange, make_pair


def traced_pair(pki, version=ProtocolVersion.TLS13, **kw):
    events = []
    cc = Config(trust_store=pki.store, tracer=events.append, min_version=version, max_version=version, session_cache=None, **kw)
    sc = Config(certificates=[pki.server()], min_version=version, max_version=version)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    return c, s, events


def test_callback_sees_messages_keys_records_and_alerts(pki):
    c, s, events = traced_pair(pki)
    exchange(c, s, b"hello")
    c.close()
    kinds = {(e.kind, e.direction) for e in events}
    assert {("message", "send"), ("message", "receive"), ("keys", "send"), ("keys", "receive"), ("record", "send"), ("record", "receive"), ("alert", "send")} <= kinds
    names = [e.name for e in events if e.kind == "message"]
    assert names[:2] == ["ClientHello", "ServerHello"]
    assert {"EncryptedExtensions", "CertificateTLS13", "CertificateVerify", "Finished"} <= set(names)
    ch = next(e for e in events if e.name == "ClientHello")
    assert {"supported_versions", "cipher_suites", "supported_groups", "key_shares", "signature_algorithms", "server_name"} <= set(ch.fields)
    keys = [e.name for e in events if e.kind == "keys"]
    assert keys == ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0", "CLIENT_TRAFFIC_SECRET_0"]
    sent = [e for e in events if e.kind == "record" and e.direction == "send" and e.name == "APPLICATION_DATA"]
    assert sent and sent[0].fields["length"] == 5 and sent[0].fields["wire"] == 5 + 1 + 16 + 5


def test_tls12_trace(pki):
    _, _, events = traced_pair(pki, ProtocolVersion.TLS12)
    names = [e.name for e in events if e.kind == "message"]
    assert names[0] == "ClientHello" and "ServerKeyExchange" in names and "ServerHelloDone" in names


def test_logging_at_debug_is_the_default_hook(pki, caplog):
    with caplog.at_level(logging.DEBUG, logger="fasttls.trace"):
        cc = Config(trust_store=pki.store, session_cache=None)
        c, s = make_pair(cc, Config(certificates=[pki.server()]))
        do_handshake(c, s)
    messages = [r.getMessage() for r in caplog.records if r.name == "fasttls.trace"]
    assert any("ClientHello" in m for m in messages) and any("Finished" in m for m in messages)


def test_text_tracer_colour_only_when_asked(pki):
    plain, colour = io.StringIO(), io.StringIO()
    _, _, events = traced_pair(pki)
    for e in events:
        TextTracer(plain, color=False)(e)
        TextTracer(colour, color=True, records=True)(e)
    assert "\033[" not in plain.getvalue() and "--> ClientHello" in plain.getvalue()
    assert "\033[" in colour.getvalue() and "record" in colour.getvalue()
    # A StringIO is not a TTY: the default is plain text.
    auto = io.StringIO()
    TextTracer(auto)(events[0])
    assert "\033[" not in auto.getvalue()


def test_json_tracer_one_object_per_event(pki):
    out = io.StringIO()
    _, _, events = traced_pair(pki)
    tracer = JsonTracer(out, side="client")
    for e in events:
        tracer(e)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(events)
    objs = [json.loads(line) for line in lines]
    assert all(o["side"] == "client" and o["kind"] for o in objs)


def test_alerts_sent_and_received_show_the_level_alike(pki):
    """A received alert's level was the bare number (1), a sent one's its name (WARNING)."""
    events = []
    cc = Config(trust_store=pki.store, session_cache=None)
    sc = Config(certificates=[pki.server()], tracer=events.append)
    c, s = make_pair(cc, sc)
    do_handshake(c, s)
    c.close()
    s.receive_data(c.data_to_send())
    s.close()
    alerts = [(e.direction, e.name, e.fields["level"]) for e in events if e.kind == "alert"]
    assert alerts == [("receive", "close_notify", "WARNING"), ("send", "close_notify", "WARNING")]

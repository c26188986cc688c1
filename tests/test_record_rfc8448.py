"""RFC 8448's protected records, sealed and opened by each record twin.

The records in the RFC's traces were made by another implementation; our
twins must produce them byte for byte from the listed plaintext, key, IV and
sequence number, and open them back (RFC 8446 sections 5.2 and 5.3).
"""

from __future__ import annotations

import pytest

from .vectors import rfc8448 as v

AES, TLS13 = 1, 0x0304
NEED_MORE, RECORD = 0, 1
APPLICATION_DATA = 23


def _id(entry) -> str:
    sections = {id(v.SIMPLE_1RTT): "s3", id(v.RESUMED_0RTT): "s4", id(v.HELLO_RETRY): "s5", id(v.CLIENT_AUTH): "s6"}
    return f"{sections[id(entry[0])]}-{entry[1]}"


@pytest.mark.parametrize("entry", v.PROTECTED_RECORDS, ids=_id)
def test_seal_reproduces_the_rfc_record(twin, entry):
    d, name, key_name = entry
    record, plaintext, ctype = d[name + "_record"], d[name + "_plaintext"], d[name + "_inner_type"]
    sealer = twin.aead.RecordSealer(AES, d[key_name + "_key"], d[key_name + "_iv"], TLS13, d[name + "_seq"])
    out = bytearray(sealer.sealed_length(len(plaintext), 16384))
    end = sealer.seal_into(out, 0, ctype, plaintext, 16384)
    assert bytes(out[:end]) == record


@pytest.mark.parametrize("entry", v.PROTECTED_RECORDS, ids=_id)
def test_open_recovers_the_rfc_plaintext(twin, entry):
    d, name, key_name = entry
    record, plaintext, ctype = d[name + "_record"], d[name + "_plaintext"], d[name + "_inner_type"]
    opener = twin.aead.RecordOpener(AES, d[key_name + "_key"], d[key_name + "_iv"], TLS13, d[name + "_seq"])
    out = bytearray(len(record))
    pos, app_end, stop, got_type, rec_end = opener.open_records(record, 0, len(record), out, 0)
    if ctype == APPLICATION_DATA:
        assert bytes(out[:app_end]) == plaintext
    else:
        assert stop == RECORD and got_type == ctype
        assert bytes(out[app_end:rec_end]) == plaintext
    assert pos == len(record)

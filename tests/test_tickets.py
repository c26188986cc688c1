"""Ticket key rotation and expiry (``tickets.TicketKeys``), on a clock we move by hand."""

from __future__ import annotations

from fasttls.tickets import TicketKeys

DAY = 24 * 3600


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_rotated_key_still_opens_its_tickets_until_it_expires():
    clock = Clock()
    keys = TicketKeys(rotation_interval=DAY, key_lifetime=7 * DAY, clock=clock)
    first = keys.seal(b"state one")
    assert keys.seal(b"x")[:16] == first[:16]  # no rotation due: the same key seals

    clock.now += DAY  # rotation due: a new key seals, the old one still opens
    second = keys.seal(b"state two")
    assert second[:16] != first[:16]
    assert keys.open(first) == b"state one"
    assert keys.open(second) == b"state two"

    clock.now += 7 * DAY  # the first key is now older than its lifetime plus one rotation
    assert keys.open(first) is None
    assert keys.open(second) == b"state two"  # created a day later: still inside its window

    clock.now += DAY
    assert keys.open(second) is None


def test_an_expired_key_opens_nothing_even_without_a_seal_in_between():
    """Expiry is checked on open as well, not only when a new ticket is sealed."""
    clock = Clock()
    keys = TicketKeys(rotation_interval=DAY, key_lifetime=2 * DAY, clock=clock)
    ticket = keys.seal(b"state")
    clock.now += 3 * DAY - 1
    assert keys.open(ticket) == b"state"
    clock.now += 1
    assert keys.open(ticket) is None


def test_tampered_or_foreign_tickets_open_to_none():
    keys = TicketKeys()
    ticket = bytearray(keys.seal(b"state"))
    ticket[-1] ^= 1
    assert keys.open(bytes(ticket)) is None
    assert keys.open(TicketKeys().seal(b"state")) is None
    assert keys.open(b"short") is None


def test_expiry_holds_when_the_wall_clock_was_set_back():
    """Keys are newest first only while the clock moves forward: after it is set
    back, the oldest key by time may sit in the middle of the list, and must still
    expire."""
    clock = Clock()
    keys = TicketKeys(rotation_interval=30 * DAY, key_lifetime=7 * DAY, clock=clock)
    clock.now = 100 * DAY
    keys.seal(b"a")  # key A, created at day 100
    clock.now = 50 * DAY  # the clock is set back
    keys.rotate()  # key B, created at day 50
    ticket_b = keys.seal(b"b")
    clock.now = 60 * DAY
    keys.rotate()  # key C, created at day 60: the list is C, B, A
    clock.now = 88 * DAY  # B is 38 days old (over 30 + 7); C and A are not
    assert keys.open(ticket_b) is None
    assert keys.open(keys.seal(b"c")) == b"c"

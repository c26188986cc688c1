"""The handshake state machines, one module per side and version (Go's layout).

Each handshake is a generator: it yields when it needs the next message and
the connection sends it in.  ``client``/``server`` hold what both versions share
(the hellos, version negotiation); ``client13``/``server13`` and
``client12``/``server12`` hold the rest as straight lists of named steps.
"""

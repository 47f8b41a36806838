"""Fake POS servers: real HTTP servers on 127.0.0.1 speaking the real APIs (POS_APIS.md §5).

Every fake subclasses ``tests.fakes.server.FakePOSServer``; see possync_gui/pos/ADAPTERS.md.
"""

"""POS adapters: one async adapter per POS type behind the protocol in ``base``.

READ ``possync_gui/pos/ADAPTERS.md`` before writing an adapter or a fake: every adapter
implements ``base.POSAdapter`` on one ``http.HttpTransport``; every fake subclasses
``tests/fakes/server.py::FakePOSServer``.
"""

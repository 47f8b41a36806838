"""Square (v2 REST): reads in ``adapter``, catalog assembly in ``catalog``, JSON mapping in
``records``, stock writes in ``changes``, sales sums in ``sales``."""

from possync_gui.pos.square.adapter import SquareAdapter

__all__ = ["SquareAdapter"]

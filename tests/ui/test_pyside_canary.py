"""PySide6 6.12.0 drops a reference to None per void call on CPython 3.11 and later kills the
process (RECIPES.md §1.1). If this fails, the PySide6 pin in pyproject.toml is wrong."""

import sys

from PySide6.QtCore import QObject


def test_void_qt_calls_do_not_leak_references_to_none(qapp: object) -> None:
    obj = QObject()
    before = sys.getrefcount(None)
    for _ in range(5000):
        obj.setObjectName("canary")  # a Qt method returning void
    after = sys.getrefcount(None)
    assert after >= before - 50, f"refcount(None) fell by {before - after}"

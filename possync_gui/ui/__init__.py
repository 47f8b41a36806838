"""The PySide6 user interface: the main window and one package per tab."""

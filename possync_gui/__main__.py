"""``python -m possync_gui`` runs the command-line interface."""

from possync_gui.cli import main

raise SystemExit(main())

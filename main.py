"""Start the possync window: ``python main.py [--db URL] [--smoke] [--screenshot PATH]``."""

from possync_gui.app import main

if __name__ == "__main__":
    raise SystemExit(main())

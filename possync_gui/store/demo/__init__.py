"""Demo data: a realistic store to try possync on, seeded into an empty database."""

from possync_gui.store.demo.seeder import DemoSummary, is_empty, seed_demo

__all__ = ["DemoSummary", "is_empty", "seed_demo"]

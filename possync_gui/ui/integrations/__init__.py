"""The Integrations tab: POS integrations with health, sync now (with cancel), the sync log."""

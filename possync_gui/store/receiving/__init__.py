"""Store queries of receiving (DESIGN.md §7): posting a delivery and reading deliveries."""

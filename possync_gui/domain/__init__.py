"""Pure-Python rules and records: no Qt, no SQLAlchemy, no httpx."""

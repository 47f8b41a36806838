"""The store: SQLAlchemy 2 ORM, engine setup, migrations, set-based queries and demo data."""

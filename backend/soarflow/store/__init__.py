"""The store: SQLModel tables, engine and sessions, repositories and Alembic migrations."""

"""Data access: database sessions with scope and audit, column types, platform tables, migrations."""

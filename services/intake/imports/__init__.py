"""Bulk import of a township's household register (CSV or XLSX, one row per member)."""

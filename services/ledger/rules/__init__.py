"""Rules that find suspected problems in what the ledger hears, kept as data."""

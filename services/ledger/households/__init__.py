"""The ledger's own view of each household, built only from the events intake and income publish."""

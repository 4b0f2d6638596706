"""Visits: the verification form (附件1) as submitted from the field, safe to resubmit."""

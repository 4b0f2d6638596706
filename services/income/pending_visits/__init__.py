"""Visits waiting for a rule set: submitted on a date no rule set covers for their region yet.

Such a visit is kept here instead of failing its event; when a district admin adds a version whose
income year and region cover it (``ruleset.published``), it is assessed and announced like any
other visit, and leaves this table.
"""

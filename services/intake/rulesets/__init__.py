"""Rule sets intake has heard of: the versions income announced in ``ruleset.published``.

Intake screens each visit (the monitoring line and GPS limits of its findings) against the packaged
rule sets plus the versions kept here, resolved exactly as income resolves them
(:mod:`shared.domain.rulesets`), so a version a district admin adds in income changes the
screening of the next visit.
"""

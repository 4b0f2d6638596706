"""Income rule sets: the versions a district admin adds, kept beside the packaged ones.

The pure model and resolution (``RuleSet``, ``RuleSetCatalog``, the packaged catalog) live in
:mod:`shared.domain.rulesets`, as intake reads the same figures; here are the income service's parts:
``models`` and ``repository`` keep versions in the ``rule_sets`` table, ``service`` merges them
with the packaged file and seeds it at start-up, ``endpoints`` is the admin API.
"""

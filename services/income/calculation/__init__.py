"""The 附件5 computation: the calculator, its domain model (declaration in, assessment out) and the
classification of a figure or a ticked bracket against a rule set. Pure code, no database."""

"""Households income knows of (农户): learned from intake's events, so that income stores assessments only
of households that exist, under the org unit they belong to."""

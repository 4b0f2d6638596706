"""Org units, households and their members, the visit verification form (附件1) and bulk import."""

TITLE = "走访录入 visit intake"

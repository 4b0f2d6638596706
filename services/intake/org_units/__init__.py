"""Org units (区县 → 乡镇 → 村): the 12-digit 统计用区划代码 tree a deployment loads from a file."""

"""The ledger's copy of the org-unit tree (区县 → 乡镇 → 村): the names its workbooks print, fed by intake's events."""

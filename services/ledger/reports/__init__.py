"""Campaign reports: progress per village rolled up to township and district, the village checklist
(附件2), their workbooks, the summary report and a page to look at, all computed from the ledger's data."""

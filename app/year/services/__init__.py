"""The year's writes, one module per part: evaluation (members), grading (units and the weak list), plans
(consolidation, whose measures go through app.inspections.services.add_followup), report (drafts and submits).
Keyword-only functions that flush, never commit; each records its audit entry."""

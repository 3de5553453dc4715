"""The inspections blueprint's routes, one module per sub-resource (the blueprint and its endpoint names are one):
lists (the registers, the overview), templates (checklists), plans, inspection (one visit's page and its
decisions), record (answers and photos on site), actions (corrective actions), printables (PDFs and previews).
Each route parses, loads then authorises (queries.get_…_for), calls a service and commits once."""
from . import actions, inspection, lists, plans, printables, record, templates  # noqa: F401  (registers the routes)

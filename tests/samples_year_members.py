"""Route-walk samples for the grades' catalogue: a member grade (the catalogue is the province's: only its admin
writes, so the outsider is refused everywhere)."""
from app.year import catalogue


def make_samples(ctx):
    catalogue.ensure()
    return {"grade_id": catalogue.grades("member")[0].id}

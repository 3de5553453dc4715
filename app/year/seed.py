"""Demo year's close: last year closed in the demo province (members graded, units graded, weak units with a
consolidation plan, the province's submitted report) and this year in progress, so a new user sees the whole cycle.
Each part seeds its own records (app.year.seed_members, seed_units, seed_report), in that order: the report reads
the grades and the plans."""
import random
import time

from . import catalogue, seed_members, seed_report, seed_units


def seed(*, province, communes, size, rng, echo=print):
    started = time.perf_counter()
    rng = random.Random(rng.getrandbits(64))
    catalogue.ensure()
    said = []
    for part in (seed_members, seed_units, seed_report):
        said.append(part.seed(province=province, communes=communes, size=size, rng=rng))
    echo(f"year: {'; '.join(s for s in said if s)} in {time.perf_counter() - started:.1f} s")


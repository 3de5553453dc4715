"""The class pages at the `small` demo size: HTML ≤ 14 KB gzipped and a bounded SQL count (printed for the report)."""
from sqlalchemy import select

from tests.conftest import sql_count
from tests.test_budget import HTML_BUDGET, SQL_CEILING, gz


def test_class_pages_within_budget(demo_app, demo_db, capsys):
    from app.classes.models import AdmissionCase, TrainingClass
    from app.seed import DEMO_PASSWORD
    from app.units.models import Unit

    app, db = demo_app, demo_db
    commune = db.session.scalar(select(Unit).where(Unit.code == "QX-QN"))
    classes = db.session.scalars(select(TrainingClass).where(TrainingClass.unit_id == commune.id)
                                 .order_by(TrainingClass.id)).all()
    finished = next(k for k in classes if k.status == "finished" and k.kind == "sympathizer")
    running = next(k for k in classes if k.status == "running")
    case = db.session.scalar(select(AdmissionCase).where(AdmissionCase.class_id == finished.id))
    urls = ["/classes/", f"/classes/units/{commune.id}", f"/classes/units/{commune.id}/people",
            f"/classes/{finished.id}", f"/classes/{running.id}/people", f"/classes/{running.id}/people?q=nguyen",
            f"/classes/{running.id}/sessions/{running.sessions[1].id}/attendance", f"/classes/{finished.id}/results",
            f"/classes/{running.id}/results", f"/classes/{finished.id}/attendance-log", f"/classes/{finished.id}/grid",
            f"/classes/{finished.id}/sessions/{finished.sessions[0].id}/sign-in", f"/classes/{finished.id}/certificates",
            f"/classes/{finished.id}/admissions", f"/classes/admissions/{case.id}", f"/classes/{running.id}/edit",
            f"/units/{commune.id}"]
    client = app.test_client()
    assert client.post("/auth/login", data={"username": "xa.organizer", "password": DEMO_PASSWORD}).status_code == 303
    rows = []
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, url
        rows.append((url, gz(resp.data), sql_count(resp)))
    with capsys.disabled():
        print("\n" + "\n".join(f"{u:<48} {s:>6} B gz {q:>3} SQL" for u, s, q in rows))
    over = [r for r in rows if r[1] > HTML_BUDGET or r[2] > SQL_CEILING]
    assert not over, over

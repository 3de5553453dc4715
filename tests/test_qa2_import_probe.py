"""An import is many typed citizen IDs at once: an ID held outside the importer's reach is refused naming no one
and, as on the person form, goes on record for the holder's unit (QA: a file of 100 candidate IDs recovered a masked
ID in one upload, and the holder's officers never saw it)."""
from datetime import date

from sqlalchemy import select

from app.audit.models import AuditEntry
from tests.factories_members import *  # noqa: F401,F403
from tests.test_members_import import csv_bytes, upload


def test_ids_probed_through_an_import_are_on_record_for_the_holders_unit(client, db, tree, make_unit, make_user,
                                                                          login, make_person):
    sibling = make_unit(tree.C1, name="Chi đoàn Thôn 1A", code="B1A")
    sen = make_person(sibling, "Lê Thị Sen", citizen_id="038304001234", birth_date=date(2004, 3, 5))
    make_user("chi.officer", (tree.B1, "officer"))
    login("chi.officer")
    candidates = [f"0383040012{k:02d}" for k in range(30, 40)]  # the masked digits tried one row each
    upload(client, tree.B1, csv_bytes([["B1", f"Người Thử {k}", "Nữ", "05/03/2004", cid, "Đoàn viên", ""]
                                       for k, cid in enumerate(candidates)]))
    db.session.expire_all()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "person.citizen_id_refused")).all()
    assert [(e.object_id, e.unit_id, e.unit_path) for e in entries] == [(sen.id, sibling.id, sibling.path)]
    assert entries[0].summary.startswith("Lê Thị Sen")
    # the holder's commune admin reads it in the audit
    client.post("/auth/logout")
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    html = client.get("/audit/").get_data(as_text=True)
    assert "Nhập trùng số CCCD của người này từ đơn vị khác" in html and "Lê Thị Sen" in html

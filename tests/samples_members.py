"""Route-walk samples for the members domain: a person in branch B1 of commune C1, a transfer request from
C1 to C3 (so an outsider on C2 may neither see nor decide it), an import batch into C1."""
from app.members.models import ImportBatch
from tests.factories_members import person_in


def make_samples(ctx):
    db, tree = ctx.db, ctx.tree
    from app.members.models import Transfer

    person = person_in(db, tree.B1, "Nguyễn Thị Mẫu", citizen_id="038200000001")
    tr = Transfer(person_id=person.id, from_unit_id=tree.B1.id, from_unit_path=tree.B1.path, to_commune_id=tree.C3.id,
                  to_commune_path=tree.C3.path, on=person.birth_date, reason="Chuyển nơi ở")
    batch = ImportBatch(unit_id=tree.C1.id, unit_path=tree.C1.path, filename="mau.csv", status="preview",
                        payload={"rows": [], "results": []}, counts={"new": 0, "update": 0, "error": 0, "total": 0})
    db.session.add_all([tr, batch])
    db.session.commit()
    return {"person_id": person.id, "event_kind": "confirmed", "transfer_id": tr.id, "batch_id": batch.id}

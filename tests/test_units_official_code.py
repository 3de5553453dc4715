"""A commune is linked to its official post-2025 code from the national list on its edit form."""
from app.units.models import Unit


def test_an_admin_links_a_commune_to_its_official_code(db, tree, make_user, login, client):
    province = db.session.get(Unit, tree.P.id)
    province.official_code = "38"  # Thanh Hóa
    db.session.commit()
    admin = make_user("tinh.admin", (tree.P, "admin"))
    login(admin)
    page = client.get(f"/units/{tree.C3.id}/edit")
    assert page.status_code == 200 and "14797" in page.text  # Phường Hạc Thành is in the list
    unit = db.session.get(Unit, tree.C3.id)
    resp = client.post(f"/units/{tree.C3.id}/edit", data={
        "name": unit.name, "code": unit.code, "level_kind": "commune:ward", "official_code": "14797",
        "version": unit.version, "csrf_token": ""})
    assert resp.status_code == 303, resp.text[:500]
    db.session.expire_all()
    assert db.session.get(Unit, tree.C3.id).official_code == "14797"
    bad = client.post(f"/units/{tree.C3.id}/edit", data={
        "name": unit.name, "code": unit.code, "level_kind": "commune:ward", "official_code": "99999",
        "version": db.session.get(Unit, tree.C3.id).version})
    assert bad.status_code == 422 and "danh mục" in bad.text

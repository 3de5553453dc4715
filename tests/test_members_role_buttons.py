"""Issue 9 item 17: buttons a role cannot use are not shown, and a list the role cannot compute says so."""
import pytest

from tests.factories_members import *  # noqa: F401,F403


@pytest.mark.parametrize("role", ["viewer", "organizer", "inspector"])
def test_roles_without_officer_rights_see_no_dead_buttons(client, tree, make_user, login, role):
    make_user("u", (tree.C1, role))
    login("u")
    html = client.get(f"/members/?unit={tree.C1.id}").get_data(as_text=True)
    for url in ("/members/new", "/members/import", "/members/maturity", "/members/removal"):
        assert f'href="{url}' not in html, url
    for url in ("/members/maturity", "/members/removal"):
        page = client.get(url)
        text = page.get_data(as_text=True)
        assert 'id="not-computed"' in text and "không phải là không có ai" in text
        assert "0 người" not in text


def test_officers_still_see_the_buttons_and_the_lists(client, tree, make_user, login):
    make_user("u", (tree.C1, "officer"))
    login("u")
    html = client.get(f"/members/?unit={tree.C1.id}").get_data(as_text=True)
    for url in ("/members/new", "/members/import", "/members/maturity", "/members/removal"):
        assert f'href="{url}' in html, url
    assert 'id="not-computed"' not in client.get("/members/maturity").get_data(as_text=True)

"""A list's own "status" filter is not the HTTP status: the classes list and the members' evaluation list, filtered,
answer 200 (they once sent "HTTP/1.1 0 submitted", which browsers and htmx refuse)."""
from datetime import date

import pytest

from app.web import render


def test_filtered_lists_answer_200(client, tree, make_user, login):
    login(make_user("tinh.officer", (tree.P, "officer")))
    year = date.today().year
    for state in ("submitted", "approved", "none", "returned", "draft"):
        resp = client.get(f"/year/units/{tree.C1.id}/members?year={year}&status={state}")
        assert resp.status_code == 200, (state, resp.status_code)
    for state in ("open", "finished", "planned"):
        assert client.get(f"/classes/?status={state}").status_code == 200


def test_render_refuses_a_status_that_is_not_a_code(app):
    with app.test_request_context(), pytest.raises(TypeError):
        render("errors/error.html", status="submitted")

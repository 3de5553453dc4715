"""What the review prints and exports: the result of a unit (a page with every number a link to the people behind it,
its PDF and its XLSX), and a branch's paper walk list (a print preview and its PDF), in the walk list's own order so a
paper filled in at the doors is typed back from top to bottom."""
import time
from datetime import timezone

from flask import make_response, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from flask_login import current_user

from ...dates import utcnow
from ...members.models import MEMBER_TYPES, STATUSES
from ...pdf import pdf_response, render_pdf
from ...units.queries import get_ancestors
from ...web import render
from .. import bp, exports, queries
from ..models import OUTCOMES, OUTCOMES_SHORT

# The people behind each number of the result (review.people's arguments); the paper ones are read elsewhere.
PEOPLE_ARGS = {
    "listed": {"found": 0}, "present": {"outcome": queries.SEEN}, "away": {"outcome": "away"},
    "moved": {"outcome": "moved"}, "deceased": {"outcome": "deceased"}, "not_found": {"outcome": "not_found"},
    "over_age": {"outcome": "over_age"}, "not_visited": {"outcome": queries.NOT_VISITED}, "found": {"found": 1},
}


def _people_url(campaign, unit_id, col, start_type=None):
    """Where a number of the result leads: the review's people list, or for "paper after" (today's verdict) the
    registry's list of the unit filtered by that verdict; "paper before" (a snapshot) has no list."""
    if col == "paper_after":
        return url_for("members.index", unit=unit_id, verdict="paper", type=start_type)
    args = PEOPLE_ARGS.get(col)
    if args is None:
        return None
    return url_for("review.people", campaign_id=campaign.id, unit=unit_id, type=start_type, **args)


def _today():
    """Today in Vietnam (the server may run on UTC): the date a printout or a file is dated."""
    return to_user_timezone(utcnow().replace(tzinfo=timezone.utc)).date()


def _result_ctx(campaign, unit):
    communes, total = queries.result(campaign, unit)
    return dict(campaign=campaign, unit=unit, communes=communes, total=total, columns=queries.RESULT_COLUMNS,
                plain=exports.PLAIN, headers=exports.HEADERS, paper=exports.PAPER, type_rows=exports.type_rows,
                per_commune=unit.level not in ("commune", "branch"), printed_at=utcnow(), printed_on=_today())


def _filename(campaign, unit, ext):
    return f"ket-qua-ra-soat-{campaign.year}-{unit.id}.{ext}"


@bp.get("/<int:campaign_id>/result")
def result(campaign_id):
    campaign = queries.get_campaign_for(current_user, campaign_id)
    unit = queries.unit_of_args(current_user, campaign)
    return render("review/result.html", **_result_ctx(campaign, unit), people_url=_people_url,
                  ancestors=[a for a in get_ancestors(unit) if a.path.startswith(campaign.unit_path)])


@bp.get("/<int:campaign_id>/result.pdf")
def result_pdf(campaign_id):
    campaign = queries.get_campaign_for(current_user, campaign_id)
    unit = queries.unit_of_args(current_user, campaign)
    started = time.perf_counter()
    resp = pdf_response(render_pdf("review/pdf/result.html", **_result_ctx(campaign, unit)),
                        _filename(campaign, unit, "pdf"))
    resp.headers["X-Render-Ms"] = str(round((time.perf_counter() - started) * 1000))
    return resp


@bp.get("/<int:campaign_id>/result.xlsx")
def result_xlsx(campaign_id):
    campaign = queries.get_campaign_for(current_user, campaign_id)
    unit = queries.unit_of_args(current_user, campaign)
    communes, total = queries.result(campaign, unit)
    resp = make_response(exports.to_xlsx(campaign, unit, communes, total, _today()))
    resp.headers["Content-Type"] = exports.XLSX
    resp.headers["Content-Disposition"] = f"attachment; filename={_filename(campaign, unit, 'xlsx')}"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


# ---- the paper walk list of a branch ------------------------------------------------------------------------------
def _walk_ctx(campaign, branch):
    commune = branch.parent
    team = queries.teams_by_branch(campaign, commune).get(branch.id) if commune else None
    groups = queries.households(campaign, branch)
    # the screen's pages of whole households: [(page, household number, household)], in the screen's order
    pages = [(i, n, h) for i, page in enumerate(queries.walk_pages(groups), 1) for n, h in page]
    return dict(campaign=campaign, branch=branch, commune=commune, team=team, team_members=team.members if team else [],
                households=pages, people=sum(len(h.people) for h in groups),
                outcomes=OUTCOMES, short=OUTCOMES_SHORT, member_types=MEMBER_TYPES, statuses=STATUSES,
                printed_at=utcnow())


def _branch(campaign, branch_id):
    return queries.get_unit_in(current_user, campaign, branch_id, levels=("branch",))


@bp.get("/<int:campaign_id>/branches/<int:branch_id>/print")
def walk_print(campaign_id, branch_id):
    campaign = queries.get_campaign_for(current_user, campaign_id)
    branch = _branch(campaign, branch_id)
    return render("_print_preview.html", body="review/pdf/_walk_body.html", title=_("Danh sách đi từng nhà"),
                  pdf_url=url_for("review.walk_pdf", campaign_id=campaign.id, branch_id=branch.id),
                  back_url=url_for("review.walk", campaign_id=campaign.id, branch_id=branch.id), back_label=branch.name,
                  **_walk_ctx(campaign, branch))


@bp.get("/<int:campaign_id>/branches/<int:branch_id>/walk.pdf")
def walk_pdf(campaign_id, branch_id):
    campaign = queries.get_campaign_for(current_user, campaign_id)
    branch = _branch(campaign, branch_id)
    started = time.perf_counter()
    resp = pdf_response(render_pdf("review/pdf/walk.html", **_walk_ctx(campaign, branch)),
                        f"danh-sach-di-tung-nha-{campaign.year}-{branch.id}.pdf")
    resp.headers["X-Render-Ms"] = str(round((time.perf_counter() - started) * 1000))
    return resp

"""(printables: being written by a helper)"""
from .. import bp


@bp.get("/<int:campaign_id>/result")
def result(campaign_id):
    return ""


@bp.get("/<int:campaign_id>/branches/<int:branch_id>/walk.pdf")
def walk_pdf(campaign_id, branch_id):
    return ""

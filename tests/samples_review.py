"""Route-walk samples for the review: everything inside commune C1 — a campaign scoped on C1, opened (so the people
of B1 the other samples made are on its walk list), a team of C1 walking B1 with a guest who is not an account."""
from datetime import date, timedelta

from sqlalchemy import select

from app.review import services
from app.review.models import Subject
from tests.factories_members import person_in


def make_samples(ctx):
    db, tree = ctx.db, ctx.tree
    person_in(db, tree.B1, "Trần Văn Rà", commit=False, member_type="youth", current_address="Thôn 1, số 5")
    today = date.today()
    campaign = services.create_campaign(unit=tree.C1, year=today.year, title="Rà soát mẫu",
                                        starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=20))
    services.open_campaign(campaign=campaign, expected_version=campaign.version)
    subject = db.session.scalar(select(Subject).where(Subject.campaign_id == campaign.id).order_by(Subject.id))
    team = services.create_team(campaign=campaign, commune=tree.C1, name="Tổ mẫu", branches=[tree.B1])
    guest = services.add_guest(team=team, full_name="Lê Văn Trưởng", post="hamlet_head")
    db.session.commit()
    return {"campaign_id": campaign.id, "branch_id": tree.B1.id, "commune_id": tree.C1.id, "subject_id": subject.id,
            "team_id": team.id, "member_id": guest.id}

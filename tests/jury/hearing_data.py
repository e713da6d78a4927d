"""Test data for hearings: a jury, its preselected dossiers in categories, a session."""

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from jury.hearings import workflow as hearings
from jury.models import HearingSession, Jury, JuryMember
from submissions.models import Dossier
from tests.factories import AdministrationFactory, CategoryFactory, agent_of
from tests.jury.factories import JuryFactory, JuryMemberFactory, preselected

PARIS = ZoneInfo("Europe/Paris")
DAY = date(2021, 2, 10)
LUNCH = {"label": "Déjeuner", "starts_at": time(12, 30), "ends_at": time(13, 30)}
SESSION = {
    "date": DAY,
    "place": "DINUM, 20 avenue de Ségur, Paris",
    "video_link": "",
    "starts_at": time(8, 30),
    "ends_at": time(18, 30),
    "slot_minutes": 15,
    "gap_minutes": 0,
}


@dataclass
class HearingSetup:
    jury: Jury
    dossiers: list[Dossier]
    members: list[JuryMember]


def hearing_setup(n=5, *, n_members=2, categories=2) -> HearingSetup:
    """``n`` preselected dossiers, each of its own administration (with one agent),
    spread over ``categories`` categories created in reverse order of display."""
    jury = JuryFactory()
    cats = [CategoryFactory(call=jury.call, order=categories - i) for i in range(categories)]
    dossiers = []
    for index in range(n):
        administration = AdministrationFactory()
        agent_of(administration, email=f"agent-{jury.pk}-{index}@exemple.gouv.fr")
        dossiers.append(
            preselected(
                jury,
                category=cats[index % categories],
                administration=administration,
                contact_email=f"contact-{jury.pk}-{index}@exemple.gouv.fr",
            )
        )
    members = [
        JuryMemberFactory(jury=jury, public_name=f"Membre {index}") for index in range(n_members)
    ]
    return HearingSetup(jury=jury, dossiers=dossiers, members=members)


def create_session(user, jury, *, breaks=(LUNCH,), **overrides) -> HearingSession:
    return hearings.create_session(user, jury, breaks=list(breaks), **(SESSION | overrides))


def at(hour, minute=0, day=DAY) -> datetime:
    return datetime.combine(day, time(hour, minute)).replace(tzinfo=PARIS)


def hearing_order(dossiers):
    """The expected order: category (by its display order), then reference."""
    return sorted(dossiers, key=lambda d: (d.category.order, d.reference))

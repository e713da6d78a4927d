"""Every staff route of a call's jury, one scheme, from the outside.

The routes are read from ``jury.urls``, so a new staff page cannot be added without its row
here: anonymous visitors are sent to the login page; an applicant, a juror of that very jury,
a plain account and staff of another programme get 404 (GET and POST), and nothing changes;
the programme's staff open every page.
"""

import pytest
from django.urls import resolve, reverse

from jury import urls as jury_urls
from jury.hearings import workflow as hearings
from jury.models import Award, ConflictOfInterest, HearingSession, HearingSlot, JuryMember
from jury.review_models import JuryOpinion, RapporteurAssignment, ReviewSettings
from relance.models import AuditEntry
from tests.factories import ProgrammeFactory, StaffFactory, UserFactory, agent_of
from tests.jury.factories import ConflictFactory
from tests.jury.hearing_data import create_session, hearing_setup

pytestmark = pytest.mark.django_db

STAFF_PREFIX = "instruction/appels/<slug:call_slug>/jury/"
COMMITTEE_PREFIX = "instruction/appels/<slug:call_slug>/comite/"
# Corrections of published results belong to the call: a round's (jury) or a window's (committee).
CORRECTIONS_PREFIX = "instruction/appels/<slug:call_slug>/rectificatifs/"
# The call's laureates not yet publishable in the open-data grants file (one page, for a
# round or a window: tests/jury/test_opendata_staff.py).
OPENDATA_ROUTE = "instruction/appels/<slug:call_slug>/donnees-ouvertes/"
# Pages that only answer GET say so (405) to any POST before looking anything up: nothing
# about the call leaks.
GET_ONLY = {"opinions"}


@pytest.fixture
def world():
    staff = StaffFactory()
    setup = hearing_setup(2)
    session = create_session(staff, setup.jury)
    hearings.generate_schedule(staff, session)
    slot = HearingSlot.objects.filter(session=session).first()
    member = setup.members[0]
    conflict = ConflictFactory(member=setup.members[1], dossier=setup.dossiers[1])
    rapporteur = RapporteurAssignment.objects.create(
        member=member, dossier=setup.dossiers[0], assigned_by=staff
    )
    return {
        "rapporteur": rapporteur,
        "staff": staff,
        "setup": setup,
        "session": session,
        "slot": slot,
        "member": member,
        "conflict": conflict,
    }


def staff_urls(world) -> dict[str, str]:
    setup, session = world["setup"], world["session"]
    call = {"call_slug": setup.jury.call.slug}
    sess = {**call, "session_id": session.pk}
    member = {**call, "member_pk": world["member"].pk}
    names_kwargs = {
        "staff_jury": call,
        "staff_jury_publish": call,
        "staff_member_add": call,
        "staff_member_edit": member,
        "staff_member_remove": member,
        "staff_conflict_add": member,
        "staff_conflict_lift": {**call, "conflict_pk": world["conflict"].pk},
        "staff_conflict_confirm": {**call, "conflict_pk": world["conflict"].pk},
        "staff_conflicts_suggest": call,
        "hearing_sessions": call,
        "hearing_session": sess,
        "hearing_generate": sess,
        "hearing_slot": {**sess, "slot_id": world["slot"].pk},
        "hearing_absent": {**sess, "slot_id": world["slot"].pk},
        "hearing_publish": sess,
        "hearing_print": sess,
        "hearing_csv": sess,
        "ranking": call,
        "ranking_export": {**call, "fmt": "csv"},
        "deliberation": call,
        "deliberation_dossier": {**call, "dossier_id": setup.dossiers[0].pk},
        "deliberation_publish": call,
        "review": call,
        "review_assign": call,
        "review_unassign": {**call, "assignment_pk": world["rapporteur"].pk},
        "progress": call,
        "progress_csv": call,
        "opinions": call,
        "opinion": {**call, "dossier_id": setup.dossiers[0].pk},
    }
    return {name: reverse(f"jury:{name}", kwargs=kw) for name, kw in names_kwargs.items()}


def state():
    """What a refused request must leave as it was."""
    return (
        JuryMember.objects.count(),
        ConflictOfInterest.objects.filter(lifted_at__isnull=True).count(),
        HearingSession.objects.filter(published_at__isnull=False).count(),
        HearingSlot.objects.filter(absent=True).count(),
        Award.objects.count(),
        RapporteurAssignment.objects.count(),
        ReviewSettings.objects.count(),
        JuryOpinion.objects.count(),
        AuditEntry.objects.count(),
    )


def test_every_staff_route_of_the_jury_is_in_the_matrix(world):
    routes = {p.name for p in jury_urls.urlpatterns if str(p.pattern).startswith(STAFF_PREFIX)}
    urls = staff_urls(world)
    assert set(urls) == routes
    # One scheme: every staff page of the jury app is under the call's address, the jury's
    # here, a window's committee in tests/jury/test_committee_views.py, the corrections in
    # tests/jury/test_correction_views.py.
    assert all(
        str(p.pattern).startswith((STAFF_PREFIX, COMMITTEE_PREFIX, CORRECTIONS_PREFIX))
        or str(p.pattern) == OPENDATA_ROUTE
        for p in jury_urls.urlpatterns
        if str(p.pattern).startswith("instruction/")
    )
    assert {resolve(url).url_name for url in urls.values()} == routes


def test_anonymous_is_sent_to_the_login_page(client, world):
    for name, url in staff_urls(world).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name


def test_applicant_juror_plain_account_and_other_staff_get_404_and_change_nothing(client, world):
    setup = world["setup"]
    applicant = agent_of(setup.dossiers[0].administration, email="agent-matrice@exemple.gouv.fr")
    other_staff = StaffFactory(programmes=[ProgrammeFactory()])
    unassigned_staff = StaffFactory(programmes=[])
    before = state()
    for user in (applicant, world["member"].user, UserFactory(), other_staff, unassigned_staff):
        client.force_login(user)
        for name, url in staff_urls(world).items():
            # A staff account is told that a POST-only route takes no GET (405) before any
            # lookup, as for an unknown call: nothing about this call leaks.
            allowed = (404, 405) if user.is_staff else (404,)
            assert client.get(url).status_code in allowed, (user, name)
            posted = client.post(url, {"absent": "1", "confirm": "1"}).status_code
            assert posted in ((404, 405) if name in GET_ONLY else (404,)), (user, name)
    assert state() == before


def test_staff_open_every_page(client, world):
    client.force_login(world["staff"])
    for name, url in staff_urls(world).items():
        # Pages answer 200; action-only routes redirect back to their page on GET or
        # answer 405 (POST only) — never 404 or 500.
        status = client.get(url).status_code
        assert status in (200, 302, 405), (name, status)


def test_an_unknown_call_answers_404_to_staff(client, world):
    client.force_login(world["staff"])
    for name, url in staff_urls(world).items():
        unknown = url.replace(world["setup"].jury.call.slug, "appel-inconnu", 1)
        # POST-only routes answer 405 to a GET before any lookup; a POST finds no call.
        assert client.get(unknown).status_code in (404, 405), name
        posted = client.post(unknown, {"confirm": "1"}).status_code
        assert posted in ((404, 405) if name in GET_ONLY else (404,)), name

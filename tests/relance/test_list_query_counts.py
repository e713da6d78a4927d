"""Every page that lists rows runs the same number of queries at 5 rows and at many more.

Each case prepares a page's world (``prepare``: the objects its URL names, the account that
sees it), then grows what the page lists: 5 rows, counted, then ``MANY`` more, counted again.
The counts must be equal, not close: a query per row shows at any size. Page caches are
cleared before each request (a cached fragment would spare the listing's queries).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import ProgrammeRoleKind
from jury.deliberation import workflow as deliberation
from jury.hearings import publication
from jury.hearings import workflow as hearings
from jury.review_models import ReviewPhase
from submissions import administrations as directory
from tests.calls.test_query_counts import add_calls
from tests.factories import (
    AdministrationFactory,
    CategoryFactory,
    ContinuousCallFactory,
    CriterionFactory,
    DossierFactory,
    MembershipFactory,
    MinistryFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
    agent_of,
    default_programme,
)
from tests.jury.factories import (
    ConflictFactory,
    EvaluationFactory,
    JuryFactory,
    JuryMemberFactory,
    preselected,
)
from tests.jury.hearing_data import DAY, create_session, hearing_setup
from tests.jury.jury_core_data import jury_with_dossiers
from tests.jury.stats_data import build as results_world
from tests.jury.stats_data import bulk_laureates
from tests.jury.test_committee_views import _bulk_window_dossiers
from tests.jury.test_review_views import _grow as grow_review
from tests.jury.test_review_views import set_phase
from tests.jury.window_data import session as committee_session
from tests.jury.window_data import window
from tests.jury.window_public_data import bulk_window_decisions, decided_window
from tests.submissions.staff_data import closed_call, filed_in_bulk

pytestmark = pytest.mark.django_db

SMALL = 5
MANY = 60


@dataclass
class Page:
    url: str
    grow: Callable[[int], object]
    user: object = None
    params: dict = field(default_factory=dict)


def count_queries(client, page: Page) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(page.url, page.params)
    assert response.status_code == 200, page.url
    return len(ctx.captured_queries)


# Public pages -------------------------------------------------------------------------------

_numbers = itertools.count(1000, 1000)


def _results(name, params=None, *, calls_too=False, staff=False):
    """A published round (``tests.jury.stats_data``) whose laureates grow; the calls too.
    ``name`` is a route without arguments, or a function of the round giving the URL."""

    def prepare():
        data = results_world()
        programmes = [data.programme]

        def grow(n):
            bulk_laureates(data.published, n, start=next(_numbers))
            if calls_too:
                add_calls(programmes, n)

        url = name(data.published) if callable(name) else reverse(name)
        user = StaffFactory(programmes=[data.programme]) if staff else None
        return Page(url=url, grow=grow, params=params or {}, user=user)

    return prepare


def _window_results(name, params=None):
    """A window whose committee sessions decide more and more dossiers, published."""

    def prepare():
        data = decided_window()
        days = (date(2021, 5, 17), date(2021, 6, 15))

        def grow(n):
            bulk_window_decisions(data.call, days[n > SMALL], n, start=next(_numbers))

        url = data.call.get_absolute_url() if name is None else reverse(name)
        return Page(url=url, grow=grow, params=params or {})

    return prepare


def _calls_page(name, params=None):
    def prepare():
        programmes = [ProgrammeFactory(slug="premier"), ProgrammeFactory(slug="second")]
        return Page(url=reverse(name), grow=lambda n: add_calls(programmes, n), params=params or {})

    return prepare


def _api(path):
    def prepare():
        page = _results("jury:api:laureates", calls_too=True)()
        page.url = f"/api/v1{path}"
        page.params = {"page_size": 200}
        return page

    return prepare


# Staff pages --------------------------------------------------------------------------------


def _staff_call_list():
    staff = StaffFactory()

    def grow(n):
        for _ in range(n):
            call = closed_call()
            filed_in_bulk(
                call, 2, administration=AdministrationFactory(), category=CategoryFactory(call=call)
            )

    return Page(url=reverse("submissions:instruction_home"), grow=grow, user=staff)


def _instruction_call(params):
    def prepare():
        call = closed_call(slug="liste-1")
        ministry = MinistryFactory(name="Ministère de la Culture")
        category = CategoryFactory(call=call)

        def grow(n):
            # Spread over administrations: the list shows each one's name and ministry.
            for _ in range(n):
                administration = AdministrationFactory(ministry=ministry, kind="central")
                filed_in_bulk(call, 1, administration=administration, category=category)

        url = reverse("submissions:instruction_call", kwargs={"call_slug": call.slug})
        return Page(url=url, grow=grow, user=StaffFactory(), params=params)

    return prepare


def _directory(name):
    def prepare():
        ministries = [MinistryFactory() for _ in range(3)]

        def grow(n):
            for i in range(n):
                ministry = ministries[i % 3] if name == "administration_list" else MinistryFactory()
                AdministrationFactory(ministry=ministry)

        return Page(url=reverse(f"submissions:{name}"), grow=grow, user=StaffFactory())

    return prepare


def _membership_requests():
    def grow(n):
        for _ in range(n):
            directory.request_membership(UserFactory(), AdministrationFactory())

    return Page(url=reverse("submissions:membership_requests"), grow=grow, user=StaffFactory())


def _programme_calls():
    programme = default_programme()
    manager = StaffFactory(programmes__role=ProgrammeRoleKind.MANAGER)
    url = reverse("calls:staff_programme_calls", kwargs={"slug": programme.slug})
    return Page(url=url, grow=lambda n: add_calls([programme], n), user=manager)


def _programmes():
    superuser = StaffFactory(is_superuser=True, programmes=[])

    def grow(n):
        for _ in range(n):
            programme = ProgrammeFactory()
            StaffFactory(programmes=[programme])

    return Page(url=reverse("calls:staff_programmes"), grow=grow, user=superuser)


def _programme_team():
    programme = default_programme()
    manager = StaffFactory(programmes__role=ProgrammeRoleKind.MANAGER)
    url = reverse("calls:staff_programme_team", kwargs={"slug": programme.slug})

    def grow(n):
        for _ in range(n):
            StaffFactory(programmes=[programme])

    return Page(url=url, grow=grow, user=manager)


def _jury_url(name, jury):
    return reverse(f"jury:{name}", kwargs={"call_slug": jury.call.slug})


def _ranking(fmt=None):
    setup = jury_with_dossiers(0)
    url = _jury_url("ranking", setup.jury)
    if fmt:
        kwargs = {"call_slug": setup.jury.call.slug, "fmt": fmt}
        url = reverse("jury:ranking_export", kwargs=kwargs)

    def grow(n):
        for _ in range(n):
            dossier = preselected(setup.jury)
            for member in (setup.member, setup.other):
                EvaluationFactory(member=member, dossier=dossier)

    return Page(url=url, grow=grow, user=StaffFactory())


def _deliberation():
    staff = StaffFactory()
    jury = JuryFactory()

    def grow(n):
        for i in range(n):
            dossier = preselected(jury)
            if i % 2:
                deliberation.record_award(staff, dossier, decision="laureate", granted_amount=1000)
            else:
                deliberation.record_award(staff, dossier, decision="not_selected", reason="Non.")

    return Page(url=_jury_url("deliberation", jury), grow=grow, user=staff)


def _review(name):
    def prepare():
        setup = jury_with_dossiers(2)
        set_phase(setup, ReviewPhase.ASSIGNMENT)
        return Page(
            url=_jury_url(name, setup.jury),
            grow=lambda n: grow_review(setup, n),
            user=StaffFactory(),
        )

    return prepare


def _staff_jury():
    setup = jury_with_dossiers(2)

    def grow(n):
        for _ in range(n):
            member = JuryMemberFactory(jury=setup.jury)
            ConflictFactory(member=member, dossier=setup.dossiers[0])

    return Page(url=_jury_url("staff_jury", setup.jury), grow=grow, user=StaffFactory())


def _hearing(name):
    def prepare():
        staff = StaffFactory()
        setup = hearing_setup(2)
        # A long day of short slots: room for every dossier of the larger world.
        session = create_session(
            staff, setup.jury, breaks=(), starts_at=time(6), ends_at=time(22), slot_minutes=10
        )
        days = itertools.count(1)

        def grow(n):
            for _ in range(n):
                preselected(setup.jury)
                if name == "hearing_sessions":
                    create_session(staff, setup.jury, date=DAY + timedelta(days=next(days)))
            # Every dossier gets its slot again: the page lists slots, not only dossiers.
            hearings.generate_schedule(staff, session, regenerate=True)

            if name == "juror_hearings":
                publication.publish_schedule(staff, session)

        kwargs = {"call_slug": setup.jury.call.slug, "session_id": session.pk}
        if name == "hearing_sessions":
            kwargs.pop("session_id")
        if name == "juror_hearings":
            kwargs = {"jury_id": setup.jury.pk}
            user = setup.members[0].user
        else:
            user = staff
        return Page(url=reverse(f"jury:{name}", kwargs=kwargs), grow=grow, user=user)

    return prepare


def _committee(name):
    def prepare():
        w = window()
        sess = committee_session(w)
        kwargs = {"call_slug": w.call.slug}
        if name != "committee_sessions":
            kwargs["session_id"] = sess.pk
        return Page(
            url=reverse(f"jury:{name}", kwargs=kwargs),
            grow=lambda n: _bulk_window_dossiers(w, n, session_for_half=sess),
            user=w.staff,
        )

    return prepare


# Jurors and agents --------------------------------------------------------------------------


def _juror_dossiers():
    setup = jury_with_dossiers(0)
    url = reverse("jury:juror_dossier_list", kwargs={"jury_id": setup.jury.pk})

    def grow(n):
        for _ in range(n):
            dossier = preselected(setup.jury)
            EvaluationFactory(member=setup.member, dossier=dossier, submitted_at=None)

    return Page(url=url, grow=grow, user=setup.member.user)


def _my_dossiers():
    administration = AdministrationFactory()
    agent = agent_of(administration)
    now = timezone.now()
    call = closed_call(opens_at=now - timedelta(days=5), closes_at=now + timedelta(days=20))
    category = CategoryFactory(call=call)

    def grow(n):
        DossierFactory.create_batch(
            n, call=call, administration=administration, category=category, created_by=agent
        )

    return Page(url=reverse("submissions:dossier_list"), grow=grow, user=agent)


def _join_search():
    def grow(n):
        ministry = MinistryFactory()
        for _ in range(n):
            AdministrationFactory(ministry=ministry)  # « Direction n° … »

    url = reverse("submissions:join_search")
    return Page(url=url, grow=grow, user=UserFactory(), params={"q": "Direction"})


def _my_administrations():
    user = UserFactory()

    def grow(n):
        for _ in range(n):
            MembershipFactory(user=user)

    return Page(url=reverse("submissions:my_administrations"), grow=grow, user=user)


def _juror_home():
    user = UserFactory()

    def grow(n):
        for _ in range(n):
            JuryMemberFactory(jury=JuryFactory(), user=user)

    return Page(url=reverse("jury:juror_home"), grow=grow, user=user)


def _call_detail():
    call = ContinuousCallFactory(is_demo=True)

    def grow(n):
        for _ in range(n):
            CategoryFactory(call=call)
            CriterionFactory(call=call)

    return Page(url=call.get_absolute_url(), grow=grow)


CASES = {
    # Public
    "home": _calls_page("home"),
    "calls": _calls_page("calls:list"),
    "calls by status": _calls_page("calls:list", {"status": "open"}),
    "call page": _call_detail,
    "laureates": _results("jury:laureates"),
    "laureates, all shown": _results("jury:laureates", {"tout": "1"}),
    "laureates, searched": _results("jury:laureates", {"q": "projet"}),
    "statistics": _results("jury:statistics"),
    "open data": _results("jury:open_data", calls_too=True),
    "laureates.csv": _results("jury:laureates_csv"),
    "a round's results": _results(lambda call: call.get_absolute_url()),
    "a window's decisions": _window_results(None),
    "window laureates": _window_results("jury:laureates"),
    "window laureates, searched": _window_results("jury:laureates", {"q": "guichet"}),
    "window statistics": _window_results("jury:statistics"),
    "laureates.json": _results("jury:laureates_json"),
    "subventions.csv": _results("jury:grants_csv"),
    "appels.json": _results("jury:calls_json", calls_too=True),
    "api laureates": _api("/laureates"),
    "api calls": _api("/calls"),
    "api programmes": _api("/programmes"),
    "api statistics": _api("/statistics"),
    # Staff
    "instruction home": _staff_call_list,
    "dossier list": _instruction_call({}),
    "dossier list, filtered": _instruction_call({"etat": "submitted", "type": "central"}),
    "dossier list, searched": _instruction_call({"q": "direction"}),
    "dossier list, sorted": _instruction_call({"tri": "-administration"}),
    "administrations": _directory("administration_list"),
    "open data of a round": _results(
        lambda call: reverse("jury:staff_opendata", kwargs={"call_slug": call.slug}), staff=True
    ),
    "ministries": _directory("ministry_list"),
    "membership requests": _membership_requests,
    "programmes": _programmes,
    "programme team": _programme_team,
    "programme calls": _programme_calls,
    "jury": _staff_jury,
    "ranking": _ranking,
    "ranking.csv": lambda: _ranking("csv"),
    "deliberation": _deliberation,
    "review": _review("review"),
    "progress": _review("progress"),
    "progress.csv": _review("progress_csv"),
    "hearing sessions": _hearing("hearing_sessions"),
    "hearing session": _hearing("hearing_session"),
    "hearing print": _hearing("hearing_print"),
    "hearing planning.csv": _hearing("hearing_csv"),
    "committee sessions": _committee("committee_sessions"),
    "committee session": _committee("committee_session"),
    "committee publication": _committee("committee_publish"),
    # Jurors, agents
    "juror dossiers": _juror_dossiers,
    "juror home": _juror_home,
    "juror hearings": _hearing("juror_hearings"),
    "my dossiers": _my_dossiers,
    "my administrations": _my_administrations,
    "join search": _join_search,
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_same_number_of_queries_at_5_and_at_many_rows(client, name):
    page = CASES[name]()
    if page.user is not None:
        client.force_login(page.user)
    page.grow(SMALL)
    small = count_queries(client, page)
    page.grow(MANY)
    large = count_queries(client, page)
    assert large == small, f"{name}: {small} queries at {SMALL} rows, {large} at {SMALL + MANY}"

"""The call dashboard of the instruction pages: its funnel, its next step, its query counts.

``/instruction/`` and each call's page count through ``submissions.dashboard``; the jury's
numbers and next steps come in through ``submissions.extensions``. Every number is read as
users read it (the pages, the public statistics, the open data), never from a mock.
"""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.demo import ROUND_1_SLUG
from calls.models import Call, CallKind
from jury.composition import workflow as composition
from jury.dashboard import FUNNEL, NEXT_STEPS
from jury.deliberation import workflow as deliberation
from jury.hearings import publication
from jury.hearings import workflow as hearings
from jury.models import Award, HearingSlot
from jury.results.stats import statistics
from relance.demo import STAFF_LOGIN
from relance.models import User
from submissions import dashboard
from submissions import preselection as preselection_workflow
from submissions.extensions import funnel_contributions, next_step_providers
from submissions.models import Dossier, DossierState, PreselectionDecision
from tests.factories import AdministrationFactory, CategoryFactory
from tests.jury.factories import AwardFactory, JuryFactory, JuryMemberFactory, preselected
from tests.jury.hearing_data import create_session
from tests.submissions.staff_data import closed_call, filed, filed_batch

pytestmark = pytest.mark.django_db

S = DossierState
P = PreselectionDecision


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def home(client):
    response = client.get(reverse("submissions:instruction_home"))
    assert response.status_code == 200
    return response.content.decode()


def call_page(client, call, query=""):
    url = reverse("submissions:instruction_call", kwargs={"call_slug": call.slug})
    response = client.get(f"{url}?{query}" if query else url)
    assert response.status_code == 200
    return response.content.decode()


def row_of(html, call):
    """The call's row of ``/instruction/``: its numbers and the key of its next step."""
    row = re.search(rf'<tr data-call="{call.slug}">(.*?)</tr>', html, re.S).group(1)
    numbers = {key: int(value) for key, value in re.findall(r'data-n="(\w+)">(\d+)<', row)}
    step = re.search(r'data-step="(\w*)"', row).group(1)
    return numbers, step


def tiles_of(html):
    """The numbers of a call's page, as its tiles show them."""
    return {
        key: int(value)
        for key, value in re.findall(
            r'data-count="(\w+)">.*?class="relance-count">(\d+)<', html, re.S
        )
    }


def next_step_of(html):
    return re.search(r'id="next-step" data-step="(\w*)"', html).group(1)


def public_funnel(html, prefix):
    """The funnel tiles of a public page (statistics, call page) under ``prefix``."""
    numbers = re.search(rf'id="{prefix}-numbers">(.*?)</ul>', html, re.S).group(1)
    return {
        key: int(value.replace("\u202f", "").replace("\xa0", ""))
        for key, value in re.findall(r'data-step="(\w+)".*?relance-count">([^<]+)<', numbers, re.S)
    }


def statistics_page_funnel(client, call):
    html = client.get(reverse("jury:statistics")).content.decode()
    section = re.search(rf'<section [^>]*data-call="{call.slug}">(.*?)</section>', html, re.S)
    numbers = re.search(r'id="([\w-]+)-numbers"', section.group(1)).group(1)
    return public_funnel(section.group(1), numbers)


# The extension point ----------------------------------------------------------------------


def test_the_jury_registers_its_numbers_and_next_steps_at_startup():
    assert FUNNEL in funnel_contributions()
    assert NEXT_STEPS in next_step_providers()
    keys = [number.key for number in dashboard.funnel_numbers()]
    # The jury's numbers sit where they belong in the funnel.
    assert keys.index("heard") == keys.index("preselected") + 1
    assert keys.index("pending_awards") == keys.index("pending_preselection") + 1
    assert keys[:2] == ["draft", "submitted"]


# The demo data: every number agrees with the public statistics ----------------------------


@pytest.fixture
def demo_client(client, seeded):
    client.force_login(User.objects.get(email=STAFF_LOGIN.email))
    return client


def test_round_1_of_the_demo_shows_the_whole_funnel(demo_client):
    call = Call.objects.get(slug=ROUND_1_SLUG)
    numbers, step = row_of(home(demo_client), call)
    # 69 dossiers → 33 preselected → 33 heard → 17 laureates (announcement of 3 March 2021).
    assert numbers == {
        "draft": 0,
        "submitted": 69,
        "in_review": 0,
        "incomplete": 0,
        "preselected": 33,
        "heard": 33,
        "laureate": 17,
        "not_selected": 16,
        "not_preselected": 36,
        "withdrawn": 0,
        "pending_preselection": 0,
        "pending_committee": 0,
        "pending_awards": 0,
    }
    # Results published: nothing left to do, and nothing that no longer applies.
    assert step == ""
    page = call_page(demo_client, call)
    assert tiles_of(page) == numbers
    assert next_step_of(page) == ""
    assert "Résultats publiés le 3 mars 2021." in page
    assert "Publier la présélection" not in page
    assert reverse("submissions:instruction_publish", kwargs={"call_slug": call.slug}) not in page
    assert 'id="bulk-legend"' not in page
    assert 'name="dossiers"' not in page


def test_every_dashboard_number_equals_the_public_statistics(demo_client):
    [programme] = statistics()
    published = {stats.call.slug: stats for stats in programme.calls}
    assert ROUND_1_SLUG in published
    calls_json = {
        row["slug"]: row
        for row in json.loads(demo_client.get(reverse("jury:calls_json")).content.decode())
    }
    listing = home(demo_client)
    for slug, stats in published.items():
        call = Call.objects.get(slug=slug)
        numbers, _step = row_of(listing, call)
        if call.is_continuous:
            # A window's public funnel has no preselection, hearing or jury.
            funnel = stats.window_funnel
            assert (funnel.submitted, funnel.laureates, funnel.refused) == (
                numbers["submitted"],
                numbers["laureate"],
                numbers["not_selected"],
            )
            assert funnel.in_instruction == numbers["in_review"] + numbers["incomplete"]
            public = statistics_page_funnel(demo_client, call)
            assert (public["submitted"], public["laureates"]) == (
                numbers["submitted"],
                numbers["laureate"],
            )
            assert calls_json[slug]["dossiers_submitted"] == numbers["submitted"]
            assert calls_json[slug]["laureates"] == numbers["laureate"]
            continue
        expected = {
            "submitted": stats.funnel.submitted,
            "preselected": stats.funnel.preselected,
            "heard": stats.funnel.heard,
            "laureate": stats.funnel.laureates,
        }
        assert {key: numbers[key] for key in expected} == expected
        # The public statistics page and the call's public page show the same.
        for public in (
            statistics_page_funnel(demo_client, call),
            public_funnel(demo_client.get(call.get_absolute_url()).content.decode(), "call-funnel"),
        ):
            assert public["submitted"] == numbers["submitted"]
            assert public["preselected"] == numbers["preselected"]
            assert public["heard"] == numbers["heard"]
            assert public["laureates"] == numbers["laureate"]
        # So do the open data of the calls.
        assert calls_json[slug]["dossiers_submitted"] == numbers["submitted"]
        assert calls_json[slug]["dossiers_preselected"] == numbers["preselected"]
        assert calls_json[slug]["laureates"] == numbers["laureate"]


def test_the_list_and_each_call_page_agree_and_add_up(demo_client):
    listing = home(demo_client)
    for call in Call.objects.all():
        numbers, step = row_of(listing, call)
        page = call_page(demo_client, call)
        assert tiles_of(page) == numbers, call.slug
        assert next_step_of(page) == step, call.slug
        if call.is_continuous:
            # No preselection in a window: its committee decides each dossier.
            assert not numbers.keys() & dashboard.ROUND_ONLY, call.slug
            assert numbers["submitted"] == (
                numbers["in_review"]
                + numbers["incomplete"]
                + numbers["laureate"]
                + numbers["not_selected"]
                + numbers["withdrawn"]
            )
            continue
        # Every dossier submitted once is in exactly one state of the funnel.
        assert numbers["submitted"] == (
            numbers["in_review"]
            + numbers["incomplete"]
            + numbers["preselected"]
            + numbers["not_preselected"]
            + numbers["withdrawn"]
        )
        assert numbers["laureate"] + numbers["not_selected"] <= numbers["preselected"]
        assert numbers["heard"] <= numbers["preselected"]
        # The page's list holds the dossiers « Déposés » counts.
        listed = re.search(r'id="list-title">\s*(\d+) dossier', page).group(1)
        assert int(listed) == numbers["submitted"]


def test_a_window_counts_no_dossier_as_preselected(demo_client):
    """The window's committee decides each dossier: its laureates are not « Présélectionnés »,
    and the columns of the rounds' preselection say « sans objet » on its row."""
    window = Call.objects.filter(kind=CallKind.CONTINUOUS).order_by("pk").first()
    numbers, _step = row_of(home(demo_client), window)
    assert numbers["laureate"] > 0
    row = re.search(rf'<tr data-call="{window.slug}">(.*?)</tr>', home(demo_client), re.S)
    for key in dashboard.ROUND_ONLY:
        cell = re.search(rf'data-n="{key}">(.*?)</td>', row.group(1), re.S).group(1)
        assert "sans objet pour un guichet" in cell
    assert not tiles_of(call_page(demo_client, window)).keys() & dashboard.ROUND_ONLY


def test_the_preselected_tile_lists_every_preselected_dossier(demo_client):
    call = Call.objects.get(slug=ROUND_1_SLUG)
    page = call_page(demo_client, call, "etat=preselectionnes")
    assert "33 dossiers" in page
    assert len(re.findall(r'<tr data-reference="', page)) == 33


def test_the_hearings_page_counts_the_dossiers_heard_after_the_results(demo_client):
    call = Call.objects.get(slug=ROUND_1_SLUG)
    response = demo_client.get(reverse("jury:hearing_sessions", kwargs={"call_slug": call.slug}))
    html = response.content.decode()
    counts = re.search(
        r'id="to-hear" data-to-hear="(\d+)" data-scheduled="(\d+)" data-heard="(\d+)"', html
    ).groups()
    assert counts == ("33", "33", "33")
    text = re.sub(r"\s+", " ", re.search(r'id="to-hear"[^>]*>(.*?)</p>', html, re.S).group(1))
    assert text.strip() == (
        "33 dossiers présélectionnés à auditionner. 33 ont un créneau. 33 ont été auditionnés."
    )
    # The same number of heard dossiers as the instruction pages and the statistics.
    numbers, _step = row_of(home(demo_client), call)
    assert numbers["heard"] == 33


# The next step, stage by stage -------------------------------------------------------------


def step_of(client, call):
    """The next step of ``call`` as both pages show it, checked to agree; and its link."""
    call_html = call_page(client, call)
    key = next_step_of(call_html)
    _numbers, listed = row_of(home(client), call)
    assert listed == key
    link = re.search(r'id="next-step-link"', call_html)
    assert bool(link) == bool(key)
    progress = dashboard.call_progress(Call.objects.get(pk=call.pk))
    if key:
        assert progress.next_step.key == key
        # The link leads to an existing screen staff may open.
        assert client.get(progress.next_step.url).status_code == 200
    else:
        assert progress.next_step is None
    return key, progress, call_html


def test_next_step_follows_the_call_from_closing_to_results(staff_client, staff):
    call = closed_call()
    first, second, third = (filed(call, requested_amount=Decimal("60000.00")) for _ in range(3))

    key, progress, html = step_of(staff_client, call)
    assert key == "publish_preselection"
    assert progress.next_step.detail == "3 dossiers déposés attendent encore une décision."
    assert progress.next_step.url == reverse(
        "submissions:instruction_publish", kwargs={"call_slug": call.slug}
    )
    assert 'id="bulk-legend"' in html  # boxes to tick, so the buttons show

    for dossier, decision in (
        (first, P.PRESELECTED),
        (second, P.PRESELECTED),
        (third, P.NOT_PRESELECTED),
    ):
        preselection_workflow.record_preselection(staff, dossier, decision=decision)
    key, progress, _html = step_of(staff_client, call)
    assert key == "publish_preselection"
    assert progress.next_step.detail == "3 décisions enregistrées, prêtes à publier."

    preselection_workflow.publish_preselection(staff, call)
    key, progress, html = step_of(staff_client, call)
    assert key == "constitute_jury"
    assert progress.next_step.detail == "2 dossiers présélectionnés attendent leur jury."
    assert "Publier la présélection" not in html
    assert 'id="bulk-legend"' not in html  # no box to tick, no bulk decision

    jury = composition.create_jury(staff, call)
    assert step_of(staff_client, call)[0] == "constitute_jury"  # a jury without members

    composition.add_member(staff, jury, email="experte@numerique.gouv.fr", public_name="Experte")
    key, progress, _html = step_of(staff_client, call)
    assert key == "plan_hearings"
    assert progress.next_step.detail == (
        "2 dossiers présélectionnés n’ont pas encore de créneau d’audition."
    )

    session = create_session(staff, jury)  # a day in the past: the hearings took place
    hearings.generate_schedule(staff, session)
    key, progress, _html = step_of(staff_client, call)
    assert key == "plan_hearings"
    assert progress.next_step.detail == (
        "Le planning n’est pas encore publié aux administrations et au jury."
    )

    publication.publish_schedule(staff, session)
    key, progress, _html = step_of(staff_client, call)
    assert key == "deliberate"
    assert progress.next_step.detail == (
        "Auditionnés : 2 sur 2. Décisions du jury enregistrées : 0 sur 2."
    )
    assert progress.value("heard") == 2

    deliberation.record_award(
        staff, first, decision=Award.Decision.LAUREATE, granted_amount=Decimal("50000")
    )
    assert step_of(staff_client, call)[0] == "deliberate"
    deliberation.record_award(
        staff, second, decision=Award.Decision.NOT_SELECTED, reason="À préciser."
    )
    key, progress, _html = step_of(staff_client, call)
    assert key == "publish_results"
    assert progress.next_step.detail == "2 décisions du jury prêtes à publier."
    assert progress.value("pending_awards") == 2

    deliberation.publish_results(staff, call)
    key, progress, html = step_of(staff_client, call)
    assert key == ""
    assert progress.note.startswith("Résultats publiés le ")
    assert "Publier les résultats" not in html
    assert (progress.value("laureate"), progress.value("not_selected")) == (1, 1)
    assert progress.value("pending_awards") == 0


def test_no_next_step_while_a_round_is_open(staff_client, staff):
    now = timezone.now()
    call = closed_call(closes_at=now + timedelta(days=10))
    dossier = filed(call)
    preselection_workflow.record_preselection(staff, dossier, decision=P.PRESELECTED)
    key, progress, _html = step_of(staff_client, call)
    # The workflow would refuse to publish before the closing.
    assert key == ""
    assert progress.note.startswith("Dépôts jusqu’au ")


def test_no_next_step_on_a_closed_call_without_dossiers(staff_client):
    call = closed_call()
    key, progress, _html = step_of(staff_client, call)
    assert key == ""
    assert progress.note == "Aucun dossier déposé."


def test_the_next_step_waits_for_a_late_decision_before_the_jury(staff_client, staff):
    # A dossier completed after the preselection was published needs its decision first.
    jury = JuryFactory(call=closed_call())
    JuryMemberFactory(jury=jury)
    preselected(jury)
    late = filed(jury.call)
    assert step_of(staff_client, jury.call)[0] == "publish_preselection"
    preselection_workflow.record_preselection(staff, late, decision=P.NOT_PRESELECTED)
    preselection_workflow.publish_preselection(staff, jury.call)
    assert step_of(staff_client, jury.call)[0] == "plan_hearings"


# Confirmations the server would refuse are not offered ------------------------------------


def test_the_preselection_is_confirmed_only_when_it_can_be_published(staff_client, staff):
    call = closed_call()
    dossier = filed(call)
    url = reverse("submissions:instruction_publish", kwargs={"call_slug": call.slug})
    button = "Confirmer la publication"
    assert button not in staff_client.get(url).content.decode()  # undecided
    preselection_workflow.record_preselection(staff, dossier, decision=P.PRESELECTED)
    assert button in staff_client.get(url).content.decode()
    preselection_workflow.publish_preselection(staff, call)
    page = staff_client.get(url).content.decode()
    assert button not in page
    assert 'id="nothing-to-publish"' in page


def test_the_results_are_confirmed_only_when_they_can_be_published(staff_client, staff):
    jury = JuryFactory(call=closed_call())
    dossier = preselected(jury)
    url = reverse("jury:deliberation_publish", kwargs={"call_slug": jury.call.slug})
    button = "Confirmer la publication"
    assert button not in staff_client.get(url).content.decode()  # a dossier without decision
    AwardFactory(dossier=dossier, granted_amount=dossier.requested_amount)
    assert button in staff_client.get(url).content.decode()


# Query counts ------------------------------------------------------------------------------


def call_at_deliberation(staff, size):
    """A closed round with ``size`` preselected dossiers heard, half of them decided."""
    jury = JuryFactory(call=closed_call())
    JuryMemberFactory(jury=jury)
    category = CategoryFactory(call=jury.call)
    dossiers = [
        preselected(jury, administration=AdministrationFactory(), category=category)
        for _ in range(size)
    ]
    filed_batch(jury.call, size, administrations=[AdministrationFactory()], category=category)
    session = create_session(staff, jury)
    hearings.generate_schedule(staff, session)
    for dossier in dossiers[: size // 2]:
        AwardFactory(dossier=dossier, granted_amount=dossier.requested_amount)
    return jury.call


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_list_of_calls_runs_a_constant_number_of_queries(staff_client, staff):
    call_at_deliberation(staff, 2)
    closed_call()
    url = reverse("submissions:instruction_home")
    small = queries(staff_client, url)
    for size in (3, 6, 9):
        call_at_deliberation(staff, size)
    filed_batch(closed_call(), 5, administrations=[AdministrationFactory()], category=None)
    assert queries(staff_client, url) == small
    # Session, user, the calls with their counts, the jury's two, the pending requests to
    # join an administration, the programmes the user manages, the menu's two.
    assert small <= 9
    assert HearingSlot.objects.count() == 2 + 3 + 6 + 9


def test_a_call_page_runs_a_constant_number_of_queries(staff_client, staff):
    small_call, large_call = call_at_deliberation(staff, 2), call_at_deliberation(staff, 20)
    small = queries(staff_client, reverse("submissions:instruction_call", args=[small_call.slug]))
    large = queries(staff_client, reverse("submissions:instruction_call", args=[large_call.slug]))
    assert small == large
    assert Dossier.objects.filter(call=large_call).count() == 40

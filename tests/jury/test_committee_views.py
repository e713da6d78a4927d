"""The committee screens of a window and the instruction panel of its dossiers, from outside."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import resolve, reverse

from jury import urls as jury_urls
from jury.committee import workflow as committee
from jury.models import AgendaItem, Award, CommitteeSession
from relance.models import AuditEntry
from submissions.models import Dossier, DossierState, Proposal
from tests.factories import (
    CallFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)
from tests.jury.window_data import on_agenda, proposed, session, submitted, window

pytestmark = pytest.mark.django_db
S = DossierState
COMMITTEE_PREFIX = "instruction/appels/<slug:call_slug>/comite/"


@pytest.fixture
def world():
    w = window(envelope=Decimal("130000.00"), slug="guichet-test")
    decided, agent = submitted(w, requested=Decimal("99999.99"))
    waiting, _ = submitted(w, requested=Decimal("40000.00"))
    proposed(w, decided)
    proposed(w, waiting)
    sess = session(w, date(2021, 3, 15))
    [item] = on_agenda(w, sess, decided)
    return {
        "w": w,
        "agent": agent,
        "decided": decided,
        "waiting": waiting,
        "session": sess,
        "item": item,
    }


def committee_urls(world) -> dict[str, str]:
    call = {"call_slug": world["w"].call.slug}
    sess = {**call, "session_id": world["session"].pk}
    item = {**sess, "item_id": world["item"].pk}
    kwargs = {
        "committee_sessions": call,
        "committee_session": sess,
        "committee_session_edit": sess,
        "committee_session_delete": sess,
        "committee_agenda_add": sess,
        "committee_agenda_remove": item,
        "committee_follow": item,
        "committee_decision": item,
        "committee_hearing": item,
        "committee_publish": sess,
    }
    return {name: reverse(f"jury:{name}", kwargs=kw) for name, kw in kwargs.items()}


def state():
    return (
        CommitteeSession.objects.count(),
        CommitteeSession.objects.filter(published_at__isnull=False).count(),
        AgendaItem.objects.count(),
        Award.objects.count(),
        AuditEntry.objects.count(),
        list(Dossier.objects.order_by("pk").values_list("state", "proposal")),
    )


def test_every_committee_route_is_in_the_matrix(world):
    routes = {p.name for p in jury_urls.urlpatterns if str(p.pattern).startswith(COMMITTEE_PREFIX)}
    urls = committee_urls(world)
    assert set(urls) == routes
    assert {resolve(url).url_name for url in urls.values()} == routes


def test_anonymous_is_sent_to_the_login_page(client, world):
    before = state()
    for name, url in committee_urls(world).items():
        for response in (client.get(url), client.post(url, {})):
            assert response.status_code == 302, name
            assert response.url.startswith(reverse("login")), name
    assert state() == before


def test_everyone_but_the_programme_staff_gets_404_and_changes_nothing(client, world):
    others = (
        world["agent"],
        agent_of(world["waiting"].administration),
        UserFactory(),
        StaffFactory(programmes=[ProgrammeFactory()]),
        StaffFactory(programmes=[]),
    )
    before = state()
    data = {"session-date": "2021-04-15", "dossiers": [world["waiting"].pk]}
    for user in others:
        client.force_login(user)
        for name, url in committee_urls(world).items():
            allowed = (404, 405) if user.is_staff else (404,)
            assert client.get(url).status_code in allowed, (user, name)
            assert client.post(url, data).status_code == 404, (user, name)
    assert state() == before


def test_a_round_has_no_committee(client):
    staff = StaffFactory()
    round_call = CallFactory()
    client.force_login(staff)
    url = reverse("jury:committee_sessions", kwargs={"call_slug": round_call.slug})
    assert client.get(url).status_code == 404


def test_a_session_of_another_window_answers_404(client, world):
    other = window(slug="autre-guichet")
    foreign = session(other, date(2021, 5, 17))
    client.force_login(world["w"].staff)
    url = reverse(
        "jury:committee_session",
        kwargs={"call_slug": world["w"].call.slug, "session_id": foreign.pk},
    )
    assert client.get(url).status_code == 404


def test_staff_open_every_page(client, world):
    client.force_login(world["w"].staff)
    for name, url in committee_urls(world).items():
        status = client.get(url).status_code
        assert status in (200, 405), (name, status)


def test_the_sessions_page_shows_envelope_sessions_and_waiting_dossiers(client, world):
    client.force_login(world["w"].staff)
    page = client.get(committee_urls(world)["committee_sessions"]).content.decode()
    assert 'data-figure="amount">130\u00a0000,00\u00a0€' in page
    assert 'data-session="2021-03-15"' in page
    assert world["waiting"].reference in page  # instructed, waiting for a session


def test_a_session_is_created_from_its_form(client, world):
    client.force_login(world["w"].staff)
    url = committee_urls(world)["committee_sessions"]
    response = client.post(url, {"session-date": "2021-04-15", "session-place": "Salle 4"})
    created = CommitteeSession.objects.get(date=date(2021, 4, 15))
    assert response.status_code == 302 and response.url.endswith(f"/comite/{created.pk}/")
    # The same date again: the form says so and keeps what was typed.
    again = client.post(url, {"session-date": "2021-04-15", "session-place": "Salle 5"})
    assert again.status_code == 200
    page = again.content.decode()
    assert "Le comité a déjà une séance le 15 avril 2021." in page and "Salle 5" in page
    bad = client.post(url, {"session-date": "pas une date"})
    assert "Saisissez une date valide." in bad.content.decode()


def test_a_decision_beyond_the_envelope_is_refused_on_the_page(client, world):
    w = world["w"]
    client.force_login(w.staff)
    committee.add_to_agenda(w.staff, world["session"], [world["waiting"]])
    committee.follow_proposal(w.staff, world["item"])
    waiting_item = AgendaItem.objects.get(dossier=world["waiting"])
    url = reverse(
        "jury:committee_decision",
        kwargs={
            "call_slug": w.call.slug,
            "session_id": world["session"].pk,
            "item_id": waiting_item.pk,
        },
    )
    prefix = f"item-{waiting_item.pk}"
    response = client.post(
        url, {f"{prefix}-decision": "laureate", f"{prefix}-granted_amount": "35 000"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "dépasserait l’enveloppe" in page and "Il reste 30\u00a0000,01\u00a0€" in page
    assert "35 000" in page  # what was typed is kept
    assert not Award.objects.filter(dossier=world["waiting"]).exists()
    ok = client.post(
        url, {f"{prefix}-decision": "laureate", f"{prefix}-granted_amount": "30 000,01"}
    )
    assert ok.status_code == 302
    assert Award.objects.get(dossier=world["waiting"]).granted_amount == Decimal("30000.01")


def test_the_session_is_published_from_its_page(client, world, django_capture_on_commit_callbacks):
    w = world["w"]
    client.force_login(w.staff)
    urls = committee_urls(world)
    assert client.post(urls["committee_follow"]).status_code == 302
    confirm = client.get(urls["committee_publish"]).content.decode()
    assert "Publier les décisions et prévenir les administrations" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(urls["committee_publish"], follow=True)
    assert "Décisions publiées : 1 accordé(s), 0 refusé(s)." in response.content.decode()
    assert Dossier.objects.get(pk=world["decided"].pk).state == S.LAUREATE
    # A second click publishes nothing more and says why.
    again = client.post(urls["committee_publish"], follow=True).content.decode()
    assert "Les décisions de cette séance sont publiées" in again


def test_the_dossier_page_instructs_a_window_dossier(client, world):
    w = world["w"]
    dossier = world["waiting"]
    client.force_login(w.staff)
    page_url = reverse("submissions:instruction_dossier", kwargs={"pk": dossier.pk})
    page = client.get(page_url).content.decode()
    assert 'id="window-instruction"' in page and 'id="decision-form"' not in page
    colleague = StaffFactory(programmes=[w.call.programme], first_name="Inès", last_name="Instruit")
    response = client.post(
        reverse("submissions:instruction_assign_instructor", kwargs={"pk": dossier.pk}),
        {"instructor-instructor": colleague.pk},
    )
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).instructor == colleague
    outsider = StaffFactory(programmes=[ProgrammeFactory()])
    refused = client.post(
        reverse("submissions:instruction_assign_instructor", kwargs={"pk": dossier.pk}),
        {"instructor-instructor": outsider.pk},
    )
    assert "Cette personne n’instruit pas ce programme." in refused.content.decode()
    too_much = client.post(
        reverse("submissions:instruction_proposal", kwargs={"pk": dossier.pk}),
        {"proposal-proposal": "accept", "proposal-amount": "40 000,01"},
    )
    assert too_much.status_code == 200
    assert "dépasse le montant demandé" in too_much.content.decode()
    client.post(
        reverse("submissions:instruction_proposal", kwargs={"pk": dossier.pk}),
        {"proposal-proposal": "refuse", "proposal-reason": "Hors champ"},
    )
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert (dossier.proposal, dossier.proposal_reason) == (Proposal.REFUSE, "Hors champ")
    due = client.post(
        reverse("submissions:instruction_due_date", kwargs={"pk": dossier.pk}),
        {"due-due_on": "2031-01-15", "due-reason": ""},
    )
    assert "Indiquez le motif du changement d’échéance." in due.content.decode()


def test_a_round_dossier_page_keeps_its_preselection(client):
    staff = StaffFactory()
    from tests.submissions.staff_data import closed_call, filed

    dossier = filed(closed_call(), state=S.SUBMITTED)
    client.force_login(staff)
    page = client.get(reverse("submissions:instruction_dossier", kwargs={"pk": dossier.pk}))
    assert 'id="decision-form"' in page.content.decode()
    assert 'id="window-instruction"' not in page.content.decode()


# Constant queries at 5 and at 200 dossiers ------------------------------------------------


def _bulk_window_dossiers(w, n, *, session_for_half=None):
    """``n`` submitted window dossiers with proposals, half on the agenda of ``session``."""
    from django.utils import timezone

    from tests.factories import AdministrationFactory, DossierFactory

    administration = AdministrationFactory()
    start = Dossier.objects.filter(call=w.call).count()
    dossiers = Dossier.objects.bulk_create(
        [
            DossierFactory.build(
                call=w.call,
                administration=administration,
                category=w.category,
                number=start + i + 1,
                reference=f"GC-T-{start + i + 1:04d}",
                state=S.SUBMITTED,
                submitted_at=timezone.now(),
                instruction_due_on=date(2021, 4, 1),
                instructor=w.staff,
                proposal=Proposal.ACCEPT,
                proposed_amount=Decimal("1000.00"),
                proposed_by=w.staff,
            )
            for i in range(n)
        ]
    )
    if session_for_half is not None:
        half = dossiers[: n // 2]
        AgendaItem.objects.bulk_create(
            [AgendaItem(session=session_for_half, dossier=d) for d in half]
        )
        Award.objects.bulk_create(
            [
                Award(
                    dossier=d,
                    session=session_for_half,
                    decision=Award.Decision.LAUREATE,
                    granted_amount=Decimal("1000.00"),
                )
                for d in half[: len(half) // 2]
            ]
        )
    return dossiers


def _count(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "page", ["committee_sessions", "committee_session", "committee_publish", "call_dossiers"]
)
def test_the_window_staff_pages_run_constant_queries(client, page):
    w = window(envelope=Decimal("10000000.00"))
    sess = session(w)
    client.force_login(w.staff)
    urls = {
        "committee_sessions": reverse("jury:committee_sessions", kwargs={"call_slug": w.call.slug}),
        "committee_session": reverse(
            "jury:committee_session", kwargs={"call_slug": w.call.slug, "session_id": sess.pk}
        ),
        "committee_publish": reverse(
            "jury:committee_publish", kwargs={"call_slug": w.call.slug, "session_id": sess.pk}
        ),
        "call_dossiers": reverse("submissions:instruction_call", kwargs={"call_slug": w.call.slug}),
    }
    _bulk_window_dossiers(w, 5, session_for_half=sess)
    small = _count(client, urls[page])
    _bulk_window_dossiers(w, 195, session_for_half=sess)
    assert Dossier.objects.filter(call=w.call).count() == 200
    assert _count(client, urls[page]) == small


def test_the_call_page_of_staff_sums_the_envelope(client, world):
    w = world["w"]
    committee.follow_proposal(w.staff, world["item"])
    client.force_login(w.staff)
    page = client.get(
        reverse("submissions:instruction_call", kwargs={"call_slug": w.call.slug})
    ).content.decode()
    assert (
        "Enveloppe : 130\u00a0000,00\u00a0€ · engagé par les décisions enregistrées : "
        "99\u00a0999,99\u00a0€ · reste à engager : 30\u00a0000,01\u00a0€." in page
    )
    assert 'id="committee-link"' in page and 'id="jury-link"' not in page


def test_the_committee_hears_an_administration_during_its_session(client, world):
    from datetime import datetime

    from relance.formatting import PARIS
    from relance.models import OutgoingEmail

    w, item = world["w"], world["item"]
    client.force_login(w.staff)
    url = committee_urls(world)["committee_hearing"]
    prefix = f"hearing-{item.pk}"
    missing = client.post(url, {f"{prefix}-time": ""})
    assert "Indiquez l’heure de l’audition." in missing.content.decode()
    response = client.post(url, {f"{prefix}-time": "14:30", f"{prefix}-place": "Salle Turgot"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.hearing_place == "Salle Turgot"
    assert item.hearing_at == datetime(2021, 3, 15, 14, 30, tzinfo=PARIS)
    email = OutgoingEmail.objects.get(topic="committee_hearing")
    assert world["agent"].email in email.to
    assert "15 mars 2021, à 14:30" in email.body and "Salle Turgot" in email.body
    # The applicant reads the convocation on the dossier's page.
    client.force_login(world["agent"])
    page = client.get(world["decided"].get_absolute_url()).content.decode()
    assert 'id="committee-hearing"' in page and "Salle Turgot" in page
    # Cancelled: the applicant is told, the page no longer shows it.
    client.force_login(w.staff)
    assert client.post(url, {"annuler": "1"}).status_code == 302
    assert OutgoingEmail.objects.filter(topic="committee_hearing").count() == 2
    client.force_login(world["agent"])
    page = client.get(world["decided"].get_absolute_url()).content.decode()
    assert 'id="committee-hearing"' not in page

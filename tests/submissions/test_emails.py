"""Content of the emails applicants receive, rendered by the workflow as they are sent."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from relance.models import OutgoingEmail
from submissions import correspondence, workflow
from submissions import preselection as preselection_workflow
from submissions.models import DossierState, PreselectionDecision
from tests.factories import AdministrationFactory, CallFactory, DossierFactory, agent_of
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db

SITE = "https://relance.exemple.gouv.fr"
SIGNATURE = "Bien cordialement,\n\nL’équipe Relance\n"
TITLE = "Données & API de l'État"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = f"{SITE}/"  # a trailing slash must not double the one of the path


@pytest.fixture
def administration(db):
    return AdministrationFactory(name="Direction interministérielle du numérique")


@pytest.fixture
def agent(administration):
    return agent_of(administration, email="porteur@exemple.gouv.fr")


def only_email(topic):
    return OutgoingEmail.objects.get(topic=topic)


def test_acknowledgement(administration, agent, monkeypatch):
    call = CallFactory(
        title="Appel à projets n° 2",
        opens_at=datetime(2021, 6, 1, 8, 0, tzinfo=UTC),
        closes_at=datetime(2021, 7, 15, 12, 0, tzinfo=UTC),
    )
    dossier = DossierFactory(call=call, administration=administration, title=TITLE, number=12)
    # 22:30 UTC on 30 June is already 1 July in Paris (summer time, UTC+2).
    submitted_at = datetime(2021, 6, 30, 22, 30, 5, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: submitted_at)

    workflow.submit(agent, dossier)

    email = only_email("acknowledgement")
    assert (
        email.subject == f"[Relance] Accusé de réception du dossier {dossier.reference} — {TITLE}"
    )
    assert email.to == sorted({agent.email, dossier.contact_email})
    body = email.body
    assert body.startswith("Madame, Monsieur,\n")
    assert f"Référence : {dossier.reference}\n" in body
    assert f"Projet : {TITLE}\n" in body  # plain text: nothing HTML-escaped
    assert "« Appel à projets n° 2 »" in body
    assert "Direction interministérielle du numérique" in body
    assert "Déposé le jeudi 1 juillet 2021 à 00:30 (heure de Paris)" in body
    assert "le 15 juillet 2021 à 14:00 (heure de Paris)" in body  # closing, in Paris time
    assert f"\n{SITE}/dossiers/{dossier.pk}/\n" in body
    assert body.rstrip().endswith(SIGNATURE.rstrip())
    assert "&amp;" not in body and "&#x27;" not in body


def test_acknowledgement_without_closing_date(administration, agent):
    from tests.factories import ContinuousCallFactory

    window = ContinuousCallFactory(title="Guichet en continu")
    dossier = DossierFactory(
        call=window, administration=administration, requested_amount=Decimal("50000")
    )
    workflow.submit(agent, dossier)
    body = only_email("acknowledgement").body
    assert "clôture" not in body
    assert "« Guichet en continu »" in body


def test_request_additions(administration, agent, staff):
    dossier = DossierFactory(administration=administration, state=DossierState.SUBMITTED)
    message = "Merci de joindre le devis signé & le planning détaillé."
    workflow.request_additions(staff, dossier, message=message)

    email = only_email("request_additions")
    assert email.subject == f"[Relance] Compléments demandés pour le dossier {dossier.reference}"
    body = email.body
    assert f"\n{message}\n" in body
    assert "vous demande de le compléter" in body
    assert "« Renvoyer le dossier complété »" in body  # what to do, with the button's name
    assert f"{SITE}/dossiers/{dossier.pk}/" in body
    assert body.rstrip().endswith(SIGNATURE.rstrip())


def test_information_message(administration, agent, staff):
    dossier = DossierFactory(administration=administration, state=DossierState.SUBMITTED)
    correspondence.send_message(staff, dossier, body="Les auditions auront lieu le 10 février.")

    email = only_email("message")
    assert email.subject == f"[Relance] Nouveau message sur le dossier {dossier.reference}"
    assert "\nLes auditions auront lieu le 10 février.\n" in email.body
    assert "pour information" in email.body
    assert f"{SITE}/dossiers/{dossier.pk}/" in email.body
    assert email.body.rstrip().endswith(SIGNATURE.rstrip())


@pytest.fixture
def closed_call(db):
    now = timezone.now()
    return CallFactory(
        title="Appel à projets n° 1",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=1),
    )


def _publish(staff, dossier, decision, reason):
    preselection_workflow.record_preselection(staff, dossier, decision=decision, reason=reason)
    preselection_workflow.publish_preselection(staff, dossier.call)
    run_tasks()  # the publication's task renders and queues the emails
    return only_email("preselection")


def test_publishing_the_preselection_queues_one_task_for_every_email(
    closed_call, administration, agent, staff, django_capture_on_commit_callbacks
):
    dossiers = [
        DossierFactory(
            call=closed_call, administration=administration, state=DossierState.SUBMITTED
        )
        for _ in range(3)
    ]
    for dossier in dossiers:
        preselection_workflow.record_preselection(
            staff, dossier, decision=PreselectionDecision.PRESELECTED
        )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        preselection_workflow.publish_preselection(staff, closed_call)
        # Nothing rendered in the request: one task, run by a worker after commit.
        assert not OutgoingEmail.objects.exists()
        task = DBTaskResult.objects.get()
        assert task.task_path == "submissions.preselection.notify_preselection"
    assert len(callbacks) == 1
    assert run_tasks() == 1 + 3  # the task, then the sending of its three emails
    emails = OutgoingEmail.objects.filter(topic="preselection")
    assert sorted(e.subject for e in emails) == sorted(
        f"[Relance] Résultat de la présélection — dossier {d.reference}" for d in dossiers
    )
    assert {e.status for e in emails} == {OutgoingEmail.Status.SENT}


def test_the_notification_task_queues_all_its_emails_or_none(closed_call, administration):
    dossier = DossierFactory(call=closed_call, administration=administration)
    missing = dossier.pk + 1000
    with pytest.raises(KeyError):
        preselection_workflow.notify_preselection.call(
            [[dossier.pk, True, ""], [missing, True, ""]]
        )
    # Run again by a worker after a failure or a kill, it never queues an email twice.
    assert not OutgoingEmail.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_preselected_outcome(closed_call, administration, agent, staff):
    dossier = DossierFactory(
        call=closed_call, administration=administration, state=DossierState.SUBMITTED
    )
    email = _publish(staff, dossier, PreselectionDecision.PRESELECTED, "Projet très réutilisable.")
    assert email.subject == f"[Relance] Résultat de la présélection — dossier {dossier.reference}"
    body = email.body
    assert "« Appel à projets n° 1 »" in body
    assert "est présélectionné" in body
    assert "Motif : Projet très réutilisable." in body
    assert "Prochaine étape" in body
    assert "audition" in body
    assert "regret" not in body
    assert f"{SITE}/dossiers/{dossier.pk}/" in body
    assert body.rstrip().endswith(SIGNATURE.rstrip())


def test_not_preselected_outcome_without_reason(closed_call, administration, agent, staff):
    dossier = DossierFactory(
        call=closed_call, administration=administration, state=DossierState.SUBMITTED
    )
    email = _publish(staff, dossier, PreselectionDecision.NOT_PRESELECTED, "")
    body = email.body
    assert "n’a pas été présélectionné" in body
    assert "Motif" not in body
    assert "audition" not in body
    assert body.rstrip().endswith(SIGNATURE.rstrip())

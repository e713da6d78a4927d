"""Deliberation, publication of results and amendments, through the workflow functions."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jury.deliberation import amendments, corrections
from jury.deliberation import workflow as wf
from jury.models import Award, Deliberation, ResultAmendment
from jury.results import cache as results_cache
from relance.models import AuditEntry, OutgoingEmail
from relance.workflow import WorkflowError
from submissions.models import DossierState
from tests.factories import AdministrationFactory, DossierFactory, agent_of
from tests.jury.factories import JuryFactory, preselected
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db
S = DossierState


@pytest.fixture
def jury(db):
    return JuryFactory()


@pytest.fixture
def dossier(jury):
    return preselected(jury, title="Entrepôt de données RH", requested_amount=Decimal("80000"))


def laureate(staff, dossier, amount="50000"):
    return wf.record_award(staff, dossier, decision="laureate", granted_amount=Decimal(amount))


def not_selected(staff, dossier, reason="Projet insuffisamment mûr."):
    return wf.record_award(staff, dossier, decision="not_selected", reason=reason)


def refresh(obj):
    obj.refresh_from_db()
    return obj


def actions(target):
    from relance.audit import history

    return [e.action for e in history(target)]


# The deliberation ----------------------------------------------------------------------------


def test_get_or_create_deliberation_is_idempotent(jury):
    first = wf.get_or_create_deliberation(jury)
    assert wf.get_or_create_deliberation(jury) == first
    assert Deliberation.objects.filter(jury=jury).count() == 1


def test_update_minutes(staff, jury):
    deliberation = wf.get_or_create_deliberation(jury)
    updated = wf.update_minutes(
        staff, deliberation, minutes="  Le jury a retenu 17 projets. ", held_on=date(2021, 2, 24)
    )
    assert updated.minutes == "Le jury a retenu 17 projets."
    assert refresh(deliberation).held_on == date(2021, 2, 24)
    entry = AuditEntry.objects.get(action="update_minutes")
    assert entry.actor == staff
    assert entry.data["after"]["held_on"] == "2021-02-24"
    assert entry.data["before"]["minutes"] == ""


def test_withholding_amounts_after_publication_updates_the_results_date(staff, jury, dossier):
    laureate(staff, dossier)
    wf.publish_results(staff, jury.call)
    deliberation = refresh(jury.deliberation)
    wf.update_minutes(staff, deliberation, minutes="PV signé.", held_on=None)
    assert refresh(deliberation).results_updated_at is None  # the minutes are internal
    wf.update_minutes(staff, deliberation, minutes="PV signé.", held_on=None, publish_amounts=False)
    deliberation = refresh(deliberation)
    assert deliberation.publish_amounts is False
    assert deliberation.results_updated_at is not None


def test_update_minutes_refused_to_non_staff(user, jury):
    with pytest.raises(WorkflowError, match="réservée aux instructeurs"):
        wf.update_minutes(user, wf.get_or_create_deliberation(jury), minutes="x", held_on=None)


# Recording decisions ---------------------------------------------------------------------------


def test_record_laureate(staff, dossier):
    award = wf.record_award(
        staff,
        dossier,
        decision="laureate",
        granted_amount=Decimal("80000"),
        public_summary="Un entrepôt partagé.",
    )
    assert award.decision == Award.Decision.LAUREATE
    assert award.granted_amount == Decimal("80000.00")
    assert award.recorded_by == staff
    assert award.slug == ""  # given at publication
    assert refresh(dossier).state == S.PRESELECTED  # nothing applied before publication
    assert "record_award" in actions(dossier)


def test_record_not_selected_then_change_it(staff, dossier):
    not_selected(staff, dossier)
    award = laureate(staff, dossier)
    assert Award.objects.get(dossier=dossier) == award
    assert award.decision == Award.Decision.LAUREATE and award.reason == ""
    entry = AuditEntry.objects.filter(action="record_award").order_by("-pk").first()
    assert entry.data["before"]["decision"] == "not_selected"
    assert entry.data["after"]["granted_amount"] == "50000.00"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"decision": "laureate"}, "Indiquez le cofinancement"),
        ({"decision": "laureate", "granted_amount": Decimal("0")}, "supérieur à zéro"),
        ({"decision": "laureate", "granted_amount": Decimal("-5")}, "supérieur à zéro"),
        ({"decision": "laureate", "granted_amount": Decimal("80000.01")}, "dépasse"),
        ({"decision": "laureate", "granted_amount": Decimal("10.005")}, "au centime"),
        ({"decision": "laureate", "granted_amount": "abc"}, "pas un montant valide"),
        ({"decision": "not_selected"}, "motif"),
        ({"decision": "not_selected", "reason": "   "}, "motif"),
        (
            {"decision": "not_selected", "reason": "Non.", "granted_amount": Decimal("10")},
            "ne reçoit pas de cofinancement",
        ),
        ({"decision": "peut-être"}, "Décision inconnue"),
    ],
)
def test_record_award_refusals(staff, dossier, kwargs, message):
    with pytest.raises(WorkflowError, match=message):
        wf.record_award(staff, dossier, **kwargs)
    assert not Award.objects.exists()


def test_record_award_refused_to_non_staff(user, dossier):
    with pytest.raises(WorkflowError, match="réservée aux instructeurs"):
        laureate(user, dossier)


def test_record_award_only_on_a_preselected_dossier_of_a_call_with_a_jury(staff, jury):
    submitted = DossierFactory(call=jury.call, state=S.SUBMITTED)
    with pytest.raises(WorkflowError, match="seul un dossier présélectionné"):
        laureate(staff, submitted)
    without_jury = DossierFactory(state=S.PRESELECTED)
    with pytest.raises(WorkflowError, match="pas de jury"):
        laureate(staff, without_jury)


def test_clear_award(staff, dossier):
    laureate(staff, dossier)
    wf.clear_award(staff, dossier)
    assert not Award.objects.exists()
    assert "clear_award" in actions(dossier)
    wf.clear_award(staff, dossier)  # nothing to clear: no error


# Closing ---------------------------------------------------------------------------------------


def test_close_refused_while_a_dossier_has_no_decision(staff, jury, dossier):
    other = preselected(jury)
    laureate(staff, dossier)
    deliberation = wf.get_or_create_deliberation(jury)
    with pytest.raises(WorkflowError, match=other.reference):
        wf.close_deliberation(staff, deliberation)
    assert refresh(deliberation).closed_at is None
    assert wf.evaluations_open(jury)


def test_close_freezes_decisions_and_evaluations(staff, jury, dossier):
    laureate(staff, dossier)
    deliberation = wf.close_deliberation(staff, wf.get_or_create_deliberation(jury))
    assert deliberation.closed_by == staff and deliberation.closed_at is not None
    assert not wf.evaluations_open(jury)
    with pytest.raises(WorkflowError, match="close"):
        not_selected(staff, dossier)
    with pytest.raises(WorkflowError, match="close"):
        wf.clear_award(staff, dossier)
    with pytest.raises(WorkflowError, match="déjà close"):
        wf.close_deliberation(staff, deliberation)


def test_reopen_before_publication(staff, jury, dossier):
    laureate(staff, dossier)
    deliberation = wf.close_deliberation(staff, wf.get_or_create_deliberation(jury))
    with pytest.raises(WorkflowError, match="pourquoi"):
        wf.reopen_deliberation(staff, deliberation, reason=" ")
    wf.reopen_deliberation(staff, deliberation, reason="Erreur sur un montant.")
    assert refresh(deliberation).closed_at is None
    not_selected(staff, dossier)  # decisions editable again
    with pytest.raises(WorkflowError, match="pas close"):
        wf.reopen_deliberation(staff, deliberation, reason="Encore.")


def test_reopen_refused_after_publication(staff, jury, dossier):
    laureate(staff, dossier)
    wf.publish_results(staff, jury.call)
    with pytest.raises(WorkflowError, match="ne peut plus être rouverte"):
        wf.reopen_deliberation(staff, jury.deliberation, reason="Trop tard.")


# Grant details (SCDL) --------------------------------------------------------------------------


def grant(staff, award, **overrides):
    values = {
        "convention_date": date(2021, 4, 1),
        "decision_reference": "DINUM-2021-017",
        "aid_nature": Award.AidNature.CASH,
        "payment_terms": Award.PaymentTerms.STAGED,
        "payment_period": "2021-04-01/2021-12-31",
        "eu_notification": False,
    }
    return wf.update_award_grant_details(staff, award, **(values | overrides))


def test_grant_details(staff, dossier):
    award = grant(staff, laureate(staff, dossier))
    award = refresh(award)
    assert award.decision_reference == "DINUM-2021-017"
    assert award.payment_period == "2021-04-01/2021-12-31"
    assert award.payment_terms == Award.PaymentTerms.STAGED
    entry = AuditEntry.objects.get(action="update_grant_details")
    assert entry.data["after"]["convention_date"] == "2021-04-01"
    grant(staff, award, payment_period="2021-06-30")
    assert refresh(award).payment_period == "2021-06-30"


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2021-13-01", "AAAA-MM-JJ"),
        ("01/04/2021", "AAAA-MM-JJ"),
        ("2021-04-01/", "AAAA-MM-JJ"),
        ("2021-04-01/2021-02-30", "AAAA-MM-JJ"),
        ("2021-12-31/2021-04-01", "précède"),
    ],
)
def test_grant_details_payment_period_is_checked(staff, dossier, period, message):
    award = laureate(staff, dossier)
    with pytest.raises(WorkflowError, match=message):
        grant(staff, award, payment_period=period)
    assert refresh(award).payment_period == ""


def test_grant_details_only_for_laureates(staff, dossier):
    award = not_selected(staff, dossier)
    with pytest.raises(WorkflowError, match="Seul un lauréat"):
        grant(staff, award)
    with pytest.raises(WorkflowError, match="inconnue"):
        grant(staff, award, aid_nature="chèque")


def test_grant_details_after_publication_update_the_results_date(staff, jury, dossier):
    award = laureate(staff, dossier)
    wf.publish_results(staff, jury.call)
    assert refresh(jury.deliberation).results_updated_at is None
    grant(staff, award)
    assert refresh(jury.deliberation).results_updated_at is not None
    assert not ResultAmendment.objects.exists()  # not an amendment of the results


# Publication -----------------------------------------------------------------------------------


@pytest.fixture
def decided(staff, jury):
    """Three preselected dossiers: two laureates (same title), one not selected."""
    administration = AdministrationFactory()
    agent = agent_of(administration, email="porteuse@exemple.gouv.fr")
    one = preselected(jury, administration=administration, title="Données & territoires")
    two = preselected(jury, title="Données & territoires")
    three = preselected(jury, title="Tableau de bord")
    laureate(staff, one, "40000")
    laureate(staff, two, "30000")
    not_selected(staff, three, "Budget trop imprécis.")
    return {"one": one, "two": two, "three": three, "agent": agent}


def test_publish_results(staff, jury, decided, django_capture_on_commit_callbacks):
    other_call_dossier = DossierFactory(state=S.PRESELECTED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        counts = wf.publish_results(staff, jury.call)
        # One task, enqueued in the transaction, renders and queues the emails after commit.
        assert not OutgoingEmail.objects.exists()
        task = DBTaskResult.objects.get()
        assert task.task_path == "jury.deliberation.workflow.notify_results"
    # After commit, besides the public pages' kept results moment being forgotten: the task.
    assert len([c for c in callbacks if c is not results_cache._forget_kept_moment]) == 1
    assert run_tasks() == 1 + 3  # the task, then the sending of its three emails
    assert OutgoingEmail.objects.filter(topic="results").count() == 3
    assert OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT).count() == 3
    assert counts == {"laureate": 2, "not_selected": 1}
    one, two, three = (refresh(decided[k]) for k in ("one", "two", "three"))
    assert (one.state, two.state, three.state) == (S.LAUREATE, S.LAUREATE, S.NOT_SELECTED)
    assert three.decision_reason == "Budget trop imprécis."
    assert one.decision_reason == ""
    assert refresh(other_call_dossier).state == S.PRESELECTED
    call = refresh(jury.call)
    assert call.results_published_at is not None
    assert call.results_published_at <= timezone.now()
    deliberation = Deliberation.objects.get(jury=jury)
    assert deliberation.closed_at is not None and deliberation.closed_by == staff
    assert one.award.slug == "donnees-territoires"
    assert two.award.slug == "donnees-territoires-2"
    assert three.award.slug == ""
    assert "select" in actions(one) and "not_select" in actions(three)
    assert AuditEntry.objects.filter(action="publish_results").count() == 1


def test_publish_results_emails(staff, jury, decided, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        wf.publish_results(staff, jury.call)
    one = decided["one"]
    email = OutgoingEmail.objects.get(topic="results", to__contains=[decided["agent"].email])
    assert email.status == OutgoingEmail.Status.SENT
    assert email.to == sorted({decided["agent"].email, one.contact_email})
    assert email.subject == f"[Relance] Résultat de l’appel — dossier {one.reference}"
    assert "« Données & territoires » est lauréat" in email.body  # plain text, unescaped
    assert "Cofinancement accordé : 40\u00a0000\u00a0€" in email.body
    assert f"/dossiers/{one.pk}/" in email.body
    refused = OutgoingEmail.objects.get(
        topic="results", subject__contains=decided["three"].reference
    )
    assert "n’a pas été retenu" in refused.body
    assert "Motif : Budget trop imprécis." in refused.body


def test_publish_refused_while_a_decision_is_missing(staff, jury, decided):
    missing = preselected(jury)
    with pytest.raises(WorkflowError, match=missing.reference):
        wf.publish_results(staff, jury.call)
    assert refresh(jury.call).results_published_at is None
    assert refresh(decided["one"]).state == S.PRESELECTED
    assert not OutgoingEmail.objects.exists()


def test_publish_refused_without_dossiers_or_jury(staff, jury):
    with pytest.raises(WorkflowError, match="rien à publier"):
        wf.publish_results(staff, jury.call)
    with pytest.raises(WorkflowError, match="pas de jury"):
        wf.publish_results(staff, DossierFactory().call)


def test_publish_twice_is_refused(staff, jury, decided):
    wf.publish_results(staff, jury.call)
    run_tasks()
    published_at = refresh(jury.call).results_published_at
    with pytest.raises(WorkflowError, match="déjà publiés"):
        wf.publish_results(staff, jury.call)
    assert refresh(jury.call).results_published_at == published_at
    assert OutgoingEmail.objects.filter(topic="results").count() == 3


def test_publish_refused_to_non_staff(user, jury, decided):
    with pytest.raises(WorkflowError, match="réservée aux instructeurs"):
        wf.publish_results(user, jury.call)


def test_decisions_refused_once_published(staff, jury, decided):
    wf.publish_results(staff, jury.call)
    with pytest.raises(WorkflowError, match="modifications des résultats"):
        not_selected(staff, decided["one"])
    with pytest.raises(WorkflowError, match="modifications des résultats"):
        wf.clear_award(staff, decided["one"])


def test_slug_never_all_digits_and_at_most_120(staff, jury):
    digits = preselected(jury, title="2021")
    long = preselected(jury, title="Projet " + "x" * 190)
    twin = preselected(jury, title="Projet " + "x" * 190)
    for d in (digits, long, twin):
        laureate(staff, d, "1000")
    wf.publish_results(staff, jury.call)
    assert refresh(digits).award.slug == "projet-2021"
    slugs = {refresh(long).award.slug, refresh(twin).award.slug}
    assert all(len(s) <= 120 for s in slugs) and len(slugs) == 2
    assert any(s.endswith("-2") for s in slugs)


@pytest.mark.django_db(transaction=True)
def test_concurrent_publications_publish_once():
    from tests.factories import StaffFactory

    staff = StaffFactory()
    jury = JuryFactory()
    for _ in range(3):
        laureate(staff, preselected(jury), "1000")
    barrier = threading.Barrier(2)
    outcomes = []

    def publish():
        try:
            barrier.wait()
            outcomes.append(wf.publish_results(staff, jury.call))
        except WorkflowError as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, outcomes)) == sorted(
        [str({"laureate": 3, "not_selected": 0}), "Les résultats de cet appel sont déjà publiés."]
    )
    assert OutgoingEmail.objects.filter(topic="results").count() == 3
    assert AuditEntry.objects.filter(action="select").count() == 3


# Amendments ------------------------------------------------------------------------------------


@pytest.fixture
def published(staff, jury, decided):
    wf.publish_results(staff, jury.call)
    return decided


@pytest.fixture
def draft(staff, jury):
    """A draft « rectificatif »: the only way the amendments apply."""
    return corrections.create_correction(
        staff, jury.call, official_date=timezone.localdate(), reason="Arrêté modificatif."
    )


def test_amendments_refused_before_publication(staff, jury, decided, draft):
    award = Award.objects.get(dossier=decided["one"])
    attempts = [
        lambda: amendments.add_laureate(
            staff, decided["three"], granted_amount=1000, reason="r", correction=draft
        ),
        lambda: amendments.remove_laureate(staff, decided["one"], reason="r", correction=draft),
        lambda: amendments.correct_title(
            staff, decided["one"], title="T", subtitle="", reason="r", correction=draft
        ),
        lambda: amendments.change_administration(
            staff,
            decided["one"],
            administration=AdministrationFactory(),
            reason="r",
            correction=draft,
        ),
        lambda: amendments.change_amount(
            staff, award, granted_amount=1000, reason="r", correction=draft
        ),
    ]
    for attempt in attempts:
        with pytest.raises(WorkflowError, match="pas encore publiés"):
            attempt()
    assert not ResultAmendment.objects.exists()


def test_amendments_require_a_reason_and_staff(staff, user, published, draft):
    with pytest.raises(WorkflowError, match="motif"):
        amendments.remove_laureate(staff, published["one"], reason="  ", correction=draft)
    with pytest.raises(WorkflowError, match="réservée aux instructeurs"):
        amendments.remove_laureate(user, published["one"], reason="Erreur.", correction=draft)
    assert refresh(published["one"]).state == S.LAUREATE
    assert not ResultAmendment.objects.exists()


def test_amendments_only_apply_within_a_draft_correction_of_the_call(staff, published, draft):
    one = published["one"]
    with pytest.raises(TypeError):
        amendments.remove_laureate(staff, one, reason="Sans rectificatif.")
    with pytest.raises(WorkflowError, match="par un rectificatif"):
        amendments.remove_laureate(staff, one, reason="Sans rectificatif.", correction=None)
    other = corrections.create_correction(
        staff, JuryFactory().call, official_date=timezone.localdate(), reason="Autre appel."
    )
    with pytest.raises(WorkflowError, match="par un rectificatif"):
        amendments.remove_laureate(staff, one, reason="Autre appel.", correction=other)
    draft.published_at = timezone.now()
    with pytest.raises(WorkflowError, match="déjà publié"):
        amendments.remove_laureate(staff, one, reason="Déjà publié.", correction=draft)
    assert refresh(one).state == S.LAUREATE
    assert not ResultAmendment.objects.exists()


def test_add_laureate(staff, jury, published, draft):
    three = published["three"]
    amendment = amendments.add_laureate(
        staff,
        three,
        granted_amount=Decimal("20000"),
        reason="Erreur matérielle du procès-verbal.",
        correction=draft,
    )
    three = refresh(three)
    assert three.state == S.LAUREATE
    assert three.decision_reason == ""
    award = three.award
    assert award.decision == Award.Decision.LAUREATE
    assert award.granted_amount == Decimal("20000")
    assert award.slug == "tableau-de-bord"
    assert amendment.kind == ResultAmendment.Kind.ADD_LAUREATE
    assert amendment.before["state"] == "not_selected"
    assert amendment.before["reason"] == "Budget trop imprécis."
    assert amendment.after == {
        "state": "laureate",
        "decision": "laureate",
        "granted_amount": "20000.00",
        "reason": "",
        "decision_reason": "",
    }
    assert amendment.actor == staff and amendment.reason.startswith("Erreur")
    assert refresh(jury.deliberation).results_updated_at == amendment.at
    assert "amend_add_laureate" in actions(three)
    assert "amend_results_add_laureate" in actions(three)


def test_add_laureate_refusals(staff, published, draft):
    with pytest.raises(WorkflowError, match="ne peut pas devenir lauréat"):
        amendments.add_laureate(
            staff, published["one"], granted_amount=1000, reason="r", correction=draft
        )
    with pytest.raises(WorkflowError, match="dépasse"):
        amendments.add_laureate(
            staff, published["three"], granted_amount=10**6, reason="r", correction=draft
        )
    assert refresh(published["three"]).state == S.NOT_SELECTED


def test_remove_laureate(staff, jury, published, draft):
    one = published["one"]
    slug = one.award.slug
    amendment = amendments.remove_laureate(
        staff, one, reason="Projet abandonné par l’administration.", correction=draft
    )
    one = refresh(one)
    assert one.state == S.NOT_SELECTED
    assert one.decision_reason == "Projet abandonné par l’administration."
    award = one.award
    assert award.decision == Award.Decision.NOT_SELECTED
    assert award.granted_amount is None
    assert award.slug == slug  # kept: re-adding restores the same address
    assert amendment.before["granted_amount"] == "40000.00"
    assert amendment.after["granted_amount"] is None
    assert refresh(jury.deliberation).results_updated_at == amendment.at
    with pytest.raises(WorkflowError, match="n’est pas lauréat"):
        amendments.remove_laureate(staff, one, reason="Encore.", correction=draft)
    amendments.add_laureate(
        staff, one, granted_amount=Decimal("35000"), reason="Projet relancé.", correction=draft
    )
    assert refresh(one).award.slug == slug


def test_correct_title_keeps_the_slug(staff, published, draft):
    one = published["one"]
    slug = one.award.slug
    amendment = amendments.correct_title(
        staff,
        one,
        title="Données et territoires",
        subtitle="Un observatoire partagé",
        reason="Coquille signalée par l’administration.",
        correction=draft,
    )
    one = refresh(one)
    assert (one.title, one.subtitle) == ("Données et territoires", "Un observatoire partagé")
    assert one.award.slug == slug
    assert amendment.before["title"] == "Données & territoires"
    assert amendment.after["subtitle"] == "Un observatoire partagé"
    with pytest.raises(WorkflowError, match="inchangés"):
        amendments.correct_title(
            staff,
            one,
            title=one.title,
            subtitle=one.subtitle,
            reason="Toujours pareil.",
            correction=draft,
        )
    with pytest.raises(WorkflowError, match="vide"):
        amendments.correct_title(staff, one, title=" ", subtitle="", reason="r", correction=draft)


def test_change_administration(staff, published, draft):
    one = published["one"]
    old = one.administration
    new = AdministrationFactory(name="Direction des achats de l’État")
    amendment = amendments.change_administration(
        staff, one, administration=new, reason="Porteur mal renseigné.", correction=draft
    )
    assert refresh(one).administration == new
    assert amendment.before == {"administration": {"id": old.pk, "name": old.name}}
    assert amendment.after["administration"]["name"] == "Direction des achats de l’État"
    with pytest.raises(WorkflowError, match="déjà rattaché"):
        amendments.change_administration(
            staff, one, administration=new, reason="r", correction=draft
        )
    local = AdministrationFactory(kind="local_authority")
    with pytest.raises(WorkflowError, match="pas éligibles"):
        amendments.change_administration(
            staff, one, administration=local, reason="r", correction=draft
        )


def test_change_amount(staff, published, draft):
    award = Award.objects.get(dossier=published["one"])
    amendment = amendments.change_amount(
        staff,
        award,
        granted_amount=Decimal("45000"),
        reason="Budget revu en séance.",
        correction=draft,
    )
    assert refresh(award).granted_amount == Decimal("45000")
    assert amendment.before == {"granted_amount": "40000.00"}
    assert amendment.after == {"granted_amount": "45000.00"}
    with pytest.raises(WorkflowError, match="inchangé"):
        amendments.change_amount(
            staff, award, granted_amount=Decimal("45000"), reason="r", correction=draft
        )
    with pytest.raises(WorkflowError, match="dépasse"):
        amendments.change_amount(
            staff, award, granted_amount=Decimal("75000.01"), reason="r", correction=draft
        )
    refused = Award.objects.get(dossier=published["three"])
    with pytest.raises(WorkflowError, match="n’est pas lauréat"):
        amendments.change_amount(staff, refused, granted_amount=1000, reason="r", correction=draft)


def test_amendment_history_is_kept_in_order(staff, jury, published, draft):
    one = published["one"]
    award = Award.objects.get(dossier=one)
    amendments.change_amount(
        staff, award, granted_amount=Decimal("41000"), reason="Premier.", correction=draft
    )
    amendments.change_amount(
        staff, award, granted_amount=Decimal("42000"), reason="Second.", correction=draft
    )
    history = list(jury.deliberation.amendments.all())  # newest first
    assert [a.after["granted_amount"] for a in history] == ["42000.00", "41000.00"]
    assert [a.before["granted_amount"] for a in history] == ["41000.00", "40000.00"]
    assert refresh(jury.deliberation).results_updated_at == history[0].at

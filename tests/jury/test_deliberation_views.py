"""The deliberation screens, through the URLs staff use; who may open them."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jury.deliberation import corrections
from jury.deliberation import workflow as wf
from jury.models import Award, Deliberation, ResultAmendment, ResultCorrection
from relance.models import AuditEntry, OutgoingEmail
from submissions.models import DossierState
from tests.factories import AdministrationFactory, StaffFactory, agent_of
from tests.jury.factories import ConflictFactory, JuryFactory, JuryMemberFactory, preselected

pytestmark = pytest.mark.django_db
S = DossierState


@pytest.fixture
def jury(db):
    return JuryFactory()


@pytest.fixture
def dossier(jury):
    return preselected(jury, title="Entrepôt de données RH", requested_amount=Decimal("80000"))


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def home_url(jury):
    return reverse("jury:deliberation", kwargs={"call_slug": jury.call.slug})


def dossier_url(jury, dossier):
    return reverse(
        "jury:deliberation_dossier", kwargs={"call_slug": jury.call.slug, "dossier_id": dossier.pk}
    )


def publish_url(jury):
    return reverse("jury:deliberation_publish", kwargs={"call_slug": jury.call.slug})


def refresh(obj):
    obj.refresh_from_db()
    return obj


# Permissions ---------------------------------------------------------------------------------


def all_urls(jury, dossier):
    return [home_url(jury), dossier_url(jury, dossier), publish_url(jury)]


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login(client, jury, dossier, method):
    for url in all_urls(jury, dossier):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert refresh(jury.call).results_published_at is None


@pytest.mark.parametrize("role", ["applicant", "juror", "other_juror", "conflicted_juror"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_non_staff_get_404(client, jury, dossier, staff, role, method):
    wf.record_award(staff, dossier, decision="laureate", granted_amount=1000)
    if role == "applicant":
        account = agent_of(dossier.administration)
    elif role == "juror":
        account = JuryMemberFactory(jury=jury).user
    elif role == "other_juror":
        account = JuryMemberFactory().user
    else:
        account = ConflictFactory(member=JuryMemberFactory(jury=jury), dossier=dossier).member.user
    client.force_login(account)
    data = {"action": "clear"}
    for url in all_urls(jury, dossier):
        assert getattr(client, method)(url, data).status_code == 404
    assert Award.objects.filter(dossier=dossier).exists()
    assert refresh(jury.call).results_published_at is None


def test_staff_may_open_every_page(staff_client, jury, dossier):
    for url in all_urls(jury, dossier):
        assert staff_client.get(url).status_code == 200
    # A GET creates nothing.
    assert not Deliberation.objects.exists()


def test_unknown_jury_or_dossier_is_404(staff_client, jury, dossier):
    assert staff_client.get(home_url(JuryFactory.build(pk=999999))).status_code == 404
    other = preselected(JuryFactory())  # a dossier of another call
    assert staff_client.get(dossier_url(jury, other)).status_code == 404
    draft = preselected(jury, state=S.SUBMITTED)  # not before the jury
    assert staff_client.get(dossier_url(jury, draft)).status_code == 404
    assert staff_client.post(dossier_url(jury, dossier), {"action": "nope"}).status_code == 404
    assert staff_client.post(home_url(jury), {"action": "nope"}).status_code == 404


# The table ---------------------------------------------------------------------------------


def test_table_shows_each_dossier_with_its_decision(staff_client, staff, jury, dossier):
    other = preselected(jury, title="Tableau de bord")
    wf.record_award(staff, dossier, decision="laureate", granted_amount=Decimal("45000"))
    wf.record_award(staff, other, decision="not_selected", reason="Budget trop imprécis.")
    undecided = preselected(jury, title="Observatoire")
    page = staff_client.get(home_url(jury)).content.decode()
    assert "Entrepôt de données RH" in page and "45\u00a0000\u00a0€" in page
    assert "Budget trop imprécis." in page
    assert f'id="dossier-{undecided.pk}"' in page
    assert 'data-decision="none"' in page
    assert dossier_url(jury, dossier) in page
    assert publish_url(jury) in page


def _decided_jury(n):
    staff = StaffFactory()
    jury = JuryFactory()
    for i in range(n):
        d = preselected(jury)
        if i % 2:
            wf.record_award(staff, d, decision="laureate", granted_amount=1000)
        else:
            wf.record_award(staff, d, decision="not_selected", reason="Non.")
    return jury


def test_table_query_count_is_constant(staff_client, django_assert_num_queries):
    small, large = _decided_jury(5), _decided_jury(60)
    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get(home_url(small)).status_code == 200
    with django_assert_num_queries(len(queries.captured_queries)):
        response = staff_client.get(home_url(large))
    assert response.content.decode().count('data-dossier="') == 60


# Recording decisions --------------------------------------------------------------------------


def test_record_a_laureate(staff_client, jury, dossier):
    response = staff_client.post(
        dossier_url(jury, dossier),
        {
            "action": "award",
            "award-decision": "laureate",
            "award-granted_amount": "45 000,50",
            "award-reason": "",
            "award-public_summary": "Un entrepôt partagé.",
        },
    )
    assert response.status_code == 302
    assert response.url == home_url(jury) + f"#dossier-{dossier.pk}"
    award = Award.objects.get(dossier=dossier)
    assert award.granted_amount == Decimal("45000.50")
    assert award.public_summary == "Un entrepôt partagé."


def test_bad_decision_input_is_explained_and_kept(staff_client, jury, dossier):
    response = staff_client.post(
        dossier_url(jury, dossier),
        {
            "action": "award",
            "award-decision": "not_selected",
            "award-granted_amount": "",
            "award-reason": "",
            "award-public_summary": "Texte déjà saisi",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Indiquez le motif de la décision de ne pas retenir." in page
    assert "Texte déjà saisi" in page
    assert not Award.objects.exists()


def test_amount_above_request_is_refused_with_the_workflow_message(staff_client, jury, dossier):
    response = staff_client.post(
        dossier_url(jury, dossier),
        {"action": "award", "award-decision": "laureate", "award-granted_amount": "90000"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-award"' in page and "dépasse le cofinancement demandé" in page
    assert 'value="90000"' in page
    assert not Award.objects.exists()


def test_clear_a_decision(staff_client, staff, jury, dossier):
    wf.record_award(staff, dossier, decision="laureate", granted_amount=1000)
    response = staff_client.post(dossier_url(jury, dossier), {"action": "clear"})
    assert response.status_code == 302
    assert not Award.objects.exists()


# Minutes, closing, reopening ------------------------------------------------------------------


def test_minutes(staff_client, jury):
    response = staff_client.post(
        home_url(jury),
        {
            "action": "minutes",
            "minutes-held_on": "2021-02-24",
            "minutes-minutes": "Le jury a délibéré.",
            "minutes-publish_amounts": "on",
        },
    )
    assert response.status_code == 302
    deliberation = Deliberation.objects.get(jury=jury)
    assert deliberation.minutes == "Le jury a délibéré."
    assert str(deliberation.held_on) == "2021-02-24"
    response = staff_client.post(
        home_url(jury),
        {"action": "minutes", "minutes-held_on": "24/02/2021x", "minutes-minutes": "Gardé"},
    )
    assert response.status_code == 400
    assert "Saisissez une date valide." in response.content.decode()
    assert "Gardé" in response.content.decode()


def test_close_refused_then_done_then_reopened(staff_client, staff, jury, dossier):
    response = staff_client.post(home_url(jury), {"action": "close"})
    assert response.status_code == 400
    assert dossier.reference in response.content.decode()
    wf.record_award(staff, dossier, decision="laureate", granted_amount=1000)
    assert staff_client.post(home_url(jury), {"action": "close"}).status_code == 302
    assert Deliberation.objects.get(jury=jury).closed_at is not None
    page = staff_client.get(dossier_url(jury, dossier)).content.decode()
    assert 'id="decision-locked"' in page and 'id="award-form"' not in page
    response = staff_client.post(home_url(jury), {"action": "reopen", "reopen-reason": ""})
    assert response.status_code == 400
    response = staff_client.post(
        home_url(jury), {"action": "reopen", "reopen-reason": "Un montant à corriger."}
    )
    assert response.status_code == 302
    assert Deliberation.objects.get(jury=jury).closed_at is None


# Publication ----------------------------------------------------------------------------------


def test_publish_confirmation_lists_counts_and_missing(staff_client, staff, jury, dossier):
    other = preselected(jury)
    wf.record_award(staff, dossier, decision="laureate", granted_amount=1000)
    page = staff_client.get(publish_url(jury)).content.decode()
    assert 'data-count="laureate">Lauréats : <strong>1</strong>' in page
    assert 'data-count="undecided"' in page and other.reference in page
    response = staff_client.post(publish_url(jury))
    assert response.status_code == 400
    assert other.reference in response.content.decode()
    assert refresh(jury.call).results_published_at is None


def test_publish(staff_client, staff, jury, dossier, django_capture_on_commit_callbacks):
    agent = agent_of(dossier.administration)
    wf.record_award(staff, dossier, decision="laureate", granted_amount=1000)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(publish_url(jury))
    assert response.status_code == 302 and response.url == home_url(jury)
    assert refresh(dossier).state == S.LAUREATE
    assert refresh(jury.call).results_published_at is not None
    email = OutgoingEmail.objects.get(topic="results")
    assert agent.email in email.to and email.status == OutgoingEmail.Status.SENT
    # A second click: refused, explained, nothing sent again.
    response = staff_client.post(publish_url(jury))
    assert response.status_code == 400
    assert "déjà publiés" in response.content.decode()
    assert OutgoingEmail.objects.filter(topic="results").count() == 1
    page = staff_client.get(home_url(jury)).content.decode()
    assert 'data-status="published"' in page and publish_url(jury) not in page


# Amendments -----------------------------------------------------------------------------------


@pytest.fixture
def published(staff, jury, dossier):
    refused = preselected(jury, title="Tableau de bord")
    wf.record_award(staff, dossier, decision="laureate", granted_amount=Decimal("40000"))
    wf.record_award(staff, refused, decision="not_selected", reason="Budget trop imprécis.")
    wf.publish_results(staff, jury.call)
    return {"laureate": refresh(dossier), "refused": refresh(refused)}


def corrections_url(jury):
    return reverse("jury:corrections", kwargs={"call_slug": jury.call.slug})


def correction_url(correction):
    return reverse(
        "jury:correction", kwargs={"call_slug": correction.call.slug, "pk": correction.pk}
    )


def prepare(client, jury, dossier, reason="Erreur du procès-verbal."):
    """Follow the dossier page's link and create the correction; its page preselects the
    dossier."""
    page = client.get(dossier_url(jury, dossier)).content.decode()
    link = f"{corrections_url(jury)}?dossier={dossier.pk}"
    assert f'href="{link}"' in page
    response = client.post(
        link,
        {
            "correction-official_date": "2021-04-12",
            "correction-reason": reason,
            "correction-act_reference": "Décision n° 2021-042",
            "correction-summary": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    correction = ResultCorrection.objects.get(published_at__isnull=True)
    assert response.url == f"{correction_url(correction)}?dossier={dossier.pk}"
    page = client.get(response.url).content.decode()
    assert f'<option value="{dossier.pk}" selected>' in page
    return correction


def plan(client, correction, kind, dossier, **fields):
    data = {"action": "add", "change-kind": kind, "change-dossier": dossier.pk}
    data |= {f"change-{name}": value for name, value in fields.items()}
    response = client.post(correction_url(correction), data)
    assert response.status_code == 302, response.content.decode()[:2000]


# The forms of the deliberation dossier page no longer change published results.
OLD_ACTIONS = [
    {"action": "amount", "amount-granted_amount": "45000", "amount-reason": "Revu."},
    {"action": "title", "title-title": "Entrepôt RH", "title-subtitle": "", "title-reason": "r"},
    {
        "action": "administration",
        "administration-administration": "1",
        "administration-reason": "r",
    },
    {"action": "remove", "remove-reason": "Projet abandonné."},
    {"action": "add", "add-granted_amount": "20000", "add-reason": "Erreur du PV."},
]


def test_published_dossier_pages_link_to_a_correction(staff_client, staff, jury, published):
    laureate, refused = published["laureate"], published["refused"]
    page = staff_client.get(dossier_url(jury, laureate)).content.decode()
    assert 'id="grant-form"' in page and 'id="award-form"' not in page
    for form in ("remove-form", "amount-form", "title-form", "administration-form", "add-form"):
        assert f'id="{form}"' not in page
    assert "Préparer un rectificatif pour ce dossier" in page
    assert f'href="{corrections_url(jury)}?dossier={laureate.pk}"' in page
    assert reverse("jury:laureate", kwargs={"slug": "entrepot-de-donnees-rh"}) in page
    page = staff_client.get(dossier_url(jury, refused)).content.decode()
    assert 'id="add-form"' not in page and 'id="grant-form"' not in page
    assert f'href="{corrections_url(jury)}?dossier={refused.pk}"' in page
    # A draft correction exists: the link goes to it.
    draft = corrections.create_correction(
        staff, jury.call, official_date=timezone.localdate(), reason="En cours."
    )
    page = staff_client.get(dossier_url(jury, refused)).content.decode()
    assert f'href="{correction_url(draft)}?dossier={refused.pk}"' in page


def test_dossier_page_of_unpublished_results_has_no_correction_link(staff_client, jury, dossier):
    page = staff_client.get(dossier_url(jury, dossier)).content.decode()
    assert "Préparer un rectificatif" not in page


@pytest.mark.parametrize("data", OLD_ACTIONS, ids=[d["action"] for d in OLD_ACTIONS])
def test_the_old_direct_amendments_change_nothing(staff_client, jury, published, data):
    laureate, refused = published["laureate"], published["refused"]
    target = refused if data["action"] == "add" else laureate
    response = staff_client.post(dossier_url(jury, target), data)
    assert response.status_code == 404
    assert not ResultAmendment.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="amend_results_").exists()
    laureate, refused = refresh(laureate), refresh(refused)
    assert (laureate.state, refused.state) == (S.LAUREATE, S.NOT_SELECTED)
    assert laureate.title == "Entrepôt de données RH"
    assert laureate.award.granted_amount == Decimal("40000")


def test_amend_through_a_correction(staff_client, client, staff, jury, published):
    laureate, refused = published["laureate"], published["refused"]
    # Missing reason: explained, what was typed is kept, nothing is created.
    response = staff_client.post(
        f"{corrections_url(jury)}?dossier={laureate.pk}",
        {"correction-official_date": "2021-04-12", "correction-reason": ""},
    )
    assert response.status_code == 400
    assert "Indiquez le motif de la modification." in response.content.decode()
    assert 'value="2021-04-12"' in response.content.decode()
    assert not ResultCorrection.objects.exists()

    correction = prepare(staff_client, jury, laureate)
    plan(staff_client, correction, "change_amount", laureate, granted_amount="45000")
    plan(staff_client, correction, "correct_title", laureate, title="Entrepôt RH", subtitle="")
    new = AdministrationFactory()
    plan(staff_client, correction, "change_administration", laureate, administration=new.pk)
    plan(staff_client, correction, "remove_laureate", laureate)
    plan(staff_client, correction, "add_laureate", refused, granted_amount="20000")
    assert not ResultAmendment.objects.exists()  # planned only
    response = staff_client.post(correction_url(correction), {"action": "publish"})
    assert response.status_code == 302, response.content.decode()[:2000]

    amendments = list(ResultAmendment.objects.order_by("pk"))
    assert [a.kind for a in amendments] == [
        "change_amount",
        "correct_title",
        "change_administration",
        "remove_laureate",
        "add_laureate",
    ]
    assert {a.correction_id for a in amendments} == {correction.pk}
    assert {a.reason for a in amendments} == {"Erreur du procès-verbal."}
    laureate, refused = refresh(laureate), refresh(refused)
    assert laureate.state == S.NOT_SELECTED
    assert laureate.award.slug == "entrepot-de-donnees-rh"
    assert laureate.administration == new
    assert refused.state == S.LAUREATE
    assert refused.award.granted_amount == Decimal("20000")
    audited = set(AuditEntry.objects.values_list("action", flat=True))
    assert {f"amend_results_{a.kind}" for a in amendments} <= audited
    assert "correction_publish" in audited
    assert OutgoingEmail.objects.filter(subject__contains="Rectificatif").exists()

    # The deliberation keeps the history of the published changes, on both pages.
    page = staff_client.get(home_url(jury)).content.decode()
    assert 'id="amendments-table"' in page
    assert "Erreur du procès-verbal." in page
    assert "40\u00a0000\u00a0€ → 45\u00a0000\u00a0€" in page
    assert "Entrepôt de données RH → Entrepôt RH" in page
    assert staff.get_full_name() in page
    assert "Mis à jour le" in page
    page = staff_client.get(dossier_url(jury, laureate)).content.decode()
    assert page.count('data-amendment="') == 4
    # The public: the laureate added has its page, the one removed has none, with the history.
    assert client.get(reverse("jury:laureate", args=[refused.award.slug])).status_code == 200
    assert client.get(reverse("jury:laureate", args=[laureate.award.slug])).status_code == 404
    history = client.get(reverse("jury:results_history", args=[jury.call.slug])).content.decode()
    assert "Rectificatif du 12 avril 2021" in history
    assert "Erreur du procès-verbal." in history


def test_workflow_refusal_of_a_correction_is_shown(staff_client, jury, published):
    correction = prepare(staff_client, jury, published["laureate"])
    plan(staff_client, correction, "change_amount", published["laureate"], granted_amount="99000")
    response = staff_client.post(correction_url(correction), {"action": "publish"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Modification 1" in content and "dépasse" in content
    assert not ResultAmendment.objects.exists()
    assert refresh(published["laureate"]).award.granted_amount == Decimal("40000")
    assert refresh(correction).published_at is None


def test_grant_details_form(staff_client, jury, published):
    url = dossier_url(jury, published["laureate"])
    data = {
        "action": "grant",
        "grant-convention_date": "2021-04-01",
        "grant-decision_reference": "DINUM-2021-017",
        "grant-aid_nature": Award.AidNature.CASH,
        "grant-payment_terms": Award.PaymentTerms.SINGLE,
        "grant-payment_period": "2021-31-12",
    }
    response = staff_client.post(url, data)
    assert response.status_code == 400
    assert "AAAA-MM-JJ" in response.content.decode()
    assert "DINUM-2021-017" in response.content.decode()
    response = staff_client.post(url, data | {"grant-payment_period": "2021-12-31"})
    assert response.status_code == 302
    award = Award.objects.get(dossier=published["laureate"])
    assert award.decision_reference == "DINUM-2021-017"
    assert award.payment_period == "2021-12-31"


def test_applicants_read_their_outcome_and_never_a_score(client, staff, jury, published):
    from tests.factories import CriterionFactory
    from tests.jury.factories import EvaluationFactory, ScoreFactory

    member = JuryMemberFactory(jury=jury)
    evaluation = EvaluationFactory(member=member, dossier=published["laureate"], comment="Note 17")
    criterion = CriterionFactory(call=jury.call)
    ScoreFactory(evaluation=evaluation, criterion=criterion, value=Decimal("3.75"))
    laureate_agent = agent_of(published["laureate"].administration)
    client.force_login(laureate_agent)
    url = reverse("submissions:dossier_detail", kwargs={"pk": published["laureate"].pk})
    page = client.get(url).content.decode()
    assert "Décision du jury" in page and "Lauréat" in page
    flat = " ".join(page.replace("\xa0", " ").replace("\u202f", " ").split())
    assert "Cofinancement accordé : 40 000 €" in flat
    assert "Note 17" not in page and "3,75" not in page and "3.75" not in page

    refused_agent = agent_of(published["refused"].administration)
    client.force_login(refused_agent)
    url = reverse("submissions:dossier_detail", kwargs={"pk": published["refused"].pk})
    page = client.get(url).content.decode()
    assert "Décision du jury" in page and "Budget trop imprécis." in page
    assert "Cofinancement accordé" not in page

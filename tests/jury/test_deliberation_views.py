"""The deliberation screens, through the URLs staff use; who may open them."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jury.deliberation import workflow as wf
from jury.models import Award, Deliberation, ResultAmendment
from relance.models import OutgoingEmail
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


def test_published_dossier_pages_show_the_right_forms(staff_client, jury, published):
    page = staff_client.get(dossier_url(jury, published["laureate"])).content.decode()
    for form in ("remove-form", "amount-form", "title-form", "administration-form", "grant-form"):
        assert f'id="{form}"' in page
    assert 'id="add-form"' not in page and 'id="award-form"' not in page
    assert reverse("jury:laureate", kwargs={"slug": "entrepot-de-donnees-rh"}) in page
    page = staff_client.get(dossier_url(jury, published["refused"])).content.decode()
    assert 'id="add-form"' in page and 'id="remove-form"' not in page
    assert 'id="grant-form"' not in page


def test_amend_through_the_pages(staff_client, staff, jury, published):
    laureate, refused = published["laureate"], published["refused"]
    url = dossier_url(jury, laureate)
    # Missing reason: explained, what was typed is kept, nothing changes.
    response = staff_client.post(
        url, {"action": "amount", "amount-granted_amount": "45000", "amount-reason": ""}
    )
    assert response.status_code == 400
    assert "Indiquez le motif de la modification." in response.content.decode()
    assert 'value="45000"' in response.content.decode()
    assert not ResultAmendment.objects.exists()

    steps = [
        (url, {"action": "amount", "amount-granted_amount": "45000", "amount-reason": "Revu."}),
        (
            url,
            {
                "action": "title",
                "title-title": "Entrepôt RH",
                "title-subtitle": "",
                "title-reason": "Coquille.",
            },
        ),
        (
            url,
            {
                "action": "administration",
                "administration-administration": AdministrationFactory().pk,
                "administration-reason": "Mauvais porteur.",
            },
        ),
        (url, {"action": "remove", "remove-reason": "Projet abandonné."}),
        (
            dossier_url(jury, refused),
            {"action": "add", "add-granted_amount": "20000", "add-reason": "Erreur du PV."},
        ),
    ]
    for target, data in steps:
        response = staff_client.post(target, data)
        assert response.status_code == 302, response.content.decode()[:2000]
    kinds = list(ResultAmendment.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [
        "change_amount",
        "correct_title",
        "change_administration",
        "remove_laureate",
        "add_laureate",
    ]
    assert refresh(laureate).state == S.NOT_SELECTED
    assert refresh(laureate).award.slug == "entrepot-de-donnees-rh"
    assert refresh(refused).state == S.LAUREATE
    page = staff_client.get(home_url(jury)).content.decode()
    assert 'id="amendments-table"' in page
    assert "Projet abandonné." in page and "Erreur du PV." in page
    assert "40\u00a0000\u00a0€ → 45\u00a0000\u00a0€" in page
    assert "Entrepôt de données RH → Entrepôt RH" in page
    assert staff.get_full_name() in page
    assert "Mis à jour le" in page


def test_workflow_refusal_on_an_amendment_is_shown(staff_client, jury, published):
    response = staff_client.post(
        dossier_url(jury, published["laureate"]),
        {"action": "amount", "amount-granted_amount": "99000", "amount-reason": "Plus."},
    )
    assert response.status_code == 400
    assert 'id="error-amount"' in response.content.decode()
    assert "dépasse" in response.content.decode()


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


def test_each_amendment_form_has_its_own_hint(staff_client, jury, published):
    page = staff_client.get(dossier_url(jury, published["laureate"])).content.decode()
    assert page.count("L’adresse publique du projet ne change pas.") == 1

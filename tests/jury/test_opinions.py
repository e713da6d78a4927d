"""The jury's opinion for the applicant: written by a rapporteur (or the president), approved
by staff, sent out with the published results, and shown on the dossier page only then."""

from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jury.deliberation import letters
from jury.deliberation import workflow as deliberation
from jury.models import JuryMember
from jury.review import opinions
from jury.review_models import (
    OPINION_MAX_LENGTH,
    JuryOpinion,
    RapporteurAssignment,
    ReviewPhase,
    ReviewSettings,
)
from jury.scoring import workflow as scoring
from relance.models import AuditEntry, OutgoingEmail
from relance.workflow import StaleEditError, WorkflowError
from tests.factories import StaffFactory, UserFactory, agent_of
from tests.jury.factories import ConflictFactory, JuryMemberFactory, preselected
from tests.jury.jury_core_data import full_scores, jury_with_dossiers

pytestmark = pytest.mark.django_db

TEXT = "Projet utile et bien construit ; le budget reste à préciser."
COMMENT = "Commentaire interne du jury, jamais transmis."


@pytest.fixture
def setup(staff):
    """Two dossiers in the discussion; ``member`` reports on the first, ``other`` on none,
    ``conflicted`` (the president) is in conflict with the first."""
    setup = jury_with_dossiers(2)
    ReviewSettings.objects.create(jury=setup.jury, phase=ReviewPhase.DISCUSSION)
    first = setup.dossiers[0]
    RapporteurAssignment.objects.create(member=setup.member, dossier=first, assigned_by=staff)
    setup.conflicted = JuryMemberFactory(jury=setup.jury, role=JuryMember.Role.PRESIDENT)
    ConflictFactory(member=setup.conflicted, dossier=first)
    setup.agent = agent_of(first.administration)
    return setup


def juror_url(setup, dossier=None):
    dossier = dossier or setup.dossiers[0]
    return reverse("jury:juror_opinion", kwargs={"jury_id": setup.jury.pk, "pk": dossier.pk})


def staff_url(setup, dossier=None):
    if dossier is None:
        return reverse("jury:opinions", kwargs={"call_slug": setup.jury.call.slug})
    return reverse(
        "jury:opinion", kwargs={"call_slug": setup.jury.call.slug, "dossier_id": dossier.pk}
    )


def write(setup, text=TEXT, version=0):
    return opinions.save_opinion(
        setup.member.user, setup.member, setup.dossiers[0], text=text, version=version
    )


def approve(staff, setup, opinion, text=None):
    return opinions.staff_save_opinion(
        staff,
        setup.jury,
        setup.dossiers[0],
        text=text or opinion.text,
        version=opinion.version,
        approve=True,
    )


# Workflow ----------------------------------------------------------------------------------


def test_rapporteur_writes_staff_approve_an_edit_takes_it_back_to_draft(staff, setup):
    opinion = write(setup)
    assert (opinion.status, opinion.text, opinion.author) == ("draft", TEXT, setup.member.user)
    opinion = approve(staff, setup, opinion)
    assert opinion.is_approved and opinion.approved_by == staff and opinion.approved_at
    # The rapporteur changes the text: it must be approved again.
    opinion = write(setup, TEXT + " Bravo.", version=opinion.version)
    assert opinion.status == "draft" and opinion.approved_by is None
    # Staff edit and approve in one step.
    opinion = approve(staff, setup, opinion, text="Avis corrigé par l’équipe.")
    assert opinion.is_approved and opinion.text == "Avis corrigé par l’équipe."
    actions = list(
        AuditEntry.objects.filter(action__contains="opinion")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "jury_save_opinion",
        "jury_approve_opinion",
        "jury_save_opinion",
        "jury_approve_opinion",
    ]
    assert JuryOpinion.objects.count() == 1


def test_the_president_writes_without_being_rapporteur(setup):
    president = setup.conflicted
    second = setup.dossiers[1]
    opinion = opinions.save_opinion(president.user, president, second, text=TEXT, version=0)
    assert opinion.dossier_id == second.pk


@pytest.mark.parametrize("who", ["other", "conflicted"])
def test_other_jurors_and_a_juror_in_conflict_may_not_write(setup, who):
    member = getattr(setup, who)
    with pytest.raises(WorkflowError):
        opinions.save_opinion(member.user, member, setup.dossiers[0], text=TEXT, version=0)
    # Not for someone else's membership either.
    with pytest.raises(WorkflowError):
        opinions.save_opinion(member.user, setup.member, setup.dossiers[0], text=TEXT)
    assert not JuryOpinion.objects.exists()


def test_staff_of_another_programme_and_agents_may_not_approve(setup):
    for user in (StaffFactory(programmes=[]), setup.agent, UserFactory()):
        with pytest.raises(WorkflowError):
            opinions.staff_save_opinion(
                user, setup.jury, setup.dossiers[0], text=TEXT, approve=True
            )
    assert not JuryOpinion.objects.exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "Écrivez l’avis"), ("x" * (OPINION_MAX_LENGTH + 1), "3000 au plus")],
)
def test_bad_text_is_refused_in_french(setup, text, message):
    with pytest.raises(WorkflowError, match=message):
        write(setup, text=text)


def test_only_during_discussion_or_deliberation(setup):
    ReviewSettings.objects.filter(jury=setup.jury).update(phase=ReviewPhase.SCORING)
    with pytest.raises(WorkflowError, match="discussion ou la délibération"):
        write(setup)
    ReviewSettings.objects.filter(jury=setup.jury).update(phase=ReviewPhase.DELIBERATION)
    assert write(setup).pk


def test_a_concurrent_edit_overwrites_nothing(staff, setup):
    opinion = write(setup)
    opened_on = opinion.version
    approve(staff, setup, opinion, text="Version de l’équipe.")
    with pytest.raises(StaleEditError, match="Rien n’a été écrasé"):
        write(setup, text="Version du rapporteur", version=opened_on)
    assert JuryOpinion.objects.get().text == "Version de l’équipe."


# Publication ---------------------------------------------------------------------------------


def decide_and_publish(staff, setup, django_capture_on_commit_callbacks):
    ReviewSettings.objects.filter(jury=setup.jury).update(phase=ReviewPhase.DELIBERATION)
    first, second = setup.dossiers
    deliberation.record_award(
        staff, first, decision="laureate", granted_amount=Decimal(first.requested_amount)
    )
    deliberation.record_award(staff, second, decision="not_selected", reason="Trop tôt.")
    with django_capture_on_commit_callbacks(execute=True):
        deliberation.publish_results(staff, setup.jury.call)


def test_approved_opinion_goes_out_with_the_results_and_only_then(
    client, staff, setup, django_capture_on_commit_callbacks
):
    first, second = setup.dossiers
    evaluation = scoring.save_evaluation(
        setup.member.user,
        setup.member,
        first,
        scores=full_scores(setup.criteria),
        comment=COMMENT,
        recommendation="favourable",
    )
    assert evaluation.comment == COMMENT
    approve(staff, setup, write(setup))
    # The second dossier's opinion stays a draft.
    opinions.staff_save_opinion(staff, setup.jury, second, text="Brouillon jamais envoyé.")
    client.force_login(setup.agent)
    page = reverse("submissions:dossier_detail", kwargs={"pk": first.pk})
    html = client.get(page).content.decode()
    assert 'id="jury-opinion"' not in html and TEXT not in html

    decide_and_publish(staff, setup, django_capture_on_commit_callbacks)

    html = client.get(page).content.decode()
    assert 'id="jury-opinion"' in html and "Avis du jury" in html
    assert TEXT in html.replace("&#x27;", "'")
    assert COMMENT not in html
    email = OutgoingEmail.objects.get(topic="results", subject__contains=first.reference)
    assert f"Avis du jury :\n{TEXT}" in email.body
    assert COMMENT not in email.body
    refused = OutgoingEmail.objects.get(topic="results", subject__contains=second.reference)
    assert "Avis du jury" not in refused.body and "Brouillon jamais envoyé." not in refused.body
    # The decision letter carries it; the draft of the other dossier never.
    first.refresh_from_db()
    second.refresh_from_db()
    letter = render_to_string("jury/documents/decision_letter.html", letters.letter_context(first))
    assert "Avis du jury" in letter and "le budget reste à préciser" in letter
    assert letters.letter_context(second)["jury_opinion"] is None
    # The other applicant's page never shows the draft.
    client.force_login(agent_of(second.administration))
    html = client.get(reverse("submissions:dossier_detail", kwargs={"pk": second.pk})).content
    assert "Brouillon jamais envoyé." not in html.decode()
    # Once published, the opinion no longer changes.
    with pytest.raises(WorkflowError, match="résultats sont publiés"):
        write(setup, text="Trop tard", version=JuryOpinion.objects.get(dossier=first).version)


# Pages, from the outside ---------------------------------------------------------------------


def test_juror_page_for_each_role(client, staff, setup):
    url = juror_url(setup)
    assert client.get(url).status_code == 302  # anonymous: the login page
    for user in (
        setup.other.user,
        setup.conflicted.user,
        staff,
        setup.agent,
        UserFactory(),
    ):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
        assert client.post(url, {"text": TEXT, "version": 0}).status_code == 404
    assert not JuryOpinion.objects.exists()
    client.force_login(setup.member.user)
    html = client.get(url).content.decode()
    assert 'name="text"' in html and 'data-opinion-status="none"' in html
    response = client.post(url, {"text": TEXT, "version": 0}, follow=True)
    assert "Avis enregistré" in response.content.decode()
    assert JuryOpinion.objects.get().text == TEXT
    # The juror's dossier page links to it; the other member's does not.
    dossier_url = reverse(
        "jury:juror_dossier", kwargs={"jury_id": setup.jury.pk, "pk": setup.dossiers[0].pk}
    )
    assert 'id="opinion-link"' in client.get(dossier_url).content.decode()
    client.force_login(setup.other.user)
    assert 'id="opinion-link"' not in client.get(dossier_url).content.decode()


def test_juror_page_keeps_the_text_on_a_stale_save(client, staff, setup):
    opinion = write(setup)
    approve(staff, setup, opinion, text="Version de l’équipe.")
    client.force_login(setup.member.user)
    response = client.post(
        juror_url(setup), {"text": "Mon texte en cours", "version": opinion.version}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rien n’a été écrasé" in html and "Mon texte en cours" in html
    assert JuryOpinion.objects.get().text == "Version de l’équipe."


def test_juror_page_explains_when_closed(client, setup):
    ReviewSettings.objects.filter(jury=setup.jury).update(phase=ReviewPhase.SCORING)
    client.force_login(setup.member.user)
    html = client.get(juror_url(setup)).content.decode()
    assert 'id="opinion-closed"' in html and 'name="text"' not in html
    response = client.post(juror_url(setup), {"text": TEXT, "version": 0})
    assert "discussion ou la délibération" in response.content.decode()
    assert not JuryOpinion.objects.exists()


def test_staff_pages_for_each_role(client, staff, setup):
    list_url, page_url = staff_url(setup), staff_url(setup, setup.dossiers[0])
    for url in (list_url, page_url):
        assert client.get(url).status_code == 302  # anonymous: the login page
    for user in (setup.member.user, setup.agent, StaffFactory(programmes=[]), UserFactory()):
        client.force_login(user)
        assert client.get(list_url).status_code == 404
        assert client.get(page_url).status_code == 404
        assert client.post(page_url, {"text": TEXT, "approve": "1"}).status_code == 404
    assert not JuryOpinion.objects.exists()
    write(setup)
    client.force_login(staff)
    html = client.get(list_url).content.decode()
    assert 'data-opinion-status="draft"' in html and TEXT[:20] in html
    opinion = JuryOpinion.objects.get()
    response = client.post(
        page_url,
        {"text": "Texte relu.", "version": opinion.version, "approve": "1"},
        follow=True,
    )
    assert "approuvé" in response.content.decode()
    opinion.refresh_from_db()
    assert opinion.is_approved and opinion.text == "Texte relu."
    # A dossier of another call: 404.
    other = jury_with_dossiers(1).dossiers[0]
    assert client.get(staff_url(setup, other)).status_code == 404
    # Bad input: a clear message, the page again, nothing saved.
    response = client.post(staff_url(setup, setup.dossiers[1]), {"text": "", "version": "x"})
    assert response.status_code == 200
    assert not JuryOpinion.objects.filter(dossier=setup.dossiers[1]).exists()


def test_staff_list_runs_a_constant_number_of_queries(
    client, staff, setup, django_assert_max_num_queries
):
    client.force_login(staff)
    url = staff_url(setup)
    write(setup)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(5):
        extra = preselected(setup.jury, category=setup.dossiers[0].category)
        opinions.staff_save_opinion(staff, setup.jury, extra, text=TEXT)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.content.decode().count('data-opinion-status="draft"') == 6

"""The juror screens: my juries, my dossiers, scoring, conflicts, others' evaluations."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from jury.models import ConflictOfInterest, Evaluation, Recommendation, Score
from jury.scoring import workflow as scoring
from submissions.models import Dossier, DossierState
from tests.factories import CallFactory, CategoryFactory, DossierFactory
from tests.jury.factories import (
    ConflictFactory,
    DeliberationFactory,
    EvaluationFactory,
    JuryMemberFactory,
    ScoreFactory,
    preselected,
)
from tests.jury.jury_core_data import attach, jury_with_dossiers

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def setup():
    return jury_with_dossiers(3)


@pytest.fixture
def juror(client, setup):
    client.force_login(setup.member.user)
    return client


def url(name, setup, dossier=None, **kwargs):
    kwargs["jury_id"] = setup.jury.pk
    if dossier is not None:
        kwargs["pk"] = dossier.pk
    return reverse(f"jury:{name}", kwargs=kwargs)


def form_data(
    setup,
    *,
    scores=("4", "8"),
    comment="Très bon projet",
    recommendation="favourable",
    version=0,
    button="save",
):
    data = {f"criterion_{c.pk}": value for c, value in zip(setup.criteria, scores, strict=True)}
    data |= {"comment": comment, "recommendation": recommendation, "version": version, button: "1"}
    return data


# Home and list --------------------------------------------------------------------------


def test_home_lists_my_juries(juror, setup):
    response = juror.get(reverse("jury:juror_home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert setup.jury.call.title in html
    assert url("juror_dossier_list", setup) in html
    # The navigation shows the « Jury » entry to members.
    assert f'href="{reverse("jury:juror_home")}"' in html


def test_nav_has_no_jury_entry_for_others(client, user):
    client.force_login(user)
    html = client.get("/").content.decode()
    assert f'href="{reverse("jury:juror_home")}"' not in html


def test_list_orders_by_category_then_reference_and_shows_status(juror, setup):
    jury = setup.jury
    first_category = CategoryFactory(call=jury.call, order=0, name="Catégorie A")
    early = preselected(jury, category=first_category)
    d1, d2, d3 = setup.dossiers
    EvaluationFactory(member=setup.member, dossier=d1, submitted_at=None)
    EvaluationFactory(member=setup.member, dossier=d2)
    # Another member's evaluation never changes my status.
    EvaluationFactory(member=setup.other, dossier=d3)
    response = juror.get(url("juror_dossier_list", setup))
    html = response.content.decode()
    refs = [d.reference for d in response.context["dossiers"]]
    assert refs == [early.reference, *sorted(d.reference for d in setup.dossiers)]
    row = html.split(f'data-reference="{d1.reference}"')[1].split("</tr>")[0]
    assert 'data-status="draft"' in row
    row = html.split(f'data-reference="{d2.reference}"')[1].split("</tr>")[0]
    assert 'data-status="submitted"' in row
    row = html.split(f'data-reference="{d3.reference}"')[1].split("</tr>")[0]
    assert 'data-status="todo"' in row


def test_conflicted_dossiers_listed_apart_with_title_and_administration_only(juror, setup):
    dossier = setup.dossiers[0]
    ConflictFactory(member=setup.member, dossier=dossier)
    response = juror.get(url("juror_dossier_list", setup))
    assert dossier not in response.context["dossiers"]
    html = response.content.decode()
    section = html.split('id="conflicts"')[1]
    assert dossier.title in section and dossier.administration.name in section
    assert url("juror_dossier", setup, dossier) not in html


@pytest.mark.parametrize("size", [5, 40])
def test_list_query_count_is_constant(client, size, django_assert_num_queries):
    setup = jury_with_dossiers(size)
    for dossier in setup.dossiers[:2]:
        EvaluationFactory(member=setup.member, dossier=dossier, submitted_at=None)
    ConflictFactory(member=setup.member, dossier=setup.dossiers[-1])
    client.force_login(setup.member.user)
    # Session, user, membership, dossiers, conflicts, review phase, programme, two nav entries.
    with django_assert_num_queries(9):
        response = client.get(url("juror_dossier_list", setup))
    assert response.status_code == 200
    assert len(response.context["dossiers"]) == size - 1


# Scoring screen -------------------------------------------------------------------------


def test_scoring_screen_shows_the_earlier_round_of_a_resubmitted_dossier(juror, setup):
    dossier = setup.dossiers[0]
    earlier_call = CallFactory(
        title="Appel précédent",
        opens_at=dossier.call.opens_at - timedelta(days=200),
        closes_at=dossier.call.opens_at - timedelta(days=150),
    )
    earlier = DossierFactory(call=earlier_call, state=DossierState.NOT_PRESELECTED)
    Dossier.objects.filter(pk=dossier.pk).update(resubmitted_from=earlier)
    html = juror.get(url("juror_dossier", setup, dossier)).content.decode()
    assert "Déjà déposé à l’appel « Appel précédent » : non présélectionné." in html
    # Jurors read the reference, without a link to a page they cannot open.
    assert f"({earlier.reference})" in html
    assert reverse("submissions:dossier_detail", args=[earlier.pk]) not in html
    assert reverse("submissions:instruction_dossier", args=[earlier.pk]) not in html


def test_scoring_screen_shows_the_whole_dossier(juror, setup):
    dossier = setup.dossiers[0]
    attachment = attach(dossier)
    response = juror.get(url("juror_dossier", setup, dossier))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        dossier.summary,
        dossier.description,
        dossier.benefits_self,
        dossier.technical_approach,
        dossier.sustainability,
        dossier.timeline,
        "note.pdf",
        "Bénéfices",
        "Pertinence technique",
        "Enregistrer le brouillon",
        "Soumettre l’évaluation",
        "Dossier suivant",
    ):
        assert text in html, text
    assert (
        reverse(
            "jury:juror_attachment",
            kwargs={"jury_id": setup.jury.pk, "pk": dossier.pk, "attachment_pk": attachment.pk},
        )
        in html
    )
    assert response.context["next_url"] == url("juror_dossier", setup, setup.dossiers[1])
    assert html.count("<h1") == 1


def test_next_link_skips_conflicts_and_ends(juror, setup):
    d1, d2, d3 = setup.dossiers
    ConflictFactory(member=setup.member, dossier=d2)
    assert juror.get(url("juror_dossier", setup, d1)).context["next_url"] == url(
        "juror_dossier", setup, d3
    )
    assert juror.get(url("juror_dossier", setup, d3)).context["next_url"] is None


def test_save_draft_through_the_form(juror, setup):
    dossier = setup.dossiers[0]
    response = juror.post(
        url("juror_dossier", setup, dossier), form_data(setup, scores=("4.5", ""))
    )
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(member=setup.member, dossier=dossier)
    assert not evaluation.is_submitted
    assert {s.criterion_id: s.value for s in evaluation.scores.all()} == {
        setup.criteria[0].pk: Decimal("4.50")
    }
    page = juror.get(url("juror_dossier", setup, dossier))
    assert page.context["form"].initial["version"] == evaluation.version
    assert "Brouillon enregistré" in page.content.decode()


def test_submit_through_the_form(juror, setup):
    dossier = setup.dossiers[0]
    response = juror.post(url("juror_dossier", setup, dossier), form_data(setup, button="submit"))
    assert response.status_code == 302
    evaluation = Evaluation.objects.get(member=setup.member, dossier=dossier)
    assert evaluation.is_submitted
    html = juror.get(url("juror_dossier", setup, dossier)).content.decode()
    assert "Évaluation soumise" in html
    assert "Enregistrer les modifications" in html
    assert "Soumettre l’évaluation" not in html


def test_incomplete_submit_keeps_the_draft_and_says_why(juror, setup):
    dossier = setup.dossiers[0]
    juror.post(
        url("juror_dossier", setup, dossier),
        form_data(setup, scores=("4", ""), button="submit"),
    )
    evaluation = Evaluation.objects.get(member=setup.member, dossier=dossier)
    assert not evaluation.is_submitted
    assert evaluation.comment == "Très bon projet"
    html = juror.get(url("juror_dossier", setup, dossier)).content.decode()
    assert "n’est pas soumise" in html and "Pertinence technique" in html


def test_out_of_range_score_shows_error_and_keeps_input(juror, setup):
    dossier = setup.dossiers[0]
    response = juror.post(url("juror_dossier", setup, dossier), form_data(setup, scores=("6", "3")))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "Très bon projet" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_stale_form_overwrites_nothing(juror, setup):
    dossier = setup.dossiers[0]
    juror.post(url("juror_dossier", setup, dossier), form_data(setup, comment="Premier onglet"))
    # A second tab opened before the first save still carries version 0.
    response = juror.post(
        url("juror_dossier", setup, dossier), form_data(setup, comment="Second onglet")
    )
    assert response.status_code == 200
    assert "entre-temps" in response.content.decode()
    assert "Second onglet" in response.content.decode()
    assert Evaluation.objects.get().comment == "Premier onglet"


def test_closed_deliberation_shows_read_only(juror, setup):
    dossier = setup.dossiers[0]
    EvaluationFactory(member=setup.member, dossier=dossier, comment="Figé")
    DeliberationFactory(jury=setup.jury, closed_at=timezone.now())
    response = juror.get(url("juror_dossier", setup, dossier))
    html = response.content.decode()
    assert "délibération est close" in html and "Figé" in html
    assert "Enregistrer les modifications" not in html
    response = juror.post(url("juror_dossier", setup, dossier), form_data(setup, comment="Non"))
    assert response.status_code == 302
    assert Evaluation.objects.get().comment == "Figé"


def test_attachment_download(juror, setup):
    dossier = setup.dossiers[0]
    attachment = attach(dossier)
    response = juror.get(
        reverse(
            "jury:juror_attachment",
            kwargs={"jury_id": setup.jury.pk, "pk": dossier.pk, "attachment_pk": attachment.pk},
        )
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # An attachment of another dossier is not reachable through this dossier.
    other = attach(setup.dossiers[1], name="autre.pdf")
    response = juror.get(
        reverse(
            "jury:juror_attachment",
            kwargs={"jury_id": setup.jury.pk, "pk": dossier.pk, "attachment_pk": other.pk},
        )
    )
    assert response.status_code == 404


# Conflicts ------------------------------------------------------------------------------


def test_declare_conflict_through_the_form(juror, setup):
    dossier = setup.dossiers[0]
    page = juror.get(url("juror_conflict", setup, dossier))
    assert page.status_code == 200
    response = juror.post(
        url("juror_conflict", setup, dossier), {"kind": "personal", "comment": "Ancien collègue"}
    )
    assert response.status_code == 302
    conflict = ConflictOfInterest.objects.get()
    assert conflict.member == setup.member and conflict.comment == "Ancien collègue"
    # From now on, the dossier answers 404 to this member.
    assert juror.get(url("juror_dossier", setup, dossier)).status_code == 404


def test_declare_conflict_bad_kind_shows_error(juror, setup):
    dossier = setup.dossiers[0]
    response = juror.post(url("juror_conflict", setup, dossier), {"kind": "x", "comment": "c"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ConflictOfInterest.objects.exists()


# Others' evaluations --------------------------------------------------------------------


def test_others_evaluations_hidden_until_mine_is_submitted(juror, setup):
    dossier = setup.dossiers[0]
    theirs = EvaluationFactory(member=setup.other, dossier=dossier, comment="Avis de Bruno")
    ScoreFactory(evaluation=theirs, criterion=setup.criteria[0], value=Decimal("2"))
    response = juror.get(url("juror_evaluations", setup, dossier))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Avis de Bruno" not in html and "une fois la vôtre soumise" in html
    # A draft of mine is not enough.
    mine = EvaluationFactory(member=setup.member, dossier=dossier, submitted_at=None)
    assert (
        "Avis de Bruno" not in juror.get(url("juror_evaluations", setup, dossier)).content.decode()
    )
    mine.submitted_at = timezone.now()
    mine.save()
    html = juror.get(url("juror_evaluations", setup, dossier)).content.decode()
    assert "Avis de Bruno" in html and "Bruno Expert" in html
    # The missing score is shown as missing, never as zero.
    assert "non noté" in html


def test_others_drafts_and_conflicted_members_never_shown(juror, setup):
    dossier = setup.dossiers[0]
    EvaluationFactory(member=setup.member, dossier=dossier)
    EvaluationFactory(member=setup.other, dossier=dossier, submitted_at=None, comment="Brouillon B")
    conflicted = JuryMemberFactory(jury=setup.jury, public_name="Claire Conflit")
    EvaluationFactory(member=conflicted, dossier=dossier, comment="Avis de Claire")
    ConflictFactory(member=conflicted, dossier=dossier)
    response = juror.get(url("juror_evaluations", setup, dossier))
    html = response.content.decode()
    assert response.context["rows"] == []
    assert "Brouillon B" not in html and "Avis de Claire" not in html


def test_full_round_trip_then_others_visible(client, setup):
    dossier = setup.dossiers[0]
    c1, c2 = setup.criteria
    other = scoring.save_evaluation(
        setup.other.user,
        setup.other,
        dossier,
        scores={c1.pk: "5", c2.pk: "10"},
        comment="Excellent",
        recommendation=Recommendation.FAVOURABLE,
    )
    scoring.submit_evaluation(setup.other.user, other)
    client.force_login(setup.member.user)
    client.post(url("juror_dossier", setup, dossier), form_data(setup, button="submit"))
    response = client.get(url("juror_evaluations", setup, dossier))
    assert [row["scores"] for row in response.context["rows"]] == [
        [Decimal("5.00"), Decimal("10.00")]
    ]
    assert Score.objects.count() == 4

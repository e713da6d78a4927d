"""Rapporteurs in a real browser: bidding → assignment → individual scoring → discussion.

A jury of two members and two preselected dossiers (factories). The instructor turns the
review phases on with one rapporteur per dossier; a juror bids for a dossier; the instructor
applies the suggested assignment (the bid is followed) and opens the scoring; the rapporteur
scores and submits; the progress matrix shows it; in the discussion the rapporteur reads the
other member's evaluation and writes the jury's opinion for the applicant; staff approve it,
publish the results, and the applicant reads the opinion on the dossier page.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from jury.deliberation import workflow as deliberation
from jury.review_models import JuryOpinion, RapporteurAssignment, ReviewPhase, ReviewSettings
from jury.scoring import workflow as scoring
from relance.models import OutgoingEmail
from tests.factories import DEFAULT_PASSWORD, StaffFactory, agent_of
from tests.jury.jury_core_data import full_scores, jury_with_dossiers

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def log_in(page, email, next_url):
    page.goto(f"/compte/connexion/?next={next_url}")
    page.locator('input[name="username"]').fill(email)
    page.locator('input[name="password"]').fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def log_out(page):
    page.get_by_role("button", name="Se déconnecter").first.click()
    page.wait_for_load_state()


def click(page, locator):
    locator.click()
    page.wait_for_load_state()


OPINION = "Projet solide et utile aux agents ; précisez le calendrier de déploiement."


def test_bidding_assignment_scoring_discussion_opinion(page, check_screen):
    setup = jury_with_dossiers(2)
    staff = StaffFactory()
    first, second = setup.dossiers
    review_url = f"/instruction/appels/{setup.jury.call.slug}/jury/examen/"
    list_url = f"/jury/{setup.jury.pk}/"

    # Staff turn the phases on: bidding opens.
    log_in(page, staff.email, review_url)
    expect(page.locator("#no-phases")).to_be_visible()
    page.get_by_label("Rapporteurs par dossier").fill("1")
    click(page, page.get_by_role("button", name="Configurer les phases et ouvrir les souhaits"))
    expect(page.get_by_text("Phases d’examen enregistrées.")).to_be_visible()
    expect(page.locator("#current-phase")).to_have_attribute("data-phase", "bidding")
    check_screen("review-bidding")
    log_out(page)

    # The juror wishes to report on the first dossier.
    log_in(page, setup.member.user.email, list_url)
    expect(page.locator("#phase-notice")).to_have_attribute("data-phase", "bidding")
    row = page.locator(f"#dossier-{first.pk}")
    row.get_by_label(f"Mon souhait pour {first.reference}").select_option(label="Je souhaite")
    click(page, row.get_by_role("button", name="Enregistrer"))
    expect(
        page.get_by_text(f"Souhait enregistré pour le dossier {first.reference}.")
    ).to_be_visible()
    expect(page.locator(f"#dossier-{first.pk} .bid-form")).to_have_attribute("data-bid", "wish")
    check_screen("juror-bidding")
    log_out(page)

    # Staff apply the suggestion, which follows the bid, then open the scoring.
    log_in(page, staff.email, review_url)
    click(page, page.get_by_role("button", name="Passer à : Attribution des rapporteurs"))
    expect(page.locator("#current-phase")).to_have_attribute("data-phase", "assignment")
    click(page, page.get_by_role("button", name="Appliquer l’attribution suggérée"))
    expect(page.get_by_text("Attribution suggérée appliquée")).to_be_visible()
    expect(page.locator(f'tr[data-reference="{first.reference}"] .rapporteur')).to_have_attribute(
        "data-member", str(setup.member.pk)
    )
    check_screen("review-assignment")
    click(page, page.get_by_role("button", name="Passer à : Notation individuelle"))
    expect(page.locator("#current-phase")).to_have_attribute("data-phase", "scoring")
    log_out(page)
    assert RapporteurAssignment.objects.get(dossier=second).member == setup.other

    # The rapporteur scores the first dossier and submits.
    log_in(page, setup.member.user.email, list_url)
    expect(page.locator(f"#dossier-{first.pk} .rapporteur-badge")).to_be_visible()
    click(page, page.get_by_role("link", name=first.reference))
    for criterion, value in zip(setup.criteria, ["4", "8"], strict=True):
        page.locator(f'input[name="criterion_{criterion.pk}"]').fill(value)
    page.locator('textarea[name="comment"]').fill("Projet solide, équipe en place.")
    page.locator('select[name="recommendation"]').select_option(label="Favorable")
    click(page, page.get_by_role("button", name="Soumettre l’évaluation"))
    expect(page.get_by_text("Évaluation soumise. Merci !")).to_be_visible()
    check_screen("juror-scoring")
    log_out(page)

    # Set-up, not story: the other member scores the first dossier after the rapporteur.
    evaluation = scoring.save_evaluation(
        setup.other.user,
        setup.other,
        first,
        scores=full_scores(setup.criteria),
        comment="Avis de Bruno sur le projet.",
        recommendation="reserved",
    )
    scoring.submit_evaluation(setup.other.user, evaluation)

    # Staff follow the progress, then open the discussion.
    log_in(page, staff.email, f"/instruction/appels/{setup.jury.call.slug}/jury/suivi/")
    first_row = page.locator(f'#matrix tr[data-reference="{first.reference}"]')
    expect(first_row.locator('[data-cell="submitted"]')).to_have_count(2)
    expect(
        page.locator(f'#matrix tr[data-reference="{second.reference}"] [data-cell="assigned"]')
    ).to_have_count(1)
    check_screen("progress")
    page.goto(review_url)
    click(page, page.get_by_role("button", name="Passer à : Discussion"))
    expect(page.locator("#current-phase")).to_have_attribute("data-phase", "discussion")
    log_out(page)
    assert ReviewSettings.objects.get(jury=setup.jury).phase == ReviewPhase.DISCUSSION

    # In the discussion the rapporteur reads the other member's evaluation.
    log_in(page, setup.member.user.email, f"/jury/{setup.jury.pk}/dossiers/{first.pk}/evaluations/")
    expect(page.locator("#evaluations")).to_contain_text("Avis de Bruno sur le projet.")
    check_screen("juror-discussion")

    # The rapporteur writes the jury's opinion for the applicant, from the dossier's page.
    page.goto(f"/jury/{setup.jury.pk}/dossiers/{first.pk}/")
    click(page, page.locator("#opinion-link"))
    expect(page.locator("#opinion-status [data-opinion-status]")).to_have_attribute(
        "data-opinion-status", "none"
    )
    page.get_by_label("Avis du jury").fill(OPINION)
    click(page, page.get_by_role("button", name="Enregistrer l’avis"))
    expect(page.get_by_text("Avis enregistré. L’équipe d’instruction")).to_be_visible()
    expect(page.locator("#opinion-status [data-opinion-status]")).to_have_attribute(
        "data-opinion-status", "draft"
    )
    check_screen("juror-opinion")
    log_out(page)

    # Staff open the deliberation, review the opinion and approve it.
    log_in(page, staff.email, review_url)
    click(page, page.get_by_role("button", name="Passer à : Délibération"))
    expect(page.locator("#current-phase")).to_have_attribute("data-phase", "deliberation")
    click(page, page.locator("#opinions-link"))
    row = page.locator(f'#opinions tr[data-reference="{first.reference}"]')
    expect(row.locator("[data-opinion-status]")).to_have_attribute("data-opinion-status", "draft")
    expect(row.locator(".opinion-text")).to_contain_text("Projet solide")
    check_screen("staff-opinions")
    click(page, row.get_by_role("link", name="Relire, approuver"))
    expect(page.get_by_label("Avis du jury")).to_have_value(OPINION)
    check_screen("staff-opinion")
    click(page, page.get_by_role("button", name="Approuver l’avis"))
    expect(page.get_by_text(f"Avis du dossier {first.reference} approuvé.")).to_be_visible()
    expect(row.locator("[data-opinion-status]")).to_have_attribute(
        "data-opinion-status", "approved"
    )
    assert JuryOpinion.objects.get(dossier=first).approved_by == staff

    # Set-up, not story: the decisions are recorded. Staff publish the results.
    deliberation.record_award(
        staff, first, decision="laureate", granted_amount=Decimal(first.requested_amount)
    )
    deliberation.record_award(staff, second, decision="not_selected", reason="Trop tôt.")
    page.goto(f"/instruction/appels/{setup.jury.call.slug}/jury/deliberation/")
    click(page, page.locator("#publish-link"))
    click(page, page.get_by_role("button", name="Confirmer la publication"))
    expect(page.locator('[data-status="published"]')).to_be_visible()
    log_out(page)
    email = OutgoingEmail.objects.get(topic="results", subject__contains=first.reference)
    assert OPINION in email.body

    # The applicant reads the jury's opinion on the dossier page.
    applicant = agent_of(first.administration)
    log_in(page, applicant.email, f"/dossiers/{first.pk}/")
    expect(page.locator("#decision")).to_contain_text("Lauréat")
    expect(page.locator("#jury-opinion")).to_contain_text(OPINION)
    check_screen("applicant-opinion")

"""The jury path, in a real browser, on the demo data.

The demonstration call is closed with three preselected dossiers, one of them filed by the
demo applicant's administration. The instructor builds the jury, invites a juror and
publishes a day of hearings; the juror sets a password from the invitation, declares a
conflict of interest on one dossier, scores another and submits; the instructor records the
deliberation and publishes the results; the applicant reads the outcome; the public list of
laureates shows the project.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calls.demo import DEMO_CALL_SLUG, ROUND_1_SLUG
from calls.models import Call
from jury.models import (
    ConflictOfInterest,
    Deliberation,
    Evaluation,
    HearingSession,
    Jury,
    JuryMember,
)
from relance.demo import STAFF_LOGIN
from relance.models import OutgoingEmail
from submissions.demo import APPLICANT_LOGIN
from submissions.models import Administration, Dossier, DossierState
from tests.factories import DossierFactory

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

JUROR_EMAIL = "claude.expert@numerique.gouv.fr"
JUROR_NAME = "Claude Expert"
JUROR_PASSWORD = "Evaluer-Les-Projets-2021"
LAUREATE_TITLE = "Référentiel partagé des adresses des services publics"
OTHER_TITLE = "Entrepôt des données de fréquentation des guichets"
NOT_SELECTED_REASON = "Le projet reste à préciser avant un cofinancement."


# After a navigation, the load event is enough (network idle costs half a second each time):
# what the DSFR script changes later is asserted with expect(), which waits for it.


def log_in(page, email, password, next_url):
    page.goto(f"/compte/connexion/?next={next_url}")
    page.locator('input[name="username"]').fill(email)
    page.locator('input[name="password"]').fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def log_out(page):
    page.get_by_role("button", name="Se déconnecter").first.click()
    page.wait_for_load_state()


def click(page, locator):
    locator.click()
    page.wait_for_load_state()


def preselected_dossiers():
    """Close the demonstration call with three dossiers before the jury (set-up, not story)."""
    call = Call.objects.get(slug=DEMO_CALL_SLUG)
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(days=7))
    applicant_administration = Administration.objects.get(
        memberships__user__email=APPLICANT_LOGIN.email
    )
    # The demo call's submitted dossier (another administration's) was preselected.
    submitted = Dossier.objects.get(call=call, state=DossierState.SUBMITTED)
    Dossier.objects.filter(pk=submitted.pk).update(state=DossierState.PRESELECTED)
    categories = list(call.categories.order_by("order"))
    number = Dossier.objects.filter(call=call).order_by("-number").first().number
    filed = {
        "call": call,
        "state": DossierState.PRESELECTED,
        "submitted_at": timezone.now() - timedelta(days=20),
    }
    laureate = DossierFactory(
        **filed,
        administration=applicant_administration,
        number=number + 1,
        category=categories[0],
        title=LAUREATE_TITLE,
        requested_amount=Decimal("80000.00"),
    )
    other_administration = (
        Administration.objects.filter(kind="central")
        .exclude(pk__in=[applicant_administration.pk, submitted.administration_id])
        .order_by("name")
        .first()
    )
    other = DossierFactory(
        **filed,
        administration=other_administration,
        number=number + 2,
        category=categories[1],
        title=OTHER_TITLE,
    )
    submitted.refresh_from_db()
    return call, laureate, submitted, other


def test_jury_hearings_scoring_deliberation_results(seeded, page, screenshot, check_screen):
    call, laureate, conflicted, other = preselected_dossiers()

    # Staff create the call's jury from the instruction pages: the call's next step.
    log_in(page, STAFF_LOGIN.email, STAFF_LOGIN.password, "/instruction/")
    expect(page.locator(f'tr[data-call="{call.slug}"] [data-step]')).to_have_attribute(
        "data-step", "constitute_jury"
    )
    click(page, page.get_by_role("link", name=call.title))
    expect(page.locator("#next-step")).to_have_attribute("data-step", "constitute_jury")
    expect(page.locator('#counts [data-count="preselected"] .relance-count')).to_have_text("3")
    check_screen("instruction-call-next-step")
    click(page, page.locator("#next-step-link"))
    expect(page.locator("#no-jury")).to_be_visible()
    click(page, page.get_by_role("button", name="Créer le jury"))
    jury = Jury.objects.get(call=call)
    expect(page.get_by_role("heading", level=1, name=str(jury))).to_be_visible()

    # ... and invite a member, whose account is created with the invitation.
    click(page, page.locator("#add-member"))
    page.get_by_label("Adresse électronique").fill(JUROR_EMAIL)
    page.get_by_label("Nom affiché").fill(JUROR_NAME)
    page.get_by_label("Titre ou fonction").fill("Administratrice des données")
    page.get_by_label("Affiliation", exact=True).fill("Direction interministérielle du numérique")
    click(page, page.get_by_role("button", name="Ajouter et inviter"))
    member = JuryMember.objects.get(jury=jury, user__email=JUROR_EMAIL)
    expect(
        page.locator("#members").get_by_role("cell", name=JUROR_NAME, exact=True)
    ).to_be_visible()
    invitation = OutgoingEmail.objects.get(to=[JUROR_EMAIL], topic="jury_invitation")
    screenshot("jury")

    # A day of hearings with a break, its schedule generated then published.
    click(page, page.locator("#hearings-link"))
    hearing_day = timezone.localdate() + timedelta(days=14)
    while hearing_day.weekday() >= 5:  # a working day
        hearing_day += timedelta(days=1)
    # Native date and time inputs: the browser takes ISO values whatever it displays.
    page.locator('input[name="date"]').fill(hearing_day.isoformat())
    page.locator('input[name="place"]').fill("20 avenue de Ségur, Paris")
    page.locator('input[name="starts_at"]').fill("09:00")
    page.locator('input[name="ends_at"]').fill("12:00")
    page.locator('input[name="slot_minutes"]').fill("30")
    page.locator('input[name="gap_minutes"]').fill("0")
    page.locator('input[name="pauses-0-label"]').fill("Pause café")
    page.locator('input[name="pauses-0-starts_at"]').fill("10:00")
    page.locator('input[name="pauses-0-ends_at"]').fill("10:30")
    click(page, page.get_by_role("button", name="Créer la session"))
    session = HearingSession.objects.get(jury=jury)
    assert page.url.endswith(f"/auditions/{session.pk}/")
    click(page, page.get_by_role("button", name="Générer le planning"))
    slots = page.locator("#slots tbody tr[data-slot]")
    assert slots.count() == 3
    expect(page.locator("#slots tr.relance-break-row", has_text="Pause café")).to_be_visible()
    # The break splits the morning: nobody is heard between 10:00 and 10:30.
    expect(page.locator("#slots tbody tr").nth(2)).to_have_attribute("class", "relance-break-row")
    screenshot("hearings")
    click(page, page.locator("#publish-link"))
    page.locator("label", has_text="Je confirme la publication").click()
    click(page, page.get_by_role("button", name="Publier le planning"))
    session.refresh_from_db()
    assert session.published_at is not None
    expect(page.locator('[data-status="published"]')).to_be_visible()
    # Every dossier has its slot and the schedule is out: the jury deliberates next.
    page.goto(f"/instruction/appels/{call.slug}/")
    page.wait_for_load_state()
    expect(page.locator("#next-step")).to_have_attribute("data-step", "deliberate")
    log_out(page)

    # The juror sets a password from the invitation, then signs in.
    # The link's site is the configured one, not the test server: keep its path only.
    link = re.search(r"https?://[^/\s]+(/\S*?mot-de-passe/nouveau/\S+/)", invitation.body)
    page.goto(link.group(1))
    page.wait_for_load_state()
    page.locator('input[name="new_password1"]').fill(JUROR_PASSWORD)
    page.locator('input[name="new_password2"]').fill(JUROR_PASSWORD)
    click(page, page.get_by_role("button", name="Enregistrer le mot de passe"))
    expect(page.get_by_role("heading", name="Mot de passe enregistré")).to_be_visible()
    log_in(page, JUROR_EMAIL, JUROR_PASSWORD, "/")
    click(
        page, page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Jury")
    )
    click(page, page.locator("#juries").get_by_role("link", name=call.title))
    dossiers = page.locator("#dossiers tbody tr[data-reference]")
    assert dossiers.count() == 3

    # A conflict of interest: the dossier leaves the juror's list and its page closes.
    click(page, page.locator("#dossiers").get_by_role("link", name=conflicted.reference))
    click(page, page.locator("#conflict-link"))
    page.get_by_label("Type de conflit").select_option(label="Lien personnel")
    page.get_by_label("Commentaire").fill("J’ai travaillé dans cette équipe l’an dernier.")
    click(page, page.get_by_role("button", name="Déclarer le conflit d’intérêts"))
    assert ConflictOfInterest.objects.filter(member=member, dossier=conflicted).exists()
    assert dossiers.count() == 2
    assert page.locator(f'#dossiers tr[data-reference="{conflicted.reference}"]').count() == 0
    expect(page.locator(f'#conflicts li[data-reference="{conflicted.reference}"]')).to_be_visible()
    screenshot("juror-dossiers")
    # Its address now answers 404 (asked aside: a 404 page would count as a console error).
    assert page.request.get(f"/jury/{jury.pk}/dossiers/{conflicted.pk}/").status == 404
    # The published hearing day: the conflicted dossier is marked, not linked.
    click(page, page.locator("#hearings-link"))
    hearing_row = page.locator(f'tr[data-reference="{conflicted.reference}"]')
    expect(hearing_row).to_have_attribute("data-conflicted", "1")
    assert hearing_row.get_by_role("link").count() == 0
    expect(page.get_by_role("link", name=laureate.reference)).to_be_visible()
    click(page, page.get_by_role("link", name="Retour aux dossiers du jury"))

    # Scoring: every criterion, a comment, an opinion, then submit.
    click(page, page.locator("#dossiers").get_by_role("link", name=laureate.reference))
    criteria = list(call.criteria.order_by("order", "pk"))
    for criterion, value in zip(criteria, ["4", "4.5", "3", "5"], strict=True):
        page.locator(f'input[name="criterion_{criterion.pk}"]').fill(value)
    page.locator('textarea[name="comment"]').fill("Projet utile à de nombreuses administrations.")
    page.locator('select[name="recommendation"]').select_option(label="Favorable")
    screenshot("scoring")
    click(page, page.get_by_role("button", name="Soumettre l’évaluation"))
    expect(page.get_by_text("Évaluation soumise. Merci !")).to_be_visible()
    expect(page.locator('#evaluation [data-status="submitted"]')).to_be_visible()
    evaluation = Evaluation.objects.get(member=member, dossier=laureate)
    assert evaluation.submitted_at is not None
    assert sorted(s.value for s in evaluation.scores.all()) == [3, 4, Decimal("4.5"), 5]
    log_out(page)

    # Staff read the ranking, then record the deliberation.
    log_in(page, STAFF_LOGIN.email, STAFF_LOGIN.password, f"/instruction/appels/{call.slug}/jury/")
    click(page, page.locator("#ranking-link"))
    expect(page.get_by_role("row").filter(has_text=laureate.reference)).to_be_visible()
    screenshot("ranking")
    click(page, page.get_by_role("link", name="Délibération", exact=True))
    decisions = {
        laureate: ("Lauréat", "60 000", ""),
        conflicted: ("Non retenu", "", NOT_SELECTED_REASON),
        other: ("Non retenu", "", NOT_SELECTED_REASON),
    }
    for dossier, (decision, amount, reason) in decisions.items():
        row = page.locator(f'#decisions-table tr[data-dossier="{dossier.reference}"]')
        click(page, row.get_by_role("link", name="Décider"))
        page.locator("#award-form label", has_text=re.compile(f"^{decision}$")).click()
        if amount:
            page.locator('input[name="award-granted_amount"]').fill(amount)
            page.locator('textarea[name="award-public_summary"]').fill(
                "Un référentiel ouvert des adresses des guichets de l’État."
            )
        if reason:
            page.locator('textarea[name="award-reason"]').fill(reason)
        click(page, page.get_by_role("button", name="Enregistrer la décision"))
        assert page.url.endswith(f"/deliberation/#dossier-{dossier.pk}")
    assert page.locator('#decision-counts [data-count="laureate"] strong').inner_text() == "1"
    assert page.locator('#decision-counts [data-count="undecided"] strong').inner_text() == "0"
    # The minutes; granted amounts are public (ticked by default, kept ticked).
    page.locator('input[name="minutes-held_on"]').fill(timezone.localdate().isoformat())
    page.locator('textarea[name="minutes-minutes"]').fill("Le jury a entendu les trois projets.")
    page.locator('input[name="minutes-publish_amounts"]').check()
    click(page, page.get_by_role("button", name="Enregistrer le procès-verbal"))
    expect(page.get_by_text("Procès-verbal enregistré.")).to_be_visible()
    assert Deliberation.objects.get(jury=jury).publish_amounts
    screenshot("deliberation")
    click(page, page.locator("#publish-link"))
    click(page, page.get_by_role("button", name="Confirmer la publication"))
    expect(page.locator('[data-status="published"]')).to_be_visible()
    for dossier in decisions:
        dossier.refresh_from_db()
    assert laureate.state == DossierState.LAUREATE
    assert conflicted.state == other.state == DossierState.NOT_SELECTED
    # Published: the dashboard counts the outcome and has no step left for the call.
    page.goto("/instruction/")
    page.wait_for_load_state()
    row = page.locator(f'tr[data-call="{call.slug}"]')
    expect(row.locator('[data-n="laureate"]')).to_have_text("1")
    expect(row.locator('[data-n="not_selected"]')).to_have_text("2")
    expect(row.locator("[data-step]")).to_have_attribute("data-step", "")
    log_out(page)

    # The applicant reads the jury's decision and the amount granted.
    log_in(page, APPLICANT_LOGIN.email, APPLICANT_LOGIN.password, laureate.get_absolute_url())
    outcome = page.locator("#decision")
    assert "Décision du jury : Lauréat" in outcome.inner_text()
    assert re.search(r"Cofinancement accordé : 60\s000", outcome.inner_text())
    screenshot("outcome")
    log_out(page)

    # Anyone finds the laureate on the public list; the projects not selected are absent.
    page.goto("/laureats/")
    main = page.locator("main")
    card = main.locator("[data-laureate]").filter(has_text=LAUREATE_TITLE)
    expect(card.get_by_role("link", name=LAUREATE_TITLE)).to_be_visible()
    assert re.search(r"Cofinancement : 60\s000", card.locator("[data-amount]").text_content())
    assert OTHER_TITLE not in main.inner_text()
    assert conflicted.title not in main.inner_text()
    screenshot("laureates")


def test_instruction_dashboard_of_the_demo(seeded, page, check_screen):
    """Round 1 of the demo, finished: its whole funnel, the same on every page."""
    log_in(page, STAFF_LOGIN.email, STAFF_LOGIN.password, "/instruction/")
    row = page.locator(f'tr[data-call="{ROUND_1_SLUG}"]')
    expected = {
        "submitted": "69",
        "preselected": "33",
        "heard": "33",
        "laureate": "17",
        "not_selected": "16",
        "not_preselected": "36",
        "pending_preselection": "0",
    }
    for key, value in expected.items():
        expect(row.locator(f'[data-n="{key}"]')).to_have_text(value)
    expect(row.locator("[data-step]")).to_have_text("Résultats publiés le 3 mars 2021.")
    # What each number counts, folded under the table.
    click(page, page.get_by_role("button", name="Ce que compte chaque nombre"))
    expect(page.locator('#calls-definitions [data-definition="heard"]')).to_be_visible()
    check_screen("instruction-calls")

    click(page, row.get_by_role("link", name=Call.objects.get(slug=ROUND_1_SLUG).title))
    for key, value in expected.items():
        expect(page.locator(f'#counts [data-count="{key}"] .relance-count')).to_have_text(value)
    expect(page.locator("#next-step")).to_have_attribute("data-step", "")
    # Nothing that no longer applies: no preselection to publish, no decision to tick.
    expect(page.get_by_text("Publier la présélection")).to_have_count(0)
    expect(page.locator("#bulk-legend")).to_have_count(0)
    check_screen("instruction-round-1")

    click(page, page.locator("#jury-link"))
    click(page, page.locator("#hearings-link"))
    expect(page.locator("#to-hear")).to_have_text(
        re.compile(r"^33 dossiers présélectionnés à auditionner\.\s+33 ont un créneau\.\s+33 ont")
    )
    check_screen("hearings-round-1")

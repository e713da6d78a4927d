"""A correction of published results in a real browser, on the demo data: the instructor
prepares a « Rectificatif » dated in the past, adds a laureate from a dossier registered by
staff, moves one laureate to another category, renames another and changes a third one's
administration, publishes it; the public reads the history, the updated call page, the
official date on the laureates list and the statistics, and the changes in open data."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from calls.demo import ROUND_1_SLUG
from calls.models import Call
from relance.models import OutgoingEmail
from submissions.models import Administration, Dossier, DossierState
from tests.e2e.test_dossier_path import INSTRUCTOR, log_in, log_out

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


def registered_dossier(round_1):
    """A dossier received by post and registered by the instructor after the results."""
    from django.contrib.auth import get_user_model

    instructor = get_user_model().objects.get(email=INSTRUCTOR[0])
    model = Dossier.objects.filter(call=round_1, state=DossierState.NOT_PRESELECTED).first()
    last = Dossier.objects.filter(call=round_1).order_by("-number").first().number
    return Dossier.objects.create(
        call=round_1,
        administration=model.administration,
        number=last + 1,
        reference=Dossier.reference_for(round_1, last + 1),
        state=DossierState.SUBMITTED,
        submitted_at=round_1.closes_at,
        created_by=instructor,
        registered_by=instructor,
        registered_at=timezone.now(),
        received_via="email",
        title="Registre des conventions reçu par courrier",
        summary=model.summary,
        description=model.description,
        category=model.category,
        total_budget=model.total_budget,
        requested_amount=model.requested_amount,
        contact_name="Lou Martin",
        contact_email="lou.martin@exemple.gouv.fr",
    )


def add_change(page, kind, dossier, **fields):
    page.locator("#id_change-kind").select_option(kind)
    page.locator("#id_change-dossier").select_option(str(dossier.pk))
    for name, value in fields.items():
        if name in ("category", "administration"):
            page.locator(f"#id_change-{name}").select_option(str(value))
        else:
            page.locator(f"#id_change-{name}").fill(value)
    page.get_by_role("button", name="Ajouter au rectificatif").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Modification ajoutée")


def test_publish_a_correction_and_read_it_in_public(seeded, page, check_screen):
    round_1 = Call.objects.get(slug=ROUND_1_SLUG)
    registered = registered_dossier(round_1)
    laureates = list(
        Dossier.objects.filter(call=round_1, state=DossierState.LAUREATE).order_by("number")[:3]
    )
    moved, renamed, reattached = laureates
    other_category = round_1.categories.exclude(pk=moved.category_id).first()
    new_administration = (
        Administration.objects.filter(kind=reattached.administration.kind)
        .exclude(pk=reattached.administration_id)
        .order_by("name")
        .first()
    )

    log_in(page, INSTRUCTOR, f"/instruction/appels/{ROUND_1_SLUG}/jury/deliberation/")
    page.locator("#corrections-link").click()
    expect(page.locator("h1")).to_have_text("Rectificatifs des résultats")
    page.locator("#id_correction-official_date").fill("2021-04-12")
    page.locator("#id_correction-act_reference").fill("Décision n° 2021-042")
    page.locator("#id_correction-reason").fill("Décision modificative du jury du 12 avril 2021.")
    page.get_by_role("button", name="Préparer le rectificatif").click()
    expect(page.locator("h1")).to_have_text("Rectificatif du 12 avril 2021")

    add_change(page, "add_laureate", registered, granted_amount="20 000")
    add_change(page, "move_category", moved, category=other_category.pk)
    add_change(page, "correct_title", renamed, title="Plateforme unifiée des données RH")
    add_change(page, "change_administration", reattached, administration=new_administration.pk)
    expect(page.locator(".planned-change")).to_have_count(4)
    check_screen("correction-draft")

    page.get_by_role("button", name="Publier le rectificatif").click()
    expect(page.get_by_role("status")).to_contain_text("4 modification(s) appliquée(s)")
    expect(page.locator("#applied-changes li")).to_have_count(4)
    log_out(page)

    page.goto(f"/appels/{ROUND_1_SLUG}/historique/")
    expect(page.locator("h1")).to_have_text("Historique des modifications")
    expect(page.locator(".history-change")).to_have_count(4)
    expect(page.get_by_text("Plateforme unifiée des données RH")).to_be_visible()
    check_screen("results-history")

    page.goto(f"/appels/{ROUND_1_SLUG}/")
    expect(page.locator("#results-updated")).to_contain_text("12 avril 2021")

    # The official date on the laureates list and the statistics, with the history's link.
    page.goto("/laureats/?tout=1")
    updated = page.locator(f'section[data-call="{ROUND_1_SLUG}"] .results-updated')
    expect(updated).to_contain_text("Résultats mis à jour le 12 avril 2021")
    expect(updated.locator("time")).to_have_attribute("datetime", "2021-04-12")
    check_screen("laureates-updated")
    updated.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Historique des modifications")
    page.goto("/statistiques/")
    updated = page.locator(f'section[data-call="{ROUND_1_SLUG}"] .results-updated')
    expect(updated).to_contain_text("Résultats mis à jour le 12 avril 2021")
    check_screen("statistics-updated")

    # The open data lists the four changes.
    response = page.request.get("/donnees/rectificatifs.csv")
    assert response.ok
    rows = [
        row
        for row in csv.DictReader(io.StringIO(response.text()))
        if row["appel_slug"] == ROUND_1_SLUG
    ]
    assert [row["type_modification"] for row in rows] == [
        "add_laureate",
        "move_category",
        "correct_title",
        "change_administration",
    ]
    assert {row["date_rectificatif"] for row in rows} == {"2021-04-12"}
    assert rows[2]["apres"].startswith("Plateforme unifiée des données RH")
    assert rows[3]["apres"] == new_administration.name

    # The laureates files agree with each other and with the pages: the added laureate is
    # there, the renamed one under its new title, each changed row dated by the correction.
    in_json = [
        row
        for row in page.request.get("/donnees/laureats.json").json()
        if row["appel_slug"] == ROUND_1_SLUG
    ]
    in_csv = [
        row
        for row in csv.DictReader(io.StringIO(page.request.get("/donnees/laureats.csv").text()))
        if row["appel_slug"] == ROUND_1_SLUG
    ]
    assert [(r["reference"], r["titre"], r["date_mise_a_jour"]) for r in in_json] == [
        (r["reference"], r["titre"], r["date_mise_a_jour"]) for r in in_csv
    ]
    by_reference = {row["reference"]: row for row in in_json}
    assert by_reference[registered.reference]["date_mise_a_jour"] == "2021-04-12"
    renamed = [r for r in in_json if r["titre"].startswith("Plateforme unifiée des données RH")]
    assert [r["date_mise_a_jour"] for r in renamed] == ["2021-04-12"]
    assert sum(r["date_mise_a_jour"] == "2021-04-12" for r in in_json) == 4

    recipients = {
        address
        for email in OutgoingEmail.objects.filter(subject__contains="Rectificatif")
        for address in email.to
    }
    assert "lou.martin@exemple.gouv.fr" in recipients
    assert Dossier.objects.get(pk=registered.pk).state == DossierState.LAUREATE


def test_a_dossiers_deliberation_page_leads_to_a_correction(seeded, page, check_screen):
    """The deliberation page of a published dossier changes nothing itself: its link opens a
    correction with the dossier chosen, and the published change comes back in its history."""
    round_1 = Call.objects.get(slug=ROUND_1_SLUG)
    laureate = (
        Dossier.objects.filter(call=round_1, state=DossierState.LAUREATE)
        .select_related("award")
        .order_by("number")
        .first()
    )
    new_amount = laureate.award.granted_amount - 1000
    dossier_page = reverse(
        "jury:deliberation_dossier", kwargs={"call_slug": ROUND_1_SLUG, "dossier_id": laureate.pk}
    )

    log_in(page, INSTRUCTOR, dossier_page)
    expect(page.locator("#amend")).to_contain_text("Modifier les résultats publiés")
    expect(page.locator("#amend form")).to_have_count(0)
    check_screen("deliberation-dossier-published")
    page.get_by_role("link", name="Préparer un rectificatif pour ce dossier").click()
    expect(page.locator("h1")).to_have_text("Rectificatifs des résultats")
    page.locator("#id_correction-reason").fill("Budget revu par décision modificative.")
    page.get_by_role("button", name="Préparer le rectificatif").click()
    expect(page.locator("#id_change-dossier")).to_have_value(str(laureate.pk))
    page.locator("#id_change-kind").select_option("change_amount")
    page.locator("#id_change-granted_amount").fill(f"{new_amount:.0f}")
    page.get_by_role("button", name="Ajouter au rectificatif").click()
    expect(page.locator(".planned-change")).to_have_count(1)
    page.get_by_role("button", name="Publier le rectificatif").click()
    expect(page.get_by_role("status")).to_contain_text("1 modification(s) appliquée(s)")

    page.goto(dossier_page)
    expect(page.locator('#amendments-table [data-amendment="change_amount"]')).to_contain_text(
        "Budget revu par décision modificative."
    )

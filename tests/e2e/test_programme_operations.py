"""Programme operations in a real browser, on the demo data: an instructor registers a dossier
received by email; an agent re-submits a round-1 dossier that was not selected into an open
call of the programme."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calls.demo import PROGRAMME_SLUG, ROUND_1_SLUG
from calls.models import Call, CallKind, Category, Programme
from relance.models import OutgoingEmail
from submissions.models import Dossier, DossierState
from tests.e2e.test_dossier_path import APPLICANT, INSTRUCTOR, log_in, log_out
from tests.submissions.sample_files import PDF_BYTES

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

OPERATOR = ("agent.cnav@demo.relance.gouv.fr", "Exposer-Donnees-2021")
TITLE = "Registre national des archives numérisées"


def open_round(round_1):
    """An open round of the demo programme besides the demonstration call."""
    now = timezone.now()
    programme = Programme.objects.get(slug=PROGRAMME_SLUG)
    call = Call.objects.create(
        programme=programme,
        kind=CallKind.ROUND,
        number=4,
        title="Développer l’utilisation de la donnée — appel n° 4",
        slug="france-relance-donnees-vague-4",
        summary="Quatrième appel à projets du programme.",
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=30),
        published_at=now - timedelta(days=3),
    )
    Category.objects.bulk_create(
        Category(call=call, name=c.name, order=c.order) for c in round_1.categories.all()
    )
    return call


def fill_outside_registration(page, *, received_at, title, subtitle, text, total, requested):
    """Fill the form registering a CNAV dossier received by email (all but the file)."""
    page.locator("#id_reception-administration").select_option(
        label="Caisse nationale d’assurance vieillesse des travailleurs salariés"
    )
    page.locator("label[for=id_reception-received_via_0]").click()
    page.locator("#id_reception-received_at").fill(received_at)
    page.locator("#id_projet-title").fill(title)
    page.locator("#id_projet-subtitle").fill(subtitle)
    page.locator("#id_projet-category").select_option(index=1)
    for name in ("summary", "description"):
        page.locator(f"#id_projet-{name}").fill(text)
    for name in (
        "benefits_self",
        "benefits_others",
        "technical_approach",
        "sustainability",
        "timeline",
    ):
        page.locator(f"#id_benefices-{name}").fill("Décrit dans le dossier reçu.")
    page.locator("#id_budget-total_budget").fill(total)
    page.locator("#id_budget-requested_amount").fill(requested)
    page.locator("#id_contact-contact_name").fill("Lou Martin")
    page.locator("#id_contact-contact_email").fill("lou.martin@cnav.fr")


def test_register_outside_and_resubmit_a_later_round(seeded, page, check_screen, tmp_path):
    round_1 = Call.objects.get(slug=ROUND_1_SLUG)
    round_4 = open_round(round_1)
    original_file = tmp_path / "dossier-recu-par-courriel.pdf"
    original_file.write_bytes(PDF_BYTES)

    # The instructor registers, in the closed round 1, a dossier received by email before
    # the closing.
    log_in(page, INSTRUCTOR, f"/instruction/appels/{ROUND_1_SLUG}/")
    page.get_by_role("link", name="Enregistrer un dossier reçu hors plateforme").click()
    expect(page.locator("h1")).to_have_text("Enregistrer un dossier reçu hors plateforme")
    fill_outside_registration(
        page,
        received_at="2020-12-14T16:45",
        title=TITLE,
        subtitle="Des archives consultables par les caisses",
        text="Numériser et ouvrir les registres.",
        total="120 000",
        requested="60 000,00",
    )
    page.locator("#id_reception-reception_note").fill("Courriel de la CNAV du 14 décembre 2020")
    check_screen("register-outside")
    # Without the file: refused, nothing lost.
    page.get_by_role("button", name="Enregistrer le dossier").click()
    expect(page.locator("#id_original-file_error")).to_contain_text(
        "Joignez le fichier du dossier original reçu."
    )
    expect(page.locator("#id_projet-title")).to_have_value(TITLE)
    check_screen("register-outside-error")
    page.locator("#id_original-file").set_input_files(str(original_file))
    page.get_by_role("button", name="Enregistrer le dossier").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("enregistré pour")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("#registered-outside")).to_contain_text(
        "Dossier reçu hors plateforme (par courriel) le 14 décembre 2020 à 16:45."
    )
    expect(page.locator("#content-filed")).to_contain_text("dossier-recu-par-courriel.pdf")
    check_screen("registered-dossier-staff")
    registered = Dossier.objects.get(title=TITLE)
    assert registered.state == DossierState.SUBMITTED
    assert OutgoingEmail.objects.filter(topic="registered_outside", to__contains=[OPERATOR[0]])
    log_out(page)

    # The CNAV agent reads it on their own page.
    log_in(page, OPERATOR, registered.get_absolute_url())
    expect(page.locator("#registered-outside")).to_contain_text("Enregistré par")
    check_screen("registered-dossier-applicant")
    log_out(page)

    # The demo applicant re-submits a round-1 dossier of their administration that was not
    # selected into the open round 4.
    not_selected = (
        Dossier.objects.filter(
            call=round_1,
            state__in=[DossierState.NOT_SELECTED, DossierState.NOT_PRESELECTED],
            administration__memberships__user__email=APPLICANT[0],
        )
        .order_by("-state", "number")
        .first()
    )
    assert not_selected is not None
    outcome = not_selected.get_state_display().lower()
    log_in(page, APPLICANT, not_selected.get_absolute_url())
    button = page.get_by_role("button", name=f"Redéposer dans l’appel « {round_4.title} »")
    expect(button).to_be_visible()
    check_screen("resubmit-offer")
    button.click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Brouillon")
    expect(page.locator("h1")).to_have_text(not_selected.title)
    expect(page.locator("#rounds")).to_contain_text(
        f"Déjà déposé à l’appel « {round_1.title} » : {outcome}."
    )
    check_screen("resubmitted-draft")
    draft = Dossier.objects.get(resubmitted_from=not_selected)
    assert draft.call == round_4 and draft.state == DossierState.DRAFT
    assert draft.budget_lines.count() == not_selected.budget_lines.count()

    # Back on the original: its later round, and no second draft from a second visit.
    page.goto(not_selected.get_absolute_url())
    expect(page.locator("#rounds")).to_contain_text(f"Redéposé à l’appel « {round_4.title} ».")
    expect(page.get_by_role("link", name=f"Voir le dossier {draft.reference}")).to_be_visible()
    assert Dossier.objects.filter(resubmitted_from=not_selected).count() == 1

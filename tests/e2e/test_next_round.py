"""A programme team runs its next round from the product's own screens, in a real browser, on
the demo data; no step uses the Django admin.

The programme manager (not the superuser) creates round 4 by duplicating round 1, changing
its dates, its cap of dossiers per administration and one criterion's weight, and publishes
it. An agent with no administration asks to join the Ministry of Culture's secretariat
general; an instructor approves. The agent files a dossier into round 4 and re-submits the
secretariat's round-1 dossier that was not selected; a third dossier is one too many for the
cap, and is refused with a clear message. The instructor registers a dossier received by
email.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calls.demo import PROGRAMME_SLUG, ROUND_1_SLUG
from calls.models import Call
from relance.demo import MANAGER_LOGIN, STAFF_LOGIN
from relance.formatting import to_paris
from submissions.demo import NEWCOMER_LOGIN
from submissions.models import Dossier, DossierState
from tests.e2e.test_membership_path import heading, log_in, log_out
from tests.e2e.test_programme_operations import fill_outside_registration
from tests.submissions.sample_files import PDF_BYTES

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]

SECRETARIAT = "Secrétariat général du ministère de la Culture"
NOT_SELECTED_TITLE = "Tableau de bord de la fréquentation des musées nationaux"
NEW_TITLE = "Catalogue des données patrimoniales"


def test_a_programme_team_runs_its_next_round(seeded, page, tmp_path):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    round_1 = Call.objects.get(slug=ROUND_1_SLUG)
    not_selected = Dossier.objects.get(call=round_1, title__startswith=NOT_SELECTED_TITLE)
    assert not_selected.state == DossierState.NOT_SELECTED
    # Round 4 opened yesterday morning and closes in six weeks (Paris time).
    opens = to_paris(timezone.now()).date() - timedelta(days=1)
    closes = opens + timedelta(weeks=6)

    # The manager duplicates round 1, sets dates, cap and a weight, checks and publishes.
    log_in(page, MANAGER_LOGIN, "/instruction/")
    page.get_by_role("link", name="Appels du programme « Développer").click()
    page.locator(f'tr[data-call="{ROUND_1_SLUG}"]').get_by_role(
        "link", name="Dupliquer l’appel"
    ).click()
    expect(heading(page, "Dupliquer l’appel")).to_be_visible()
    page.locator('input[name="opens_on"]').fill(opens.isoformat())
    page.locator('input[name="opens_time"]').fill("09:00")
    page.locator('input[name="closes_on"]').fill(closes.isoformat())
    page.locator('input[name="closes_time"]').fill("12:00")
    page.get_by_role("button", name="Créer le brouillon").click()
    expect(heading(page, "Modifier l’appel")).to_be_visible()
    page.locator('input[name="max_dossiers_per_administration"]').fill("2")
    page.locator('input[name="criteria-1-weight"]').fill("2")
    page.locator("#call-form").get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#problems")).to_contain_text("Rien ne manque")
    page.get_by_role("button", name="Publier l’appel").click()
    expect(page.get_by_role("status")).to_contain_text("est publié")
    round_4 = Call.objects.get(programme__slug=PROGRAMME_SLUG, number=4)
    assert round_4.is_open and round_4.max_dossiers_per_administration == 2
    assert [c.weight for c in round_4.criteria.order_by("order")][:2] == [
        Decimal("1"),
        Decimal("2"),
    ]
    log_out(page)

    # An agent with no administration asks to join the culture secretariat general.
    log_in(page, NEWCOMER_LOGIN, "/dossiers/")
    page.locator("#join-link").click()
    page.get_by_label("Nom, sigle ou SIRET de l’administration").fill("SG Culture")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name=re.compile(f"^{SECRETARIAT}")).click()
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_text("Demande envoyée.")).to_be_visible()
    log_out(page)

    # An instructor approves the request.
    log_in(page, STAFF_LOGIN, "/instruction/rattachements/")
    page.get_by_role("row").filter(has_text=NEWCOMER_LOGIN.email).get_by_role(
        "link", name=re.compile("^Examiner")
    ).click()
    page.get_by_role("button", name="Accepter la demande").click()
    expect(page.get_by_text(re.compile("^Demande acceptée"))).to_be_visible()
    log_out(page)

    # The agent files into round 4, then re-submits the round-1 dossier not selected.
    log_in(page, NEWCOMER_LOGIN, f"/appels/{round_4.slug}/")
    page.get_by_role("link", name="Déposer un dossier").click()
    page.locator('input[name="title"]').fill(NEW_TITLE)
    page.get_by_role("button", name="Créer le dossier").click()
    expect(heading(page, NEW_TITLE)).to_be_visible()
    page.goto(not_selected.get_absolute_url())
    page.get_by_role("button", name=f"Redéposer dans l’appel « {round_4.title} »").click()
    expect(page.locator("#rounds")).to_contain_text(
        f"Déjà déposé à l’appel « {round_1.title} » : non retenu."
    )
    assert Dossier.objects.filter(call=round_4, administration__name=SECRETARIAT).count() == 2

    # A third dossier is one too many: refused, with the reason.
    page.goto(f"/appels/{round_4.slug}/")
    page.get_by_role("link", name="Déposer un dossier").click()
    page.locator('input[name="title"]').fill("Un projet de trop")
    page.get_by_role("button", name="Créer le dossier").click()
    expect(
        page.get_by_text(re.compile("Cet appel accepte au plus 2 dossiers par administration"))
    ).to_be_visible()
    assert not Dossier.objects.filter(title="Un projet de trop").exists()
    log_out(page)

    # The instructor registers a dossier received by email from another administration.
    original_file = tmp_path / "dossier-recu-par-courriel.pdf"
    original_file.write_bytes(PDF_BYTES)
    log_in(page, STAFF_LOGIN, f"/instruction/appels/{round_4.slug}/")
    page.get_by_role("link", name="Enregistrer un dossier reçu hors plateforme").click()
    fill_outside_registration(
        page,
        received_at=f"{opens.isoformat()}T10:15",
        title="Registre des carrières",
        subtitle="Les carrières consultables par les caisses",
        text="Décrit dans le dossier reçu.",
        total="90 000",
        requested="45 000",
    )
    page.locator("#id_original-file").set_input_files(str(original_file))
    page.get_by_role("button", name="Enregistrer le dossier").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("enregistré pour")
    expect(page.locator("#registered-outside")).to_contain_text("par courriel")
    registered = Dossier.objects.get(call=round_4, title="Registre des carrières")
    assert registered.state == DossierState.SUBMITTED and registered.registered_by is not None
    # No step went through the Django admin.
    assert requested and not [url for url in requested if "/admin/" in url]

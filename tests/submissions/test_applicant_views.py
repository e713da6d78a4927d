"""Applicant screens, driven through their URLs as an agent of an administration would."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relance import audit
from relance.models import OutgoingEmail
from submissions import correspondence, workflow
from submissions import preselection as preselection_workflow
from submissions.models import (
    Attachment,
    BudgetLine,
    Dossier,
    DossierMessage,
    DossierState,
    PreselectionDecision,
)
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    ContinuousCallFactory,
    DossierFactory,
    MembershipFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)
from tests.relance.dom import parse
from tests.submissions.sample_files import PDF_BYTES, PNG_BYTES, docx_bytes, upload

pytestmark = pytest.mark.django_db

S = DossierState


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def call():
    return CallFactory(title="Appel à projets n° 1 — données", slug="donnees-1")


@pytest.fixture
def category(call):
    return CategoryFactory(call=call, name="Pilotage par la donnée")


@pytest.fixture
def administration():
    return AdministrationFactory(name="Direction des données de test", kind="central")


@pytest.fixture
def agent(administration):
    return agent_of(administration, first_name="Camille", last_name="Durand")


@pytest.fixture
def applicant(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def dossier(call, category, administration, agent):
    return DossierFactory(
        call=call, category=category, administration=administration, created_by=agent
    )


def text(response) -> str:
    return response.content.decode()


def url(name, dossier, **kwargs):
    return reverse(f"submissions:{name}", kwargs={"pk": dossier.pk, **kwargs})


def edit_url(dossier, section):
    return url("dossier_edit", dossier, section=section)


def fresh(dossier) -> Dossier:
    return Dossier.objects.get(pk=dossier.pk)


def actions_of(dossier):
    return [entry.action for entry in audit.history(dossier)]


class FormValues(HTMLParser):
    """What a browser would send for the page's POST form (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.data = {}
        self._in_form = False
        self._select = None
        self._select_first = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            if self._select_first is None:
                self._select_first = attrs.get("value", "")
            if "selected" in attrs:
                self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            self.data.setdefault(self._select, self._select_first or "")
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += (
                data.lstrip("\n") if not self.data[self._textarea] else data
            )


def form_values(response) -> dict:
    parser = FormValues()
    parser.feed(text(response))
    return parser.data


def close_call(call):
    call.opens_at = timezone.now() - timedelta(days=30)
    call.closes_at = timezone.now() - timedelta(minutes=1)
    call.save()


# « Mes dossiers » ---------------------------------------------------------------------


def test_my_dossiers_lists_the_dossiers_of_all_my_administrations(applicant, agent, dossier):
    second = AdministrationFactory(name="Opérateur de test", kind="operator")
    MembershipFactory(user=agent, administration=second)
    other_call = CallFactory(title="Guichet de test", slug="guichet-test")
    mine_elsewhere = DossierFactory(
        call=other_call, administration=second, title="Projet de l’opérateur"
    )
    foreign = DossierFactory(call=dossier.call, title="Projet d’une autre direction")

    page = text(applicant.get(reverse("submissions:dossier_list")))

    for item in (dossier, mine_elsewhere):
        assert item.reference in page
        assert item.title in page
        assert item.get_absolute_url() in page
    assert "Direction des données de test" in page
    assert "Opérateur de test" in page
    # Grouped by call.
    assert "Appel à projets n° 1 — données" in page
    assert "Guichet de test" in page
    assert foreign.title not in page
    assert "Brouillon" in page
    assert "Compléter puis déposer avant le" in page


def test_my_dossiers_can_be_filtered_by_call(applicant, agent, dossier, administration):
    other_call = CallFactory(title="Guichet de test", slug="guichet-test")
    other = DossierFactory(call=other_call, administration=administration, title="Autre projet")

    page = text(applicant.get(reverse("submissions:dossier_list"), {"appel": "guichet-test"}))

    assert other.title in page
    assert dossier.title not in page


def test_my_dossiers_never_shows_an_unpublished_decision(applicant, dossier, staff):
    Dossier.objects.filter(pk=dossier.pk).update(state=S.SUBMITTED, submitted_at=timezone.now())
    preselection_workflow.record_preselection(
        staff, dossier, decision=PreselectionDecision.NOT_PRESELECTED, reason="Hors sujet"
    )

    page = text(applicant.get(reverse("submissions:dossier_list")))

    assert "Déposé" in page
    assert "Non présélectionné" not in page
    assert "Hors sujet" not in page


def test_my_dossiers_offers_the_open_calls(applicant, dossier, call):
    page = text(applicant.get(reverse("submissions:dossier_list")))
    assert reverse("submissions:dossier_create", kwargs={"call_slug": call.slug}) in page


def _list_queries(client, count, call, administration, category):
    DossierFactory.create_batch(
        count - Dossier.objects.count(),
        call=call,
        administration=administration,
        category=category,
    )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("submissions:dossier_list"))
    assert response.status_code == 200
    assert text(response).count('class="fr-badge') >= count
    return len(queries)


def test_my_dossiers_runs_a_constant_number_of_queries(applicant, call, administration, category):
    at_5 = _list_queries(applicant, 5, call, administration, category)
    at_200 = _list_queries(applicant, 200, call, administration, category)
    assert at_5 == at_200, (at_5, at_200)
    # Session, user, dossiers, calls, administrations, open calls, two menu entries.
    assert at_200 <= 8


# Starting a dossier ---------------------------------------------------------------------


def test_create_offers_only_eligible_administrations_and_a_token(applicant, agent, call):
    MembershipFactory(
        user=agent,
        administration=AdministrationFactory(name="Commune de test", kind="local_authority"),
    )
    page = text(applicant.get(reverse("submissions:dossier_create", args=[call.slug])))

    assert "Direction des données de test" in page
    assert "Commune de test" not in page
    assert 'name="token"' in page
    assert 'type="hidden"' in page


def test_create_makes_one_dossier_even_on_a_double_click(applicant, agent, call, administration):
    create_url = reverse("submissions:dossier_create", args=[call.slug])
    form = applicant.get(create_url).context["form"]
    token = form.initial["token"]
    data = {"administration": administration.pk, "title": "Tableau de bord", "token": token}

    first = applicant.post(create_url, data)
    second = applicant.post(create_url, data)

    dossier = Dossier.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == dossier.get_absolute_url()
    assert dossier.title == "Tableau de bord"
    assert dossier.administration == administration
    assert dossier.created_by == agent
    assert dossier.state == S.DRAFT
    page = text(applicant.get(dossier.get_absolute_url()))
    assert dossier.reference in page


def test_create_explains_why_no_administration_is_eligible(client, call):
    call.ineligible_note = "Les collectivités peuvent candidater au fonds « Territoires »."
    call.save()
    mayor = agent_of(AdministrationFactory(name="Commune de test", kind="local_authority"))
    client.force_login(mayor)
    create_url = reverse("submissions:dossier_create", args=[call.slug])

    page = text(client.get(create_url))
    assert "n’est pas éligible" in page
    assert "Les collectivités peuvent candidater au fonds « Territoires »." in page
    assert 'name="title"' not in page

    response = client.post(
        create_url,
        {
            "administration": mayor.administrations.get().pk,
            "title": "Projet",
            "token": "a3e1b7a4-2f41-4cf6-9a8e-6c3a8d1f5b2e",
        },
    )
    assert response.status_code == 403
    assert not Dossier.objects.exists()


def test_create_is_refused_on_a_closed_call(applicant, administration):
    closed = CallFactory(
        opens_at=timezone.now() - timedelta(days=30), closes_at=timezone.now() - timedelta(days=1)
    )
    create_url = reverse("submissions:dossier_create", args=[closed.slug])
    assert "Cet appel n’est pas ouvert" in text(applicant.get(create_url))
    response = applicant.post(
        create_url,
        {
            "administration": administration.pk,
            "title": "Trop tard",
            "token": "0b4c8f5e-3f7a-4d0e-8a35-2a9d5b1c7e44",
        },
    )
    assert response.status_code == 403
    assert not Dossier.objects.exists()


# The dossier page ------------------------------------------------------------------------


def test_detail_shows_the_sections_with_edit_links_and_actions(applicant, dossier):
    page = text(applicant.get(dossier.get_absolute_url()))

    assert dossier.title in page
    assert "Direction des données de test" in page
    for section in ("projet", "benefices", "budget", "contact"):
        assert edit_url(dossier, section) in page
    assert "Gains pour l’administration." in page
    assert "150\xa0000,00\xa0€" in page
    assert url("dossier_submit", dossier) in page
    assert url("dossier_withdraw", dossier) in page
    assert "Brouillon" in page


def test_detail_shows_staff_messages(applicant, dossier, staff):
    Dossier.objects.filter(pk=dossier.pk).update(state=S.SUBMITTED, submitted_at=timezone.now())
    workflow.request_additions(staff, dossier, message="Joignez le devis du prestataire.")
    correspondence.send_message(staff, dossier, body="L’audition aura lieu en mars.")

    page = text(applicant.get(dossier.get_absolute_url()))

    assert "Joignez le devis du prestataire." in page
    assert "L’audition aura lieu en mars." in page
    assert "Demande de compléments" in page
    assert "À compléter" in page
    assert url("dossier_complete", dossier) in page


def test_detail_shows_the_decision_only_once_published(applicant, dossier, staff, call):
    Dossier.objects.filter(pk=dossier.pk).update(state=S.SUBMITTED, submitted_at=timezone.now())
    preselection_workflow.record_preselection(
        staff,
        dossier,
        decision=PreselectionDecision.PRESELECTED,
        reason="Projet très réutilisable.",
    )

    page = text(applicant.get(dossier.get_absolute_url()))
    assert "Projet très réutilisable." not in page
    assert "Présélectionné" not in page
    assert "Décision de présélection" not in page

    close_call(call)
    preselection_workflow.publish_preselection(staff, call)

    page = text(applicant.get(dossier.get_absolute_url()))
    assert "Décision de présélection" in page
    assert "Présélectionné" in page
    assert "Projet très réutilisable." in page


def test_detail_shows_the_acknowledgement_in_paris_time(applicant, dossier):
    Dossier.objects.filter(pk=dossier.pk).update(
        state=S.SUBMITTED, submitted_at=datetime(2021, 3, 3, 13, 5, tzinfo=UTC)
    )
    page = text(applicant.get(dossier.get_absolute_url()))
    assert "déposé le 3 mars 2021 à 14:05 (heure de Paris)" in page
    assert url("dossier_acknowledgement", dossier) in page


# Editing ---------------------------------------------------------------------------------


def test_edit_form_uses_the_dossier_version_and_the_call_categories(applicant, dossier):
    CategoryFactory(name="Catégorie d’un autre appel")
    response = applicant.get(edit_url(dossier, "projet"))
    page = text(response)
    assert response.context["form"]["version"].value() == dossier.version
    assert 'name="version"' in page
    assert "Pilotage par la donnée" in page
    assert "Catégorie d’un autre appel" not in page


def test_save_as_draft_keeps_a_partially_filled_dossier(applicant, call, administration, agent):
    dossier, _ = workflow.create_dossier(agent, call, administration, title="Brouillon")
    response = applicant.post(
        edit_url(dossier, "projet"),
        {
            "version": dossier.version,
            "title": "Entrepôt de données RH",
            "subtitle": "",
            "category": "",
            "summary": "Un premier jet.",
            "description": "",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{dossier.get_absolute_url()}#section-projet"
    saved = fresh(dossier)
    assert saved.title == "Entrepôt de données RH"
    assert saved.summary == "Un premier jet."
    assert saved.state == S.DRAFT
    assert saved.version == dossier.version + 1
    assert "edit" in actions_of(dossier)
    follow = text(applicant.get(dossier.get_absolute_url()))
    assert "Section « Projet » enregistrée." in follow
    assert "Non renseigné" in follow


@pytest.mark.parametrize("section", ["projet", "benefices", "budget", "contact"])
def test_each_section_saves_back_what_the_page_shows(applicant, dossier, section):
    BudgetLine.objects.create(dossier=dossier, label="Prestation", nature="services", amount=10)
    data = form_values(applicant.get(edit_url(dossier, section)))
    assert data["version"] == str(dossier.version)

    response = applicant.post(edit_url(dossier, section), data)

    assert response.status_code == 302, response.context and response.context["form"].errors
    saved = fresh(dossier)
    for name in ("title", "summary", "benefits_self", "total_budget", "contact_email"):
        assert getattr(saved, name) == getattr(dossier, name)
    assert list(saved.budget_lines.values_list("label", "amount")) == [
        ("Prestation", Decimal("10.00"))
    ]


def test_edit_refuses_a_category_of_another_call(applicant, dossier):
    foreign = CategoryFactory(name="Catégorie d’un autre appel")
    response = applicant.post(
        edit_url(dossier, "projet"),
        {"version": dossier.version, "title": dossier.title, "category": foreign.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["category"]
    assert fresh(dossier).category_id == dossier.category_id


def test_benefits_section_is_saved(applicant, dossier):
    response = applicant.post(
        edit_url(dossier, "benefices"),
        {
            "version": dossier.version,
            "benefits_self": "Moins de saisies.",
            "benefits_others": "Code ouvert réutilisable.",
            "technical_approach": "API REST.",
            "sustainability": "Budget de fonctionnement.",
            "timeline": "Douze mois.",
        },
    )
    assert response.status_code == 302
    saved = fresh(dossier)
    assert saved.benefits_others == "Code ouvert réutilisable."
    assert saved.timeline == "Douze mois."


def test_contact_section_rejects_a_bad_email_next_to_the_field(applicant, dossier):
    response = applicant.post(
        edit_url(dossier, "contact"),
        {"version": dossier.version, "contact_name": "Ana", "contact_email": "pas-un-courriel"},
    )
    assert response.status_code == 200
    assert "contact_email" in response.context["form"].errors
    assert "pas-un-courriel" in text(response)
    assert fresh(dossier).contact_email == dossier.contact_email


def _budget_data(dossier, total, requested, lines=()):
    data = {
        "version": dossier.version,
        "total_budget": total,
        "requested_amount": requested,
        "lignes-TOTAL_FORMS": str(max(len(lines), 1)),
        "lignes-INITIAL_FORMS": "0",
        "lignes-MIN_NUM_FORMS": "0",
        "lignes-MAX_NUM_FORMS": "1000",
    }
    for index, (label, nature, amount) in enumerate(lines):
        data[f"lignes-{index}-label"] = label
        data[f"lignes-{index}-nature"] = nature
        data[f"lignes-{index}-amount"] = amount
    return data


@pytest.fixture
def window_dossier(administration, agent):
    window = ContinuousCallFactory(title="Guichet en continu", slug="guichet")
    return DossierFactory(
        call=window,
        administration=administration,
        category=CategoryFactory(call=window),
        created_by=agent,
        total_budget=Decimal("200000.00"),
        requested_amount=Decimal("50000.00"),
    )


@pytest.mark.parametrize("typed", ["99 999,99", "99999.99", "99\u202f999,99", "99\xa0999,99"])
def test_budget_accepts_french_and_dotted_amounts(applicant, window_dossier, typed):
    response = applicant.post(
        edit_url(window_dossier, "budget"), _budget_data(window_dossier, "150 000", typed)
    )
    assert response.status_code == 302
    saved = fresh(window_dossier)
    assert saved.requested_amount == Decimal("99999.99")
    assert saved.total_budget == Decimal("150000")


def test_budget_shows_the_ceiling_and_refuses_100000(applicant, window_dossier):
    page = text(applicant.get(edit_url(window_dossier, "budget")))
    assert "strictement inférieur à 100\xa0000,00\xa0€" in page
    # Amounts are shown the French way in the form.
    assert 'value="50000,00"' in page

    response = applicant.post(
        edit_url(window_dossier, "budget"),
        _budget_data(window_dossier, "150 000,00", "100 000,00"),
    )
    assert response.status_code == 200
    assert "requested_amount" in response.context["form"].errors
    assert "100 000,00" in text(response)
    assert fresh(window_dossier).requested_amount == Decimal("50000.00")


def test_budget_refuses_more_than_the_total(applicant, dossier):
    response = applicant.post(edit_url(dossier, "budget"), _budget_data(dossier, "1000", "2000"))
    assert response.status_code == 200
    assert "dépasse le budget total" in text(response)


def test_budget_lines_are_replaced_through_the_formset(applicant, dossier):
    response = applicant.post(
        edit_url(dossier, "budget"),
        _budget_data(
            dossier,
            "150 000,00",
            "75 000,00",
            [
                ("Prestation de développement", "services", "90 000,00"),
                ("Serveurs", "hardware", ""),
            ],
        ),
    )
    # The second line has no amount: nothing is saved, the error is next to the field.
    assert response.status_code == 200
    assert response.context["formset"].errors[1]["amount"]
    assert not BudgetLine.objects.exists()

    data = _budget_data(
        dossier,
        "150 000,00",
        "75 000,00",
        [
            ("Prestation de développement", "services", "90 000,00"),
            ("Serveurs", "hardware", "60000.00"),
            # The blank extra lines the page offers are sent empty and left out.
            ("", "", ""),
            ("", "", ""),
        ],
    )
    assert applicant.post(edit_url(dossier, "budget"), data).status_code == 302
    lines = list(fresh(dossier).budget_lines.values_list("label", "nature", "amount"))
    assert lines == [
        ("Prestation de développement", "services", Decimal("90000.00")),
        ("Serveurs", "hardware", Decimal("60000.00")),
    ]

    page = text(applicant.get(edit_url(dossier, "budget")))
    assert "Prestation de développement" in page
    assert 'value="90000,00"' in page

    # Deleting a line through the formset.
    data = _budget_data(
        fresh(dossier),
        "150 000,00",
        "75 000,00",
        [
            ("Prestation de développement", "services", "90 000,00"),
            ("Serveurs", "hardware", "60000.00"),
        ],
    )
    data["lignes-INITIAL_FORMS"] = "2"
    data["lignes-1-DELETE"] = "on"
    assert applicant.post(edit_url(dossier, "budget"), data).status_code == 302
    assert list(fresh(dossier).budget_lines.values_list("label", flat=True)) == [
        "Prestation de développement"
    ]


def test_a_stale_form_is_refused_and_keeps_what_was_typed(applicant, dossier, agent):
    opened_version = dossier.version
    # Someone else (another tab, another agent) saves in between.
    workflow.update_dossier(agent, dossier, {"summary": "Version de l’autre onglet"}, version=1)

    response = applicant.post(
        edit_url(dossier, "projet"),
        {
            "version": opened_version,
            "title": "Mon titre tapé",
            "summary": "Mon résumé tapé avec soin",
        },
    )

    assert response.status_code == 200
    page = text(response)
    assert "a été modifié entre-temps" in page
    assert "Mon résumé tapé avec soin" in page
    assert "Mon titre tapé" in page
    saved = fresh(dossier)
    assert saved.summary == "Version de l’autre onglet"
    assert saved.title == dossier.title


def test_amending_a_submitted_dossier_before_the_deadline_is_audited(applicant, dossier, agent):
    workflow.submit(agent, dossier)
    submitted = fresh(dossier)

    response = applicant.post(
        edit_url(dossier, "benefices"),
        {
            "version": submitted.version,
            "benefits_self": "Gains revus après dépôt.",
            "benefits_others": submitted.benefits_others,
            "technical_approach": submitted.technical_approach,
            "sustainability": submitted.sustainability,
            "timeline": submitted.timeline,
        },
    )

    assert response.status_code == 302
    assert fresh(dossier).state == S.SUBMITTED
    amend = next(e for e in audit.history(dossier) if e.action == "amend")
    assert amend.actor == agent
    assert amend.data["fields"]["benefits_self"]["new"] == "Gains revus après dépôt."


def test_a_submitted_dossier_is_no_longer_editable_after_the_deadline(applicant, dossier, agent):
    workflow.submit(agent, dossier)
    close_call(dossier.call)
    submitted = fresh(dossier)

    response = applicant.get(edit_url(dossier, "projet"))
    assert response.status_code == 302
    assert response["Location"] == dossier.get_absolute_url()

    response = applicant.post(
        edit_url(dossier, "projet"),
        {"version": submitted.version, "title": "Titre après clôture"},
    )
    assert response.status_code == 200
    page = text(response)
    assert "L’appel est clos" in page
    assert "Titre après clôture" in page
    assert fresh(dossier).title == dossier.title


def test_an_unknown_section_is_not_found(applicant, dossier):
    assert applicant.get(edit_url(dossier, "inconnue")).status_code == 404


# The sections as steps -----------------------------------------------------------------


def _statuses(page) -> dict[str, str]:
    """Each section's link text in the sections' navigation → its badge."""
    nav = page.one("nav", aria_label="Sections du dossier")
    return {
        item.one("a").text(): item.one(cls="fr-badge").text()
        for item in nav.find_all("li", cls="relance-sections__item")
    }


def test_each_section_page_shows_the_step_and_each_section_status(
    applicant, call, administration, agent
):
    dossier, _ = workflow.create_dossier(agent, call, administration, title="Brouillon")
    page = parse(applicant.get(edit_url(dossier, "benefices")).content)

    stepper = page.one(cls="fr-stepper")
    assert stepper.one("h1", cls="fr-stepper__title").text() == (
        "Bénéfices et approche Étape 2 sur 4"
    )
    steps = stepper.one(cls="fr-stepper__steps")
    assert (steps.get("data-fr-current-step"), steps.get("data-fr-steps")) == ("2", "4")
    assert stepper.one(cls="fr-stepper__details").text() == "Étape suivante : Budget"
    current = page.one("nav", aria_label="Sections du dossier").one("a", aria_current="step")
    assert current.text() == "2. Bénéfices et approche"
    assert _statuses(page) == {
        "1. Projet": "À compléter",
        "2. Bénéfices et approche": "À compléter",
        "3. Budget": "À compléter",
        # Filled in from the agent's account when the dossier was created.
        "4. Contact": "Complète",
    }
    # The last step names no next one.
    last = parse(applicant.get(edit_url(dossier, "contact")).content)
    assert last.one(cls="fr-stepper__title").text() == "Contact Étape 4 sur 4"
    assert last.find(cls="fr-stepper__details") is None


def test_section_statuses_follow_the_submit_page_rules(applicant, dossier):
    page = parse(applicant.get(edit_url(dossier, "projet")).content)
    assert set(_statuses(page).values()) == {"Complète"}

    # The phone number is optional; the summary and the requested amount are not.
    Dossier.objects.filter(pk=dossier.pk).update(
        summary="", requested_amount=None, contact_phone=""
    )
    page = parse(applicant.get(edit_url(dossier, "contact")).content)
    assert _statuses(page) == {
        "1. Projet": "À compléter",
        "2. Bénéfices et approche": "Complète",
        "3. Budget": "À compléter",
        "4. Contact": "Complète",
    }
    submit = parse(applicant.get(url("dossier_submit", dossier)).content)
    headings = [h.text() for h in submit.one(id="problems").find_all("h3")]
    assert headings == ["Étape 1 : Projet", "Étape 3 : Budget"]


def test_save_and_next_goes_to_the_following_section(applicant, dossier):
    data = form_values(applicant.get(edit_url(dossier, "projet")))
    data["summary"] = "Résumé revu."
    data["suivante"] = "1"
    response = applicant.post(edit_url(dossier, "projet"), data)
    assert response.status_code == 302
    assert response["Location"] == edit_url(dossier, "benefices")
    assert fresh(dossier).summary == "Résumé revu."

    # After the last section, a draft is checked on the submit page.
    page = applicant.get(edit_url(dossier, "contact"))
    assert "Enregistrer et vérifier le dossier" in text(page)
    data = form_values(page)
    data["suivante"] = "1"
    response = applicant.post(edit_url(dossier, "contact"), data)
    assert response["Location"] == url("dossier_submit", dossier)

    # Without it, « Enregistrer » leads back to the dossier, as before.
    data = form_values(applicant.get(edit_url(dossier, "benefices")))
    response = applicant.post(edit_url(dossier, "benefices"), data)
    assert response["Location"] == f"{dossier.get_absolute_url()}#section-benefices"


def test_save_and_next_of_a_submitted_dossier_ends_on_the_dossier(applicant, dossier, agent):
    workflow.submit(agent, dossier)
    page = applicant.get(edit_url(dossier, "contact"))
    assert "Enregistrer et revenir au dossier" in text(page)
    data = form_values(page)
    data["suivante"] = "1"
    response = applicant.post(edit_url(dossier, "contact"), data)
    assert response["Location"] == dossier.get_absolute_url()


def test_an_invalid_save_and_next_stays_on_the_section_with_what_was_typed(applicant, dossier):
    data = form_values(applicant.get(edit_url(dossier, "contact")))
    data.update(contact_email="pas-un-courriel", contact_name="Ana Typée", suivante="1")
    response = applicant.post(edit_url(dossier, "contact"), data)
    assert response.status_code == 200
    assert "Ana Typée" in text(response)
    assert "pas-un-courriel" in text(response)


def test_submit_page_links_each_missing_field_to_its_section(
    applicant, call, administration, agent
):
    dossier, _ = workflow.create_dossier(agent, call, administration, title="À peine commencé")
    page = parse(applicant.get(url("dossier_submit", dossier)).content)
    problems = page.one(id="problems")
    links = {a.text(): a.get("href") for a in problems.find_all("a") if "#id_" in a.get("href", "")}
    assert links["Résumé"] == f"{edit_url(dossier, 'projet')}#id_summary"
    assert links["Catégorie"] == f"{edit_url(dossier, 'projet')}#id_category"
    assert links["Budget total du projet (€)"] == f"{edit_url(dossier, 'budget')}#id_total_budget"
    assert links["Calendrier"] == f"{edit_url(dossier, 'benefices')}#id_timeline"
    # The title and the contact are filled in at creation, the phone is optional.
    assert not any(href.startswith(edit_url(dossier, "contact")) for href in links.values())
    assert "Titre du projet" not in links
    assert len(links) == len(dossier.missing_fields())
    # Every link lands on a field of its section page.
    for href in links.values():
        path, field_id = href.split("#")
        assert parse(applicant.get(path).content).by_id(field_id) is not None, href


def test_submit_page_lists_the_other_problems_after_the_missing_fields(applicant, dossier):
    Dossier.objects.filter(pk=dossier.pk).update(summary="")
    dossier.call.amount_ceiling = Decimal("50000")
    dossier.call.save()
    problems = parse(applicant.get(url("dossier_submit", dossier)).content).one(id="problems")
    assert problems.find("a", href=f"{edit_url(dossier, 'projet')}#id_summary")
    assert "strictement inférieur à 50 000,00 €" in problems.text()


def test_blank_budget_lines_have_no_required_marker_nor_delete(applicant, dossier):
    BudgetLine.objects.create(dossier=dossier, label="Prestation", nature="services", amount=12000)
    BudgetLine.objects.create(dossier=dossier, label="Serveurs", nature="hardware", amount=345)
    page = parse(applicant.get(edit_url(dossier, "budget")).content)
    container = page.one(data_relance_budget_lines=True)
    lines = container.find_all(data_relance_budget_line=True)
    assert len(lines) == 4  # two saved, two blank
    saved, blank = lines[:2], lines[2:]
    for line in saved:
        assert line.find(cls="relance-required") is not None
        assert line.find("input", type="checkbox", name=True) is not None
    for line in blank:
        assert line.find(cls="relance-required") is None
        assert line.find("input", type="checkbox") is None
    # The copy the script clones is blank too, numbered by the script.
    template = page.one("template")
    assert template.find(cls="relance-required") is None
    assert template.find("input", type="checkbox") is None
    assert template.find("input", name="lignes-__prefix__-amount") is not None
    assert page.one(id="budget-lines-total").text() == "Total : 12 345 €"
    assert page.one("button", data_relance_add_line=True).text() == "Ajouter une ligne"


def test_budget_lines_added_in_the_page_are_saved(applicant, dossier):
    # The script adds lines 3 and 4 to the two blank ones and raises TOTAL_FORMS.
    data = _budget_data(
        dossier,
        "150 000,00",
        "75 000,00",
        [
            ("", "", ""),
            ("", "", ""),
            ("Prestation", "services", "12 000"),
            ("Serveurs", "hardware", "345,50"),
        ],
    )
    response = applicant.post(edit_url(dossier, "budget"), data)
    assert response.status_code == 302
    assert list(fresh(dossier).budget_lines.values_list("label", "amount")) == [
        ("Prestation", Decimal("12000.00")),
        ("Serveurs", Decimal("345.50")),
    ]


def test_a_half_filled_budget_line_asks_for_the_rest(applicant, dossier):
    data = _budget_data(
        dossier, "150 000,00", "75 000,00", [("Serveurs", "", ""), ("", "", "1 000")]
    )
    response = applicant.post(edit_url(dossier, "budget"), data)
    assert response.status_code == 200
    errors = response.context["formset"].errors
    assert set(errors[0]) == {"nature", "amount"}
    assert set(errors[1]) == {"label", "nature"}
    assert not BudgetLine.objects.exists()
    # What was typed is shown again, and counted in the total.
    page = parse(response.content)
    assert page.one("input", name="lignes-0-label").get("value") == "Serveurs"
    assert page.one(id="budget-lines-total").text() == "Total : 1 000 €"


# Attachments ---------------------------------------------------------------------------


def test_upload_download_and_delete_an_attachment(applicant, dossier, agent):
    pieces = url("dossier_attachments", dossier)
    page = text(applicant.get(pieces))
    assert "Formats acceptés : PDF, ODT, DOCX, ODS, XLSX. Taille maximale : 10 Mo." in page

    response = applicant.post(
        pieces, {"file": upload("Devis prestataire.docx", docx_bytes()), "description": "Devis"}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "Devis prestataire.docx"
    assert attachment.content_type.endswith("wordprocessingml.document")
    assert attachment.size == len(docx_bytes())
    assert attachment.uploaded_by == agent
    assert "attach" in actions_of(dossier)
    # Stored under a random name, never the uploaded one.
    assert "Devis" not in attachment.file.name

    page = text(applicant.get(pieces))
    assert "Pièce « Devis prestataire.docx » ajoutée." in page
    download = url("attachment_download", dossier, attachment_pk=attachment.pk)
    assert download in page

    response = applicant.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == docx_bytes()
    assert response["Content-Type"] == attachment.content_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Devis" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"

    delete = url("attachment_delete", dossier, attachment_pk=attachment.pk)
    assert applicant.get(delete).status_code == 405
    assert Attachment.objects.exists()
    assert applicant.post(delete).status_code == 302
    assert not Attachment.objects.exists()
    assert "detach" in actions_of(dossier)


def test_a_disguised_file_is_refused_with_a_clear_message(applicant, dossier):
    response = applicant.post(
        url("dossier_attachments", dossier),
        {"file": upload("rapport.pdf", PNG_BYTES, "application/pdf"), "description": ""},
    )
    assert response.status_code == 200
    assert "Ce fichier n’est pas un PDF valide même si son nom se termine par .pdf" in text(
        response
    )
    assert not Attachment.objects.exists()


def test_an_empty_file_is_refused(applicant, dossier):
    response = applicant.post(
        url("dossier_attachments", dossier), {"file": upload("vide.pdf", b"")}
    )
    assert "Le fichier est vide." in text(response)
    assert not Attachment.objects.exists()


def test_attachments_are_read_only_once_the_call_is_closed(applicant, dossier, agent):
    workflow.add_attachment(
        agent,
        dossier,
        file=ContentFile(PDF_BYTES),
        original_name="note.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    workflow.submit(agent, dossier)
    close_call(dossier.call)
    attachment = Attachment.objects.get()

    page = text(applicant.get(url("dossier_attachments", dossier)))
    assert "ne peut plus recevoir de pièces" in page
    assert 'type="file"' not in page

    response = applicant.post(url("attachment_delete", dossier, attachment_pk=attachment.pk))
    assert response.status_code == 302
    assert Attachment.objects.exists()
    response = applicant.post(
        url("dossier_attachments", dossier), {"file": upload("tard.pdf", PDF_BYTES)}
    )
    assert "L’appel est clos" in text(response)
    assert Attachment.objects.count() == 1


# Submission -------------------------------------------------------------------------------


def test_submit_page_lists_the_remaining_problems(applicant, call, administration, agent):
    dossier, _ = workflow.create_dossier(agent, call, administration, title="À peine commencé")
    response = applicant.get(url("dossier_submit", dossier))
    page = text(response)
    assert "Avant de déposer, corrigez" in page
    assert "Champs à remplir" in page
    assert "Résumé" in page
    assert "disabled" in page

    response = applicant.post(url("dossier_submit", dossier))
    assert response.status_code == 200
    assert "Le dossier n’a pas été déposé" in text(response)
    assert fresh(dossier).state == S.DRAFT


def test_submit_shows_a_summary_then_an_acknowledgement(applicant, dossier, agent):
    page = text(applicant.get(url("dossier_submit", dossier)))
    assert "Votre dossier est prêt à être déposé" in page
    assert "Récapitulatif" in page
    assert "Gains pour les autres administrations." in page

    response = applicant.post(url("dossier_submit", dossier))

    assert response.status_code == 302
    assert response["Location"] == url("dossier_acknowledgement", dossier)
    saved = fresh(dossier)
    assert saved.state == S.SUBMITTED
    assert saved.submitted_at is not None
    page = text(applicant.get(response["Location"]))
    local = timezone.localtime(saved.submitted_at)
    assert saved.reference in page
    assert f"{local:%H:%M}" in page
    assert "(heure de Paris)" in page
    assert agent.email in page
    assert "Un accusé de réception a été envoyé par courriel" in page
    email = OutgoingEmail.objects.get(topic="acknowledgement")
    assert agent.email in email.to


def test_a_submit_checks_the_membership_once_under_the_lock_and_updates_the_row_once(
    applicant, dossier
):
    applicant.get(url("dossier_submit", dossier))
    with CaptureQueriesContext(connection) as ctx:
        response = applicant.post(url("dossier_submit", dossier))

    assert response.status_code == 302
    sql = [query["sql"] for query in ctx.captured_queries]
    # The view's check (404 for anyone else), then the workflow's, once, under the lock.
    assert sum('FROM "submissions_membership"' in q and "LIMIT 1" in q for q in sql) == 2
    assert sum(q.startswith('UPDATE "submissions_dossier"') for q in sql) == 1
    # The category is read with the locked row, not on its own.
    assert not any(q.startswith('SELECT "calls_category"') for q in sql)
    saved = fresh(dossier)
    assert saved.state == S.SUBMITTED
    # One moment: the submission, the row's update and the audit entry.
    assert saved.submitted_at == saved.updated_at
    assert audit.history(saved).get(action="submit").at == saved.submitted_at


def test_a_double_submit_makes_one_transition(applicant, dossier):
    first = applicant.post(url("dossier_submit", dossier))
    second = applicant.post(url("dossier_submit", dossier), follow=True)

    assert first.status_code == 302
    assert "Ce dossier a déjà été déposé." in text(second)
    assert actions_of(dossier).count("submit") == 1
    assert OutgoingEmail.objects.filter(topic="acknowledgement").count() == 1


def test_a_late_submit_is_refused_and_keeps_the_draft(applicant, dossier):
    close_call(dossier.call)
    before = fresh(dossier)

    response = applicant.post(url("dossier_submit", dossier))

    assert response.status_code == 200
    page = text(response)
    assert "L’appel est clos depuis le" in page
    assert "Votre brouillon est conservé tel quel." in page
    after = fresh(dossier)
    assert after.state == S.DRAFT
    assert after.version == before.version
    assert after.description == before.description
    assert after.submitted_at is None


def test_acknowledgement_page_needs_a_submitted_dossier(applicant, dossier):
    response = applicant.get(url("dossier_acknowledgement", dossier))
    assert response.status_code == 302
    assert response["Location"] == dossier.get_absolute_url()


# Completing, withdrawing -----------------------------------------------------------------------


def test_complete_shows_the_request_and_sends_the_reply(applicant, dossier, agent, staff):
    workflow.submit(agent, dossier)
    workflow.request_additions(staff, dossier, message="Précisez le calendrier.")

    page = text(applicant.get(url("dossier_complete", dossier)))
    assert "Précisez le calendrier." in page
    assert edit_url(dossier, "benefices") in page

    response = applicant.post(url("dossier_complete", dossier), {"reply": "Calendrier détaillé."})

    assert response.status_code == 302
    assert fresh(dossier).state == S.SUBMITTED
    reply = DossierMessage.objects.get(kind=DossierMessage.Kind.REPLY)
    assert reply.body == "Calendrier détaillé."
    assert reply.author == agent
    assert "complete" in actions_of(dossier)


def test_complete_is_only_for_an_incomplete_dossier(applicant, dossier):
    response = applicant.post(url("dossier_complete", dossier), {"reply": "?"})
    assert response.status_code == 302
    assert fresh(dossier).state == S.DRAFT
    assert not DossierMessage.objects.exists()


def test_withdraw_asks_for_confirmation_then_withdraws(applicant, dossier, agent):
    workflow.submit(agent, dossier)
    page = text(applicant.get(url("dossier_withdraw", dossier)))
    assert "Confirmer le retrait" in page
    assert fresh(dossier).state == S.SUBMITTED

    response = applicant.post(url("dossier_withdraw", dossier), {"reason": "Projet reporté."})

    assert response.status_code == 302
    assert fresh(dossier).state == S.WITHDRAWN
    entry = next(e for e in audit.history(dossier) if e.action == "withdraw")
    assert entry.reason == "Projet reporté."
    page = text(applicant.get(dossier.get_absolute_url()))
    assert "Retiré" in page
    assert url("dossier_withdraw", dossier) not in page
    assert edit_url(dossier, "projet") not in page


def test_withdraw_is_refused_after_a_published_decision(applicant, dossier, agent, staff):
    workflow.submit(agent, dossier)
    preselection_workflow.record_preselection(
        staff, dossier, decision=PreselectionDecision.NOT_PRESELECTED
    )
    close_call(dossier.call)
    preselection_workflow.publish_preselection(staff, dossier.call)

    response = applicant.post(url("dossier_withdraw", dossier), {"reason": "Trop tard"})

    assert response.status_code == 302
    assert fresh(dossier).state == S.NOT_PRESELECTED


# Navigation ------------------------------------------------------------------------------------


def test_the_menu_shows_my_dossiers_to_agents_only(client, agent):
    client.force_login(agent)
    assert "Mes dossiers" in text(client.get(reverse("home")))
    client.force_login(UserFactory())
    assert "Mes dossiers" not in text(client.get(reverse("home")))
    client.force_login(StaffFactory())
    assert "Mes dossiers" not in text(client.get(reverse("home")))


# Several administrations: the dossier creation asks which one -------------------------------------


def test_creation_asks_which_administration_when_there_are_several(applicant, agent, call):
    first = agent.administrations.get()
    second = AdministrationFactory(name="Zone de défense Ouest")
    MembershipFactory(user=agent, administration=second)
    create_url = reverse("submissions:dossier_create", args=[call.slug])

    page = applicant.get(create_url)
    select = parse(page.content).one("select", name="administration")
    options = [(o.get("value"), o.text().strip()) for o in select.find_all("option")]
    assert options == [
        ("", "— Choisir l’administration —"),
        (str(first.pk), first.name),
        (str(second.pk), second.name),
    ]
    # Nothing is chosen for the agent: only the empty choice is selected.
    assert [o.get("value") for o in select.find_all("option") if o.has("selected")] == [""]
    assert "plusieurs administrations" in text(page)

    token = str(uuid.uuid4())
    response = applicant.post(create_url, {"title": "Projet", "token": token})
    assert response.status_code == 200
    error = parse(response.content).by_id("id_administration_error")
    assert error.text().strip() == "Choisissez l’administration qui dépose le dossier."
    assert not Dossier.objects.exists()

    response = applicant.post(
        create_url, {"title": "Projet", "token": token, "administration": second.pk}
    )
    assert response.status_code == 302
    assert Dossier.objects.get().administration == second


def test_creation_offers_the_only_administration_without_asking(applicant, agent, call):
    page = applicant.get(reverse("submissions:dossier_create", args=[call.slug]))
    select = parse(page.content).one("select", name="administration")
    assert [o.get("value") for o in select.find_all("option")] == [
        str(agent.administrations.get().pk)
    ]

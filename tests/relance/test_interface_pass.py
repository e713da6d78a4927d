"""What users trip on, through the pages they use: error titles and focus targets, unique
button ids and names, controls that match the state, amounts and scores as French readers
write them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from jury.hearings import workflow as hearings
from jury.models import Award, ConflictOfInterest, Score
from relance.formatting import NBSP, paris_today
from tests.jury.factories import ConflictFactory, DeliberationFactory, EvaluationFactory
from tests.jury.hearing_data import create_session, hearing_setup
from tests.jury.jury_core_data import jury_with_dossiers
from tests.relance.dom import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def title(response) -> str:
    return parse(response.content).one("title").text()


# Errors ---------------------------------------------------------------------------------------


def test_a_refused_form_prefixes_the_title_and_marks_its_summary(staff_client):
    setup = hearing_setup(2)
    sessions_url = reverse("jury:hearing_sessions", kwargs={"call_slug": setup.jury.call.slug})
    assert not title(staff_client.get(sessions_url)).startswith("Erreur")
    response = staff_client.post(sessions_url, {"date": "pas une date", "starts_at": "25:00"})
    assert response.status_code in (200, 400)
    assert title(response).startswith("Erreur — ")
    # The summary is what the page's script focuses: it can take the focus.
    summary = parse(response.content).find_all(cls="fr-alert--error")[0]
    assert summary.has("data-relance-error-summary") and summary.get("tabindex") == "-1"


def test_a_refused_action_banner_prefixes_the_title_too(staff_client):
    setup = jury_with_dossiers(1)
    dossier = setup.dossiers[0]
    dossier_url = reverse(
        "jury:deliberation_dossier",
        kwargs={"call_slug": setup.jury.call.slug, "dossier_id": dossier.pk},
    )
    response = staff_client.post(
        dossier_url,
        {
            "action": "award",
            "award-decision": "laureate",
            "award-granted_amount": str(dossier.requested_amount + 10000),
        },
    )
    assert response.status_code == 400
    assert title(response).startswith("Erreur — ")
    page = response.content.decode()
    # Amounts as French readers write them: grouped, a no-break space before « € ».
    granted = dossier.requested_amount + 10000
    assert f"({int(granted):,} €)".replace(",", NBSP).replace(" €", f"{NBSP}€") in page
    assert ".00" not in parse(page).by_id("error-award").text()
    assert not Award.objects.exists()


def test_radio_options_of_a_group_in_error_point_at_its_error_text():
    class Choice(forms.Form):
        decision = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            from relance.forms import DsfrFormHelper

            self.helper = DsfrFormHelper(self, submit_label="Envoyer")

    template = Template("{% load crispy_forms_tags %}{% crispy form %}")
    html = template.render(Context({"form": Choice(data={})}))
    radios = parse(html).find_all("input", type="radio")
    assert len(radios) == 2
    assert {r.get("aria-describedby") for r in radios} == {"id_decision_error"}
    assert parse(html).by_id("id_decision_error") is not None
    clean = template.render(Context({"form": Choice()}))
    assert all(not r.has("aria-describedby") for r in parse(clean).find_all("input", type="radio"))


def test_lift_conflict_forms_have_their_own_ids_and_names_and_a_refusal_names_its_row(
    staff_client,
):
    setup = jury_with_dossiers(2)
    conflicts = [
        ConflictFactory(member=setup.member, dossier=setup.dossiers[0]),
        ConflictFactory(member=setup.other, dossier=setup.dossiers[1]),
    ]
    jury_url = reverse("jury:staff_jury", kwargs={"call_slug": setup.jury.call.slug})
    root = parse(staff_client.get(jury_url).content)
    buttons = [b for b in root.find_all("button") if b.text().startswith("Lever le conflit")]
    assert len(buttons) == 2
    ids = [b.get("id") for b in buttons]
    assert len(set(ids)) == 2 and all(ids)
    assert len(set(ids)) == len([n for n in root.iter() if n.id in ids])
    names = {b.get("aria-label") for b in buttons}
    assert names == {
        f"Lever le conflit — {c.member.public_name}, {c.dossier.reference}" for c in conflicts
    }

    second = conflicts[1]
    lift_url = reverse(
        "jury:staff_conflict_lift",
        kwargs={"call_slug": setup.jury.call.slug, "conflict_pk": second.pk},
    )
    response = staff_client.post(lift_url, {f"lift-{second.pk}-reason": "  "}, follow=True)
    page = response.content.decode()
    assert f"Conflit de {second.member.public_name} sur le dossier {second.dossier.reference}" in (
        page
    )
    assert all(c.is_active for c in ConflictOfInterest.objects.all())


# Controls that match the state ---------------------------------------------------------------


def test_a_past_hearing_session_offers_neither_publishing_nor_moving(staff, staff_client):
    past = create_session(staff, hearing_setup(3).jury)  # a day of 2021
    hearings.generate_schedule(staff, past)
    future = create_session(staff, hearing_setup(3).jury, date=paris_today() + timedelta(days=10))
    hearings.generate_schedule(staff, future)

    def page(session):
        return staff_client.get(
            reverse(
                "jury:hearing_session",
                kwargs={"call_slug": session.jury.call.slug, "session_id": session.pk},
            )
        ).content.decode()

    past_page, future_page = page(past), page(future)
    assert 'id="past"' in past_page
    assert 'id="publish-link"' not in past_page and "Déplacer" not in past_page
    assert 'id="past"' not in future_page
    assert 'id="publish-link"' in future_page and "Déplacer" in future_page


def test_a_closed_deliberation_no_longer_says_the_evaluation_can_change(client):
    setup = jury_with_dossiers(1)
    dossier = setup.dossiers[0]
    EvaluationFactory(member=setup.member, dossier=dossier, submitted_at=timezone.now())
    client.force_login(setup.member.user)
    url = reverse("jury:juror_dossier", kwargs={"jury_id": setup.jury.pk, "pk": dossier.pk})
    assert "encore la modifier" in client.get(url).content.decode()
    DeliberationFactory(jury=setup.jury, closed_at=timezone.now())
    page = client.get(url).content.decode()
    assert "délibération est close" in page and "encore la modifier" not in page


# Numbers --------------------------------------------------------------------------------------


def test_a_score_typed_with_a_comma_is_accepted(client):
    setup = jury_with_dossiers(1)
    dossier = setup.dossiers[0]
    client.force_login(setup.member.user)
    url = reverse("jury:juror_dossier", kwargs={"jury_id": setup.jury.pk, "pk": dossier.pk})
    field = parse(client.get(url).content).one("input", name=f"criterion_{setup.criteria[0].pk}")
    assert field.get("inputmode") == "decimal"
    data = {
        f"criterion_{setup.criteria[0].pk}": "3,5",
        f"criterion_{setup.criteria[1].pk}": "7.25",
        "comment": "Solide",
        "recommendation": "favourable",
        "version": 0,
        "save": "1",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    values = {s.criterion_id: s.value for s in Score.objects.all()}
    assert values == {setup.criteria[0].pk: Decimal("3.5"), setup.criteria[1].pk: Decimal("7.25")}
    # Shown again as typed in French.
    field = parse(client.get(url).content).one("input", name=f"criterion_{setup.criteria[0].pk}")
    assert field.get("value") == "3,50"


# Declarations and downloads -----------------------------------------------------------------


def test_open_data_buttons_give_the_size_of_the_file_they_download(client):
    from django.template.defaultfilters import filesizeformat

    from tests.jury.stats_data import build

    build()
    root = parse(client.get(reverse("jury:open_data")).content)
    buttons = root.find_all("a", cls="fr-icon-download-line")
    assert len(buttons) == 6  # laureates (CSV, JSON), grants, calls, corrections (CSV, JSON)
    for button in buttons:
        served = client.get(button.get("href"))
        assert served.status_code == 200
        size = filesizeformat(len(served.content)).replace(NBSP, " ")
        assert button.text().replace(NBSP, " ").endswith(f", {size})"), (button.text(), size)


def test_accessibility_declaration_has_its_multi_year_plan_and_next_audit(client):
    root = parse(client.get(reverse("accessibility")).content)
    assert root.by_id("schema-pluriannuel").text() == "Schéma pluriannuel et plan d’action"
    assert "prochain audit" in root.by_id("next-audit").text()


def test_french_content_is_marked_french_in_the_english_interface(client):
    from tests.factories import CallFactory

    call = CallFactory(title="Appel « Données publiques »", summary="Des projets de l’État.")
    client.cookies["django_language"] = "en"
    root = parse(client.get(call.get_absolute_url()).content)
    assert root.one("html").get("lang") == "en"
    h1 = root.one("h1")
    assert h1.text() == call.title and h1.get("lang") == "fr"
    assert root.one("p", cls="fr-text--lead").get("lang") == "fr"

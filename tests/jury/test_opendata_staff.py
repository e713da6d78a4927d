"""The staff page of a call's laureates not yet publishable in the SCDL « subventions » file:
who may read it, what it says each award lacks, where it sends staff to fill it in."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls.models import ProgrammeRoleKind
from submissions.models import Administration
from tests.factories import ProgrammeFactory, StaffFactory, UserFactory, agent_of
from tests.jury.stats_data import build, bulk_laureates

pytestmark = pytest.mark.django_db


def page_url(call):
    return reverse("jury:staff_opendata", kwargs={"call_slug": call.slug})


def test_only_the_programme_staff_read_the_page(client):
    data = build()
    url = page_url(data.published)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    applicant = agent_of(data.laureates[0].dossier.administration)
    other_staff = StaffFactory(programmes=[ProgrammeFactory()])
    for user in (applicant, UserFactory(), other_staff, StaffFactory(programmes=[])):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    for role in ProgrammeRoleKind.values:
        client.force_login(StaffFactory(programmes=[data.programme], programmes__role=role))
        assert client.get(url).status_code == 200, role
        # Read only: a POST is refused before anything is looked up.
        assert client.post(url).status_code == 405


def test_each_award_says_what_it_lacks_with_a_link_to_fill_it_in(client):
    data = build()
    signed, unsigned = data.laureates[0], data.laureates[1]
    Administration.objects.filter(pk=signed.dossier.administration_id).update(siret="")
    manager = StaffFactory(programmes=[data.programme], programmes__role=ProgrammeRoleKind.MANAGER)
    client.force_login(manager)
    page = client.get(page_url(data.published)).content.decode()
    assert "Attributions non publiables en données ouvertes" in page
    assert f'data-dossier="{signed.dossier.reference}"' in page
    assert "SIRET du bénéficiaire manquant" in page
    edit = reverse(
        "submissions:administration_edit", kwargs={"pk": signed.dossier.administration_id}
    )
    assert f'href="{edit}"' in page
    # The other laureate has no convention yet: the deliberation page of its dossier.
    assert f'data-dossier="{unsigned.dossier.reference}"' in page
    assert "Date de la convention non renseignée" in page
    grant = reverse(
        "jury:deliberation_dossier",
        kwargs={"call_slug": data.published.slug, "dossier_id": unsigned.dossier_id},
    )
    assert f'href="{grant}#grant"' in page


def test_a_missing_aid_scheme_identifier_links_managers_to_the_programme(client):
    data = build()
    type(data.programme).objects.filter(pk=data.programme.pk).update(aid_scheme_id="")
    settings_url = reverse("calls:staff_programme_open_data", kwargs={"slug": data.programme.slug})
    manager = StaffFactory(programmes=[data.programme], programmes__role=ProgrammeRoleKind.MANAGER)
    client.force_login(manager)
    page = client.get(page_url(data.published)).content.decode()
    assert "Identifiant du dispositif d’aide non renseigné" in page
    assert f'href="{settings_url}"' in page
    # An instructor cannot change the programme: told who does, no link.
    client.force_login(StaffFactory(programmes=[data.programme]))
    page = client.get(page_url(data.published)).content.decode()
    assert "à renseigner par un responsable du programme" in page
    assert settings_url not in page


def test_the_call_page_links_to_it(client):
    data = build()
    client.force_login(StaffFactory(programmes=[data.programme]))
    page = client.get(
        reverse("submissions:instruction_call", kwargs={"call_slug": data.published.slug})
    ).content.decode()
    assert f'href="{page_url(data.published)}"' in page


def test_constant_queries_whatever_the_number_of_awards(client):
    data = build()
    client.force_login(StaffFactory(programmes=[data.programme]))
    url = page_url(data.published)
    bulk_laureates(data.published, 5, start=1000)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    bulk_laureates(data.published, 100, start=2000)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)


def test_managers_set_the_aid_scheme_identifier_with_a_clear_message(client):
    from relance.models import AuditEntry

    data = build()
    url = reverse("calls:staff_programme_open_data", kwargs={"slug": data.programme.slug})
    manager = StaffFactory(programmes=[data.programme], programmes__role=ProgrammeRoleKind.MANAGER)
    client.force_login(manager)
    response = client.post(url, {"aid_scheme_id": "un identifiant avec espaces"})
    assert response.status_code == 200
    assert "sans espace ni accent" in response.content.decode()
    before = AuditEntry.objects.count()
    response = client.post(url, {"aid_scheme_id": "  dispositif-2021  "})
    assert response.status_code == 302
    data.programme.refresh_from_db()
    assert data.programme.aid_scheme_id == "dispositif-2021"
    assert AuditEntry.objects.count() == before + 1
    # The same value again (a double submit) changes and records nothing.
    assert client.post(url, {"aid_scheme_id": "dispositif-2021"}).status_code == 302
    assert AuditEntry.objects.count() == before + 1
    # Instructors may not.
    client.force_login(StaffFactory(programmes=[data.programme]))
    assert client.get(url).status_code == 404
    assert client.post(url, {"aid_scheme_id": "x"}).status_code == 404

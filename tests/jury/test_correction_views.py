"""The staff screens of « Rectificatifs », through their URLs."""

import pytest
from django.urls import reverse

from jury.models import ResultCorrection
from relance.models import OutgoingEmail
from submissions.models import DossierState
from tests.factories import StaffFactory
from tests.jury.test_corrections import world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
S = DossierState


def _list_url(w):
    return reverse("jury:corrections", kwargs={"call_slug": w["call"].slug})


def _create(client, w):
    response = client.post(
        _list_url(w),
        {
            "correction-official_date": "2021-04-12",
            "correction-reason": "Arrêté modificatif.",
            "correction-act_reference": "Décision n° 42",
            "correction-summary": "",
        },
    )
    assert response.status_code == 302
    return ResultCorrection.objects.get()


def test_staff_prepare_plan_and_publish(client, staff, world):  # noqa: F811
    client.force_login(staff)
    assert client.get(_list_url(world)).status_code == 200
    correction = _create(client, world)
    page = reverse("jury:correction", kwargs={"call_slug": world["call"].slug, "pk": correction.pk})
    response = client.post(
        page,
        {
            "action": "add",
            "change-kind": "add_laureate",
            "change-dossier": world["registered"].pk,
            "change-granted_amount": "25 000",
        },
    )
    assert response.status_code == 302
    response = client.post(
        page,
        {
            "action": "add",
            "change-kind": "move_category",
            "change-dossier": world["two"].pk,
            "change-category": world["tools"].pk,
        },
    )
    assert response.status_code == 302
    content = client.get(page).content.decode()
    assert content.count('class="planned-change"') == 2
    spaced = content.replace("\u202f", " ").replace("\xa0", " ")
    assert "25 000,00 €" in spaced  # the planned amount, as typed
    assert client.post(page, {"action": "publish"}).status_code == 302
    world["registered"].refresh_from_db()
    assert world["registered"].state == S.LAUREATE
    assert OutgoingEmail.objects.filter(subject__contains="Rectificatif").exists()
    assert "Publié le" in client.get(page).content.decode()


def test_bad_input_is_refused_in_french_and_keeps_the_draft(client, staff, world):  # noqa: F811
    client.force_login(staff)
    response = client.post(_list_url(world), {"correction-official_date": "12 avril"})
    assert response.status_code == 400
    assert "Indiquez une date valide" in response.content.decode()
    assert "Indiquez le motif" in response.content.decode()
    correction = _create(client, world)
    page = reverse("jury:correction", kwargs={"call_slug": world["call"].slug, "pk": correction.pk})
    missing = {"action": "add", "change-kind": "add_laureate", "change-dossier": world["one"].pk}
    response = client.post(page, missing)
    assert response.status_code == 400
    assert "Indiquez le cofinancement accordé." in response.content.decode()
    response = client.post(page, {"action": "publish"})
    assert response.status_code == 400
    assert "Ajoutez au moins une modification" in response.content.decode()
    response = client.post(page, {"action": "drop", "index": "<script>"})
    assert response.status_code == 400
    assert "n’est plus dans le rectificatif" in response.content.decode()
    # A laureate cannot be added twice: refused at publication, the draft kept.
    client.post(page, {**missing, "change-granted_amount": "100"})
    response = client.post(page, {"action": "publish"})
    assert response.status_code == 400
    assert "Modification 1" in response.content.decode()
    correction.refresh_from_db()
    assert correction.published_at is None and len(correction.planned) == 1


def test_other_programmes_staff_get_404(client, world):  # noqa: F811
    client.force_login(StaffFactory(programmes=[]))
    assert client.get(_list_url(world)).status_code == 404


def test_a_dossier_given_in_the_address_is_preselected(client, staff, world):  # noqa: F811
    client.force_login(staff)
    correction = _create(client, world)
    page = reverse("jury:correction", kwargs={"call_slug": world["call"].slug, "pk": correction.pk})
    content = client.get(f"{page}?dossier={world['two'].pk}").content.decode()
    assert f'<option value="{world["two"].pk}" selected>' in content
    # Anything else is ignored: the form opens with no dossier chosen.
    for value in ("<script>", "-1", "99999999999999999999", str(world["two"].pk + 10**6)):
        response = client.get(page, {"dossier": value})
        assert response.status_code == 200
        assert '<option value="" selected>' in response.content.decode()

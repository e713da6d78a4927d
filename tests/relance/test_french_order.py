"""Names sort as a French reader expects: accents and case do not send « Émilie » after « Zoé »."""

import pytest
from django.urls import reverse

from jury.models import JuryMember
from relance.ordering import ACCENTED, PLAIN, french
from submissions.models import Administration
from tests.factories import AdministrationFactory
from tests.jury.factories import JuryFactory, JuryMemberFactory

NAMES = ["Zoé Martin", "émilie Durand", "Emma Petit", "Élodie Bernard", "Alain Roux"]
FRENCH_ORDER = ["Alain Roux", "Élodie Bernard", "émilie Durand", "Emma Petit", "Zoé Martin"]


def test_every_accented_letter_has_its_plain_letter():
    assert len(ACCENTED) == len(PLAIN)
    assert all(
        plain.isascii() and not accented.isascii()
        for accented, plain in zip(ACCENTED, PLAIN, strict=True)
    )


@pytest.mark.django_db
def test_the_order_key_folds_accents_and_case_in_the_database():
    for name in NAMES:
        AdministrationFactory(name=name)
    names = list(Administration.objects.order_by(*french("name")).values_list("name", flat=True))
    assert names == FRENCH_ORDER
    # The default order of the directory is the French one too.
    assert list(Administration.objects.values_list("name", flat=True)) == FRENCH_ORDER


@pytest.mark.django_db
def test_the_staff_administration_list_is_in_french_order(client, staff):
    for name in NAMES:
        AdministrationFactory(name=name)
    client.force_login(staff)
    html = client.get(reverse("submissions:administration_list")).content.decode()
    positions = [html.index(name) for name in FRENCH_ORDER]
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_the_jury_members_are_in_french_order(client, staff):
    jury = JuryFactory()
    for name in NAMES:
        JuryMemberFactory(jury=jury, public_name=name)
    assert [m.public_name for m in JuryMember.objects.filter(jury=jury)] == FRENCH_ORDER
    client.force_login(staff)
    html = client.get(reverse("jury:staff_jury", kwargs={"call_slug": jury.call.slug})).content
    positions = [html.decode().index(name) for name in FRENCH_ORDER]
    assert positions == sorted(positions)

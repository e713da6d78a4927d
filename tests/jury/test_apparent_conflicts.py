"""Conflicts of interest the data already shows are suggested when a member joins the jury.

An agent of an applying administration, an address of the same domain as one of its agents
or as the dossier's contact, an affiliation naming the administration or its ministry: each
creates a suggested conflict that hides the dossier from the member at once, until staff
confirm it or lift it with a reason.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from jury.composition import workflow
from jury.models import ConflictOfInterest, JuryMember
from relance.audit import AuditAction
from relance.models import AuditEntry
from submissions.models import DossierState
from tests.factories import (
    AdministrationFactory,
    DossierFactory,
    MembershipFactory,
    MinistryFactory,
    StaffFactory,
    UserFactory,
)
from tests.jury.factories import JuryFactory, preselected

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def jury():
    return JuryFactory()


@pytest.fixture
def applying(jury):
    """An administration of the Interior with one agent, and its preselected dossier."""
    ministry = MinistryFactory(name="Ministère de l’Intérieur", acronym="MI")
    administration = AdministrationFactory(
        name="Direction du numérique", acronym="DNUM", ministry=ministry
    )
    agent = MembershipFactory(
        administration=administration, user=UserFactory(email="agent@interieur.gouv.fr")
    ).user
    dossier = preselected(
        jury, administration=administration, contact_email="projet@dnum.interieur.fr"
    )
    return {"administration": administration, "agent": agent, "dossier": dossier}


def add(staff, jury, email, affiliation="Université de Lille"):
    return workflow.add_member(
        staff, jury, email=email, public_name="Dominique Experte", affiliation=affiliation
    )


def juror_sees(client, member, dossier) -> bool:
    client.force_login(member.user)
    target = reverse("jury:juror_dossier", kwargs={"jury_id": member.jury_id, "pk": dossier.pk})
    status = client.get(target).status_code
    assert status in (200, 404)
    return status == 200


def test_an_agent_of_an_applying_administration_added_through_the_page_does_not_see_it(
    client, staff, jury, applying
):
    client.force_login(staff)
    client.post(
        reverse("jury:staff_member_add", kwargs={"call_slug": jury.call.slug}),
        {
            "email": applying["agent"].email,
            "public_name": "Camille Agent",
            "affiliation": "",
            "affiliation_kind": "public",
            "role": "member",
        },
    )

    member = JuryMember.objects.get(user=applying["agent"])
    conflict = ConflictOfInterest.objects.get(member=member, dossier=applying["dossier"])
    assert conflict.is_suggested
    assert "Direction du numérique" in conflict.suggested_reason
    assert not juror_sees(client, member, applying["dossier"])
    client.force_login(staff)
    page = client.get(reverse("jury:staff_jury", kwargs={"call_slug": jury.call.slug}))
    assert "Suggéré, à confirmer ou lever" in page.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.JURY_SUGGEST_CONFLICT).count() == 1


@pytest.mark.parametrize(
    ("email", "affiliation"),
    [
        ("dominique@interieur.gouv.fr", "Université de Lille"),  # an agent's domain
        ("dominique@dnum.interieur.fr", "Université de Lille"),  # the contact's domain
        ("dominique@exemple.org", "DNUM, ministère de l'Intérieur"),  # the acronym
        ("dominique@exemple.org", "Cabinet — Ministere de l'interieur"),  # the ministry
    ],
)
def test_the_data_suggests_a_conflict(staff, jury, applying, email, affiliation):
    member = add(staff, jury, email, affiliation)
    (conflict,) = ConflictOfInterest.objects.filter(member=member)
    assert conflict.dossier == applying["dossier"] and conflict.is_suggested


def test_an_unrelated_member_has_no_suggestion_and_drafts_are_ignored(
    client, staff, jury, applying
):
    DossierFactory(call=jury.call, administration=AdministrationFactory(name="Université"))
    member = add(staff, jury, "dominique@exemple.org", "Université de Lille")
    assert not ConflictOfInterest.objects.filter(member=member).exists()
    assert juror_sees(client, member, applying["dossier"])


def test_staff_confirm_or_lift_a_suggestion(client, staff, jury, applying):
    member = add(staff, jury, "dominique@interieur.gouv.fr")
    conflict = ConflictOfInterest.objects.get(member=member)
    client.force_login(staff)
    slug = jury.call.slug

    client.post(
        reverse(
            "jury:staff_conflict_confirm", kwargs={"call_slug": slug, "conflict_pk": conflict.pk}
        )
    )
    conflict.refresh_from_db()
    assert (conflict.confirmed_by, conflict.is_suggested) == (staff, False)
    assert not juror_sees(client, member, applying["dossier"])

    client.force_login(staff)
    client.post(
        reverse("jury:staff_conflict_lift", kwargs={"call_slug": slug, "conflict_pk": conflict.pk}),
        {f"lift-{conflict.pk}-reason": "Adresse personnelle, aucun lien avec la DNUM."},
    )
    assert juror_sees(client, member, applying["dossier"])
    # A lifted suggestion is not made again.
    assert workflow.suggest_conflicts(staff, member) == []


def test_staff_search_again_after_new_dossiers(client, staff, jury, applying):
    member = add(staff, jury, "dominique@exemple.org", "Direction des achats de l’État")
    assert not ConflictOfInterest.objects.filter(member=member).exists()
    achats = AdministrationFactory(name="Direction des achats de l’État")
    later = DossierFactory(
        call=jury.call,
        administration=achats,
        state=DossierState.SUBMITTED,
        submitted_at=timezone.now(),
    )
    client.force_login(staff)

    client.post(reverse("jury:staff_conflicts_suggest", kwargs={"call_slug": jury.call.slug}))

    (conflict,) = ConflictOfInterest.objects.filter(member=member)
    assert conflict.dossier == later and conflict.is_suggested

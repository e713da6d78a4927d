"""Staff screens of a call's jury: creation, members, composition, conflicts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jury.models import ConflictOfInterest, Jury, JuryMember
from relance.models import OutgoingEmail
from tests.factories import CallFactory
from tests.jury.factories import ConflictFactory, EvaluationFactory, JuryMemberFactory
from tests.jury.jury_core_data import jury_with_dossiers

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def setup():
    return jury_with_dossiers(2)


def jury_url(call, name="staff_jury", **kwargs):
    return reverse(f"jury:{name}", kwargs={"call_slug": call.slug, **kwargs})


def test_call_page_links_to_the_jury(staff_client):
    call = CallFactory()
    html = staff_client.get(
        reverse("submissions:instruction_call", kwargs={"call_slug": call.slug})
    ).content.decode()
    assert jury_url(call) in html


def test_create_jury_from_the_page(staff_client):
    call = CallFactory()
    page = staff_client.get(jury_url(call))
    assert page.status_code == 200 and "Créer le jury" in page.content.decode()
    assert not Jury.objects.exists()  # a GET creates nothing
    response = staff_client.post(jury_url(call), {"name": "Jury de la donnée"})
    assert response.status_code == 302
    assert Jury.objects.get(call=call).name == "Jury de la donnée"
    # Posting again does not create a second jury.
    staff_client.post(jury_url(call), {"name": "Autre"})
    assert Jury.objects.filter(call=call).count() == 1


def test_jury_page_lists_members_and_conflicts(staff_client, setup):
    EvaluationFactory(member=setup.member, dossier=setup.dossiers[0])
    conflict = ConflictFactory(member=setup.other, dossier=setup.dossiers[1], comment="Lien")
    response = staff_client.get(jury_url(setup.jury.call))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice Experte" in html and "Bruno Expert" in html
    assert setup.member.user.email in html
    assert f'data-conflict="{conflict.pk}"' in html and "Lien" in html
    assert jury_url(setup.jury.call, "staff_conflict_lift", conflict_pk=conflict.pk) in html
    members = {m.pk: m for m in response.context["members"]}
    assert members[setup.member.pk].n_submitted == 1
    assert members[setup.other.pk].n_conflicts == 1
    assert html.count("<h1") == 1
    for name in ("hearing_sessions", "ranking", "deliberation"):
        assert reverse(f"jury:{name}", kwargs={"call_slug": setup.jury.call.slug}) in html


def test_jury_page_query_count_is_constant(staff_client):
    def count(size):
        setup = jury_with_dossiers(2)
        for _ in range(size):
            member = JuryMemberFactory(jury=setup.jury)
            ConflictFactory(member=member, dossier=setup.dossiers[0])
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(jury_url(setup.jury.call)).status_code == 200
        return len(ctx)

    assert count(2) == count(12)


def test_publish_composition_toggle(staff_client, setup):
    staff_client.post(jury_url(setup.jury.call, "staff_jury_publish"), {"published": "1"})
    setup.jury.refresh_from_db()
    assert setup.jury.composition_published
    staff_client.post(jury_url(setup.jury.call, "staff_jury_publish"), {"published": "0"})
    setup.jury.refresh_from_db()
    assert not setup.jury.composition_published


def test_add_member(staff_client, setup):
    response = staff_client.post(
        jury_url(setup.jury.call, "staff_member_add"),
        {
            "email": "Claire@Exemple.fr",
            "public_name": "Claire Experte",
            "title": "Data scientist",
            "affiliation": "Start-up",
            "affiliation_kind": "company",
            "role": "member",
        },
    )
    assert response.status_code == 302
    member = JuryMember.objects.get(public_name="Claire Experte")
    assert member.user.email == "claire@exemple.fr"
    assert OutgoingEmail.objects.filter(topic="jury_invitation", to=["claire@exemple.fr"]).exists()


def test_add_second_president_shows_the_refusal_and_keeps_input(staff_client, setup):
    JuryMember.objects.filter(pk=setup.member.pk).update(role="president")
    response = staff_client.post(
        jury_url(setup.jury.call, "staff_member_add"),
        {
            "email": "deux@exemple.fr",
            "public_name": "Deuxième présidente",
            "affiliation_kind": "public",
            "role": "president",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "déjà un·e président·e" in html
    assert "Deuxième présidente" in html
    assert not JuryMember.objects.filter(public_name="Deuxième présidente").exists()


def test_add_member_invalid_email(staff_client, setup):
    response = staff_client.post(
        jury_url(setup.jury.call, "staff_member_add"),
        {"email": "non", "public_name": "X", "affiliation_kind": "public", "role": "member"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"]


def test_edit_member(staff_client, setup):
    edit_url = jury_url(setup.jury.call, "staff_member_edit", member_pk=setup.member.pk)
    assert staff_client.get(edit_url).status_code == 200
    response = staff_client.post(
        edit_url,
        {
            "public_name": "Alice Renommée",
            "title": "",
            "affiliation": "",
            "affiliation_kind": "research",
            "role": "president",
        },
    )
    assert response.status_code == 302
    setup.member.refresh_from_db()
    assert setup.member.public_name == "Alice Renommée" and setup.member.role == "president"


def test_remove_member(staff_client, setup):
    remove_url = jury_url(setup.jury.call, "staff_member_remove", member_pk=setup.member.pk)
    assert staff_client.get(remove_url).status_code == 200
    assert staff_client.post(remove_url).status_code == 302
    assert not JuryMember.objects.filter(pk=setup.member.pk).exists()


def test_remove_member_with_submitted_evaluation_refused(staff_client, setup):
    EvaluationFactory(member=setup.member, dossier=setup.dossiers[0])
    remove_url = jury_url(setup.jury.call, "staff_member_remove", member_pk=setup.member.pk)
    assert "ne peut plus être retiré" in staff_client.get(remove_url).content.decode()
    response = staff_client.post(remove_url, follow=True)
    assert "ne peut plus être retiré" in response.content.decode()
    assert JuryMember.objects.filter(pk=setup.member.pk).exists()


def test_add_conflict_for_a_member(staff_client, setup):
    add_url = jury_url(setup.jury.call, "staff_conflict_add", member_pk=setup.member.pk)
    page = staff_client.get(add_url)
    assert page.status_code == 200
    dossier = setup.dossiers[0]
    response = staff_client.post(
        add_url, {"dossier": dossier.pk, "kind": "hierarchical", "comment": "Sa directrice"}
    )
    assert response.status_code == 302
    conflict = ConflictOfInterest.objects.get()
    assert conflict.member == setup.member and conflict.dossier == dossier
    # The dossier is no longer offered for that member.
    assert dossier not in staff_client.get(add_url).context["form"].fields["dossier"].queryset


def test_lift_conflict(staff_client, setup, staff):
    conflict = ConflictFactory(member=setup.member, dossier=setup.dossiers[0])
    lift_url = jury_url(setup.jury.call, "staff_conflict_lift", conflict_pk=conflict.pk)
    response = staff_client.post(lift_url, {f"lift-{conflict.pk}-reason": ""}, follow=True)
    assert "motif" in response.content.decode()
    conflict.refresh_from_db()
    assert conflict.is_active
    staff_client.post(lift_url, {f"lift-{conflict.pk}-reason": "Déclaré par erreur"})
    conflict.refresh_from_db()
    assert not conflict.is_active and conflict.lifted_by == staff
    html = staff_client.get(jury_url(setup.jury.call)).content.decode()
    assert "Déclaré par erreur" in html


def test_member_of_another_jury_answers_404(staff_client, setup):
    stranger = JuryMemberFactory()
    for name in ("staff_member_edit", "staff_member_remove", "staff_conflict_add"):
        assert (
            staff_client.get(jury_url(setup.jury.call, name, member_pk=stranger.pk)).status_code
            == 404
        )
    foreign_conflict = ConflictFactory(member=stranger)
    response = staff_client.post(
        jury_url(setup.jury.call, "staff_conflict_lift", conflict_pk=foreign_conflict.pk),
        {f"lift-{foreign_conflict.pk}-reason": "x"},
    )
    assert response.status_code == 404

"""Programme teams: the superuser appoints managers, managers appoint instructors; staff see
only their programmes. Through ``calls.team`` and the screens under /instruction/programmes/."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calls import team
from calls.models import ProgrammeRole, ProgrammeRoleKind
from calls.permissions import programme_roles, staff_calls
from relance.models import AuditEntry, OutgoingEmail, User
from relance.workflow import WorkflowError
from submissions import preselection
from submissions.models import DossierState
from tests.factories import (
    CallFactory,
    DossierFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
    default_programme,
)

pytestmark = pytest.mark.django_db

R = ProgrammeRoleKind


@pytest.fixture
def programme():
    return default_programme()


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def manager(programme):
    return StaffFactory(programmes=[programme], programmes__role=R.MANAGER)


@pytest.fixture
def instructor(programme):
    return StaffFactory(programmes=[programme])


def team_url(programme):
    return reverse("calls:staff_programme_team", kwargs={"slug": programme.slug})


# The workflow ---------------------------------------------------------------------------------


def test_superuser_appoints_a_manager_with_a_new_account(superuser, programme, mailoutbox):
    role = team.grant_role(
        superuser,
        programme,
        email="  Nouvelle.Responsable@Culture.gouv.fr ",
        role=R.MANAGER,
        first_name="Dominique",
        last_name="Martin",
    )
    account = User.objects.get(email="nouvelle.responsable@culture.gouv.fr")
    assert role.user == account and role.role == R.MANAGER and role.granted_by == superuser
    assert account.is_staff and not account.has_usable_password()
    assert account.get_full_name() == "Dominique Martin"
    entry = AuditEntry.objects.get(action="programme_grant_role")
    assert entry.actor == superuser
    assert entry.data == {
        "email": account.email,
        "role": R.MANAGER,
        "account_created": True,
    }
    email = OutgoingEmail.objects.get(topic="programme_role")
    assert email.to == [account.email]
    assert "responsable du programme" in email.subject
    # A new account is told how to choose its password.
    assert "/compte/mot-de-passe/nouveau/" in email.body
    assert programme_roles(account) == {programme.pk: R.MANAGER}


def test_manager_appoints_an_instructor_reusing_an_account(manager, programme):
    existing = UserFactory(email="agent@interieur.gouv.fr")
    role = team.grant_role(manager, programme, email="AGENT@interieur.gouv.fr", role=R.INSTRUCTOR)
    existing.refresh_from_db()
    assert role.user == existing and existing.is_staff
    email = OutgoingEmail.objects.get(topic="programme_role")
    assert "/compte/mot-de-passe/nouveau/" not in email.body
    assert reverse("calls:staff_programmes") in email.body


def test_only_the_superuser_appoints_managers(manager, instructor, programme):
    for actor in (manager, instructor):
        with pytest.raises(WorkflowError, match="administrateur de la plateforme"):
            team.grant_role(actor, programme, email="x@exemple.gouv.fr", role=R.MANAGER)
    with pytest.raises(WorkflowError, match="responsables de ce programme"):
        team.grant_role(instructor, programme, email="y@exemple.gouv.fr", role=R.INSTRUCTOR)
    assert not User.objects.filter(email__in=["x@exemple.gouv.fr", "y@exemple.gouv.fr"]).exists()


def test_a_manager_of_another_programme_appoints_nobody_here(programme):
    elsewhere = StaffFactory(programmes=[ProgrammeFactory()], programmes__role=R.MANAGER)
    with pytest.raises(WorkflowError):
        team.grant_role(elsewhere, programme, email="z@exemple.gouv.fr", role=R.INSTRUCTOR)


def test_bad_input_is_refused_with_a_clear_message(manager, programme, instructor):
    with pytest.raises(WorkflowError, match="adresse électronique valide"):
        team.grant_role(manager, programme, email="pas une adresse", role=R.INSTRUCTOR)
    with pytest.raises(WorkflowError, match="Rôle inconnu"):
        team.grant_role(manager, programme, email="a@exemple.gouv.fr", role="roi")
    with pytest.raises(WorkflowError, match="déjà instructeur"):
        team.grant_role(manager, programme, email=instructor.email, role=R.INSTRUCTOR)
    inactive = UserFactory(is_active=False)
    with pytest.raises(WorkflowError, match="désactivé"):
        team.grant_role(manager, programme, email=inactive.email, role=R.INSTRUCTOR)
    assert ProgrammeRole.objects.filter(programme=programme).count() == 2


def test_revoking_the_last_role_makes_a_plain_account(manager, programme, instructor):
    other = ProgrammeFactory()
    team.grant_role(
        UserFactory(is_staff=True, is_superuser=True), other, email=instructor.email, role="manager"
    )
    team.revoke_role(manager, ProgrammeRole.objects.get(programme=programme, user=instructor))
    instructor.refresh_from_db()
    assert instructor.is_staff  # still manager of the other programme
    team.revoke_role(
        UserFactory(is_staff=True, is_superuser=True),
        ProgrammeRole.objects.get(programme=other, user=instructor),
    )
    instructor.refresh_from_db()
    assert not instructor.is_staff
    assert AuditEntry.objects.filter(action="programme_revoke_role").count() == 2
    # Revoking twice (a double click) is refused, not a crash.
    role = ProgrammeRole.objects.get(programme=programme, user=manager)
    team.revoke_role(UserFactory(is_staff=True, is_superuser=True), role)
    with pytest.raises(WorkflowError, match="déjà été retiré"):
        team.revoke_role(UserFactory(is_staff=True, is_superuser=True), role)


def test_a_manager_cannot_demote_or_remove_a_manager(manager, programme, instructor):
    other_manager = StaffFactory(programmes=[programme], programmes__role=R.MANAGER)
    role = ProgrammeRole.objects.get(user=other_manager)
    with pytest.raises(WorkflowError):
        team.change_role(manager, role, new_role=R.INSTRUCTOR)
    with pytest.raises(WorkflowError):
        team.revoke_role(manager, role)
    with pytest.raises(WorkflowError):
        team.change_role(manager, ProgrammeRole.objects.get(user=instructor), new_role=R.MANAGER)
    assert ProgrammeRole.objects.get(user=other_manager).role == R.MANAGER


def test_the_superuser_changes_a_role(superuser, programme, instructor):
    role = team.change_role(
        superuser, ProgrammeRole.objects.get(user=instructor), new_role=R.MANAGER
    )
    assert role.role == R.MANAGER
    entry = AuditEntry.objects.get(action="programme_change_role")
    assert entry.data["before"] == R.INSTRUCTOR and entry.data["after"] == R.MANAGER


def test_staff_act_only_on_their_programmes(instructor, programme):
    mine = CallFactory()
    theirs = CallFactory(programme=ProgrammeFactory())
    assert set(staff_calls(instructor)) == {mine}
    dossier = DossierFactory(call=theirs, state=DossierState.SUBMITTED)
    with pytest.raises(WorkflowError, match="instructeurs de ce programme"):
        preselection.record_preselection(instructor, dossier, decision="preselected")
    dossier.refresh_from_db()
    assert dossier.pending_decision == ""


def test_a_superuser_without_a_role_instructs_nothing(superuser):
    dossier = DossierFactory(state=DossierState.SUBMITTED)
    with pytest.raises(WorkflowError):
        preselection.record_preselection(superuser, dossier, decision="preselected")


# The screens ----------------------------------------------------------------------------------


def test_programme_screens_from_the_outside(client, programme, manager, instructor, superuser):
    other = ProgrammeFactory()
    role = ProgrammeRole.objects.get(user=instructor)
    urls = [
        reverse("calls:staff_programmes"),
        team_url(programme),
    ]
    posts = [
        (team_url(programme), {"email": "n@exemple.gouv.fr", "role": R.INSTRUCTOR}),
        (
            reverse("calls:staff_role_change", kwargs={"slug": programme.slug, "role_pk": role.pk}),
            {"role": R.MANAGER},
        ),
        (
            reverse("calls:staff_role_revoke", kwargs={"slug": programme.slug, "role_pk": role.pk}),
            {},
        ),
    ]

    def state():
        return (
            list(ProgrammeRole.objects.values_list("pk", "role").order_by("pk")),
            AuditEntry.objects.count(),
        )

    outsiders = [
        UserFactory(),
        StaffFactory(programmes=[other], programmes__role=R.MANAGER),
    ]
    before = state()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    for user in outsiders:
        client.force_login(user)
        assert client.get(team_url(programme)).status_code == 404
        for url, data in posts:
            assert client.post(url, data).status_code == 404, (user, url)
    # An instructor reads the team, without the form, and changes nothing.
    client.force_login(instructor)
    page = client.get(team_url(programme)).content.decode()
    assert manager.email in page and 'id="grant"' not in page
    for url, data in posts:
        assert client.post(url, data).status_code in (302, 404), url
    assert state() == before
    # Plain accounts do not reach the list; the other programme's staff see theirs only.
    client.force_login(UserFactory())
    assert client.get(reverse("calls:staff_programmes")).status_code == 404
    client.force_login(outsiders[1])
    listing = client.get(reverse("calls:staff_programmes")).content.decode()
    assert other.title in listing and programme.title not in listing
    # The superuser sees every programme.
    client.force_login(superuser)
    listing = client.get(reverse("calls:staff_programmes")).content.decode()
    assert other.title in listing and programme.title in listing


def test_manager_adds_an_instructor_from_the_team_page(client, manager, programme):
    client.force_login(manager)
    page = client.get(team_url(programme)).content.decode()
    # A manager may only give the instructor role.
    assert 'value="instructor"' in page and 'value="manager"' not in page
    response = client.post(
        team_url(programme),
        {"email": "camille.durand@culture.gouv.fr", "first_name": "Camille", "role": "instructor"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == team_url(programme)
    assert "camille.durand@culture.gouv.fr est désormais instructeur" in response.content.decode()
    assert ProgrammeRole.objects.filter(
        programme=programme, user__email="camille.durand@culture.gouv.fr", role=R.INSTRUCTOR
    ).exists()
    # Trying to give the manager role by hand is refused with the form's message.
    response = client.post(team_url(programme), {"email": "x@culture.gouv.fr", "role": "manager"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    # A bad address is shown back with what was typed.
    response = client.post(team_url(programme), {"email": "<script>@", "role": "instructor"})
    assert response.status_code == 200
    assert "&lt;script&gt;@" in response.content.decode()


def test_the_team_page_lists_in_a_constant_number_of_queries(
    client, manager, programme, django_assert_max_num_queries
):
    client.force_login(manager)
    for _i in range(3):
        StaffFactory(programmes=[programme])
    with CaptureQueriesContext(connection) as small:
        client.get(team_url(programme))
    for _i in range(20):
        StaffFactory(programmes=[programme])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(team_url(programme))
    # The manager and 23 instructors.
    assert response.content.decode().count("data-role=") == 24


def test_the_admin_link_is_shown_to_the_superuser_only(client, manager, superuser):
    client.force_login(manager)
    assert reverse("admin:index") not in client.get("/instruction/").content.decode()
    client.force_login(superuser)
    assert reverse("admin:index") in client.get("/instruction/").content.decode()

"""The kernel's admin policies: one read-only mixin, audited edits of accounts and rights, the
redirect to the site behind a right on the model."""

import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from calls.models import Call
from relance.admin import AuditedAdminMixin, ReadOnlyMixin
from relance.audit import AuditAction
from relance.models import AuditEntry, User
from submissions.models import Membership
from tests.admin_helpers import (
    audit_entries,
    bulk_delete,
    change_form_data,
    offers_bulk_delete,
    url,
)
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    MembershipFactory,
    MinistryFactory,
    ProgrammeFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un-autre-mot-de-passe-42"


@pytest.fixture
def admin_client_(client, superuser):
    client.force_login(superuser)
    return client


def test_admin_actions_have_french_labels():
    assert AuditAction.ADMIN_CREATE.label == "Création dans l’administration du site"
    assert AuditAction.ADMIN_EDIT.label == "Modification dans l’administration du site"
    assert AuditAction.ADMIN_DELETE.label == "Suppression dans l’administration du site"
    assert AuditAction.ADMIN_IMPORT.label == "Import de fichier dans l’administration du site"


def test_every_admin_is_read_only_or_audited():
    """A new admin must pick a side: shown read-only, or every edit audited."""
    undecided = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, ReadOnlyMixin | AuditedAdminMixin)
    ]
    assert undecided == []
    # The read-only admins of the apps share the kernel's one class.
    for label in ("relance.AuditEntry", "submissions.BudgetLine", "jury.Award"):
        model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label == label)
        assert isinstance(model_admin, ReadOnlyMixin)


def test_audit_entries_offer_no_bulk_delete(admin_client_, superuser):
    AuditEntry.objects.create(actor=superuser, action="submit", target_type_id=1, target_id="1")
    assert not offers_bulk_delete(admin_client_, AuditEntry)
    bulk_delete(admin_client_, AuditEntry, AuditEntry.objects.all())
    assert AuditEntry.objects.count() == 1


# Accounts ---------------------------------------------------------------------------------


def test_creating_an_account_is_audited_without_the_password(admin_client_, superuser):
    response = admin_client_.post(
        url(User, "add"),
        {
            "email": "Nouvelle.Agente@exemple.gouv.fr",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    account = User.objects.get(email="nouvelle.agente@exemple.gouv.fr")
    [entry] = audit_entries(account)
    assert (entry.action, entry.actor) == (AuditAction.ADMIN_CREATE, superuser)
    values = entry.data["values"]
    assert values["email"] == "nouvelle.agente@exemple.gouv.fr"
    assert (values["is_staff"], values["is_superuser"], values["is_active"]) == (
        False,
        False,
        True,
    )
    assert "password" not in values
    dumped = json.dumps(entry.data)
    assert NEW_PASSWORD not in dumped
    assert account.password not in dumped


def test_changing_staff_flags_and_rights_is_audited_with_before_and_after(admin_client_, superuser):
    account = UserFactory(first_name="Camille")
    group = Group.objects.create(name="Instructeurs")
    page = admin_client_.get(url(User, "change", account.pk))
    data = change_form_data(page)
    data.update(first_name="Dominique", is_staff="on", groups=[group.pk])
    response = admin_client_.post(url(User, "change", account.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    account.refresh_from_db()
    assert account.is_staff

    [entry] = audit_entries(account)
    assert (entry.action, entry.actor) == (AuditAction.ADMIN_EDIT, superuser)
    assert entry.data == {
        "fields": ["first_name", "groups", "is_staff"],
        "changes": {
            "first_name": {"old": "Camille", "new": "Dominique"},
            "groups": {"old": [], "new": [group.pk]},
            "is_staff": {"old": False, "new": True},
        },
    }


def test_saving_an_unchanged_account_writes_no_entry(admin_client_):
    account = UserFactory()
    data = change_form_data(admin_client_.get(url(User, "change", account.pk)))
    assert admin_client_.post(url(User, "change", account.pk), data).status_code == 302
    assert audit_entries(account) == []


def test_a_password_set_in_the_admin_is_audited_without_its_value(admin_client_, superuser):
    account = UserFactory()
    target = reverse("admin:auth_user_password_change", args=[account.pk])
    response = admin_client_.post(
        target,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "set-password": "1"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)
    [entry] = audit_entries(account)
    assert (entry.action, entry.actor) == (AuditAction.ADMIN_EDIT, superuser)
    assert entry.data == {"fields": ["password"], "usable_password": True}

    # A refused form changes nothing and records nothing.
    response = admin_client_.post(target, {"password1": "a", "password2": "b"})
    assert response.status_code == 200
    assert len(audit_entries(account)) == 1


def test_deleting_an_account_is_audited_with_what_goes_with_it(admin_client_, superuser):
    membership = MembershipFactory(administration=AdministrationFactory())
    account = membership.user
    pk, email = account.pk, account.email
    response = admin_client_.post(url(User, "delete", pk), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=pk).exists()
    [entry] = AuditEntry.objects.filter(action=AuditAction.ADMIN_DELETE)
    assert (entry.actor, entry.target_type.model_class(), entry.target_id) == (
        superuser,
        User,
        str(pk),
    )
    assert entry.data["repr"] == str(account)
    assert entry.data["values"]["email"] == email
    assert entry.data["cascade"] == {"submissions.membership": [membership.pk]}
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_bulk_deleting_accounts_writes_one_entry_each(admin_client_, superuser):
    accounts = [UserFactory(), UserFactory()]
    assert offers_bulk_delete(admin_client_, User)
    response = bulk_delete(admin_client_, User, accounts)
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[a.pk for a in accounts]).exists()
    entries = AuditEntry.objects.filter(action=AuditAction.ADMIN_DELETE)
    assert sorted(e.target_id for e in entries) == sorted(str(a.pk) for a in accounts)
    assert {e.actor for e in entries} == {superuser}
    assert {e.data["values"]["email"] for e in entries} == {a.email for a in accounts}


def test_group_permissions_edits_are_audited(admin_client_, superuser):
    permission = Permission.objects.get(codename="view_dossier")
    response = admin_client_.post(
        url(Group, "add"), {"name": "Lecteurs", "permissions": [permission.pk]}
    )
    assert response.status_code == 302
    group = Group.objects.get(name="Lecteurs")
    [entry] = audit_entries(group)
    assert (entry.action, entry.actor) == (AuditAction.ADMIN_CREATE, superuser)
    assert entry.data == {"values": {"name": "Lecteurs", "permissions": [permission.pk]}}

    response = admin_client_.post(
        url(Group, "change", group.pk), {"name": "Lecteurs", "permissions": []}
    )
    assert response.status_code == 302
    entry = audit_entries(group)[-1]
    assert entry.action == AuditAction.ADMIN_EDIT
    assert entry.data["changes"] == {"permissions": {"old": [permission.pk], "new": []}}


def test_view_on_site_needs_a_right_on_the_model(client, superuser):
    """Staff of a programme never learn, through the admin's « Voir sur le site », the address
    of a draft call (of another programme, say)."""
    draft = CallFactory(published_at=None, slug="appel-en-preparation")
    address = reverse(
        "admin:view_on_site", args=[ContentType.objects.get_for_model(Call).pk, draft.pk]
    )
    client.force_login(StaffFactory(programmes=[ProgrammeFactory()]))
    response = client.get(address)
    assert response.status_code == 403
    assert draft.slug not in response.get("Location", "")
    client.force_login(superuser)
    assert client.get(address)["Location"].endswith(draft.get_absolute_url())
    reader = StaffFactory(programmes=[])
    reader.user_permissions.add(Permission.objects.get(codename="view_call"))
    client.force_login(reader)
    assert client.get(address)["Location"].endswith(draft.get_absolute_url())


def test_the_ministries_autocomplete_lists_them_in_order(client, superuser):
    for name in ("Culture", "Armées", "Intérieur"):
        MinistryFactory(name=f"Ministère — {name}")
    client.force_login(superuser)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "submissions", "model_name": "administration", "field_name": "ministry"},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == [
        "Ministère — Armées",
        "Ministère — Culture",
        "Ministère — Intérieur",
    ]

"""Django admin: every page loads, dossier states stay read-only, CSV import, email retry."""

from decimal import Decimal

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from relance import audit
from relance.audit import AuditAction
from relance.models import AuditEntry, OutgoingEmail, User
from submissions import workflow
from submissions.models import (
    Administration,
    Attachment,
    BudgetLine,
    Dossier,
    DossierMessage,
    DossierState,
    InternalNote,
    Membership,
    MembershipRequest,
    Ministry,
    PreselectionPublication,
)
from submissions.resources import AdministrationResource
from tests.admin_helpers import audit_entries, bulk_delete, offers_bulk_delete
from tests.admin_helpers import change_form_data as _change_form_data
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    DossierFactory,
    MinistryFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db

FAILING = "tests.relance.mail_backends.FailingBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"

# (model, whether the admin lets a superuser add one)
MODELS = [
    (User, True),
    (AuditEntry, False),
    (OutgoingEmail, False),
    (Ministry, True),
    (Administration, True),
    (Membership, True),
    (MembershipRequest, False),  # asked by agents, decided on the instruction screens
    (Dossier, False),  # dossiers start through the workflow, which numbers them
    (BudgetLine, False),
    (Attachment, False),
    (DossierMessage, False),
    (InternalNote, False),
    (PreselectionPublication, False),
]


def url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client_(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def one_of_each(superuser):
    """At least one row of every model shown in the admin."""
    administration = AdministrationFactory(acronym="DINUM", siret="13002526500013")
    agent = agent_of(administration)
    dossier = DossierFactory(administration=administration, state=DossierState.SUBMITTED)
    BudgetLine.objects.create(
        dossier=dossier, label="Prestation", nature="services", amount=Decimal("1000")
    )
    Attachment.objects.create(
        dossier=dossier,
        file=f"dossiers/{dossier.call_id}/{dossier.pk}/0123456789abcdef",
        original_name="devis-signé.pdf",
        content_type="application/pdf",
        size=2048,
        sha256="0" * 64,
        uploaded_by=agent,
    )
    DossierMessage.objects.create(
        dossier=dossier, kind="information", author=superuser, body="Bonjour."
    )
    InternalNote.objects.create(dossier=dossier, author=superuser, body="Solide.")
    PreselectionPublication.objects.create(
        call=dossier.call, published_by=superuser, preselected_count=1, not_preselected_count=0
    )
    audit.record(superuser, "submit", dossier, from_state="draft", to_state="submitted")
    OutgoingEmail.objects.create(to=["a@exemple.gouv.fr"], subject="Objet", body="Texte")
    return {
        User: superuser,
        AuditEntry: AuditEntry.objects.first(),
        OutgoingEmail: OutgoingEmail.objects.first(),
        Ministry: administration.ministry,
        Administration: administration,
        Membership: Membership.objects.first(),
        MembershipRequest: MembershipRequest.objects.create(
            user=UserFactory(), administration=administration
        ),
        Dossier: dossier,
        BudgetLine: BudgetLine.objects.first(),
        Attachment: Attachment.objects.first(),
        DossierMessage: DossierMessage.objects.first(),
        InternalNote: InternalNote.objects.first(),
        PreselectionPublication: PreselectionPublication.objects.first(),
    }


# Every page -------------------------------------------------------------------------------


def test_admin_index_lists_the_models(admin_client_):
    response = admin_client_.get(reverse("admin:index"))
    assert response.status_code == 200
    for model, _ in MODELS:
        assert url(model, "changelist").encode() in response.content


@pytest.mark.parametrize("model,addable", MODELS, ids=[m._meta.label for m, _ in MODELS])
def test_changelist_add_and_change_pages_load(admin_client_, one_of_each, model, addable):
    assert admin_client_.get(url(model, "changelist")).status_code == 200
    assert admin_client_.get(url(model, "changelist"), {"q": "DINUM"}).status_code == 200
    assert admin_client_.get(url(model, "add")).status_code == (200 if addable else 403)
    obj = one_of_each[model]
    assert admin_client_.get(url(model, "change", obj.pk)).status_code == 200


def test_dossier_changelist_filters_and_search(admin_client_, one_of_each):
    dossier = one_of_each[Dossier]
    draft = DossierFactory(administration=AdministrationFactory(kind="operator"))
    cases = [
        ({"state__exact": "submitted"}, {dossier}),
        ({"state__exact": "draft"}, {draft}),
        ({"administration__kind__exact": "operator"}, {draft}),
        ({"pending_decision__exact": "preselected"}, set()),
        ({"q": "DINUM"}, {dossier}),  # administration acronym
        # Quoted: searched word by word, the « 0 » of « Direction n° 0 » matches any reference.
        ({"q": f'"{dossier.administration.name}"'}, {dossier}),
        ({"q": dossier.reference}, {dossier}),
        ({"q": f'"{draft.title}"'}, {draft}),
    ]
    for params, expected in cases:
        response = admin_client_.get(url(Dossier, "changelist"), params)
        assert response.status_code == 200
        assert set(response.context["cl"].result_list) == expected, params


def test_dossier_changelist_filter_by_call_ministry_and_category(admin_client_, one_of_each):
    dossier = one_of_each[Dossier]
    DossierFactory()
    for params in (
        {"call__id__exact": dossier.call_id},
        {"administration__ministry__id__exact": dossier.administration.ministry_id},
        {"category__id__exact": dossier.category_id},
    ):
        response = admin_client_.get(url(Dossier, "changelist"), params)
        assert list(response.context["cl"].result_list) == [dossier], params


def _count_changelist_queries(client, model):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_changelists_run_a_constant_number_of_queries(admin_client_):
    call = CallFactory()
    administrations = [AdministrationFactory() for _ in range(2)]

    def add_rows(count):
        for i in range(count):
            dossier = DossierFactory(call=call, administration=administrations[i % 2])
            audit.record(None, "edit", dossier)
            agent_of(administrations[i % 2])

    add_rows(2)
    small = {
        model: _count_changelist_queries(admin_client_, model)
        for model in (Dossier, Administration, Membership, AuditEntry)
    }
    add_rows(10)
    large = {
        model: _count_changelist_queries(admin_client_, model)
        for model in (Dossier, Administration, Membership, AuditEntry)
    }
    assert small == large


# Dossier states are never edited here -------------------------------------------------------


def test_dossier_state_and_decision_are_read_only(admin_client_, one_of_each, superuser):
    dossier = one_of_each[Dossier]
    page = admin_client_.get(url(Dossier, "change", dossier.pk))
    form_fields = page.context["adminform"].form.fields
    for name in ("state", "reference", "pending_decision", "decision_reason", "call"):
        assert name not in form_fields
    assert "Déposé" in page.content.decode()  # shown, as text

    data = _change_form_data(page)
    data.update(
        title="Titre corrigé",
        state=DossierState.LAUREATE,
        pending_decision="preselected",
        reference="X-0000-000",
    )
    response = admin_client_.post(url(Dossier, "change", dossier.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.title == "Titre corrigé"
    assert (stored.state, stored.pending_decision, stored.reference) == (
        DossierState.SUBMITTED,
        "",
        dossier.reference,
    )
    assert stored.version == dossier.version + 1  # open applicant forms become stale
    entry = audit.history(dossier).get(action="admin_edit")
    # The entry now also keeps the title before and after (a short field).
    assert (entry.actor, entry.data) == (
        superuser,
        {"fields": ["title"], "changes": {"title": {"old": dossier.title, "new": "Titre corrigé"}}},
    )


def test_dossier_category_and_amounts_are_read_only(admin_client_, one_of_each):
    """Before: the category (limited to the call's) and the amounts were editable here.

    They are what the ceiling check, the preselection and the jury decide on: the applicant
    changes them through the workflow while the dossier is open to edits.
    """
    from tests.factories import CategoryFactory

    dossier = one_of_each[Dossier]
    foreign = CategoryFactory(call=CallFactory())
    same_call = CategoryFactory(call=dossier.call)
    page = admin_client_.get(url(Dossier, "change", dossier.pk))
    form_fields = page.context["adminform"].form.fields
    for name in ("category", "total_budget", "requested_amount"):
        assert name not in form_fields
    data = _change_form_data(page)
    for category in (foreign, same_call):
        data.update(category=category.pk, requested_amount="99999999", total_budget="1")
        response = admin_client_.post(url(Dossier, "change", dossier.pk), data)
        assert response.status_code == 302
        stored = Dossier.objects.get(pk=dossier.pk)
        assert stored.category_id == dossier.category_id
        assert (stored.requested_amount, stored.total_budget) == (
            dossier.requested_amount,
            dossier.total_budget,
        )
        assert stored.version == dossier.version  # nothing changed, nothing recorded
    assert not audit.history(dossier).filter(action="admin_edit").exists()


def test_dossier_text_and_contact_are_what_the_admin_corrects(admin_client_, one_of_each):
    page = admin_client_.get(url(Dossier, "change", one_of_each[Dossier].pk))
    assert set(page.context["adminform"].form.fields) == {
        "title",
        "subtitle",
        "summary",
        "description",
        "benefits_self",
        "benefits_others",
        "technical_approach",
        "sustainability",
        "timeline",
        "contact_name",
        "contact_email",
        "contact_phone",
    }


def test_a_correction_is_audited_with_short_values_and_text_names(
    admin_client_, one_of_each, superuser
):
    dossier = one_of_each[Dossier]
    page = admin_client_.get(url(Dossier, "change", dossier.pk))
    data = _change_form_data(page)
    data.update(contact_email="contact@exemple.gouv.fr", description="Texte corrigé.")
    response = admin_client_.post(url(Dossier, "change", dossier.pk), data)
    assert response.status_code == 302
    [entry] = audit_entries(dossier, action=AuditAction.ADMIN_EDIT)
    assert entry.actor == superuser
    assert entry.data == {
        "fields": ["contact_email", "description"],
        "changes": {
            "contact_email": {"old": dossier.contact_email, "new": "contact@exemple.gouv.fr"}
        },
    }


def test_after_the_published_decision_only_the_contact_is_corrected(admin_client_, superuser):
    """Published results show the title and subtitle: they are corrected by an amendment."""
    for state in (DossierState.LAUREATE, DossierState.NOT_SELECTED):
        dossier = DossierFactory(state=state, title="Titre publié")
        page = admin_client_.get(url(Dossier, "change", dossier.pk))
        assert set(page.context["adminform"].form.fields) == {
            "contact_name",
            "contact_email",
            "contact_phone",
        }
        assert "Titre publié" in page.content.decode()
        data = _change_form_data(page)
        data.update(title="Autre titre", subtitle="Autre", contact_phone="01 40 00 00 00")
        response = admin_client_.post(url(Dossier, "change", dossier.pk), data)
        assert response.status_code == 302
        stored = Dossier.objects.get(pk=dossier.pk)
        assert (stored.title, stored.subtitle, stored.contact_phone) == (
            "Titre publié",
            dossier.subtitle,
            "01 40 00 00 00",
        )
        [entry] = audit_entries(dossier, action=AuditAction.ADMIN_EDIT)
        assert entry.data["fields"] == ["contact_phone"]


def test_dossiers_are_never_deleted_here(admin_client_, one_of_each):
    dossier = one_of_each[Dossier]
    assert admin_client_.get(url(Dossier, "delete", dossier.pk)).status_code == 403
    assert admin_client_.post(url(Dossier, "delete", dossier.pk), {"post": "yes"}).status_code == (
        403
    )
    assert not offers_bulk_delete(admin_client_, Dossier)
    bulk_delete(admin_client_, Dossier, [dossier])
    assert Dossier.objects.filter(pk=dossier.pk).exists()


# Rows written only by the workflows, and the audit log itself.
READ_ONLY = [
    AuditEntry,
    BudgetLine,
    Attachment,
    DossierMessage,
    InternalNote,
    PreselectionPublication,
]


@pytest.mark.parametrize("model", READ_ONLY, ids=[m._meta.label for m in READ_ONLY])
def test_workflow_rows_are_never_changed_or_deleted(admin_client_, one_of_each, model):
    obj = one_of_each[model]
    before = list(model.objects.values())
    response = admin_client_.get(url(model, "change", obj.pk))
    assert response.context["adminform"].form.fields == {}
    assert admin_client_.post(url(model, "change", obj.pk), {"body": "x"}).status_code == 403
    assert admin_client_.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert not offers_bulk_delete(admin_client_, model)
    bulk_delete(admin_client_, model, [obj])
    assert list(model.objects.values()) == before


def test_attachments_are_shown_without_a_file_link(admin_client_, one_of_each):
    dossier = one_of_each[Dossier]
    attachment = one_of_each[Attachment]
    for page in (url(Dossier, "change", dossier.pk), url(Attachment, "change", attachment.pk)):
        content = admin_client_.get(page).content.decode()
        assert "devis-signé.pdf" in content
        assert "2,0\xa0Kio" in content
        assert "application/pdf" in content
        assert attachment.file.name not in content


def test_audit_entries_cannot_be_changed_or_deleted(admin_client_, one_of_each):
    entry = one_of_each[AuditEntry]
    assert admin_client_.post(url(AuditEntry, "change", entry.pk), {"action": "x"}).status_code in (
        302,
        403,
    )
    assert admin_client_.post(url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == (
        403
    )
    entry.refresh_from_db()
    assert entry.action == "submit"


def test_administration_with_memberships_is_saved(admin_client_, one_of_each):
    administration = one_of_each[Administration]
    newcomer = UserFactory()
    page = admin_client_.get(url(Administration, "change", administration.pk))
    data = _change_form_data(page)
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = total + 1
    data[f"{prefix}-{total}-user"] = newcomer.pk
    data["siret"] = "13002526500012"  # wrong key: refused, nothing saved
    response = admin_client_.post(url(Administration, "change", administration.pk), data)
    assert response.status_code == 200
    assert "siret" in response.context["adminform"].form.errors
    assert not Membership.objects.filter(user=newcomer).exists()

    data["siret"] = "13002526500013"
    response = admin_client_.post(url(Administration, "change", administration.pk), data)
    assert response.status_code == 302
    assert Membership.objects.filter(user=newcomer, administration=administration).exists()


# Configuration edits are audited ------------------------------------------------------------


def test_ministries_are_created_changed_and_deleted_with_an_entry_each(admin_client_, superuser):
    response = admin_client_.post(url(Ministry, "add"), {"name": "Ministère de la Culture"})
    assert response.status_code == 302
    ministry = Ministry.objects.get(name="Ministère de la Culture")
    [created] = audit_entries(ministry)
    assert (created.action, created.actor, created.data) == (
        AuditAction.ADMIN_CREATE,
        superuser,
        {"values": {"name": "Ministère de la Culture", "acronym": ""}},
    )

    response = admin_client_.post(
        url(Ministry, "change", ministry.pk), {"name": "Ministère de la Culture", "acronym": "MC"}
    )
    assert response.status_code == 302
    changed = audit_entries(ministry)[-1]
    assert (changed.action, changed.actor, changed.data) == (
        AuditAction.ADMIN_EDIT,
        superuser,
        {"fields": ["acronym"], "changes": {"acronym": {"old": "", "new": "MC"}}},
    )

    pk = ministry.pk
    response = admin_client_.post(url(Ministry, "delete", pk), {"post": "yes"})
    assert response.status_code == 302
    [deleted] = audit_entries(model=Ministry, action=AuditAction.ADMIN_DELETE)
    assert (deleted.actor, deleted.target_id, deleted.data) == (
        superuser,
        str(pk),
        {
            "repr": "Ministère de la Culture",
            "values": {"name": "Ministère de la Culture", "acronym": "MC"},
        },
    )


def test_memberships_edited_on_the_administration_page_are_audited(
    admin_client_, one_of_each, superuser
):
    administration = one_of_each[Administration]
    existing = one_of_each[Membership]
    newcomer = UserFactory()
    page = admin_client_.get(url(Administration, "change", administration.pk))
    data = _change_form_data(page)
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = total + 1
    data[f"{prefix}-{total}-user"] = newcomer.pk
    data[f"{prefix}-0-DELETE"] = "on"
    data["acronym"] = "DINUM-ETALAB"
    response = admin_client_.post(url(Administration, "change", administration.pk), data)
    assert response.status_code == 302

    [changed] = audit_entries(administration)
    assert (changed.action, changed.actor, changed.data) == (
        AuditAction.ADMIN_EDIT,
        superuser,
        {"fields": ["acronym"], "changes": {"acronym": {"old": "DINUM", "new": "DINUM-ETALAB"}}},
    )
    added = Membership.objects.get(user=newcomer)
    [created] = audit_entries(added)
    assert (created.action, created.actor, created.data) == (
        AuditAction.ADMIN_CREATE,
        superuser,
        {"values": {"user": newcomer.pk, "administration": administration.pk}},
    )
    assert not Membership.objects.filter(pk=existing.pk).exists()
    [removed] = audit_entries(existing)
    assert (removed.action, removed.actor, removed.data["values"]) == (
        AuditAction.ADMIN_DELETE,
        superuser,
        {"user": existing.user_id, "administration": administration.pk},
    )


def test_memberships_edited_on_their_own_page_are_audited(admin_client_, superuser):
    administration, other = AdministrationFactory(), AdministrationFactory()
    agent = UserFactory()
    response = admin_client_.post(
        url(Membership, "add"), {"user": agent.pk, "administration": administration.pk}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=agent)
    response = admin_client_.post(
        url(Membership, "change", membership.pk), {"user": agent.pk, "administration": other.pk}
    )
    assert response.status_code == 302
    assert [(e.action, e.actor) for e in audit_entries(membership)] == [
        (AuditAction.ADMIN_CREATE, superuser),
        (AuditAction.ADMIN_EDIT, superuser),
    ]
    assert audit_entries(membership)[-1].data == {
        "fields": ["administration"],
        "changes": {"administration": {"old": administration.pk, "new": other.pk}},
    }
    response = bulk_delete(admin_client_, Membership, [membership])
    assert response.status_code == 302
    assert not Membership.objects.exists()
    [deleted] = audit_entries(model=Membership, action=AuditAction.ADMIN_DELETE)
    assert (deleted.actor, deleted.target_id) == (superuser, str(membership.pk))


@pytest.mark.parametrize("model", [Ministry, Administration], ids=["ministry", "administration"])
def test_bulk_deletion_of_referentials_writes_one_entry_per_row(admin_client_, superuser, model):
    rows = (
        [MinistryFactory(), MinistryFactory()]
        if model is Ministry
        else [AdministrationFactory(ministry=None, kind="local_authority") for _ in range(2)]
    )
    assert offers_bulk_delete(admin_client_, model)
    assert bulk_delete(admin_client_, model, rows).status_code == 302
    entries = audit_entries(model=model, action=AuditAction.ADMIN_DELETE)
    assert sorted(e.target_id for e in entries) == sorted(str(r.pk) for r in rows)
    assert {e.actor for e in entries} == {superuser}
    assert not model.objects.filter(pk__in=[r.pk for r in rows]).exists()


# Access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "applicant"])
def test_non_staff_are_sent_to_the_admin_login(client, who):
    if who == "applicant":
        client.force_login(agent_of(AdministrationFactory()))
    for target in (reverse("admin:index"), url(Dossier, "changelist")):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_admin_permissions_see_no_dossier(client):
    client.force_login(StaffFactory())
    assert client.get(url(Dossier, "changelist")).status_code == 403
    assert client.get(url(Administration, "import")).status_code == 403


# CSV import -------------------------------------------------------------------------------------


@pytest.fixture
def ministries(db):
    return [
        MinistryFactory(name="Premier ministre", acronym="PM"),
        MinistryFactory(
            name="Ministère de l’Économie, des Finances et de la Relance", acronym="MEFR"
        ),
    ]


GOOD_CSV = (
    "\ufeffnom;sigle;type;ministere;siret\n"
    "Direction interministérielle du numérique;DINUM;Administration centrale;"
    "Premier ministre;130 025 265 00013\n"
    "Direction régionale des finances publiques de Bretagne;DRFiP 35;deconcentrated;MEFR;\n"
    "Agence pour l’informatique financière de l’État;AIFE;Opérateur;mefr;\n"
    "Commune de Saint-Exemple;;collectivite territoriale;;\n"
)


def _upload(client, model, content, name="import.csv"):
    return client.post(
        url(model, "import"),
        {
            "resource": "0",
            "format": "0",
            "import_file": SimpleUploadedFile(name, content.encode(), "text/csv"),
        },
    )


def test_administrations_import_through_the_admin(admin_client_, ministries):
    assert admin_client_.get(url(Administration, "import")).status_code == 200
    preview = _upload(admin_client_, Administration, GOOD_CSV)
    assert preview.status_code == 200
    confirm = preview.context.get("confirm_form")
    assert confirm is not None, preview.content.decode()
    assert not Administration.objects.exists()  # the preview is a dry run

    done = admin_client_.post(url(Administration, "process_import"), confirm.initial)
    assert done.status_code == 302
    rows = {a.acronym: a for a in Administration.objects.select_related("ministry")}
    assert set(rows) == {"DINUM", "DRFiP 35", "AIFE", ""}
    assert (rows["DINUM"].kind, rows["DINUM"].ministry.acronym, rows["DINUM"].siret) == (
        "central",
        "PM",
        "13002526500013",
    )
    assert (rows["DRFiP 35"].kind, rows["DRFiP 35"].ministry.acronym) == ("deconcentrated", "MEFR")
    assert (rows["AIFE"].kind, rows["AIFE"].ministry.acronym) == ("operator", "MEFR")
    assert (rows[""].kind, rows[""].ministry) == ("local_authority", None)
    assert Ministry.objects.count() == 2  # no ministry was created

    # Importing the same file again updates instead of duplicating.
    preview = _upload(admin_client_, Administration, GOOD_CSV)
    admin_client_.post(
        url(Administration, "process_import"), preview.context["confirm_form"].initial
    )
    assert Administration.objects.count() == 4


@pytest.mark.parametrize(
    "bad_line,message",
    [
        (
            "Service à la clé fausse;SCF;Opérateur;Premier ministre;13002526500012",
            "Ce SIRET n’est pas valide (clé de contrôle).",
        ),
        (
            "Service du ministère inconnu;SMI;Opérateur;Ministère des Loisirs;",
            "Ministère inconnu : « Ministère des Loisirs ».",
        ),
        ("Service au type inconnu;STI;agence;Premier ministre;", "Type inconnu : « agence »"),
        (
            "Service sans ministère;SSM;Opérateur;;",
            "Indiquez le ministère de rattachement",
        ),
    ],
)
def test_a_bad_line_refuses_the_whole_file(admin_client_, ministries, bad_line, message):
    content = GOOD_CSV + bad_line + "\n"
    preview = _upload(admin_client_, Administration, content)
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is None
    assert message in preview.content.decode()
    assert not Administration.objects.exists()


@pytest.mark.parametrize(
    "model,content,message",
    [
        # The column rows are matched on: django-import-export would show a traceback.
        (
            Administration,
            "sigle;type;ministere;siret\nDINUM;central;PM;\n",
            "Il manque la colonne « nom ». Le fichier doit avoir une première ligne avec les "
            "colonnes : nom, sigle, type, ministere, siret.",
        ),
        # Any other column: an English error on every line.
        (
            Administration,
            "nom;sigle;ministere\nDINUM;DINUM;PM\n",
            "Il manque les colonnes « type », « siret ».",
        ),
        (Ministry, "nom\nPremier ministre\n", "Il manque la colonne « sigle »."),
    ],
)
def test_a_missing_column_is_named_in_french(admin_client_, ministries, model, content, message):
    count = model.objects.count()
    preview = _upload(admin_client_, model, content)
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is None
    assert preview.context.get("result") is None
    page = preview.content.decode()
    assert escape(message) in page
    assert "Traceback" not in page
    assert "not found in dataset" not in page
    assert "import_id_fields" not in page
    assert model.objects.count() == count


def test_every_column_present_in_another_order_is_accepted(admin_client_, ministries):
    preview = _upload(admin_client_, Ministry, "sigle,nom\nMC,Ministère de la Culture\n")
    assert preview.context.get("confirm_form") is not None, preview.content.decode()


def test_resource_rolls_back_everything_on_a_bad_line(ministries):
    dataset = tablib.Dataset(headers=["nom", "sigle", "type", "ministere", "siret"])
    dataset.append(["DINUM", "DINUM", "central", "PM", "13002526500013"])
    dataset.append(["Erreur", "ERR", "central", "PM", "13002526500012"])
    result = AdministrationResource().import_data(dataset, dry_run=False, raise_errors=False)
    assert result.has_validation_errors()
    assert not Administration.objects.exists()


def test_ministries_import_through_the_admin(admin_client_):
    content = "nom,sigle\nMinistère de la Culture,MC\nPremier ministre,PM\n"
    preview = _upload(admin_client_, Ministry, content)
    confirm = preview.context.get("confirm_form")
    assert confirm is not None, preview.content.decode()
    admin_client_.post(url(Ministry, "process_import"), confirm.initial)
    assert dict(Ministry.objects.values_list("name", "acronym")) == {
        "Ministère de la Culture": "MC",
        "Premier ministre": "PM",
    }


def test_each_imported_row_is_audited(admin_client_, ministries, superuser):
    preview = _upload(admin_client_, Administration, GOOD_CSV, name="administrations.csv")
    assert not AuditEntry.objects.exists()  # the preview is a dry run
    admin_client_.post(
        url(Administration, "process_import"), preview.context["confirm_form"].initial
    )
    entries = audit_entries(model=Administration)
    assert len(entries) == 4
    assert {e.target_id for e in entries} == {str(a.pk) for a in Administration.objects.all()}
    assert {(e.action, e.actor) for e in entries} == {(AuditAction.ADMIN_IMPORT, superuser)}
    dinum = Administration.objects.get(acronym="DINUM")
    [entry] = audit_entries(dinum)
    assert entry.data == {
        "import_type": "new",
        "file": "administrations.csv",
        "values": {
            "name": "Direction interministérielle du numérique",
            "acronym": "DINUM",
            "kind": "central",
            "ministry": ministries[0].pk,
            "siret": "13002526500013",
            "proconnect_auto_attach": False,
        },
    }

    # The same file again changes nothing (rows skipped): nothing more is recorded. A row
    # that differs is recorded as an update, with its values before and after.
    changed = GOOD_CSV.replace("DRFiP 35;deconcentrated", "DRFIP 35;deconcentrated")
    preview = _upload(admin_client_, Administration, changed, name="corrections.csv")
    admin_client_.post(
        url(Administration, "process_import"), preview.context["confirm_form"].initial
    )
    [update] = audit_entries(model=Administration)[4:]
    assert update.target_id == str(Administration.objects.get(acronym="DRFIP 35").pk)
    assert update.data == {
        "import_type": "update",
        "file": "corrections.csv",
        "changes": {"acronym": {"old": "DRFiP 35", "new": "DRFIP 35"}},
    }


def test_a_refused_file_records_nothing(admin_client_, ministries):
    content = GOOD_CSV + "Service à la clé fausse;SCF;Opérateur;Premier ministre;13002526500012\n"
    preview = _upload(admin_client_, Administration, content)
    assert preview.context.get("confirm_form") is None
    assert not AuditEntry.objects.exists()


def test_imported_ministries_are_audited(admin_client_, superuser):
    preview = _upload(admin_client_, Ministry, "nom,sigle\nMinistère de la Culture,MC\n")
    admin_client_.post(url(Ministry, "process_import"), preview.context["confirm_form"].initial)
    ministry = Ministry.objects.get()
    [entry] = audit_entries(ministry)
    assert (entry.action, entry.actor, entry.data["values"]) == (
        AuditAction.ADMIN_IMPORT,
        superuser,
        {"name": "Ministère de la Culture", "acronym": "MC"},
    )


# Email retry ------------------------------------------------------------------------------------


@pytest.mark.tasks_by_hand
def test_resend_action_enqueues_the_failed_emails(admin_client_, settings, mailoutbox):
    settings.EMAIL_BACKEND = FAILING
    failed = OutgoingEmail.objects.create(to=["a@exemple.gouv.fr"], subject="Un", body="Texte")
    sent = OutgoingEmail.objects.create(
        to=["b@exemple.gouv.fr"], subject="Deux", body="Texte", status=OutgoingEmail.Status.SENT
    )
    action = {"action": "resend", "_selected_action": [failed.pk, sent.pk]}

    response = admin_client_.post(url(OutgoingEmail, "changelist"), action, follow=True)
    content = response.content.decode()
    assert "1 courriel remis à l’envoi" in content
    assert "1 courriel déjà envoyé" in content
    # Nothing is sent inside the request: one task, for the email not sent yet.
    assert [t.args_kwargs["args"] for t in DBTaskResult.objects.ready()] == [[failed.pk]]
    assert not mailoutbox
    assert run_tasks() == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutgoingEmail.Status.FAILED, 1)

    settings.EMAIL_BACKEND = LOCMEM
    admin_client_.post(url(OutgoingEmail, "changelist"), action, follow=True)
    assert run_tasks() == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutgoingEmail.Status.SENT, 2)
    assert [m.subject for m in mailoutbox] == ["Un"]


def test_workflow_email_visible_in_the_admin(admin_client_, staff):
    dossier = DossierFactory(state=DossierState.SUBMITTED)
    agent_of(dossier.administration)
    workflow.request_additions(staff, dossier, message="Joignez le devis.")
    email = OutgoingEmail.objects.get()
    response = admin_client_.get(url(OutgoingEmail, "change", email.pk))
    assert "Joignez le devis." in response.content.decode()

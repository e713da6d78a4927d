"""Django admin: every page loads, dossier states stay read-only, CSV import, email retry."""

from decimal import Decimal

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from relance import audit
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
    Ministry,
    PreselectionPublication,
)
from submissions.resources import AdministrationResource
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    DossierFactory,
    MinistryFactory,
    StaffFactory,
    UserFactory,
    agent_of,
)

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
    audit.record(superuser, "test", dossier, from_state="draft", to_state="submitted")
    OutgoingEmail.objects.create(to=["a@exemple.gouv.fr"], subject="Objet", body="Texte")
    return {
        User: superuser,
        AuditEntry: AuditEntry.objects.first(),
        OutgoingEmail: OutgoingEmail.objects.first(),
        Ministry: administration.ministry,
        Administration: administration,
        Membership: Membership.objects.first(),
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
        ({"q": dossier.administration.name}, {dossier}),
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
            audit.record(None, "test", dossier)
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


def _change_form_data(response):
    """The POST data of an admin change form as displayed (main form and inlines)."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = "" if value is None else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


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
    assert (entry.actor, entry.data) == (superuser, {"fields": ["title"]})


def test_dossier_category_must_belong_to_its_call(admin_client_, one_of_each):
    from tests.factories import CategoryFactory

    dossier = one_of_each[Dossier]
    foreign = CategoryFactory(call=CallFactory())
    page = admin_client_.get(url(Dossier, "change", dossier.pk))
    assert foreign not in page.context["adminform"].form.fields["category"].queryset
    data = _change_form_data(page)
    data["category"] = foreign.pk
    response = admin_client_.post(url(Dossier, "change", dossier.pk), data)
    assert response.status_code == 200
    assert "category" in response.context["adminform"].form.errors
    assert Dossier.objects.get(pk=dossier.pk).category_id == dossier.category_id


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
    assert entry.action == "test"


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


# Email retry ------------------------------------------------------------------------------------


def test_resend_action_retries_failed_emails(admin_client_, settings, mailoutbox):
    settings.EMAIL_BACKEND = FAILING
    failed = OutgoingEmail.objects.create(to=["a@exemple.gouv.fr"], subject="Un", body="Texte")
    sent = OutgoingEmail.objects.create(
        to=["b@exemple.gouv.fr"], subject="Deux", body="Texte", status=OutgoingEmail.Status.SENT
    )
    action = {"action": "resend", "_selected_action": [failed.pk, sent.pk]}

    response = admin_client_.post(url(OutgoingEmail, "changelist"), action, follow=True)
    failed.refresh_from_db()
    assert failed.status == OutgoingEmail.Status.FAILED
    assert "toujours en échec" in response.content.decode()

    settings.EMAIL_BACKEND = LOCMEM
    response = admin_client_.post(url(OutgoingEmail, "changelist"), action, follow=True)
    failed.refresh_from_db()
    assert failed.status == OutgoingEmail.Status.SENT
    content = response.content.decode()
    assert "1 courriel envoyé." in content
    assert "1 courriel déjà envoyé" in content
    assert [m.subject for m in mailoutbox] == ["Un"]


def test_workflow_email_visible_in_the_admin(admin_client_, staff):
    dossier = DossierFactory(state=DossierState.SUBMITTED)
    agent_of(dossier.administration)
    workflow.request_additions(staff, dossier, message="Joignez le devis.")
    email = OutgoingEmail.objects.get()
    response = admin_client_.get(url(OutgoingEmail, "change", email.pk))
    assert "Joignez le devis." in response.content.decode()

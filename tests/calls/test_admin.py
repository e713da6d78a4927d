"""Django admin of programmes, calls, categories and criteria."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import AdministrationKind, Call, CallStatus, Category, Criterion, Programme
from relance.admin import snapshot
from relance.audit import AuditAction
from relance.models import AuditEntry
from tests.admin_helpers import audit_entries, bulk_delete, change_form_data, offers_bulk_delete
from tests.factories import (
    CallFactory,
    CategoryFactory,
    ContinuousCallFactory,
    CriterionFactory,
    ProgrammeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
MODELS = [Programme, Call, Category, Criterion]


def url(model, view, *args):
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client_(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def one_of_each():
    call = CallFactory(title="Appel numéro un")
    return {
        Programme: call.programme,
        Call: call,
        Category: CategoryFactory(call=call),
        Criterion: CriterionFactory(call=call),
    }


def test_admin_index_lists_the_models(admin_client_):
    content = admin_client_.get(reverse("admin:index")).content.decode()
    for model in MODELS:
        assert url(model, "changelist") in content


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_changelist_add_and_change_pages_load(admin_client_, one_of_each, model):
    assert admin_client_.get(url(model, "changelist")).status_code == 200
    assert admin_client_.get(url(model, "changelist"), {"q": "numéro"}).status_code == 200
    assert admin_client_.get(url(model, "add")).status_code == 200
    assert admin_client_.get(url(model, "change", one_of_each[model].pk)).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_non_staff_users_are_sent_to_the_admin_login(client, one_of_each, model):
    pages = [
        url(model, "changelist"),
        url(model, "add"),
        url(model, "change", one_of_each[model].pk),
    ]
    for page in pages:
        response = client.get(page)  # anonymous
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    client.force_login(UserFactory())
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_call_change_page_has_inlines_and_checkboxes(admin_client_, one_of_each):
    response = admin_client_.get(url(Call, "change", one_of_each[Call].pk))
    prefixes = [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]
    assert prefixes == ["categories", "criteria"]
    content = response.content.decode()
    for kind in AdministrationKind.values:
        assert f'type="checkbox" name="eligible_kinds" value="{kind}"' in content
    form = response.context["adminform"].form
    assert "results_published_at" not in form.fields  # shown, never edited
    assert "Résultats publiés le" in content
    assert response.context["adminform"].prepopulated_fields[0]["field"].name == "slug"


def test_call_changelist_shows_and_filters_the_derived_status(admin_client_):
    now = timezone.now()
    open_call = CallFactory(title="Ouvert")
    upcoming = CallFactory(
        title="À venir", opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2)
    )
    closed = CallFactory(
        title="Clos", opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1)
    )
    results = CallFactory(
        title="Résultats", opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=8)
    )
    Call.objects.filter(pk=results.pk).update(results_published_at=now - timedelta(days=1))
    expected = {
        CallStatus.OPEN: open_call,
        CallStatus.UPCOMING: upcoming,
        CallStatus.CLOSED: closed,
        CallStatus.RESULTS_PUBLISHED: results,
    }
    response = admin_client_.get(url(Call, "changelist"))
    content = response.content.decode()
    for status in CallStatus:
        assert f'<td class="field-status_display">{status.label}</td>' in content
    for status, call in expected.items():
        response = admin_client_.get(url(Call, "changelist"), {"statut": status.value})
        assert list(response.context["cl"].result_list) == [call], status
    # Sorting on the status column works (it is the SQL annotation).
    assert admin_client_.get(url(Call, "changelist"), {"o": "5"}).status_code == 200


def _count(client, model):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url(model, "changelist")).status_code == 200
    return len(ctx.captured_queries)


def test_changelists_run_a_constant_number_of_queries(admin_client_):
    programme = ProgrammeFactory()

    def add(n):
        for _ in range(n):
            call = CallFactory(programme=programme)
            CategoryFactory(call=call)
            CriterionFactory(call=call)

    add(2)
    small = {model: _count(admin_client_, model) for model in MODELS}
    add(10)
    large = {model: _count(admin_client_, model) for model in MODELS}
    assert small == large


def admin_errors(response):
    """The errors of an admin change form, of the main form and of its inlines."""
    if response.context is None:
        return None
    errors = dict(response.context["adminform"].form.errors)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        errors[formset.prefix] = [formset.non_form_errors(), *formset.errors]
    return errors


def call_form_data(programme, **overrides):
    data = {
        "programme": programme.pk,
        "kind": "round",
        "number": "2",
        "title": "Deuxième appel à projets",
        "slug": "deuxieme-appel",
        "summary": "Deuxième vague.",
        "description": "",
        "how_to_apply": "En ligne.",
        "opens_at_0": "15/04/2021",
        "opens_at_1": "09:00:00",
        "closes_at_0": "15/06/2021",
        "closes_at_1": "23:59:59",
        "amount_ceiling": "",
        "eligible_kinds": ["operator", "central"],
        "ineligible_note": "Les collectivités ont un fonds dédié.",
        "ineligible_link": "exemple.gouv.fr/collectivites",
        "is_public": "on",
        "categories-TOTAL_FORMS": "2",
        "categories-INITIAL_FORMS": "0",
        "categories-MIN_NUM_FORMS": "0",
        "categories-MAX_NUM_FORMS": "1000",
        "categories-0-order": "1",
        "categories-0-name": "Développement d’API",
        "categories-0-description": "",
        "categories-1-order": "2",
        "categories-1-name": "Catalogue de données",
        "categories-1-description": "",
        "criteria-TOTAL_FORMS": "1",
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
        "criteria-0-order": "1",
        "criteria-0-label": "Pérennité",
        "criteria-0-description": "Le projet dure.",
        "criteria-0-weight": "1.5",
        "criteria-0-scale_max": "5",
        # Not a field of the form: ignored.
        "results_published_at": "01/01/2021 00:00:00",
    }
    data.update(overrides)
    return data


def test_a_call_is_created_through_the_admin_with_its_categories_and_criteria(admin_client_):
    programme = ProgrammeFactory()
    response = admin_client_.post(url(Call, "add"), call_form_data(programme))
    assert response.status_code == 302, admin_errors(response)
    call = Call.objects.get(slug="deuxieme-appel")
    assert call.programme == programme
    assert call.number == 2
    # Typed in Paris time.
    assert call.opens_at == datetime(2021, 4, 15, 7, 0, tzinfo=UTC)
    assert call.closes_at == datetime(2021, 6, 15, 23, 59, 59, tzinfo=PARIS)
    assert call.eligible_kinds == ["central", "operator"]  # in the order of the choices
    assert call.ineligible_link == "https://exemple.gouv.fr/collectivites"
    assert call.results_published_at is None
    assert [c.name for c in call.categories.all()] == [
        "Développement d’API",
        "Catalogue de données",
    ]
    criterion = call.criteria.get()
    assert (criterion.label, criterion.weight, criterion.scale_max) == (
        "Pérennité",
        Decimal("1.5"),
        5,
    )


def test_a_call_is_changed_through_the_admin(admin_client_):
    call = ContinuousCallFactory(eligible_kinds=["central"])
    data = call_form_data(
        call.programme,
        kind="continuous",
        number="",
        slug=call.slug,
        closes_at_0="",
        closes_at_1="",
        amount_ceiling="100000",
        eligible_kinds=["central", "local_authority"],
        **{"categories-TOTAL_FORMS": "0", "criteria-TOTAL_FORMS": "0"},
    )
    response = admin_client_.post(url(Call, "change", call.pk), data)
    assert response.status_code == 302, admin_errors(response)
    call.refresh_from_db()
    assert call.eligible_kinds == ["central", "local_authority"]
    assert call.closes_at is None
    assert call.amount_ceiling == Decimal("100000")


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"number": ""}, "number", "Un appel numéroté doit avoir un numéro."),
        (
            {"closes_at_0": "", "closes_at_1": ""},
            "closes_at",
            "Un appel numéroté doit avoir une date de clôture.",
        ),
        (
            {"closes_at_0": "15/04/2021", "closes_at_1": "09:00:00"},
            "closes_at",
            "La clôture doit être postérieure à l’ouverture.",
        ),
        (
            {"eligible_kinds": []},
            "eligible_kinds",
            "Cochez au moins un type d’administration éligible.",
        ),
        ({"number": "1"}, "number", "Ce programme a déjà un appel numéroté 1."),
        ({"title": ""}, "title", "Ce champ est obligatoire."),
    ],
)
def test_admin_validation_messages_are_in_french(admin_client_, overrides, field, message):
    programme = CallFactory(number=1).programme
    response = admin_client_.post(url(Call, "add"), call_form_data(programme, **overrides))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert message in response.content.decode()
    assert not Call.objects.filter(slug="deuxieme-appel").exists()


@pytest.mark.parametrize(
    "overrides,prefix,field",
    [
        ({"categories-1-name": "Développement d’API"}, "categories", "nom"),
        (
            {
                "criteria-TOTAL_FORMS": "2",
                "criteria-1-order": "2",
                "criteria-1-label": "Pérennité",
                "criteria-1-weight": "1",
                "criteria-1-scale_max": "5",
            },
            "criteria",
            "intitulé",
        ),
    ],
)
def test_duplicates_in_the_inlines_are_refused_in_french(admin_client_, overrides, prefix, field):
    response = admin_client_.post(url(Call, "add"), call_form_data(ProgrammeFactory(), **overrides))
    assert response.status_code == 200
    assert not Call.objects.filter(slug="deuxieme-appel").exists()
    message = (
        f"Deux lignes portent la même valeur pour « {field} » : elle doit être unique dans l’appel."
    )
    assert admin_errors(response)[prefix][0] == [message]
    assert message in response.content.decode()


def test_a_programme_is_created_through_the_admin(admin_client_):
    response = admin_client_.post(
        url(Programme, "add"),
        {
            "title": "France Relance",
            "slug": "france-relance",
            "operator": "Etalab",
            "summary": "Résumé.",
            "description": "",
            "is_public": "on",
        },
    )
    assert response.status_code == 302
    assert Programme.objects.get(slug="france-relance").title == "France Relance"


# Every edit is audited ----------------------------------------------------------------------


def test_creating_a_call_audits_it_and_each_inline_row(admin_client_, superuser):
    programme = ProgrammeFactory()
    response = admin_client_.post(url(Call, "add"), call_form_data(programme))
    assert response.status_code == 302, admin_errors(response)
    call = Call.objects.get(slug="deuxieme-appel")

    [entry] = audit_entries(call)
    assert (entry.action, entry.actor) == (AuditAction.ADMIN_CREATE, superuser)
    values = entry.data["values"]
    assert {name: values[name] for name in ("programme", "kind", "number", "title", "slug")} == {
        "programme": programme.pk,
        "kind": "round",
        "number": 2,
        "title": "Deuxième appel à projets",
        "slug": "deuxieme-appel",
    }
    assert values["opens_at"] == "2021-04-15T07:00:00+00:00"
    assert values["eligible_kinds"] == ["central", "operator"]
    assert values["ineligible_link"] == "https://exemple.gouv.fr/collectivites"
    assert (values["is_public"], values["is_demo"], values["amount_ceiling"]) == (
        True,
        False,
        None,
    )
    assert "summary" not in values  # a text: not copied into the log

    categories = audit_entries(model=Category)
    assert [(e.action, e.actor, e.data["values"]) for e in categories] == [
        (AuditAction.ADMIN_CREATE, superuser, {"call": call.pk, "name": name, "order": order})
        for name, order in (("Développement d’API", 1), ("Catalogue de données", 2))
    ]
    assert {e.target_id for e in categories} == {str(c.pk) for c in call.categories.all()}
    [criterion] = audit_entries(model=Criterion)
    assert (criterion.action, criterion.target_id) == (
        AuditAction.ADMIN_CREATE,
        str(call.criteria.get().pk),
    )
    assert criterion.data["values"] == {
        "call": call.pk,
        "label": "Pérennité",
        "weight": "1.50",
        "scale_max": 5,
        "order": 1,
    }


@pytest.fixture
def call_with_rows():
    call = CallFactory(
        title="Premier appel",
        opens_at=datetime(2021, 1, 1, 8, 0, tzinfo=UTC),
        closes_at=datetime(2021, 1, 31, 23, 0, tzinfo=UTC),
    )
    return (
        call,
        CategoryFactory(call=call, name="API", order=1),
        CriterionFactory(call=call, label="Pérennité", order=1),
    )


def test_changing_a_call_audits_each_field_and_inline_row(admin_client_, superuser, call_with_rows):
    call, category, criterion = call_with_rows
    page = admin_client_.get(url(Call, "change", call.pk))
    data = change_form_data(page)
    data.update(
        {
            "title": "Premier appel à projets",
            "closes_at_0": "28/02/2021",
            "closes_at_1": "12:00:00",
            "description": "Une description plus longue.",
            "categories-0-name": "Développement d’API",
            "criteria-0-DELETE": "on",
            "categories-TOTAL_FORMS": "2",
            "categories-1-order": "2",
            "categories-1-name": "Catalogues",
            "categories-1-description": "",
        }
    )
    response = admin_client_.post(url(Call, "change", call.pk), data)
    assert response.status_code == 302, admin_errors(response)

    [entry] = audit_entries(call)
    assert (entry.action, entry.actor) == (AuditAction.ADMIN_EDIT, superuser)
    assert entry.data == {
        "fields": ["closes_at", "description", "title"],
        "changes": {  # before and after for short fields; the name only for texts
            "closes_at": {
                "old": "2021-01-31T23:00:00+00:00",
                "new": "2021-02-28T11:00:00+00:00",
            },
            "title": {"old": "Premier appel", "new": "Premier appel à projets"},
        },
    }
    [renamed] = audit_entries(category)
    assert (renamed.action, renamed.actor, renamed.data) == (
        AuditAction.ADMIN_EDIT,
        superuser,
        {"fields": ["name"], "changes": {"name": {"old": "API", "new": "Développement d’API"}}},
    )
    added = call.categories.get(name="Catalogues")
    [created] = audit_entries(added)
    assert (created.action, created.data["values"]["name"]) == (
        AuditAction.ADMIN_CREATE,
        "Catalogues",
    )
    assert not Criterion.objects.filter(pk=criterion.pk).exists()
    [deleted] = audit_entries(criterion)
    assert (deleted.action, deleted.actor) == (AuditAction.ADMIN_DELETE, superuser)
    assert deleted.data["repr"] == str(criterion)
    assert deleted.data["values"]["label"] == "Pérennité"


def test_saving_an_unchanged_call_writes_no_entry(admin_client_, call_with_rows):
    call, _category, _criterion = call_with_rows
    data = change_form_data(admin_client_.get(url(Call, "change", call.pk)))
    response = admin_client_.post(url(Call, "change", call.pk), data)
    assert response.status_code == 302, admin_errors(response)
    assert not AuditEntry.objects.exists()


def test_a_refused_form_writes_no_entry(admin_client_, call_with_rows):
    call, _category, _criterion = call_with_rows
    data = change_form_data(admin_client_.get(url(Call, "change", call.pk)))
    data.update(title="Nouveau titre", **{"categories-0-name": ""})
    assert admin_client_.post(url(Call, "change", call.pk), data).status_code == 200
    assert Call.objects.get(pk=call.pk).title == "Premier appel"
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    "model,changes",
    [
        (Programme, {"operator": "DITP"}),
        (Category, {"name": "Données ouvertes"}),
        (Criterion, {"weight": "2", "scale_max": "10"}),
    ],
    ids=["programme", "category", "criterion"],
)
def test_programmes_categories_and_criteria_edits_are_audited(
    admin_client_, superuser, one_of_each, model, changes
):
    obj = one_of_each[model]
    page = admin_client_.get(url(model, "change", obj.pk))
    data = change_form_data(page)
    data.update(changes)
    response = admin_client_.post(url(model, "change", obj.pk), data)
    assert response.status_code == 302, admin_errors(response)
    [entry] = audit_entries(obj)
    assert (entry.action, entry.actor) == (AuditAction.ADMIN_EDIT, superuser)
    assert entry.data["fields"] == sorted(changes)
    old = snapshot(obj)
    obj.refresh_from_db()
    assert entry.data["changes"] == {
        name: {"old": old[name], "new": snapshot(obj)[name]} for name in changes
    }


def test_a_deleted_criterion_is_audited(admin_client_, superuser, one_of_each):
    criterion = one_of_each[Criterion]
    pk = criterion.pk
    response = admin_client_.post(url(Criterion, "delete", pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Criterion.objects.filter(pk=pk).exists()
    [entry] = AuditEntry.objects.filter(action=AuditAction.ADMIN_DELETE)
    assert (entry.actor, entry.target_type.model_class(), entry.target_id) == (
        superuser,
        Criterion,
        str(pk),
    )
    assert entry.data == {"repr": str(criterion), "values": snapshot(criterion)}


def test_a_deleted_call_lists_the_categories_and_criteria_it_takes(
    admin_client_, superuser, call_with_rows
):
    call, category, criterion = call_with_rows
    response = admin_client_.post(url(Call, "delete", call.pk), {"post": "yes"})
    assert response.status_code == 302
    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.actor, entry.target_id) == (
        AuditAction.ADMIN_DELETE,
        superuser,
        str(call.pk),
    )
    assert entry.data["cascade"] == {
        "calls.category": [category.pk],
        "calls.criterion": [criterion.pk],
    }


def test_a_call_with_dossiers_is_not_deleted_and_nothing_is_recorded(admin_client_):
    from tests.factories import DossierFactory

    dossier = DossierFactory()
    response = admin_client_.post(url(Call, "delete", dossier.call_id), {"post": "yes"})
    assert response.status_code == 200  # Django lists the protected dossiers
    assert Call.objects.filter(pk=dossier.call_id).exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_bulk_deletion_writes_one_entry_per_row(admin_client_, superuser, model):
    factory = {
        Programme: ProgrammeFactory,
        Call: CallFactory,
        Category: CategoryFactory,
        Criterion: CriterionFactory,
    }[model]
    rows = [factory(), factory()]
    assert offers_bulk_delete(admin_client_, model)
    response = bulk_delete(admin_client_, model, rows)
    assert response.status_code == 302
    assert not model.objects.filter(pk__in=[r.pk for r in rows]).exists()
    entries = audit_entries(model=model, action=AuditAction.ADMIN_DELETE)
    assert sorted(e.target_id for e in entries) == sorted(str(r.pk) for r in rows)
    assert {e.actor for e in entries} == {superuser}

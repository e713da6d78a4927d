"""A programme's managers prepare, duplicate, check, publish and extend its calls: through
``calls.editor`` and the screens under /instruction/programmes/<slug>/appels/."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls import editor, publication
from calls import urls as calls_urls
from calls.editor import CallEditError, Row
from calls.models import Call, CallKind, Category, Criterion, ProgrammeRoleKind
from relance.formatting import PARIS, to_paris
from relance.models import AuditEntry, OutgoingEmail
from relance.workflow import WorkflowError
from submissions import workflow as dossiers
from submissions.models import Dossier, DossierState
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    CategoryFactory,
    CriterionFactory,
    DossierFactory,
    ProgrammeFactory,
    RequiredDocumentFactory,
    StaffFactory,
    UserFactory,
    agent_of,
    default_programme,
)
from tests.jury.factories import EvaluationFactory, JuryFactory, JuryMemberFactory, ScoreFactory

pytestmark = pytest.mark.django_db

R = ProgrammeRoleKind


@pytest.fixture
def programme():
    return default_programme()


@pytest.fixture
def manager(programme):
    return StaffFactory(programmes=[programme], programmes__role=R.MANAGER)


@pytest.fixture
def instructor(programme):
    return StaffFactory(programmes=[programme])


def paris(*args):
    return datetime(*args, tzinfo=PARIS)


def future(days, hour=9):
    day = to_paris(timezone.now()).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=PARIS)


def call_fields(**overrides):
    fields = {
        "kind": CallKind.ROUND,
        "number": 7,
        "title": "Septième appel à projets",
        "slug": "",
        "summary": "Cofinancer les projets de données.",
        "description": "Description.",
        "how_to_apply": "Déposez en ligne.",
        "opens_at": future(10),
        "closes_at": future(60, 12),
        "amount_ceiling": None,
        "eligible_kinds": ["central", "operator"],
        "max_dossiers_per_administration": 2,
        "ineligible_note": "",
        "ineligible_link": "",
    }
    return {**fields, **overrides}


def rows(*values):
    return [Row(pk=None, values=v) for v in values]


def a_draft(manager, programme, **overrides):
    return editor.create_call(
        manager,
        programme,
        fields=call_fields(**overrides),
        categories=rows({"name": "API", "description": "", "order": 1}),
        criteria=rows(
            {
                "label": "Bénéfices",
                "description": "",
                "weight": Decimal("2"),
                "scale_max": 5,
                "order": 1,
            }
        ),
        documents=rows(
            {"label": "Lettre d’engagement", "description": "", "is_required": True, "order": 1}
        ),
    )


# Creating, checking, publishing -----------------------------------------------------------


def test_manager_creates_a_draft_invisible_to_the_public(manager, programme, client):
    call = a_draft(manager, programme)
    assert call.is_draft and call.slug == "septieme-appel-a-projets"
    assert [c.name for c in call.categories.all()] == ["API"]
    assert call.criteria.get().weight == Decimal("2")
    assert call.documents.get().is_required
    assert call.max_dossiers_per_administration == 2
    entry = AuditEntry.objects.get(action="call_create")
    assert entry.actor == manager and entry.data["fields"]["number"] == 7
    assert call not in Call.objects.public()
    assert client.get(call.get_absolute_url()).status_code == 404
    assert call not in Call.objects.open(future(20))


def test_no_dossier_in_a_draft_even_once_its_dates_are_open(manager, programme, client):
    call = a_draft(manager, programme, opens_at=timezone.now() - timedelta(days=1))
    administration = AdministrationFactory()
    agent = agent_of(administration)
    with pytest.raises(WorkflowError):
        dossiers.create_dossier(agent, call, administration, title="Projet")
    client.force_login(agent)
    url = reverse("submissions:dossier_create", kwargs={"call_slug": call.slug})
    assert client.get(url).status_code == 404
    assert client.post(url, {"title": "Projet"}).status_code == 404
    assert not Dossier.objects.exists()


def test_instructor_and_other_manager_cannot_create(instructor, programme):
    other = StaffFactory(programmes=[ProgrammeFactory()], programmes__role=R.MANAGER)
    for user in (instructor, other):
        with pytest.raises(WorkflowError):
            editor.create_call(user, programme, fields=call_fields())
    assert not Call.objects.exists()


def test_bad_dates_duplicate_number_and_slug_are_refused_next_to_their_field(manager, programme):
    CallFactory(number=3, slug="pris")
    with pytest.raises(CallEditError) as exc:
        editor.create_call(
            manager,
            programme,
            fields=call_fields(number=3, slug="pris", closes_at=future(5), opens_at=future(10)),
        )
    assert set(exc.value.errors) >= {"number", "slug", "closes_at"}
    assert Call.objects.count() == 1


def test_check_lists_every_missing_piece_and_publishing_waits_for_them(manager, programme):
    call = editor.create_call(
        manager,
        programme,
        fields=call_fields(eligible_kinds=[], how_to_apply="", closes_at=future(20)),
    )
    anchors = {p.anchor for p in publication.call_problems(call)}
    assert anchors == {"categories", "criteria", "id_eligible_kinds", "id_how_to_apply"}
    with pytest.raises(WorkflowError, match="aucune catégorie"):
        publication.publish_call(manager, call)
    call.refresh_from_db()
    assert call.is_draft
    # A closing already passed is reported too.
    Call.objects.filter(pk=call.pk).update(
        opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() - timedelta(days=1)
    )
    call.refresh_from_db()
    assert "id_closes_on" in {p.anchor for p in publication.call_problems(call)}


def test_publishing_a_complete_draft(manager, programme, client):
    call = a_draft(manager, programme)
    assert publication.call_problems(call) == []
    publication.publish_call(manager, call)
    call.refresh_from_db()
    assert not call.is_draft and call in Call.objects.public()
    assert client.get(call.get_absolute_url()).status_code == 200
    assert AuditEntry.objects.filter(action="call_publish", to_state="published").count() == 1
    with pytest.raises(WorkflowError, match="déjà publié"):
        publication.publish_call(manager, call)


def test_published_call_keeps_its_address_kind_and_number(manager, programme):
    call = a_draft(manager, programme)
    publication.publish_call(manager, call)
    with pytest.raises(CallEditError) as exc:
        editor.update_call(manager, call, fields=call_fields(slug="autre", number=8))
    assert set(exc.value.errors) == {"slug", "number"}
    call.refresh_from_db()
    assert (call.slug, call.number) == ("septieme-appel-a-projets", 7)


# Duplicating ------------------------------------------------------------------------------


def test_duplicate_copies_everything_but_dates_number_title_address(manager, programme):
    source = CallFactory(
        number=1,
        opens_at=paris(2020, 10, 27, 9, 0),
        closes_at=paris(2020, 12, 15, 23, 59, 59),
        how_to_apply="Déposez.",
        eligible_kinds=["central"],
        max_dossiers_per_administration=3,
        amount_ceiling=Decimal("50000"),
    )
    CategoryFactory(call=source, name="API", order=2)
    CategoryFactory(call=source, name="Pilotage", order=1)
    CriterionFactory(call=source, label="Pérennité", weight=Decimal("1.5"), scale_max=10)
    RequiredDocumentFactory(call=source, label="Devis", is_required=False)
    CallFactory(number=99, is_demo=True)

    defaults = editor.duplicate_defaults(source)
    assert defaults["number"] == 2  # the demonstration call's number does not count
    opens = to_paris(defaults["opens_at"])
    assert opens.weekday() == 1 and (opens.hour, opens.minute) == (9, 0)  # a Tuesday, 9:00
    assert defaults["opens_at"] >= timezone.now() + editor.DUPLICATE_LEAD
    closes = to_paris(defaults["closes_at"])
    assert (closes.hour, closes.minute, closes.second) == (23, 59, 59)

    copy = editor.duplicate_call(manager, source, fields=defaults)
    assert copy.is_draft and copy.number == 2 and copy.programme == programme
    assert (copy.eligible_kinds, copy.max_dossiers_per_administration) == (["central"], 3)
    assert copy.amount_ceiling == Decimal("50000") and copy.how_to_apply == "Déposez."
    assert [c.name for c in copy.categories.all()] == ["Pilotage", "API"]
    criterion = copy.criteria.get()
    assert (criterion.label, criterion.weight, criterion.scale_max) == (
        "Pérennité",
        Decimal("1.5"),
        10,
    )
    assert not copy.documents.get().is_required
    assert AuditEntry.objects.get(action="call_duplicate").data["source"] == source.slug
    # Twice the same form (double submit): the number is taken, nothing is created twice.
    with pytest.raises(CallEditError):
        editor.duplicate_call(manager, source, fields=defaults)
    assert Call.objects.filter(number=2).count() == 1


# Locks ------------------------------------------------------------------------------------


@pytest.fixture
def used_call(manager):
    """A published, open call whose category holds a dossier and whose criterion scored a
    submitted evaluation."""
    call = CallFactory()
    category = CategoryFactory(call=call, name="API")
    free_category = CategoryFactory(call=call, name="Libre")
    criterion = CriterionFactory(call=call, label="Bénéfices")
    free_criterion = CriterionFactory(call=call, label="Libre")
    member = JuryMemberFactory(jury=JuryFactory(call=call))
    evaluation = EvaluationFactory(member=member)
    evaluation.dossier.category = category
    evaluation.dossier.save()
    ScoreFactory(evaluation=evaluation, criterion=criterion)
    return call, category, free_category, criterion, free_criterion


def test_locks_are_enforced_by_the_workflow(manager, used_call):
    call, category, free_category, criterion, free_criterion = used_call
    assert editor.category_locks(call).keys() == {category.pk}
    assert editor.criterion_locks(call).keys() == {criterion.pk}
    fields = editor.call_initial_fields(call)
    attempts = [
        {"categories": [Row(category.pk, {"name": "Renommée"})]},
        {"categories": [Row(category.pk, {}, delete=True)]},
        {"criteria": [Row(criterion.pk, {"weight": Decimal("3")})]},
        {"criteria": [Row(criterion.pk, {"scale_max": 10})]},
        {"criteria": [Row(criterion.pk, {}, delete=True)]},
    ]
    for attempt in attempts:
        with pytest.raises(CallEditError):
            editor.update_call(manager, call, fields=fields, **attempt)
    category.refresh_from_db()
    criterion.refresh_from_db()
    assert category.name == "API" and (criterion.weight, criterion.scale_max) == (Decimal(1), 5)
    # What does not change a dossier's meaning stays editable.
    editor.update_call(
        manager,
        call,
        fields=fields,
        categories=[Row(free_category.pk, {}, delete=True), Row(category.pk, {"order": 9})],
        criteria=[
            Row(criterion.pk, {"label": "Bénéfices attendus"}),
            Row(free_criterion.pk, {"weight": Decimal("2")}),
        ],
    )
    assert not Category.objects.filter(pk=free_category.pk).exists()
    assert Criterion.objects.get(pk=criterion.pk).label == "Bénéfices attendus"
    assert Criterion.objects.get(pk=free_criterion.pk).weight == Decimal("2")


def test_opened_call_keeps_its_dates(manager):
    call = CallFactory()
    fields = editor.call_initial_fields(call)
    with pytest.raises(CallEditError) as exc:
        editor.update_call(
            manager, call, fields={**fields, "closes_at": call.closes_at + timedelta(days=3)}
        )
    assert "closes_at" in exc.value.errors


def edit_url(call):
    return reverse(
        "calls:staff_call_edit", kwargs={"slug": call.programme.slug, "call_slug": call.slug}
    )


def edit_post(client, call):
    """The edit page's form as the browser sends it back, as a dict to change."""
    response = client.get(edit_url(call))
    assert response.status_code == 200
    form = response.context["form"]
    data = {}
    for name, _field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list):
            data[name] = value
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    for prefix, formset in response.context["formsets"].items():
        for key, value in formset.management_form.initial.items():
            data[f"{prefix}-{key}"] = value
        for i, row in enumerate(formset.forms):
            for name in row.fields:
                value = row[name].value()
                if value is None or value is False:
                    continue
                data[f"{prefix}-{i}-{name}"] = "on" if value is True else str(value)
    return data


def test_locked_fields_cannot_be_changed_via_post(client, manager, used_call):
    call, category, _free_category, criterion, _free_criterion = used_call
    client.force_login(manager)
    response = client.get(edit_url(call))
    html = response.content.decode()
    assert "Des dossiers sont déposés dans cette catégorie" in html
    assert "Des évaluations transmises utilisent ce critère" in html
    data = edit_post(client, call)
    rows = {v: k.rsplit("-", 1)[0] for k, v in data.items() if v in ("API", "Bénéfices")}
    category_row, criterion_row = rows["API"], rows["Bénéfices"]
    data.update(
        {
            f"{category_row}-name": "Renommée",
            f"{category_row}-DELETE": "on",
            f"{criterion_row}-weight": "7",
            f"{criterion_row}-scale_max": "20",
            f"{criterion_row}-DELETE": "on",
            "closes_on": "2099-01-01",
            "slug": "autre-adresse",
            "summary": "Résumé modifié.",
        }
    )
    response = client.post(edit_url(call), data)
    assert response.status_code == 302, (
        response.context["form"].errors,
        [fs.errors for fs in response.context["formsets"].values()],
    )
    category.refresh_from_db()
    criterion.refresh_from_db()
    call.refresh_from_db()
    assert category.name == "API"
    assert (criterion.weight, criterion.scale_max) == (Decimal(1), 5)
    assert call.slug.startswith("appel-") and call.closes_at.year != 2099
    assert call.summary == "Résumé modifié."  # what is not locked was saved


def test_edit_page_saves_rows_and_refuses_bad_input_keeping_it(client, manager, programme):
    call = a_draft(manager, programme)
    client.force_login(manager)
    data = edit_post(client, call)
    data.update(
        {
            "criteria-1-label": "Pérennité",
            "criteria-1-weight": "-1",
            "criteria-1-scale_max": "5",
            "title": "<script>alert(1)</script>",
        }
    )
    response = client.post(edit_url(call), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert Criterion.objects.filter(call=call).count() == 1
    data["criteria-1-weight"] = "1,5"
    data["closes_on"], data["closes_time"] = "2000-01-01", "12:00"
    response = client.post(edit_url(call), data)
    assert response.status_code == 200
    assert "La clôture doit être postérieure à l’ouverture." in response.content.decode()
    data["closes_on"] = str(future(90).date())
    response = client.post(edit_url(call), data)
    assert response.status_code == 302
    assert Criterion.objects.get(call=call, label="Pérennité").weight == Decimal("1.5")
    call.refresh_from_db()
    assert call.title == "<script>alert(1)</script>"
    assert to_paris(call.closes_at).hour == 12  # typed in Paris time


def test_create_page_typed_in_paris_time(client, manager, programme):
    client.force_login(manager)
    url = reverse("calls:staff_call_create", kwargs={"slug": programme.slug})
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "kind": "round",
        "number": "5",
        "title": "Cinquième appel",
        "summary": "Résumé.",
        "how_to_apply": "En ligne.",
        "opens_on": "2030-03-30",
        "opens_time": "09:00",
        "closes_on": "2030-05-15",
        "closes_time": "23:59",
        "eligible_kinds": ["central", "deconcentrated"],
        "max_dossiers_per_administration": "",
        "amount_ceiling": "99 999,50",
    }
    for prefix in ("categories", "criteria", "documents"):
        data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(
        {
            "categories-0-name": "API",
            "criteria-0-label": "Bénéfices",
            "criteria-0-weight": "1",
            "criteria-0-scale_max": "5",
            "documents-0-label": "Devis",
            "documents-0-is_required": "on",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, (
        response.context["form"].errors,
        [fs.errors for fs in response.context["formsets"].values()],
    )
    call = Call.objects.get(slug="cinquieme-appel")
    assert call.is_draft and call.opens_at == paris(2030, 3, 30, 9, 0)
    assert call.closes_at == paris(2030, 5, 15, 23, 59)
    assert call.amount_ceiling == Decimal("99999.50")
    assert call.max_dossiers_per_administration is None
    # Double submit: the address is taken, no second call.
    response = client.post(url, data)
    assert response.status_code == 200 and Call.objects.filter(title="Cinquième appel").count() == 1


# Extending the closing --------------------------------------------------------------------


def test_extending_the_closing_needs_a_reason_and_emails_the_draft_holders(manager):
    call = CallFactory()
    administration = AdministrationFactory()
    agent = agent_of(administration, email="agente@exemple.gouv.fr")
    DossierFactory(call=call, administration=administration, contact_email="contact@exemple.fr")
    submitted = DossierFactory(call=call, state=DossierState.SUBMITTED)
    agent_of(submitted.administration, email="deja-depose@exemple.gouv.fr")
    new_closing = call.closes_at + timedelta(days=7)
    with pytest.raises(CallEditError):
        publication.extend_closing(manager, call, closes_at=new_closing, reason="  ")
    with pytest.raises(CallEditError):
        publication.extend_closing(manager, call, closes_at=call.closes_at, reason="Retard")
    publication.extend_closing(
        manager, call, closes_at=new_closing, reason="Demande des ministères"
    )
    call.refresh_from_db()
    assert call.closes_at == new_closing
    entry = AuditEntry.objects.get(action="call_extend_closing")
    assert entry.reason == "Demande des ministères" and entry.actor == manager
    email = OutgoingEmail.objects.get(topic="closing_extended")
    assert email.to == sorted([agent.email, "contact@exemple.fr"])
    assert "Demande des ministères" in email.body and call.title in email.body


def test_extension_refused_before_opening_and_to_instructors(manager, instructor, programme):
    draft = a_draft(manager, programme)
    with pytest.raises(WorkflowError):
        publication.extend_closing(manager, draft, closes_at=future(90), reason="Motif")
    call = CallFactory()
    with pytest.raises(WorkflowError):
        publication.extend_closing(instructor, call, closes_at=future(90), reason="Motif")
    assert not AuditEntry.objects.filter(action="call_extend_closing").exists()


def test_extension_page(client, manager):
    call = CallFactory()
    client.force_login(manager)
    url = reverse(
        "calls:staff_call_extend", kwargs={"slug": call.programme.slug, "call_slug": call.slug}
    )
    new = to_paris(call.closes_at + timedelta(days=5))
    response = client.post(url, {"closes_on": "pas une date", "closes_time": "", "reason": ""})
    assert response.status_code == 200
    response = client.post(
        url,
        {"closes_on": new.date().isoformat(), "closes_time": "18:00", "reason": "Grève"},
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert to_paris(call.closes_at).date() == new.date() and to_paris(call.closes_at).hour == 18


# The cap per administration ---------------------------------------------------------------


def test_cap_per_administration_at_creation_and_submission():
    call = CallFactory(max_dossiers_per_administration=1)
    administration = AdministrationFactory()
    agent = agent_of(administration)
    first, created = dossiers.create_dossier(agent, call, administration, title="Premier")
    assert created
    with pytest.raises(WorkflowError, match="au plus 1 dossier par administration"):
        dossiers.create_dossier(agent, call, administration, title="Second")
    # A withdrawn dossier frees its place.
    Dossier.objects.filter(pk=first.pk).update(state=DossierState.WITHDRAWN)
    _second, created = dossiers.create_dossier(agent, call, administration, title="Second")
    assert created
    # At submission, the dossiers already submitted count (the cap may have been lowered).
    Dossier.objects.filter(pk=first.pk).update(state=DossierState.SUBMITTED)
    third = DossierFactory(call=call, administration=administration)
    with pytest.raises(WorkflowError, match="au plus 1 dossier"):
        dossiers.submit(agent, third)
    third.refresh_from_db()
    assert third.state == DossierState.DRAFT
    # Another administration is not concerned.
    other = AdministrationFactory()
    assert dossiers.create_dossier(agent_of(other), call, other, title="Autre")[1]


# Screens: permissions, entry points, query counts -----------------------------------------


@pytest.fixture
def world(programme, manager):
    call = CallFactory()
    CategoryFactory(call=call)
    CriterionFactory(call=call)
    return {"call": call, "manager": manager}


def editor_urls(call):
    kwargs = {"slug": call.programme.slug, "call_slug": call.slug}
    return {
        "staff_programme_calls": reverse(
            "calls:staff_programme_calls", kwargs={"slug": call.programme.slug}
        ),
        "staff_call_create": reverse(
            "calls:staff_call_create", kwargs={"slug": call.programme.slug}
        ),
        **{
            name: reverse(f"calls:{name}", kwargs=kwargs)
            for name in (
                "staff_call_edit",
                "staff_call_duplicate",
                "staff_call_check",
                "staff_call_publish",
                "staff_call_extend",
                "staff_call_reminders",
            )
        },
    }


def test_every_editor_route_is_in_the_matrix(world):
    names = {
        p.name
        for p in calls_urls.urlpatterns
        if p.name and "programmes/<slug:slug>/appels" in str(p.pattern)
    }
    assert names == set(editor_urls(world["call"]))


def test_anonymous_goes_to_login(client, world):
    for name, url in editor_urls(world["call"]).items():
        response = client.get(url)
        assert response.status_code == 302 and "/compte/connexion/" in response.url, name


def test_agent_plain_instructor_and_other_manager_get_404_and_change_nothing(
    client, world, instructor
):
    call = world["call"]
    before = (Call.objects.count(), AuditEntry.objects.count(), call.closes_at)
    others = [
        agent_of(AdministrationFactory()),
        UserFactory(),
        instructor,
        StaffFactory(programmes=[ProgrammeFactory()], programmes__role=R.MANAGER),
        StaffFactory(programmes=[]),
    ]
    for user in others:
        client.force_login(user)
        for name, url in editor_urls(call).items():
            assert client.get(url).status_code == 404, (name, user.email)
            response = client.post(url, {"title": "Pirate", "reason": "x", "kind": "round"})
            assert response.status_code == 404, (name, user.email)
    call.refresh_from_db()
    assert (Call.objects.count(), AuditEntry.objects.count(), call.closes_at) == before


def test_manager_opens_every_page(client, world):
    client.force_login(world["manager"])
    for name, url in editor_urls(world["call"]).items():
        expected = 405 if name == "staff_call_publish" else 200
        assert client.get(url).status_code == expected, name


def test_check_page_links_each_problem_and_publish_button(client, manager, programme):
    call = editor.create_call(manager, programme, fields=call_fields())
    client.force_login(manager)
    check = reverse(
        "calls:staff_call_check", kwargs={"slug": programme.slug, "call_slug": call.slug}
    )
    html = client.get(check).content.decode()
    assert "L’appel n’a aucune catégorie." in html and f"{edit_url(call)}#categories" in html
    publish = reverse(
        "calls:staff_call_publish", kwargs={"slug": programme.slug, "call_slug": call.slug}
    )
    response = client.post(publish, follow=True)
    assert "ne peut pas être publié" in response.content.decode()
    call.refresh_from_db()
    assert call.is_draft


def test_entry_points_link_to_the_programme_calls(client, manager, instructor, programme):
    calls_url = reverse("calls:staff_programme_calls", kwargs={"slug": programme.slug})
    create_url = reverse("calls:staff_call_create", kwargs={"slug": programme.slug})
    client.force_login(manager)
    for page in (
        reverse("submissions:instruction_home"),
        reverse("calls:staff_programmes"),
        reverse("calls:staff_programme_team", kwargs={"slug": programme.slug}),
    ):
        html = client.get(page).content.decode()
        assert calls_url in html and create_url in html, page
    client.force_login(instructor)
    for page in (reverse("submissions:instruction_home"), reverse("calls:staff_programmes")):
        assert create_url not in client.get(page).content.decode()


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_programme_calls_page_runs_a_constant_number_of_queries(client, manager, programme):
    client.force_login(manager)
    url = reverse("calls:staff_programme_calls", kwargs={"slug": programme.slug})
    CategoryFactory(call=CallFactory())
    few = count_queries(client, url)
    for _ in range(4):
        call = CallFactory()
        CategoryFactory(call=call)
        CriterionFactory(call=call)
    assert count_queries(client, url) == few

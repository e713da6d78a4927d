"""Invariants of the dossier models: SIRET, references, budget constraints."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms import modelform_factory

from calls.models import CallKind
from submissions.models import (
    Administration,
    BudgetLine,
    Dossier,
    DossierState,
    compact_siret,
    format_siret,
    validate_siret,
)
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    ContinuousCallFactory,
    DossierFactory,
    MinistryFactory,
    valid_siret,
)

# DINUM's establishment: SIREN 130 025 265, NIC 00013.
DINUM_SIRET = "13002526500013"


def test_dinum_siret_passes_validation():
    validate_siret(DINUM_SIRET)


def test_siret_is_stored_compact_and_shown_formatted():
    assert compact_siret(" 130 025 265 00013 ") == DINUM_SIRET
    assert compact_siret("130.025.265.00013") == DINUM_SIRET
    assert format_siret(DINUM_SIRET) == "130 025 265 00013"
    assert format_siret("") == ""
    assert AdministrationFactory.build(siret=DINUM_SIRET).formatted_siret == "130 025 265 00013"


def test_the_test_sirets_are_valid_and_distinct():
    sirets = {valid_siret(n) for n in (0, 1, 1000, 2000, 10**8 + 7)}
    assert len(sirets) == 5
    for value in sirets:
        validate_siret(value)


@pytest.mark.parametrize(
    "value,code",
    [
        ("13002526500012", "siret_key"),  # last digit changed
        ("13002526500031", "siret_key"),  # two digits swapped
        ("13002526600003", "siret_key"),  # valid as a whole, but not its SIREN
        ("1300252650001", "siret_format"),  # 13 digits
        ("130025265000130", "siret_format"),  # 15 digits
        ("130 025 265 00013", "siret_format"),  # spaces are not stripped by the model
        ("1300252650001A", "siret_format"),
        ("", "siret_format"),
    ],
)
def test_invalid_sirets_are_refused(value, code):
    with pytest.raises(ValidationError) as refused:
        validate_siret(value)
    assert refused.value.code == code


def test_la_poste_establishments_use_their_own_rule():
    # La Poste (SIREN 356 000 000): the sum of the digits must be a multiple of 5.
    validate_siret("35600000000010")
    with pytest.raises(ValidationError):
        validate_siret("35600000000011")


@pytest.mark.django_db
def test_administration_full_clean_checks_the_siret():
    ministry = MinistryFactory()
    good = Administration(name="DINUM", kind="central", ministry=ministry, siret=DINUM_SIRET)
    good.full_clean()
    bad = Administration(name="Autre", kind="central", ministry=ministry, siret="13002526500012")
    with pytest.raises(ValidationError) as refused:
        bad.full_clean()
    assert "clé de contrôle" in str(refused.value.message_dict["siret"])


@pytest.mark.django_db
def test_a_siret_is_unique_when_present():
    ministry = MinistryFactory()
    AdministrationFactory(name="DINUM", ministry=ministry, siret=DINUM_SIRET)
    AdministrationFactory(name="Sans SIRET 1", ministry=ministry, siret="")
    AdministrationFactory(name="Sans SIRET 2", ministry=ministry, siret="")  # blank repeats
    twin = Administration(name="Jumelle", kind="central", ministry=ministry, siret=DINUM_SIRET)
    with pytest.raises(ValidationError) as refused:
        twin.full_clean()
    assert "Une administration porte déjà ce SIRET." in str(refused.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


@pytest.mark.django_db
def test_reference_of_a_round():
    call = CallFactory(number=1, opens_at=datetime(2020, 10, 1, tzinfo=UTC))
    assert Dossier.reference_for(call, 42) == "R1-2020-042"
    assert Dossier.reference_for(call, 1234) == "R1-2020-1234"


@pytest.mark.django_db
def test_reference_of_the_continuous_window():
    window = ContinuousCallFactory(opens_at=datetime(2021, 2, 1, tzinfo=UTC))
    assert window.kind == CallKind.CONTINUOUS
    assert Dossier.reference_for(window, 7) == "GC-2021-007"


@pytest.mark.django_db
def test_reference_of_a_demo_call():
    demo = CallFactory(number=9, is_demo=True, opens_at=datetime(2025, 1, 6, tzinfo=UTC))
    assert Dossier.reference_for(demo, 3) == "DEMO-2025-003"


@pytest.mark.django_db
def test_reference_is_unique_per_call():
    dossier = DossierFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        DossierFactory(call=dossier.call, number=dossier.number + 1, reference=dossier.reference)
    # The same reference in another call is fine.
    DossierFactory(number=dossier.number, reference=dossier.reference)


@pytest.mark.django_db
def test_requested_amount_cannot_exceed_the_total_in_the_database():
    dossier = DossierFactory(total_budget=Decimal("1000.00"), requested_amount=Decimal("1000.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.filter(pk=dossier.pk).update(requested_amount=Decimal("1000.01"))
    dossier.refresh_from_db()
    assert dossier.requested_amount == Decimal("1000.00")
    # Either amount may still be unknown while drafting.
    Dossier.objects.filter(pk=dossier.pk).update(total_budget=None, requested_amount=Decimal("5"))


@pytest.mark.django_db
def test_requested_above_total_fails_model_validation():
    dossier = DossierFactory.build(
        call=CallFactory(),
        administration=AdministrationFactory(),
        category=None,
        total_budget=Decimal("1000.00"),
        requested_amount=Decimal("2000.00"),
    )
    with pytest.raises(ValidationError):
        dossier.full_clean()
    assert any("cofinancement" in str(e) for e in dossier.validation_errors())


@pytest.mark.django_db
def test_budget_lines_are_positive_in_the_database():
    dossier = DossierFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.create(dossier=dossier, label="Rien", nature="other", amount=0)


@pytest.mark.django_db
def test_a_complete_dossier_has_no_validation_error():
    dossier = DossierFactory()
    assert dossier.validation_errors() == []
    assert dossier.state == DossierState.DRAFT
    assert dossier.is_editable_by_applicant


@pytest.mark.django_db
def test_missing_fields_are_listed_in_french():
    dossier = DossierFactory(summary="", contact_email="")
    assert dossier.missing_for_submission() == ["résumé", "courriel du contact"]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["130 025 265 00013", " 13002526500013 ", "130.025.265.00013"])
def test_model_forms_accept_a_siret_with_separators_and_store_it_compact(typed):
    form_class = modelform_factory(Administration, fields=["name", "kind", "ministry", "siret"])
    data = {"name": "DINUM", "kind": "central", "ministry": MinistryFactory().pk, "siret": typed}
    form = form_class(data)
    assert form.is_valid(), form.errors
    assert form.save().siret == DINUM_SIRET
    # An edit form shows it formatted.
    assert 'value="130 025 265 00013"' in str(form_class(instance=form.instance)["siret"])


@pytest.mark.django_db
def test_model_forms_explain_a_wrong_siret():
    form_class = modelform_factory(Administration, fields=["name", "kind", "ministry", "siret"])
    data = {"name": "DINUM", "kind": "central", "ministry": MinistryFactory().pk}
    assert form_class({**data, "siret": "130 025 265 00012"}).errors["siret"] == [
        "Ce SIRET n’est pas valide (clé de contrôle)."
    ]
    assert form_class({**data, "siret": "130 025 265"}).errors["siret"] == [
        "Un SIRET compte exactement 14 chiffres."
    ]

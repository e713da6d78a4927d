"""Invariants of the dossier models: SIRET, references, budget constraints."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from calls.models import CallKind
from submissions.models import (
    Administration,
    BudgetLine,
    Dossier,
    DossierState,
    luhn_valid,
    validate_siret,
)
from tests.factories import (
    AdministrationFactory,
    CallFactory,
    ContinuousCallFactory,
    DossierFactory,
    MinistryFactory,
)

# DINUM's establishment: SIREN 130 025 265, NIC 00013.
DINUM_SIRET = "13002526500013"


def test_dinum_siret_passes_luhn_and_validation():
    assert luhn_valid(DINUM_SIRET)
    assert luhn_valid(DINUM_SIRET[:9])  # the SIREN alone is valid too
    validate_siret(DINUM_SIRET)


@pytest.mark.parametrize(
    "value,code",
    [
        ("13002526500012", "siret_key"),  # last digit changed
        ("13002526500031", "siret_key"),  # two digits swapped
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

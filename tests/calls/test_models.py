"""Invariants of calls: clean() explains them in French, the database enforces them anyway."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from calls.models import AdministrationKind, Call, CallKind, Category, Criterion
from tests.factories import (
    CallFactory,
    CategoryFactory,
    ContinuousCallFactory,
    CriterionFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
OPENS = datetime(2021, 4, 15, tzinfo=PARIS)


def unsaved_call(**kwargs):
    values = {
        "programme": ProgrammeFactory(),
        "kind": CallKind.ROUND,
        "number": 2,
        "title": "Deuxième appel",
        "slug": "deuxieme-appel",
        "summary": "Résumé.",
        "opens_at": OPENS,
        "closes_at": OPENS + timedelta(days=60),
    }
    values.update(kwargs)
    return Call(**values)


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        call.full_clean()
    return excinfo.value.message_dict


def test_a_complete_round_is_valid():
    unsaved_call().full_clean()


def test_a_round_needs_a_number_and_a_closing_date():
    errors = errors_of(unsaved_call(number=None, closes_at=None))
    assert errors["number"] == ["Un appel numéroté doit avoir un numéro."]
    assert errors["closes_at"] == ["Un appel numéroté doit avoir une date de clôture."]


def test_a_continuous_window_needs_neither_number_nor_closing_date():
    unsaved_call(kind=CallKind.CONTINUOUS, number=None, closes_at=None).full_clean()


@pytest.mark.parametrize("closes_at", [OPENS, OPENS - timedelta(seconds=1)])
def test_closing_must_come_after_opening(closes_at):
    errors = errors_of(unsaved_call(closes_at=closes_at))
    assert errors == {"closes_at": ["La clôture doit être postérieure à l’ouverture."]}


def test_round_numbers_are_unique_per_programme_with_a_french_message():
    existing = CallFactory(number=1)
    errors = errors_of(unsaved_call(programme=existing.programme, number=1))
    assert errors == {"number": ["Ce programme a déjà un appel numéroté 1."]}
    # Another programme may use the same number, and the call itself is not a duplicate.
    unsaved_call(number=1).full_clean()
    existing.full_clean()


def test_continuous_windows_do_not_take_round_numbers():
    existing = CallFactory(number=1)
    unsaved_call(programme=existing.programme, kind=CallKind.CONTINUOUS, number=1).full_clean()


def test_the_ceiling_must_be_positive():
    errors = errors_of(unsaved_call(amount_ceiling=Decimal("0")))
    assert list(errors) == ["amount_ceiling"]


def test_eligible_kinds_must_be_known_kinds():
    errors = errors_of(unsaved_call(eligible_kinds=["central", "martian"]))
    assert list(errors) == ["eligible_kinds"]


# The database refuses what clean() refuses, even when clean() is bypassed.


def _create(**kwargs):
    call = unsaved_call(**kwargs)
    with pytest.raises(IntegrityError), transaction.atomic():
        call.save()


def test_database_refuses_a_round_without_number():
    _create(number=None)


def test_database_refuses_a_round_without_closing():
    _create(closes_at=None)


def test_database_refuses_closing_before_or_at_opening():
    _create(closes_at=OPENS)
    _create(kind=CallKind.CONTINUOUS, number=None, closes_at=OPENS - timedelta(hours=1))


def test_database_refuses_a_duplicate_round_number_in_a_programme():
    existing = CallFactory(number=3)
    _create(programme=existing.programme, number=3)
    # A continuous window with the same number is not a round: accepted.
    unsaved_call(programme=existing.programme, kind=CallKind.CONTINUOUS, number=3).save()


def test_database_refuses_duplicate_category_and_criterion_names_in_a_call():
    category = CategoryFactory()
    criterion = CriterionFactory(call=category.call)
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(call=category.call, name=category.name)
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.create(call=category.call, label=criterion.label)


@pytest.mark.parametrize("field,value", [("weight", Decimal("0")), ("scale_max", 0)])
def test_database_refuses_non_positive_weights_and_scales(field, value):
    criterion = CriterionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.filter(pk=criterion.pk).update(**{field: value})


# Ceiling and eligibility.


def test_the_ceiling_is_strict():
    call = ContinuousCallFactory(amount_ceiling=Decimal("100000.00"))
    assert call.accepts_amount(Decimal("99999.99"))
    assert not call.accepts_amount(Decimal("100000"))
    assert not call.accepts_amount(Decimal("100000.01"))


def test_without_ceiling_any_amount_is_accepted():
    assert CallFactory(amount_ceiling=None).accepts_amount(Decimal("5000000"))


def test_eligible_and_ineligible_kinds():
    call = CallFactory()  # the default: central, deconcentrated, operator
    assert call.accepts_kind(AdministrationKind.OPERATOR)
    assert not call.accepts_kind(AdministrationKind.LOCAL_AUTHORITY)
    assert call.get_eligible_kinds_display() == [
        "Administration centrale",
        "Service déconcentré",
        "Opérateur",
    ]
    assert call.get_ineligible_kinds_display() == ["Collectivité territoriale"]

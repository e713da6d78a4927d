"""Every numeric form field has bounds that fit its column and make sense.

A number past a column's range must be a form error next to the field, never a database
error (500).
"""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.urls import reverse

from jury.models import HearingSession
from tests.jury.hearing_data import hearing_setup
from tests.jury.test_hearing_views import session_data

APPS = ("relance", "calls", "submissions", "jury")


def form_classes():
    for app in APPS:
        package = importlib.import_module(app)
        for module_info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if not module_info.name.rsplit(".", 1)[-1].endswith("forms"):
                continue
            module = importlib.import_module(module_info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls


def unbounded(cls):
    for name, field in getattr(cls, "base_fields", {}).items():
        if isinstance(field, forms.DecimalField):
            # Its digits bound it to its column (a minimum where the meaning asks for one).
            bounded = field.max_digits is not None
        elif isinstance(field, forms.IntegerField):
            bounded = field.max_value is not None and field.min_value is not None
        else:
            continue
        if not bounded:
            yield f"{cls.__module__}.{cls.__name__}.{name}"


def test_every_numeric_form_field_is_bounded():
    classes = list(form_classes())
    assert len(classes) > 20  # the forms modules were found
    assert [name for cls in classes for name in unbounded(cls)] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slot_minutes", "32768"),  # past a smallint
        ("slot_minutes", str(22 * 24 * 60)),  # a 22-day hearing
        ("slot_minutes", "4"),
        ("gap_minutes", "32768"),
        ("gap_minutes", "-1"),
    ],
)
def test_out_of_range_hearing_minutes_are_a_form_error(client, staff, field, value):
    setup = hearing_setup(1)
    client.force_login(staff)

    response = client.post(
        reverse("jury:hearing_sessions", kwargs={"call_slug": setup.jury.call.slug}),
        session_data(**{field: value}),
    )

    assert response.status_code == 400
    assert f"{field}-error" in response.content.decode() or "fr-input-group--error" in (
        response.content.decode()
    )
    assert not HearingSession.objects.exists()

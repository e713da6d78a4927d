"""``relance.forms.FormRenderer`` writes ``<select>`` in Python: byte for byte what Django's
own templates write, for every kind of select the forms use."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from relance.forms import FormRenderer

HOSTILE = '<script>alert("x")</script>" onmouseover="x'

CHOICES = [("", "Tous"), ("a", "Administration centrale"), ("b", HOSTILE)]
GROUPED = [
    ("", "Choisir"),
    ("Ministères", [("m1", "Culture"), ("m2", HOSTILE)]),
    (HOSTILE, [("o1", "Opérateur")]),
    ("x", "Hors groupe"),
]


class _Form(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    grouped = forms.ChoiceField(choices=GROUPED)
    several = forms.MultipleChoiceField(choices=CHOICES[1:], required=False)
    lazy = forms.ChoiceField(
        choices=[("fr", gettext_lazy("Français")), ("safe", mark_safe("<b>gras</b>"))]
    )
    yes_no = forms.NullBooleanField()
    attrs = forms.ChoiceField(
        choices=CHOICES,
        widget=forms.Select(
            attrs={"class": "fr-select", "aria-describedby": HOSTILE, "disabled": True}
        ),
    )


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "b", "grouped": "m2", "several": ["a", "b"], "lazy": "safe", "yes_no": "false"},
        {"plain": HOSTILE, "grouped": HOSTILE, "several": [HOSTILE], "yes_no": "unknown"},
    ],
    ids=["unbound", "chosen", "hostile values"],
)
@pytest.mark.parametrize("name", list(_Form.base_fields))
def test_each_select_is_written_as_the_templates_write_it(name, data):
    form = _Form(data)
    field = form[name]
    expected = field.field.widget.render(
        field.html_name, field.value(), attrs={"id": field.auto_id}, renderer=DjangoTemplates()
    )
    written = field.field.widget.render(
        field.html_name, field.value(), attrs={"id": field.auto_id}, renderer=FormRenderer()
    )
    assert written == expected
    assert "<script>" not in written


def test_the_site_renders_its_forms_with_it(settings):
    assert settings.FORM_RENDERER == "relance.forms.FormRenderer"
    assert _Form()["plain"].as_widget().startswith('<select name="plain" id="id_plain">')


class _OwnOption(forms.Select):
    option_template_name = "django/forms/widgets/radio_option.html"


def test_a_select_with_options_of_another_template_goes_through_the_templates():
    widget = _OwnOption(choices=CHOICES)
    written = widget.render("kind", "a", renderer=FormRenderer())
    assert written == widget.render("kind", "a", renderer=DjangoTemplates())
    assert 'type="' in written  # the radio option template's markup, not an <option>


def test_a_number_label_is_left_to_the_templates_which_localise_it(settings):
    settings.USE_THOUSAND_SEPARATOR = True
    widget = forms.Select(choices=[(1, 25000)])
    assert widget.render("n", 1, renderer=FormRenderer()) == widget.render(
        "n", 1, renderer=DjangoTemplates()
    )


class _NoTemplates(FormRenderer):
    def get_template(self, template_name):
        raise AssertionError(f"{template_name} read")


@pytest.mark.parametrize("name", list(_Form.base_fields))
def test_every_select_of_these_forms_is_written_without_a_template(name):
    field = _Form()[name]
    assert field.field.widget.render(field.html_name, field.value(), renderer=_NoTemplates())

"""No text typed into the application reaches a page unescaped.

Every configurable text of a form (label, hint, choices, errors, legend) carries hostile
markup through the crispy « dsfr » pack, and the texts staff configure (a criterion's label
and description) are shown to a juror on the scoring form.
"""

import pytest
from crispy_forms.layout import Fieldset, Layout, MultiField
from django import forms
from django.template import Context, Template
from django.urls import reverse

from relance.forms import DsfrFormHelper
from tests.factories import CriterionFactory
from tests.jury.jury_core_data import jury_with_dossiers

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def assert_escaped(html: str):
    assert "<script>" not in html
    assert "<img src=x" not in html
    assert ESCAPED in html


class HostileForm(forms.Form):
    text = forms.CharField(label=HOSTILE, help_text=HOSTILE)
    notes = forms.CharField(label=HOSTILE, help_text=HOSTILE, widget=forms.Textarea)
    kind = forms.ChoiceField(label=HOSTILE, help_text=HOSTILE, choices=[("a", HOSTILE)])
    many = forms.MultipleChoiceField(
        label=HOSTILE,
        help_text=HOSTILE,
        choices=[("a", HOSTILE)],
        widget=forms.CheckboxSelectMultiple,
    )
    one = forms.ChoiceField(
        label=HOSTILE, help_text=HOSTILE, choices=[("a", HOSTILE)], widget=forms.RadioSelect
    )
    accept = forms.BooleanField(label=HOSTILE, help_text=HOSTILE)
    document = forms.FileField(label=HOSTILE, help_text=HOSTILE)

    def __init__(self, *args, layout=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = DsfrFormHelper(self, submit_label="Enregistrer")
        if layout is not None:
            self.helper.layout = layout

    def clean_text(self):
        raise forms.ValidationError(HOSTILE)

    def clean(self):
        raise forms.ValidationError(HOSTILE)


LAYOUTS = {
    "default": None,
    "fieldset": Layout(Fieldset(HOSTILE, "text", "notes", "kind", "many", "one", "accept")),
    "multifield": Layout(MultiField(HOSTILE, "text", "notes", help_text=HOSTILE)),
}


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
@pytest.mark.parametrize("bound", [False, True], ids=["unbound", "bound"])
def test_every_text_of_a_form_is_escaped(layout, bound):
    data = {"text": HOSTILE, "notes": HOSTILE, "kind": "a"} if bound else None
    form = HostileForm(data, layout=LAYOUTS[layout])
    if bound:
        assert not form.is_valid()
    for source in ("{% crispy form %}", "{{ form|crispy }}"):
        html = Template(f"{{% load crispy_forms_tags %}}{source}").render(Context({"form": form}))
        assert_escaped(html)


@pytest.mark.django_db
def test_a_criterion_description_is_escaped_on_the_scoring_form(client):
    setup = jury_with_dossiers(1)
    CriterionFactory(call=setup.jury.call, label=HOSTILE, description=HOSTILE)
    client.force_login(setup.member.user)

    response = client.get(
        reverse("jury:juror_dossier", kwargs={"jury_id": setup.jury.pk, "pk": setup.dossiers[0].pk})
    )

    assert response.status_code == 200
    assert_escaped(response.content.decode())

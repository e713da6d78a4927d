"""The form of the jury's opinion. It only parses input; ``jury.review.opinions`` decides."""

from __future__ import annotations

from crispy_forms.layout import Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from jury.review_models import OPINION_MAX_LENGTH
from relance.forms import INTEGER_MAX, ButtonGroup, DsfrButton, DsfrFormHelper, DsfrSubmit


class OpinionForm(forms.Form):
    SAVE = "save"
    APPROVE = "approve"

    text = forms.CharField(
        label=_("Avis du jury"),
        max_length=OPINION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Adressé à l’administration candidate avec les résultats, une fois approuvé par "
            "l’équipe d’instruction (3 000 caractères au plus)."
        ),
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=INTEGER_MAX
    )

    def __init__(self, *args, staff=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = DsfrFormHelper(self)
        if staff:
            # Saving comes first so that the Enter key never approves by accident.
            buttons = ButtonGroup(
                DsfrButton(self.SAVE, _("Enregistrer sans approuver")),
                DsfrSubmit(self.APPROVE, _("Approuver l’avis")),
            )
        else:
            buttons = ButtonGroup(DsfrSubmit(self.SAVE, _("Enregistrer l’avis")))
        self.helper.layout = Layout("text", "version", buttons)


def opinion_initial(opinion) -> dict:
    if opinion is None:
        return {"version": 0}
    return {"text": opinion.text, "version": opinion.version}

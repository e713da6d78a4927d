"""Forms of the scoring screens. They only parse input; ``jury.scoring.workflow`` decides."""

from __future__ import annotations

from crispy_forms.layout import Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from jury.models import Recommendation
from relance.forms import INTEGER_MAX, ButtonGroup, DsfrButton, DsfrFormHelper, DsfrSubmit


def criterion_field_name(criterion) -> str:
    return f"criterion_{criterion.pk}"


class EvaluationForm(forms.Form):
    """One score field per criterion (blank = not scored), a comment and a recommendation."""

    SAVE = "save"
    SUBMIT = "submit"

    comment = forms.CharField(
        label=_("Commentaire"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("Vos remarques sur le projet, partagées avec les autres membres du jury."),
    )
    recommendation = forms.ChoiceField(
        label=_("Avis"),
        choices=[("", _("— Pas encore d’avis —")), *Recommendation.choices],
        required=False,
        help_text=_("Obligatoire pour soumettre l’évaluation."),
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=INTEGER_MAX
    )

    def __init__(self, *args, criteria, submitted=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        score_fields = {}
        for criterion in self.criteria:
            hint = _("Note de 0 à %(max)s (décimales acceptées). Laissez vide si non noté.") % {
                "max": criterion.scale_max
            }
            if criterion.description:
                hint = f"{criterion.description} {hint}"
            score_fields[criterion_field_name(criterion)] = forms.DecimalField(
                label=criterion.label,
                required=False,
                min_value=0,
                max_value=criterion.scale_max,
                decimal_places=2,
                max_digits=5,
                help_text=hint,
                # « 3,5 » as French readers type it (and « 3.5 »): a number input would
                # send nothing for a comma in some browsers, so a text input, decimal keypad.
                localize=True,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )
        # Scores first, in the criteria's order.
        self.fields = {**score_fields, **self.fields}
        self.helper = DsfrFormHelper(self)
        if submitted:
            buttons = ButtonGroup(DsfrSubmit(self.SAVE, _("Enregistrer les modifications")))
        else:
            # Saving the draft comes first so that the Enter key never submits by accident.
            buttons = ButtonGroup(
                DsfrButton(self.SAVE, _("Enregistrer le brouillon")),
                DsfrSubmit(self.SUBMIT, _("Soumettre l’évaluation")),
            )
        self.helper.layout = Layout(*self.fields.keys(), buttons)

    def scores(self) -> dict:
        """Cleaned scores by criterion pk (``None`` when left blank)."""
        return {c.pk: self.cleaned_data.get(criterion_field_name(c)) for c in self.criteria}

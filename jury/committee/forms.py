"""Forms of the committee screens. They only check input; ``jury.committee.workflow`` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jury.models import Award
from relance.forms import PrefixedForm
from submissions.forms import FrenchDecimalField


class SessionForm(PrefixedForm):
    form_prefix = "session"
    date = forms.DateField(
        label=_("Date de la séance"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez la date de la séance."),
            "invalid": _("Saisissez une date valide."),
        },
    )
    place = forms.CharField(
        label=_("Lieu ou visioconférence"),
        max_length=255,
        required=False,
        help_text=_("Facultatif. Affiché à l’équipe seulement."),
    )


class AgendaForm(forms.Form):
    """The instructed dossiers ticked to go on the agenda."""

    dossiers = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Cochez au moins un dossier à inscrire à l’ordre du jour."),
            "invalid_choice": _("Un des dossiers cochés n’est plus prêt pour le comité."),
            "invalid_pk_value": _("Un des dossiers cochés n’est plus prêt pour le comité."),
        },
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dossiers"].queryset = candidates


class CommitteeDecisionForm(forms.Form):
    """The committee's decision on one dossier of the agenda (one form per row)."""

    decision = forms.ChoiceField(
        label=_("Décision du comité"),
        choices=Award.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une décision.")},
    )
    granted_amount = FrenchDecimalField(
        label=_("Cofinancement accordé (€)"),
        max_digits=14,
        required=False,
        error_messages={
            "invalid": _("Saisissez un montant en euros, par exemple 45 000 ou 45 000,50."),
        },
    )
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        help_text=_("Obligatoire pour un refus : communiqué à l’administration à la publication."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HearingForm(forms.Form):
    """When, during the session, the committee hears the dossier's administration."""

    time = forms.TimeField(
        label=_("Heure de l’audition"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Heure de Paris, le jour de la séance."),
        error_messages={
            "required": _("Indiquez l’heure de l’audition."),
            "invalid": _("Saisissez une heure valide, par exemple 14:30."),
        },
    )
    place = forms.CharField(
        label=_("Lieu ou lien de visioconférence"),
        max_length=255,
        required=False,
    )

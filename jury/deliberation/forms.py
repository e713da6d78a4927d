"""Forms of the deliberation screens. They only check input; ``jury.deliberation.workflow`` decides.

Each form has its own prefix, so that several sit on one page and a bound form with errors
is shown again in place of the blank one, keeping what was typed.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jury.models import Award
from relance.forms import PrefixedForm
from submissions.forms import FrenchDecimalField


def _amount_field(label=None):
    return FrenchDecimalField(
        label=label or _("Cofinancement accordé (€)"),
        max_digits=14,
        help_text=_("En euros, au plus le cofinancement demandé. Exemple : 45 000"),
        error_messages={
            "required": _("Indiquez le cofinancement accordé."),
            "invalid": _("Saisissez un montant en euros, par exemple 45 000 ou 45 000,50."),
        },
    )


def _reason_field(label=None, help_text=None):
    return forms.CharField(
        label=label or _("Motif de la modification"),
        help_text=help_text
        or _("Conservé dans l’historique des modifications des résultats, avec votre nom."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez le motif de la modification.")},
    )


class AwardForm(PrefixedForm):
    form_prefix = "award"
    decision = forms.ChoiceField(
        label=_("Décision du jury"),
        choices=Award.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une décision.")},
    )
    granted_amount = _amount_field()
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        help_text=_(
            "Obligatoire pour un dossier non retenu. Communiqué à l’administration lors de la "
            "publication des résultats."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    public_summary = forms.CharField(
        label=_("Résumé publié"),
        required=False,
        help_text=_("Pour un lauréat : le texte affiché sur la page publique du projet."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["granted_amount"].required = False
        self.fields["granted_amount"].help_text = _(
            "Obligatoire pour un lauréat, en euros, au plus le cofinancement demandé ; "
            "laissez vide pour un dossier non retenu."
        )

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if (
            decision == Award.Decision.LAUREATE
            and data.get("granted_amount") is None
            and "granted_amount" not in self.errors
        ):
            self.add_error("granted_amount", _("Indiquez le cofinancement accordé."))
        if decision == Award.Decision.NOT_SELECTED:
            if data.get("granted_amount") is not None:
                self.add_error(
                    "granted_amount", _("Un dossier non retenu ne reçoit pas de cofinancement.")
                )
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("Indiquez le motif de la décision de ne pas retenir."))
        return data


class MinutesForm(PrefixedForm):
    form_prefix = "minutes"
    held_on = forms.DateField(
        label=_("Date de la délibération"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d"),
        error_messages={"invalid": _("Saisissez une date valide.")},
    )
    minutes = forms.CharField(
        label=_("Procès-verbal"),
        required=False,
        help_text=_("Document interne : il n’est pas publié."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    publish_amounts = forms.BooleanField(
        label=_("Publier les montants accordés"),
        required=False,
        help_text=_("Affiche le cofinancement accordé sur les pages publiques et les données."),
    )


class ReopenForm(PrefixedForm):
    form_prefix = "reopen"
    reason = _reason_field(
        _("Motif de la réouverture"),
        _("Conservé dans l’historique de la délibération."),
    )


class GrantDetailsForm(PrefixedForm):
    form_prefix = "grant"
    convention_date = forms.DateField(
        label=_("Date de la convention"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d"),
        error_messages={"invalid": _("Saisissez une date valide.")},
    )
    decision_reference = forms.CharField(
        label=_("Référence de la décision"), required=False, max_length=100
    )
    aid_nature = forms.ChoiceField(label=_("Nature de l’aide"), choices=Award.AidNature.choices)
    payment_terms = forms.ChoiceField(
        label=_("Conditions de versement"), choices=Award.PaymentTerms.choices
    )
    payment_period = forms.CharField(
        label=_("Période de versement"),
        required=False,
        max_length=21,
        help_text=_("Une date AAAA-MM-JJ ou une période AAAA-MM-JJ/AAAA-MM-JJ."),
    )
    eu_notification = forms.BooleanField(label=_("Notification à l’UE"), required=False)

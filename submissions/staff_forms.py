"""Forms of the staff screens (instruction): requests, messages, notes and decisions.

They only validate input; the views hand the cleaned values to ``submissions.workflow``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from relance.forms import PrefixedForm
from submissions.models import PreselectionDecision


def _required_text(label, help_text, *, rows, if_empty) -> forms.CharField:
    """A required multi-line text; ``if_empty`` is the error when nothing is written."""
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": if_empty},
    )


class RequestAdditionsForm(PrefixedForm):
    form_prefix = "complements"
    message = _required_text(
        _("Message à l’administration"),
        _("Ce qu’il faut compléter ou corriger. Il est envoyé par courriel."),
        rows=5,
        if_empty=_("Écrivez ce que l’administration doit compléter."),
    )


class MessageForm(PrefixedForm):
    form_prefix = "message"
    body = _required_text(
        _("Message"),
        _("Envoyé par courriel et affiché sur le dossier de l’administration."),
        rows=4,
        if_empty=_("Le message est vide."),
    )


class NoteForm(PrefixedForm):
    form_prefix = "note"
    body = _required_text(
        _("Note interne"),
        _("Visible seulement par l’équipe d’instruction."),
        rows=3,
        if_empty=_("La note est vide."),
    )


class DecisionForm(PrefixedForm):
    form_prefix = "decision"
    decision = forms.ChoiceField(
        label=_("Décision de présélection"),
        choices=PreselectionDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une décision.")},
    )
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        help_text=_("Communiqué à l’administration quand la présélection sera publiée."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BulkDecisionForm(forms.Form):
    """The dossiers ticked in the list and the decision of the button pressed."""

    dossiers = forms.ModelMultipleChoiceField(
        queryset=None,
        error_messages={
            "required": _("Cochez au moins un dossier."),
            "invalid_choice": _("Un des dossiers cochés n’appartient pas à cet appel."),
            "invalid_pk_value": _("Un des dossiers cochés n’appartient pas à cet appel."),
        },
    )
    decision = forms.ChoiceField(choices=PreselectionDecision.choices)
    reason = forms.CharField(label=_("Motif (facultatif)"), required=False)

    def __init__(self, *args, dossiers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dossiers"].queryset = dossiers

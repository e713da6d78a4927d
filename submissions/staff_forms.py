"""Forms of the staff screens (instruction): requests, messages, notes and decisions.

They only validate input; the views hand the cleaned values to ``submissions.workflow``.
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from submissions.models import PreselectionDecision


def _helper() -> FormHelper:
    # Templates write the <form> tag, the CSRF token and the buttons.
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class _StaffForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.form_prefix)
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class RequestAdditionsForm(_StaffForm):
    form_prefix = "complements"
    message = forms.CharField(
        label=_("Message à l’administration"),
        help_text=_("Ce qu’il faut compléter ou corriger. Il est envoyé par courriel."),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Écrivez ce que l’administration doit compléter.")},
    )


class MessageForm(_StaffForm):
    form_prefix = "message"
    body = forms.CharField(
        label=_("Message"),
        help_text=_("Envoyé par courriel et affiché sur le dossier de l’administration."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Le message est vide.")},
    )


class NoteForm(_StaffForm):
    form_prefix = "note"
    body = forms.CharField(
        label=_("Note interne"),
        help_text=_("Visible seulement par l’équipe d’instruction."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("La note est vide.")},
    )


class DecisionForm(_StaffForm):
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

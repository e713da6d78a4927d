"""Forms of the staff screens (instruction): requests, messages, notes and decisions.

They only validate input; the views hand the cleaned values to ``submissions.workflow``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from relance.formatting import format_euros
from relance.forms import PrefixedForm, inline_helper
from relance.ordering import french
from submissions.forms import SECTIONS, AttachmentForm, FrenchDecimalField
from submissions.instruction import instructors_of
from submissions.models import (
    SUBMISSION_REQUIRED_FIELDS,
    Administration,
    Dossier,
    PreselectionDecision,
    Proposal,
    ReceptionChannel,
)


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


# Instruction of a window's dossier ---------------------------------------------------------


class InstructorForm(PrefixedForm):
    form_prefix = "instructor"
    instructor = forms.ModelChoiceField(
        label=_("Instructeur du dossier"),
        queryset=None,
        required=False,
        empty_label=_("— Personne —"),
        error_messages={"invalid_choice": _("Cette personne n’instruit pas ce programme.")},
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["instructor"]
        field.queryset = instructors_of(dossier.call)
        field.label_from_instance = lambda user: user.get_full_name() or user.email


class DueDateForm(PrefixedForm):
    form_prefix = "due"
    due_on = forms.DateField(
        label=_("Instruction attendue le"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez la date attendue de fin d’instruction."),
            "invalid": _("Saisissez une date valide."),
        },
    )
    reason = forms.CharField(
        label=_("Motif du changement"),
        max_length=500,
        error_messages={"required": _("Indiquez le motif du changement d’échéance.")},
    )

    def __init__(self, *args, dossier, **kwargs):
        # ``dossier``: the same signature as the other instruction forms.
        super().__init__(*args, **kwargs)


class ProposalForm(PrefixedForm):
    form_prefix = "proposal"
    proposal = forms.ChoiceField(
        label=_("Proposition au comité"),
        choices=Proposal.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez : accorder ou refuser.")},
    )
    amount = FrenchDecimalField(
        label=_("Montant proposé (€)"),
        required=False,
        help_text=_("Pour accorder : au plus le montant demandé. Exemple : 45 000"),
        error_messages={
            "invalid": _("Saisissez un montant en euros, par exemple 45 000 ou 45 000,50."),
        },
    )
    reason = forms.CharField(
        label=_("Motif"),
        required=False,
        help_text=_(
            "Obligatoire pour un refus : l’administration le lira si le comité suit la proposition."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        if dossier.requested_amount is not None:
            self.fields["amount"].help_text = _(
                "Pour accorder : au plus le montant demandé, %(amount)s."
            ) % {"amount": format_euros(dossier.requested_amount, cents=True)}


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


# A dossier received outside the platform -------------------------------------------------


class OutsideReceptionForm(PrefixedForm):
    """Who the dossier is from, and when and how it was received."""

    form_prefix = "reception"
    administration = forms.ModelChoiceField(
        label=_("Administration qui a déposé le dossier"),
        queryset=Administration.objects.none(),
        empty_label=_("— Choisir une administration —"),
        error_messages={"required": _("Choisissez l’administration qui a déposé le dossier.")},
    )
    received_via = forms.ChoiceField(
        label=_("Dossier reçu"),
        choices=ReceptionChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Indiquez comment le dossier a été reçu.")},
    )
    received_at = forms.DateTimeField(
        label=_("Date et heure de réception du dossier original"),
        help_text=_(
            "Heure de Paris : la date du courriel, du cachet de la poste ou de l’autre outil. "
            "Elle peut précéder la clôture de l’appel même si l’enregistrement est plus tardif ; "
            "jamais dans le futur."
        ),
        widget=forms.DateTimeInput,
        error_messages={
            "required": _("Indiquez quand le dossier original a été reçu."),
            "invalid": _("Saisissez une date et une heure valides."),
        },
    )
    reception_note = forms.CharField(
        label=_("Précisions sur la réception"),
        max_length=255,
        required=False,
        help_text=_("Facultatif. Par exemple : l’expéditeur du courriel, le numéro du courrier."),
    )
    # Generated when the page is displayed: the same form posted twice registers one dossier.
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["administration"].queryset = Administration.objects.filter(
            kind__in=call.eligible_kinds
        ).order_by(*french("name"))


class OriginalFileForm(AttachmentForm):
    """The original file received, checked like every attachment (type by content, size)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "original")
        super().__init__(*args, **kwargs)
        del self.fields["description"]
        field = self.fields["file"]
        field.label = _("Dossier original")
        field.error_messages["required"] = _("Joignez le fichier du dossier original reçu.")
        field.help_text = _("Le courriel, le courrier numérisé ou l’export reçu. %(formats)s") % {
            "formats": field.help_text
        }
        self.helper = inline_helper()


def content_forms(data, call) -> list:
    """The applicant's section forms, for a dossier of ``call`` typed in by an instructor.

    Each section has its prefix; what a submission requires is required here (the dossier
    is registered as submitted), and there is no version to check (nothing saved yet).
    """
    forms_ = []
    for section in SECTIONS.values():
        form = section.form_class(data, dossier=Dossier(call=call), prefix=section.slug)
        del form.fields["version"]
        for name, field in form.fields.items():
            field.required = name in SUBMISSION_REQUIRED_FIELDS
        form.section = section
        forms_.append(form)
    return forms_

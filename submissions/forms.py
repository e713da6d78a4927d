"""Applicant forms: starting a dossier, editing it section by section, attachments, replies.

Every field is optional until submission (except the title): a partially filled section is
saved as a draft, and ``Dossier.validation_errors()`` lists what is missing when submitting.
Each section form carries the dossier ``version`` it was opened on (optimistic locking).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from relance.formatting import format_euros
from relance.forms import INTEGER_MAX, inline_helper
from submissions.files import accept_attribute, check_upload, format_size, max_upload_bytes
from submissions.models import Administration, BudgetLine, Dossier

# Spaces people type or paste as thousand separators: space, no-break, narrow no-break, thin.
GROUPING_SPACES = (" ", "\u00a0", "\u202f", "\u2009")


class FrenchDecimalField(forms.DecimalField):
    """A localized amount: accepts « 99 999,99 » as well as « 99999.99 »."""

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", True)
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        # A text input (not type=number) so that spaces and commas can be typed.
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("autocomplete", "off")

    def to_python(self, value):
        if isinstance(value, str):
            for space in GROUPING_SPACES:
                value = value.replace(space, "")
        return super().to_python(value)


class DossierCreateForm(forms.Form):
    """Starts a dossier for one of the agent's eligible administrations.

    With one, it is the only choice; with several, the agent must pick one (nothing is
    preselected, so that a dossier is never filed for the wrong administration by default).
    """

    administration = forms.ModelChoiceField(
        label=_("Administration qui dépose le dossier"),
        queryset=Administration.objects.none(),
        empty_label=None,
        error_messages={
            "required": _("Choisissez l’administration qui dépose le dossier."),
            "invalid_choice": _("Choisissez une de vos administrations éligibles à cet appel."),
        },
    )
    title = forms.CharField(
        label=_("Titre du projet"),
        max_length=200,
        help_text=_("Vous pourrez le modifier ensuite."),
    )
    # Generated when the page is displayed: the same form posted twice creates one dossier.
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, administrations, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["administration"]
        field.queryset = administrations
        if administrations.count() > 1:
            field.empty_label = _("— Choisir l’administration —")
            field.help_text = _(
                "Vous êtes rattaché·e à plusieurs administrations : choisissez celle qui porte "
                "le projet. Le dossier lui appartiendra."
            )
        self.helper = inline_helper()


class SectionForm(forms.ModelForm):
    """Base of the section forms: a hidden ``version`` and the changes to save."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=INTEGER_MAX)

    def __init__(self, *args, dossier: Dossier, **kwargs):
        self.dossier = dossier
        kwargs.setdefault("initial", {})["version"] = dossier.version
        # The form works on a copy: an invalid form must not alter the dossier displayed.
        super().__init__(*args, instance=copy.copy(dossier), **kwargs)
        for field in self.fields.values():
            field.required = False
        self.helper = inline_helper()

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class ProjectForm(SectionForm):
    class Meta:
        model = Dossier
        fields = ["title", "subtitle", "category", "summary", "description"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4}),
            "description": forms.Textarea(attrs={"rows": 10}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The dossier always keeps a title (it names it in every list).
        self.fields["title"].required = True
        self.fields["category"].queryset = self.dossier.call.categories.all()
        self.fields["category"].empty_label = _("— Choisir une catégorie —")


class BenefitsForm(SectionForm):
    class Meta:
        model = Dossier
        fields = [
            "benefits_self",
            "benefits_others",
            "technical_approach",
            "sustainability",
            "timeline",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 6}) for name in fields}


class BudgetForm(SectionForm):
    total_budget = FrenchDecimalField(
        label=_("Budget total du projet (€)"),
        required=False,
        min_value=Decimal("0.01"),
        help_text=_("En euros, par exemple 150 000,00."),
    )
    requested_amount = FrenchDecimalField(
        label=_("Cofinancement demandé (€)"), required=False, min_value=Decimal("0.01")
    )

    class Meta:
        model = Dossier
        fields = ["total_budget", "requested_amount"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ceiling = self.dossier.call.amount_ceiling
        hint = _("Au plus le budget total du projet.")
        if ceiling is not None:
            hint = _(
                "Au plus le budget total du projet, et strictement inférieur à %(ceiling)s "
                "pour cet appel."
            ) % {"ceiling": format_euros(ceiling, cents=True)}
        self.fields["requested_amount"].help_text = hint

    def clean(self):
        cleaned = super().clean()
        total = cleaned.get("total_budget")
        requested = cleaned.get("requested_amount")
        call = self.dossier.call
        if requested is not None and not call.accepts_amount(requested):
            self.add_error(
                "requested_amount",
                _("Le cofinancement demandé doit être strictement inférieur à %(ceiling)s.")
                % {"ceiling": format_euros(call.amount_ceiling, cents=True)},
            )
        elif requested is not None and total is not None and requested > total:
            self.add_error(
                "requested_amount",
                _("Le cofinancement demandé dépasse le budget total du projet."),
            )
        return cleaned


class ContactForm(SectionForm):
    class Meta:
        model = Dossier
        fields = ["contact_name", "contact_email", "contact_phone"]


class BudgetLineForm(forms.Form):
    label = forms.CharField(label=_("Intitulé"), max_length=255)
    # An empty first choice, so that the blank extra lines are left out when saving.
    nature = forms.ChoiceField(
        label=_("Nature"), choices=[("", _("— Choisir —")), *BudgetLine.Nature.choices]
    )
    amount = FrenchDecimalField(label=_("Montant (€)"), min_value=Decimal("0.01"))

    LINE_FIELDS = ("label", "nature", "amount")

    def __init__(self, *args, blank_line=False, **kwargs):
        super().__init__(*args, **kwargs)
        # A blank extra line may stay empty: no required marker; once something is typed
        # in it, ``clean`` asks for the rest.
        self.blank_line = blank_line
        if blank_line:
            for name in self.LINE_FIELDS:
                self.fields[name].required = False
        self.helper = inline_helper()

    def clean(self):
        cleaned = super().clean()
        empty = [name for name in self.LINE_FIELDS if cleaned.get(name) in (None, "")]
        if self.blank_line and len(empty) < len(self.LINE_FIELDS):
            for name in empty:
                if name not in self.errors:
                    self.add_error(name, forms.Field.default_error_messages["required"])
        return cleaned


class BaseBudgetLineFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        # ``index`` is None for the empty form that the page's script copies.
        return {"blank_line": index is None or index >= self.initial_form_count()}

    def typed_total(self) -> Decimal:
        """The sum of the amounts shown (typed or saved), the starting value of the live total."""
        total = Decimal(0)
        for form in self.forms:
            if "DELETE" in form.fields and form["DELETE"].value():
                continue
            value = form["amount"].value()
            try:
                amount = form.fields["amount"].clean(value) if value not in (None, "") else None
            except forms.ValidationError:
                amount = None
            total += amount or 0
        return total

    def lines(self) -> list[dict]:
        """The lines kept, in order (deleted and untouched empty forms left out)."""
        lines = []
        for index, form in enumerate(self.forms):
            if self._should_delete_form(form):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            lines.append({name: form.cleaned_data[name] for name in ("label", "nature", "amount")})
        return lines


BudgetLineFormSet = forms.formset_factory(
    BudgetLineForm,
    formset=BaseBudgetLineFormSet,
    extra=2,
    can_delete=True,
    # Only a saved line can be deleted: a blank one is simply left empty.
    can_delete_extra=False,
    max_num=50,
)


def budget_line_formset(data=None, *, dossier: Dossier) -> BaseBudgetLineFormSet:
    initial = [
        {"label": line.label, "nature": line.nature, "amount": line.amount}
        for line in dossier.budget_lines.all()
    ]
    return BudgetLineFormSet(data, initial=initial, prefix="lignes")


@dataclass(frozen=True)
class Section:
    slug: str
    title: object
    form_class: type[SectionForm]
    has_budget_lines: bool = False

    @property
    def fields(self) -> list[str]:
        return list(self.form_class._meta.fields)


SECTIONS = {
    section.slug: section
    for section in [
        Section("projet", _("Projet"), ProjectForm),
        Section("benefices", _("Bénéfices et approche"), BenefitsForm),
        Section("budget", _("Budget"), BudgetForm, has_budget_lines=True),
        Section("contact", _("Contact"), ContactForm),
    ]
}


@dataclass(frozen=True)
class SectionStatus:
    """A section and the fields of it that a submission still requires."""

    section: Section
    number: int
    # (field name, label) pairs, in the form's order.
    missing: tuple[tuple[str, str], ...]

    @property
    def complete(self) -> bool:
        return not self.missing


def section_statuses(dossier: Dossier) -> list[SectionStatus]:
    """Each section with its missing fields, from ``Dossier.missing_fields`` (the rule of the
    submission), so that the section pages and the submit page never disagree."""
    missing = set(dossier.missing_fields())
    statuses = []
    for number, section in enumerate(SECTIONS.values(), start=1):
        form_fields = section.form_class.base_fields
        statuses.append(
            SectionStatus(
                section=section,
                number=number,
                missing=tuple(
                    (name, str(form_fields[name].label))
                    for name in section.fields
                    if name in missing
                ),
            )
        )
    return statuses


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier"),
        # Emptiness is reported by ``check_upload`` with the same wording as the other checks.
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": accept_attribute()}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=255,
        required=False,
        help_text=_("Par exemple : « Devis du prestataire », « Lettre de soutien »."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Formats acceptés : PDF, ODT, DOCX, ODS, XLSX. Taille maximale : %(size)s."
        ) % {"size": format_size(max_upload_bytes())}
        self.helper = inline_helper()

    def clean_file(self):
        file = self.cleaned_data["file"]
        self.checked = check_upload(file)
        return file


class CompleteForm(forms.Form):
    reply = forms.CharField(
        label=_("Votre réponse à l’équipe d’instruction"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Facultatif : précisez ce que vous avez complété ou modifié."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inline_helper()


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du retrait"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Facultatif."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inline_helper()

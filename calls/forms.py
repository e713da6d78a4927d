"""Forms of the calls app's staff screens. They parse input; the workflow modules decide."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from calls.editor import Row as EditorRow
from calls.models import AdministrationKind, Call, CallKind, ProgrammeRoleKind, ReminderSettings
from calls.reminders import EDITABLE_FIELDS
from relance.formatting import PARIS, to_paris
from relance.forms import BIGINT_MAX, DsfrFormHelper, bounded_formfield, inline_helper


class RoleGrantForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse électronique"),
        max_length=254,
        help_text=_(
            "Le compte existant avec cette adresse est réutilisé ; sinon un compte est créé et "
            "reçoit un lien pour choisir son mot de passe. Format attendu : nom@domaine.gouv.fr"
        ),
    )
    first_name = forms.CharField(
        label=_("Prénom"), max_length=150, required=False, help_text=_("Pour un nouveau compte.")
    )
    last_name = forms.CharField(
        label=_("Nom"), max_length=150, required=False, help_text=_("Pour un nouveau compte.")
    )
    role = forms.ChoiceField(label=_("Rôle"), choices=ProgrammeRoleKind.choices)

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        if len(roles) == 1:
            self.fields["role"].initial = roles[0][0]
        self.helper = DsfrFormHelper(self, submit_label=_("Attribuer le rôle"))


# The call editor --------------------------------------------------------------------------


class AmountField(forms.DecimalField):
    """A localized amount: « 99 999,99 » as well as « 99999.99 »."""

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(value.split()).replace("\u202f", "")
        return super().to_python(value)


# An amount that may be left blank, in euros and cents, above zero.
OPTIONAL_POSITIVE_AMOUNT = {
    "required": False,
    "min_value": Decimal("0.01"),
    "decimal_places": 2,
    "localize": True,
}


def _model_field(name, **kwargs):
    return Call._meta.get_field(name).formfield(**kwargs)


def _paris_datetime(day, moment):
    if day is None or moment is None:
        return None
    return datetime.combine(day, moment, tzinfo=PARIS)


def _check_call_dates(form, cleaned, kind, opens_at, closes_at):
    """The checks a call's form makes of its dates once read in Paris time: the closing
    after the opening, a numbered round's number and closing date. Returns ``cleaned``
    with ``opens_at`` and ``closes_at`` set."""
    if opens_at and closes_at and closes_at <= opens_at:
        form.add_error("closes_on", _("La clôture doit être postérieure à l’ouverture."))
    if kind == CallKind.ROUND:
        if cleaned.get("number") is None and "number" not in form.errors:
            form.add_error("number", _("Un appel numéroté doit avoir un numéro."))
        if closes_at is None and not form.has_error("closes_on"):
            form.add_error("closes_on", _("Un appel numéroté doit avoir une date de clôture."))
    cleaned["opens_at"], cleaned["closes_at"] = opens_at, closes_at
    return cleaned


class CallForm(forms.Form):
    """A call's own fields; dates and times are typed in Paris time.

    ``locks`` (field → reason) disables the locked fields: a disabled field keeps its
    initial value whatever is posted, and the workflow refuses a change anyway.
    """

    kind = forms.ChoiceField(
        label=_("Type d’appel"), choices=CallKind.choices, widget=forms.RadioSelect
    )
    number = forms.IntegerField(
        label=_("Numéro de la vague"),
        required=False,
        min_value=1,
        max_value=32767,
        help_text=_("Pour un appel numéroté. Laissez vide pour un guichet en continu."),
    )
    title = _model_field("title")
    slug = forms.SlugField(
        label=_("Identifiant d’adresse"),
        max_length=100,
        required=False,
        help_text=_(
            "La fin de l’adresse publique de l’appel : lettres minuscules sans accents, chiffres "
            "et tirets. Laissez vide pour le déduire du titre."
        ),
    )
    summary = _model_field("summary", widget=forms.Textarea(attrs={"rows": 3}))
    description = _model_field("description", widget=forms.Textarea(attrs={"rows": 6}))
    how_to_apply = _model_field("how_to_apply", widget=forms.Textarea(attrs={"rows": 4}))
    opens_on = forms.DateField(label=_("Date d’ouverture"), widget=forms.DateInput)
    opens_time = forms.TimeField(
        label=_("Heure d’ouverture"),
        widget=forms.TimeInput,
        help_text=_("Heure de Paris. Les dossiers sont acceptés à partir de cet instant."),
    )
    closes_on = forms.DateField(
        label=_("Date de clôture"),
        required=False,
        widget=forms.DateInput,
        help_text=_("Obligatoire pour un appel numéroté ; vide pour un guichet sans clôture."),
    )
    closes_time = forms.TimeField(
        label=_("Heure de clôture"),
        required=False,
        widget=forms.TimeInput,
        help_text=_("Heure de Paris. Les dossiers sont acceptés jusqu’à cet instant exclu."),
    )
    amount_ceiling = AmountField(
        label=_("Plafond du cofinancement demandé (€)"),
        max_digits=12,
        **OPTIONAL_POSITIVE_AMOUNT,
        help_text=_(
            "Pour un guichet notamment : le montant demandé doit être strictement inférieur. "
            "Vide : pas de plafond."
        ),
    )
    eligible_kinds = forms.MultipleChoiceField(
        label=_("Administrations éligibles"),
        choices=AdministrationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_dossiers_per_administration = forms.IntegerField(
        label=_("Nombre maximal de dossiers par administration"),
        required=False,
        min_value=1,
        max_value=32767,
        help_text=_("Les dossiers retirés ne comptent pas. Vide : pas de limite."),
    )
    envelope = AmountField(
        label=_("Enveloppe (€)"),
        max_digits=14,
        **OPTIONAL_POSITIVE_AMOUNT,
        help_text=_(
            "Total des cofinancements que l’appel peut accorder : une décision qui le dépasserait "
            "est refusée, et un guichet ferme quand ses décisions publiées l’ont consommé. "
            "Vide : pas d’enveloppe."
        ),
    )
    instruction_days = forms.IntegerField(
        label=_("Délai d’instruction (jours)"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_(
            "Guichet en continu : chaque dossier a pour échéance sa date de dépôt plus ce délai. "
            "Affiché sur la page publique."
        ),
    )
    ineligible_note = _model_field("ineligible_note", widget=forms.Textarea(attrs={"rows": 3}))
    ineligible_link = _model_field("ineligible_link", assume_scheme="https")

    def __init__(self, *args, call=None, locks=None, **kwargs):
        if call is not None and "initial" not in kwargs:
            kwargs["initial"] = call_initial(call)
        super().__init__(*args, **kwargs)
        self.call = call
        self.locks = locks or {}
        for name, reason in self.locks.items():
            for field_name in LOCKED_FORM_FIELDS.get(name, (name,)):
                field = self.fields[field_name]
                field.disabled = True
                field.help_text = reason
        for name in ("amount_ceiling", "envelope"):
            self.fields[name].widget.attrs.update(inputmode="decimal", autocomplete="off")
        self.helper = inline_helper()
        self.helper.layout = Layout(
            Fieldset(_("L’appel"), "kind", "number", "title", "slug"),
            Fieldset(_("Présentation"), "summary", "description", "how_to_apply"),
            Fieldset(
                _("Calendrier (heure de Paris)"),
                Row(Column("opens_on"), Column("opens_time")),
                Row(Column("closes_on"), Column("closes_time")),
            ),
            Fieldset(
                _("Éligibilité"),
                "eligible_kinds",
                "amount_ceiling",
                "max_dossiers_per_administration",
                "ineligible_note",
                "ineligible_link",
            ),
            Fieldset(_("Instruction et enveloppe"), "instruction_days", "envelope"),
        )

    def clean(self):
        cleaned = super().clean()
        opens_at = _paris_datetime(cleaned.get("opens_on"), cleaned.get("opens_time"))
        closes_on, closes_time = cleaned.get("closes_on"), cleaned.get("closes_time")
        if closes_on and closes_time is None and "closes_time" not in self.errors:
            self.add_error("closes_time", _("Indiquez l’heure de clôture."))
        if closes_time and closes_on is None and "closes_on" not in self.errors:
            self.add_error("closes_on", _("Indiquez la date de clôture."))
        closes_at = _paris_datetime(closes_on, closes_time)
        return _check_call_dates(self, cleaned, cleaned.get("kind"), opens_at, closes_at)

    def call_fields(self) -> dict:
        """What the workflow receives: the call's fields, dates in Paris time."""
        names = [n for n in self.fields if n not in DATE_PARTS] + ["opens_at", "closes_at"]
        values = {n: self.cleaned_data.get(n) for n in names}
        for name in ("slug", "summary", "description", "how_to_apply", "ineligible_note"):
            values[name] = (values[name] or "").strip()
        values["title"] = (values["title"] or "").strip()
        for name in self.locks:
            # A locked field keeps the call's own value (the form shows it to the second).
            values[name] = getattr(self.call, name)
        return values


def add_refusal(form, exc) -> None:
    """A workflow's refusal on ``form``: its message at the top, and the errors a
    ``CallEditError`` gives by call field each next to the form field that typed it."""
    form.add_error(None, exc.message)
    for name, messages_ in getattr(exc, "errors", {}).items():
        target = MODEL_TO_FORM_FIELD.get(name, name)
        for message in messages_:
            form.add_error(target if target in form.fields else None, message)


DATE_PARTS = ("opens_on", "opens_time", "closes_on", "closes_time")
LOCKED_FORM_FIELDS = {
    "opens_at": ("opens_on", "opens_time"),
    "closes_at": ("closes_on", "closes_time"),
}
MODEL_TO_FORM_FIELD = {"opens_at": "opens_on", "closes_at": "closes_on"}


def call_initial(call) -> dict:
    initial = {name: getattr(call, name) for name in CallForm.base_fields if name not in DATE_PARTS}
    if call.opens_at:
        local = to_paris(call.opens_at)
        initial.update(opens_on=local.date(), opens_time=local.time().replace(microsecond=0))
    if call.closes_at:
        local = to_paris(call.closes_at)
        initial.update(closes_on=local.date(), closes_time=local.time().replace(microsecond=0))
    return initial


def _plain(value):
    """A decimal without trailing zeros (« 1 », « 1,5 »), as a manager would type it."""
    if isinstance(value, Decimal):
        return (
            value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
        )
    return value


class _RowForm(forms.Form):
    # The row's primary key: always disabled, so that only the page's own rows are edited.
    id = forms.IntegerField(
        required=False, widget=forms.HiddenInput, disabled=True, min_value=1, max_value=BIGINT_MAX
    )
    order = forms.IntegerField(label=_("Ordre"), min_value=0, max_value=32767, required=False)


class CategoryRowForm(_RowForm):
    name = forms.CharField(label=_("Nom"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000)
    field_order = ["order", "name", "description"]


class CriterionRowForm(_RowForm):
    label = forms.CharField(label=_("Intitulé"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000)
    weight = forms.DecimalField(
        label=_("Pondération"),
        min_value=Decimal("0.01"),
        max_digits=5,
        decimal_places=2,
        localize=True,
        initial=Decimal("1"),
    )
    scale_max = forms.IntegerField(label=_("Note maximale"), min_value=1, max_value=100, initial=5)
    field_order = ["order", "label", "description", "weight", "scale_max"]


class DocumentRowForm(_RowForm):
    label = forms.CharField(label=_("Intitulé"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000)
    is_required = forms.BooleanField(label=_("Obligatoire"), required=False, initial=True)
    field_order = ["order", "label", "description", "is_required"]


class RowFormSet(forms.BaseFormSet):
    """Lines of a call (categories, criteria or documents), with per-row locks."""

    name_field = "name"
    row_fields: tuple[str, ...] = ()

    def __init__(self, *args, locks=None, locked_row_fields=(), caption="", **kwargs):
        super().__init__(*args, **kwargs)
        self.locks = locks or {}
        for form in self.forms:
            pk = form.initial.get("id")
            if pk in self.locks:
                for name in (*locked_row_fields, "DELETE"):
                    form.fields[name].disabled = True
        self.helper = inline_helper()
        self.helper.template = "dsfr/table_inline_formset.html"
        # The section's heading names the table (no caption repeating it).
        self.title = caption

    def locked_rows(self) -> list[tuple[str, str]]:
        """(name, reason) of the locked rows, said above the table."""
        return [
            (form.initial.get(self.name_field, ""), self.locks[form.initial["id"]])
            for form in self.forms
            if form.initial.get("id") in self.locks
        ]

    def rows(self) -> list[EditorRow]:
        rows = []
        for index, form in enumerate(self.forms):
            is_new = index >= self.initial_form_count()
            if is_new and not form.has_changed():
                continue
            data = form.cleaned_data
            pk = None if is_new else form.initial.get("id")
            values = {name: data.get(name) for name in self.row_fields}
            if values.get("order") is None:
                values["order"] = index + 1
            for name in ("description", "label", "name"):
                if name in values:
                    values[name] = (values[name] or "").strip()
            if is_new and data.get("DELETE"):
                continue
            rows.append(EditorRow(pk=pk, values=values, delete=bool(data.get("DELETE"))))
        return rows


class CategoryFormSet(RowFormSet):
    name_field = "name"
    row_fields = ("name", "description", "order")


class CriterionFormSet(RowFormSet):
    name_field = "label"
    row_fields = ("label", "description", "weight", "scale_max", "order")


class DocumentFormSet(RowFormSet):
    name_field = "label"
    row_fields = ("label", "description", "is_required", "order")


def _formset_class(form, base, extra):
    return forms.formset_factory(
        form, formset=base, extra=extra, can_delete=True, max_num=50, validate_max=True
    )


def row_formsets(call, data=None, *, extra=2, category_locks=None, criterion_locks=None):
    """The three tables of a call's editor, from its rows (none for a new call)."""

    def initial(manager, fields):
        if call is None:
            return []
        return [
            {"id": obj.pk, **{f: _plain(getattr(obj, f)) for f in fields}} for obj in manager.all()
        ]

    return {
        "categories": _formset_class(CategoryRowForm, CategoryFormSet, extra)(
            data,
            initial=initial(call.categories, CategoryFormSet.row_fields) if call else [],
            prefix="categories",
            locks=category_locks,
            locked_row_fields=("name",),
            caption=_("Catégories"),
        ),
        "criteria": _formset_class(CriterionRowForm, CriterionFormSet, extra)(
            data,
            initial=initial(call.criteria, CriterionFormSet.row_fields) if call else [],
            prefix="criteria",
            locks=criterion_locks,
            locked_row_fields=("weight", "scale_max"),
            caption=_("Critères de notation"),
        ),
        "documents": _formset_class(DocumentRowForm, DocumentFormSet, extra)(
            data,
            initial=initial(call.documents, DocumentFormSet.row_fields) if call else [],
            prefix="documents",
            caption=_("Pièces demandées aux candidats"),
        ),
    }


class DuplicateForm(forms.Form):
    """What a duplicate does not copy: its number, title, address and dates."""

    number = CallForm.base_fields["number"]
    title = CallForm.base_fields["title"]
    slug = CallForm.base_fields["slug"]
    opens_on = CallForm.base_fields["opens_on"]
    opens_time = CallForm.base_fields["opens_time"]
    closes_on = CallForm.base_fields["closes_on"]
    closes_time = CallForm.base_fields["closes_time"]

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.helper = DsfrFormHelper(self, submit_label=_("Créer le brouillon"))

    def clean(self):
        cleaned = super().clean()
        opens_at = _paris_datetime(cleaned.get("opens_on"), cleaned.get("opens_time"))
        closes_at = _paris_datetime(cleaned.get("closes_on"), cleaned.get("closes_time"))
        if cleaned.get("closes_on") and cleaned.get("closes_time") is None:
            self.add_error("closes_time", _("Indiquez l’heure de clôture."))
        return _check_call_dates(self, cleaned, self.source.kind, opens_at, closes_at)

    def call_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "number": data.get("number"),
            "title": (data.get("title") or "").strip(),
            "slug": (data.get("slug") or "").strip(),
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
        }


class ExtendClosingForm(forms.Form):
    closes_on = forms.DateField(label=_("Nouvelle date de clôture"), widget=forms.DateInput)
    closes_time = forms.TimeField(
        label=_("Nouvelle heure de clôture"),
        widget=forms.TimeInput,
        help_text=_("Heure de Paris. Les dossiers sont acceptés jusqu’à cet instant exclu."),
    )
    reason = forms.CharField(
        label=_("Motif de la prolongation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Il est écrit dans le courriel envoyé aux administrations et au journal."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = DsfrFormHelper(self, submit_label=_("Prolonger la clôture"))

    def closes_at(self):
        return _paris_datetime(self.cleaned_data["closes_on"], self.cleaned_data["closes_time"])


class ProgrammeOpenDataForm(forms.Form):
    aid_scheme_id = forms.RegexField(
        label=_("Identifiant du dispositif d’aide"),
        regex=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        max_length=100,
        required=False,
        strip=True,
        help_text=_(
            "L’identifiant du dispositif dans le référentiel des dispositifs d’aide, par "
            "exemple 65d5b6c7-102c-4440-ac3b-768f708edc0a : lettres, chiffres, points, tirets, "
            "deux-points, sans espace. Il figure dans la colonne dispositifAide du fichier des "
            "subventions ; tant qu’il est vide, les subventions du programme n’y sont pas publiées."
        ),
        error_messages={
            "invalid": _(
                "L’identifiant ne contient que des lettres, des chiffres, des points, des tirets "
                "et des deux-points, sans espace ni accent."
            ),
            "max_length": _("L’identifiant compte au plus 100 caractères."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = DsfrFormHelper(self, submit_label=_("Enregistrer"))


class ReminderSettingsForm(forms.ModelForm):
    """A call's automatic reminders (``calls.reminders.update_settings`` saves them)."""

    class Meta:
        model = ReminderSettings
        formfield_callback = bounded_formfield
        fields = list(EDITABLE_FIELDS)
        widgets = {"review_deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = DsfrFormHelper(self, submit_label=_("Enregistrer les relances"))

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("draft_first_days"), cleaned.get("draft_second_days")
        if first and second and second >= first:
            self.add_error(
                "draft_second_days",
                _(
                    "Le second rappel doit venir après le premier : "
                    "moins de jours avant la clôture."
                ),
            )
        return cleaned

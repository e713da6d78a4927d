"""Forms of the hearing screens; they only parse input, ``jury.hearings.workflow`` decides."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from jury.hearings.workflow import SESSION_FIELDS, SESSION_MINUTES_BOUNDS
from jury.models import HearingSession
from relance.formatting import PARIS
from relance.forms import DsfrFormHelper, inline_helper


def _session_formfield(field, **kwargs):
    # A link typed without its scheme is taken as https (Django 6's default).
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    if field.name in SESSION_MINUTES_BOUNDS:
        kwargs["min_value"], kwargs["max_value"] = SESSION_MINUTES_BOUNDS[field.name]
    return field.formfield(**kwargs)


class _TimeRangeForm:
    """A form of the session page, a session or a break: it shares the page's one ``<form>``
    (with the session form and the breaks formset), and it ends after it starts."""

    end_before_start = ""  # the error shown when « ends_at » is not after « starts_at »

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = inline_helper()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", self.end_before_start)
        return cleaned


class SessionForm(_TimeRangeForm, forms.ModelForm):
    end_before_start = _("La session doit finir après son début.")

    class Meta:
        model = HearingSession
        fields = list(SESSION_FIELDS)
        formfield_callback = _session_formfield
        widgets = {
            "date": forms.DateInput(),
            "starts_at": forms.TimeInput(format="%H:%M"),
            "ends_at": forms.TimeInput(format="%H:%M"),
        }
        help_texts = {
            "place": _("Adresse de la salle ; laissez vide pour une session à distance."),
            "video_link": _("Adresse complète, par exemple https://webconf.numerique.gouv.fr/…"),
        }

    def _post_clean(self):
        # Validation only: the session is saved by ``jury.hearings.workflow``, never by this form.
        pass

    def session_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in SESSION_FIELDS}


class BreakForm(_TimeRangeForm, forms.Form):
    end_before_start = _("La pause doit finir après son début.")

    label = forms.CharField(label=_("Intitulé"), max_length=100, required=False)
    # Not required one by one: a blank row is no break, a started row needs both times.
    starts_at = forms.TimeField(
        label=_("Début"), widget=forms.TimeInput(format="%H:%M"), required=False
    )
    ends_at = forms.TimeField(
        label=_("Fin"), widget=forms.TimeInput(format="%H:%M"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        filled = cleaned.get("label") or start or end
        if filled and start is None and "starts_at" not in self.errors:
            self.add_error("starts_at", _("Indiquez l’heure de début de la pause."))
        if filled and end is None and "ends_at" not in self.errors:
            self.add_error("ends_at", _("Indiquez l’heure de fin de la pause."))
        return cleaned


class BaseBreakFormSet(forms.BaseFormSet):
    def breaks(self) -> list[dict]:
        """The breaks kept (deleted and untouched empty forms left out)."""
        kept = []
        for index, form in enumerate(self.forms):
            if self._should_delete_form(form):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue
            if not any(form.cleaned_data.get(name) for name in ("label", "starts_at", "ends_at")):
                continue  # emptied: no break
            kept.append(
                {name: form.cleaned_data[name] for name in ("label", "starts_at", "ends_at")}
            )
        return kept


BreakFormSet = forms.formset_factory(
    BreakForm, formset=BaseBreakFormSet, extra=2, can_delete=True, max_num=20
)


def break_formset(data=None, *, session=None) -> BaseBreakFormSet:
    initial = (
        [
            {"label": b.label, "starts_at": b.starts_at, "ends_at": b.ends_at}
            for b in session.breaks.all()
        ]
        if session is not None
        else []
    )
    return BreakFormSet(data, initial=initial, prefix="pauses")


class GenerateForm(forms.Form):
    fill = forms.BooleanField(
        label=_("Remplir la session avec les premiers dossiers s’ils ne tiennent pas tous"),
        help_text=_("Les dossiers restants pourront être placés dans une autre session."),
        required=False,
    )
    regenerate = forms.BooleanField(
        label=_("Je confirme vouloir remplacer le planning déjà publié"),
        required=False,
    )

    def __init__(self, *args, published=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not published:
            del self.fields["regenerate"]
        self.helper = DsfrFormHelper(self, submit_label=_("Générer le planning"))


class SlotForm(forms.Form):
    """A slot's new start, on the session's day (its length is kept)."""

    starts_at = forms.TimeField(
        label=_("Nouvelle heure de début"), widget=forms.TimeInput(format="%H:%M")
    )

    def __init__(self, *args, session, cancel_url, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.helper = DsfrFormHelper(self, submit_label=_("Déplacer"), cancel_url=cancel_url)

    def start_datetime(self) -> datetime:
        return datetime.combine(self.session.date, self.cleaned_data["starts_at"]).replace(
            tzinfo=PARIS
        )


class PublishForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Je confirme la publication : les courriels partiront aussitôt."),
        required=True,
        error_messages={"required": _("Cochez la case pour confirmer la publication.")},
    )

    def __init__(self, *args, cancel_url, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = DsfrFormHelper(
            self, submit_label=_("Publier le planning"), cancel_url=cancel_url
        )

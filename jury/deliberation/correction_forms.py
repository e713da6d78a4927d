"""Forms of the « Rectificatif » screens: they check input; ``corrections`` decides."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jury.deliberation.forms import _amount_field
from jury.models import ResultAmendment
from relance.forms import PrefixedForm
from relance.ordering import french
from submissions.models import Administration, Dossier, DossierState

K = ResultAmendment.Kind
S = DossierState
# Dossiers a correction may concern: the published results, and those that may join them.
CORRECTABLE_STATES = [S.LAUREATE, S.NOT_SELECTED, S.NOT_PRESELECTED, S.SUBMITTED]


class CorrectionForm(PrefixedForm):
    form_prefix = "correction"
    official_date = forms.DateField(
        label=_("Date de la décision modificative"),
        help_text=_("La date de l’acte officiel qui modifie les résultats, affichée au public."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez la date de la décision modificative."),
            "invalid": _("Indiquez une date valide, par exemple 12/04/2021."),
        },
    )
    act_reference = forms.CharField(
        label=_("Référence de l’acte modificatif"),
        required=False,
        max_length=200,
        help_text=_("Facultatif. Par exemple : décision n° 2021-042 du 12 avril 2021."),
    )
    reason = forms.CharField(
        label=_("Motif de la modification"),
        help_text=_("Publié dans l’historique des modifications et envoyé aux administrations."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Indiquez le motif de la modification.")},
    )
    summary = forms.CharField(
        label=_("Nouveau résumé de l’appel"),
        required=False,
        max_length=600,
        help_text=_(
            "Facultatif. Remplace le résumé de l’appel à la publication, s’il cite des chiffres "
            "que le rectificatif modifie."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["official_date"].initial = timezone.localdate()


class ChangeForm(PrefixedForm):
    form_prefix = "change"
    kind = forms.ChoiceField(
        label=_("Modification"),
        choices=[("", "—"), *K.choices],
        error_messages={"required": _("Choisissez le type de modification.")},
    )
    dossier = forms.ModelChoiceField(
        label=_("Dossier"),
        queryset=Dossier.objects.none(),
        error_messages={"required": _("Choisissez le dossier concerné.")},
    )
    granted_amount = _amount_field()
    title = forms.CharField(label=_("Nouveau titre"), required=False, max_length=200)
    subtitle = forms.CharField(label=_("Nouveau sous-titre"), required=False, max_length=255)
    category = forms.ModelChoiceField(label=_("Nouvelle catégorie"), queryset=None, required=False)
    administration = forms.ModelChoiceField(
        label=_("Nouvelle administration"),
        queryset=Administration.objects.order_by(*french("name")),
        required=False,
    )

    # Which field each kind needs.
    NEEDS = {
        K.ADD_LAUREATE: "granted_amount",
        K.CHANGE_AMOUNT: "granted_amount",
        K.CORRECT_TITLE: "title",
        K.MOVE_CATEGORY: "category",
        K.CHANGE_ADMINISTRATION: "administration",
    }
    MESSAGES = {
        "granted_amount": _("Indiquez le cofinancement accordé."),
        "title": _("Indiquez le nouveau titre."),
        "category": _("Choisissez la nouvelle catégorie."),
        "administration": _("Choisissez la nouvelle administration."),
    }

    def __init__(self, call, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["granted_amount"].required = False
        self.fields["dossier"].queryset = (
            Dossier.objects.filter(call=call, state__in=CORRECTABLE_STATES)
            .select_related("administration")
            .order_by("number")
        )
        self.fields["dossier"].label_from_instance = lambda d: f"{d.reference} — {d.title}"
        self.fields["category"].queryset = call.categories.order_by("order", "name")

    def clean(self):
        data = super().clean()
        needed = self.NEEDS.get(data.get("kind"))
        if needed and not data.get(needed):
            self.add_error(needed, self.MESSAGES[needed])
        return data

    def parameters(self) -> dict:
        kind = self.cleaned_data["kind"]
        if kind == K.CORRECT_TITLE:
            return {"title": self.cleaned_data["title"], "subtitle": self.cleaned_data["subtitle"]}
        needed = self.NEEDS.get(kind)
        return {needed: self.cleaned_data[needed]} if needed else {}

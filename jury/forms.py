"""Forms of the jury screens. They only parse input; ``jury.workflow`` decides."""

from __future__ import annotations

from crispy_forms.layout import Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from jury.models import ConflictOfInterest, JuryMember, Recommendation
from relance.forms import ButtonGroup, DsfrButton, DsfrFormHelper, DsfrSubmit


class JuryCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du jury"),
        max_length=200,
        required=False,
        help_text=_("Facultatif. Par défaut : « Jury — » suivi du titre de l’appel."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = DsfrFormHelper(self, submit_label=_("Créer le jury"))
        self.helper.show_required_notice = False


class MemberForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse électronique"),
        help_text=_(
            "Le compte existant avec cette adresse est réutilisé ; sinon un compte est créé. "
            "Format attendu : nom@domaine.gouv.fr"
        ),
    )
    public_name = forms.CharField(
        label=_("Nom affiché"),
        max_length=200,
        help_text=_("Tel qu’il apparaîtra sur la page publique si la composition est publiée."),
    )
    title = forms.CharField(label=_("Titre ou fonction"), max_length=255, required=False)
    affiliation = forms.CharField(label=_("Affiliation"), max_length=255, required=False)
    affiliation_kind = forms.ChoiceField(
        label=_("Type d’affiliation"), choices=JuryMember.AffiliationKind.choices
    )
    role = forms.ChoiceField(
        label=_("Rôle"),
        choices=JuryMember.Role.choices,
        initial=JuryMember.Role.MEMBER,
        help_text=_("Un jury n’a qu’un·e président·e."),
    )

    def __init__(self, *args, cancel_url, submit_label=None, with_email=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_email:
            del self.fields["email"]
        self.helper = DsfrFormHelper(
            self, submit_label=submit_label or _("Ajouter et inviter"), cancel_url=cancel_url
        )


class ConflictForm(forms.Form):
    """A conflict declaration; staff also pick the dossier (``dossiers`` queryset)."""

    dossier = forms.ModelChoiceField(label=_("Dossier"), queryset=None)
    kind = forms.ChoiceField(label=_("Type de conflit"), choices=ConflictOfInterest.Kind.choices)
    comment = forms.CharField(
        label=_("Commentaire"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Précisez le lien (facultatif). Visible de l’équipe d’instruction."),
    )

    def __init__(self, *args, cancel_url, dossiers=None, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if dossiers is None:
            del self.fields["dossier"]
        else:
            self.fields["dossier"].queryset = dossiers
            self.fields["dossier"].label_from_instance = lambda d: f"{d.reference} — {d.title}"
        self.helper = DsfrFormHelper(
            self,
            submit_label=submit_label or _("Déclarer le conflit d’intérêts"),
            cancel_url=cancel_url,
        )


class LiftConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif de la levée"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Obligatoire. Conservé dans l’historique."),
    )

    def __init__(self, *args, conflict=None, **kwargs):
        if conflict is not None:
            kwargs.setdefault("prefix", f"lift-{conflict.pk}")
        super().__init__(*args, **kwargs)
        self.helper = DsfrFormHelper(self, submit_label=_("Lever le conflit"))
        self.helper.show_required_notice = False


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
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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
                widget=forms.NumberInput(
                    attrs={"step": "0.01", "min": 0, "max": criterion.scale_max}
                ),
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

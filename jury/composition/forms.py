"""Forms of the composition screens. They parse input; ``jury.composition.workflow`` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jury.models import ConflictOfInterest, JuryMember
from relance.forms import DsfrFormHelper


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
        self.helper = DsfrFormHelper(
            self,
            submit_label=_("Lever le conflit"),
            submit_name=f"{conflict.member.public_name}, {conflict.dossier.reference}"
            if conflict is not None
            else "",
        )
        self.helper.show_required_notice = False

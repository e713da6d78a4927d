"""Forms of the directory (ministries, administrations) and of membership requests.

They only validate input, in French, next to the field; the views hand the cleaned values
to ``submissions.administrations``, which checks them again.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from relance.forms import DsfrFormHelper, PrefixedForm
from relance.ordering import french
from submissions.administrations import MESSAGE_MAX_LENGTH, REASON_MAX_LENGTH, ministry_error
from submissions.models import Administration, Ministry


def clean_label(value: str) -> str:
    """A name on one line: runs of spaces collapsed; control and invisible characters
    (including the ones that reverse the text direction) refused."""
    value = " ".join((value or "").split())
    if any(unicodedata.category(char).startswith("C") for char in value):
        raise ValidationError(
            _("Ce texte contient des caractères invisibles ou de contrôle : retapez-le."),
            code="control_characters",
        )
    return value


class _LabelsMixin:
    """``name`` and ``acronym`` cleaned by :func:`clean_label`."""

    def clean_name(self):
        return clean_label(self.cleaned_data.get("name", ""))

    def clean_acronym(self):
        return clean_label(self.cleaned_data.get("acronym", ""))


class MinistryForm(_LabelsMixin, forms.ModelForm):
    class Meta:
        model = Ministry
        fields = ["name", "acronym"]
        labels = {"name": _("Nom du ministère"), "acronym": _("Sigle")}
        help_texts = {
            "name": _("Par exemple : Ministère de la Culture."),
            "acronym": _("Facultatif. Par exemple : MC."),
        }

    def __init__(self, *args, cancel_url, submit_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = DsfrFormHelper(self, submit_label=submit_label, cancel_url=cancel_url)


class AdministrationForm(_LabelsMixin, forms.ModelForm):
    class Meta:
        model = Administration
        fields = ["name", "acronym", "kind", "ministry", "siret", "proconnect_auto_attach"]
        labels = {
            "name": _("Nom de l’administration"),
            "acronym": _("Sigle"),
            "kind": _("Type de structure"),
            "ministry": _("Ministère de rattachement"),
            "siret": _("SIRET"),
            "proconnect_auto_attach": _("Rattachement automatique des agents ProConnect"),
        }
        help_texts = {
            "name": _(
                "Le nom complet, par exemple : Secrétariat général du ministère de la Culture."
            ),
            "acronym": _("Facultatif. Par exemple : SG Culture."),
            "ministry": _("Vide pour une collectivité territoriale, obligatoire sinon."),
            "siret": _(
                "Facultatif. 14 chiffres, avec ou sans espaces, par exemple 130 025 265 00013. "
                "Deux administrations ne peuvent pas avoir le même SIRET."
            ),
        }

    def __init__(self, *args, cancel_url, submit_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ministry"].queryset = Ministry.objects.order_by(*french("name"))
        self.fields["ministry"].empty_label = _("— Aucun (collectivité territoriale) —")
        self.fields["kind"].choices = [
            ("", _("— Choisir un type —")),
            *self.fields["kind"].choices[1:],
        ]
        self.fields["name"].error_messages["required"] = _("Indiquez le nom de l’administration.")
        self.fields["kind"].error_messages["required"] = _("Choisissez le type de structure.")
        self.helper = DsfrFormHelper(self, submit_label=submit_label, cancel_url=cancel_url)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind and "ministry" not in self.errors:
            error = ministry_error(kind, cleaned.get("ministry"))
            if error:
                self.add_error("ministry", error)
        return cleaned

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class JoinSearchForm(forms.Form):
    """The agent's search among administrations: by name, acronym or SIRET."""

    q = forms.CharField(
        label=_("Nom, sigle ou SIRET de l’administration"),
        required=False,
        max_length=100,
        help_text=_("Par exemple : Secrétariat général Culture, SG Culture ou 130 025 265 00013."),
    )

    def clean_q(self):
        return " ".join(self.cleaned_data.get("q", "").split())


class MembershipRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message à l’équipe d’instruction"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Facultatif. Votre fonction, votre service : ce qui aide à vérifier que vous "
            "travaillez pour cette administration (1 000 caractères au plus)."
        ),
        error_messages={
            "max_length": _("Le message ne doit pas dépasser %(limit_value)s caractères.")
        },
    )

    def __init__(self, *args, cancel_url, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = DsfrFormHelper(
            self, submit_label=_("Envoyer la demande"), cancel_url=cancel_url
        )


class RefuseRequestForm(PrefixedForm):
    form_prefix = "refus"
    reason = forms.CharField(
        label=_("Motif du refus"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obligatoire. Il est envoyé à l’agent par courriel."),
        error_messages={
            "required": _("Indiquez le motif du refus : il est envoyé à l’agent."),
            "max_length": _("Le motif ne doit pas dépasser %(limit_value)s caractères."),
        },
    )


class AssignAdministrationForm(PrefixedForm):
    """The administration of a request that came from ProConnect with an unknown SIRET."""

    form_prefix = "choix"
    administration = forms.ModelChoiceField(
        label=_("Administration de l’agent"),
        queryset=Administration.objects.none(),
        empty_label=_("— Choisir une administration —"),
        help_text=_("Celle pour laquelle l’agent travaille ; vous accepterez ensuite sa demande."),
        error_messages={
            "required": _("Choisissez l’administration de l’agent."),
            "invalid_choice": _("Cette administration n’existe plus : choisissez-en une autre."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["administration"].queryset = Administration.objects.order_by(*french("name"))

"""Forms of the calls app's staff screens. They parse input; the workflow modules decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from calls.models import ProgrammeRoleKind
from relance.forms import DsfrFormHelper


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

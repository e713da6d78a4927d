"""Forms of the staff screen connecting a call to a Démarches Simplifiées procedure.

They only validate input; the view hands the cleaned values to ``demarches.workflow``.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from relance.forms import PrefixedForm
from submissions.demarches.workflow import MAPPABLE_FIELDS
from submissions.models import Dossier


class ConnectionForm(PrefixedForm):
    form_prefix = "connexion"
    procedure_number = forms.IntegerField(
        label=_("Numéro de la démarche"),
        help_text=_("Le numéro qui figure dans l’adresse de la démarche, par exemple 12345."),
        min_value=1,
        max_value=2_147_483_647,
        error_messages={
            "required": _("Indiquez le numéro de la démarche."),
            "invalid": _("Le numéro de la démarche est un nombre entier."),
        },
    )
    # Never filled back: the stored token is never shown.
    token = forms.CharField(
        label=_("Jeton d’API"),
        help_text=_(
            "Créé dans Démarches Simplifiées (profil, jetons d’API), avec accès à cette démarche. "
            "Il est enregistré chiffré et ne sera plus affiché."
        ),
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, connected: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if connected:
            self.fields["token"].help_text = _(
                "Un jeton est enregistré. Laissez vide pour le garder, ou saisissez-en un nouveau."
            )


class MappingForm(PrefixedForm):
    """One text input per content field: the DS champ (label or id) that fills it."""

    form_prefix = "correspondance"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in MAPPABLE_FIELDS:
            self.fields[name] = forms.CharField(
                label=Dossier._meta.get_field(name).verbose_name.capitalize(),
                help_text=_("Libellé ou identifiant du champ dans la démarche."),
                required=name == "title",
                max_length=300,
                error_messages={"required": _("Indiquez le champ qui donne le titre du projet.")},
            )


class RunForm(PrefixedForm):
    form_prefix = "import"
    from_start = forms.BooleanField(
        label=_("Relire tous les dossiers de la démarche"),
        help_text=_(
            "Sinon, seuls les dossiers modifiés depuis le dernier import sont lus. "
            "Un dossier déjà importé n’est jamais créé deux fois."
        ),
        required=False,
    )

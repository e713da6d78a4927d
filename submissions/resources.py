"""CSV import of ministries and administrations in the admin (django-import-export).

Columns, French headers:

- ministries: ``nom``, ``sigle``;
- administrations: ``nom``, ``sigle``, ``type`` (French label such as « Opérateur » or code
  such as ``operator``), ``ministere`` (name or acronym of an existing ministry), ``siret``.

A ministry named in an administration row must already exist (import the ministries
first): an unknown one is refused rather than created, so that a typo never creates a
duplicate ministry. Rows are matched on ``nom``: importing the same file twice updates the
rows instead of duplicating them. Any error in any row refuses the whole file.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV

from calls.models import AdministrationKind
from submissions.models import Administration, Ministry, compact_siret


class FrenchCSV(CSV):
    """CSV separated by commas or by semicolons (as spreadsheets in French write them)."""

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        in_stream = in_stream.removeprefix("\ufeff")
        first_line = in_stream.split("\n", 1)[0]
        if "delimiter" not in kwargs and first_line.count(";") > first_line.count(","):
            kwargs["delimiter"] = ";"
        return super().create_dataset(in_stream, **kwargs)


def _normalize(text: str) -> str:
    """Case-, accent- and separator-insensitive form of a label or code."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    spaced = without_accents.replace("_", " ").replace("-", " ").replace("\u2019", "'")
    return " ".join(spaced.casefold().split())


class TrimmedWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return " ".join(str(value or "").split())


class KindWidget(widgets.Widget):
    """Accepts the French label (« Service déconcentré ») or the code (``deconcentrated``)."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            raise ValueError(_("Le type est obligatoire."))
        wanted = _normalize(text)
        for code, label in AdministrationKind.choices:
            if wanted in (_normalize(code), _normalize(label)):
                return code
        accepted = ", ".join(f"« {label} » ({code})" for code, label in AdministrationKind.choices)
        raise ValueError(
            _("Type inconnu : « %(value)s ». Valeurs acceptées : %(accepted)s.")
            % {"value": text, "accepted": accepted}
        )

    def render(self, value, obj=None, **kwargs):
        return str(AdministrationKind(value).label) if value else ""


class MinistryWidget(widgets.ForeignKeyWidget):
    """A ministry given by its name or acronym; it must exist already."""

    def __init__(self):
        super().__init__(Ministry, field="name")

    def clean(self, value, row=None, **kwargs):
        text = " ".join(str(value or "").split())
        if not text:
            return None
        matches = list(Ministry.objects.filter(Q(name__iexact=text) | Q(acronym__iexact=text))[:2])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ValueError(
                _(
                    "Ministère inconnu : « %(value)s ». Importez d’abord les ministères ou "
                    "corrigez le nom."
                )
                % {"value": text}
            )
        raise ValueError(
            _("« %(value)s » désigne plusieurs ministères : indiquez le nom complet.")
            % {"value": text}
        )


class SiretWidget(widgets.CharWidget):
    """Stored compact: the spaces and dots of « 130 025 265 00013 » are dropped, then the
    key is checked (``python-stdnum``, through the model's validator)."""

    def clean(self, value, row=None, **kwargs):
        return compact_siret("".join(str(value or "").split()))


class NamedRowsResource(resources.ModelResource):
    """An import of rows named « nom » (and « sigle »), matched on the name.

    It saves every row or none: any invalid row rolls the whole file back. Subclasses give
    their ``Meta.model`` and ``Meta.fields``; the other options are inherited.
    """

    name = fields.Field(attribute="name", column_name="nom", widget=TrimmedWidget())
    acronym = fields.Field(attribute="acronym", column_name="sigle", widget=TrimmedWidget())

    class Meta:
        import_id_fields = ("name",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def import_data(self, dataset, *args, rollback_on_validation_errors=True, **kwargs):
        return super().import_data(
            dataset, *args, rollback_on_validation_errors=rollback_on_validation_errors, **kwargs
        )


class MinistryResource(NamedRowsResource):
    class Meta:
        model = Ministry
        fields = ("name", "acronym")

    @classmethod
    def get_display_name(cls):
        return _("Ministères")


class AdministrationResource(NamedRowsResource):
    kind = fields.Field(attribute="kind", column_name="type", widget=KindWidget())
    ministry = fields.Field(attribute="ministry", column_name="ministere", widget=MinistryWidget())
    siret = fields.Field(attribute="siret", column_name="siret", widget=SiretWidget())

    class Meta:
        model = Administration
        fields = ("name", "acronym", "kind", "ministry", "siret")

    @classmethod
    def get_display_name(cls):
        return _("Administrations")

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        # Every State administration depends on a ministry; only local authorities have none.
        if (
            instance.kind
            and instance.kind != AdministrationKind.LOCAL_AUTHORITY
            and instance.ministry_id is None
            and "ministry" not in errors
        ):
            errors["ministry"] = ValidationError(
                _("Indiquez le ministère de rattachement (colonne « ministere »)."),
                code="required",
            )
        super().validate_instance(instance, errors, validate_unique)

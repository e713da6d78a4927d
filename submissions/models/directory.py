"""Ministries, administrations (with their SIRET), their agents and requests to join them."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.fr import siret as stdnum_siret

from calls.models import AdministrationKind
from relance.ordering import french


def validate_siret(value: str) -> None:
    """A SIRET as stored: 14 digits (compact), with a valid key (``stdnum.fr.siret``)."""
    if not value.isdigit() or len(value) != 14:
        raise ValidationError(_("Un SIRET compte exactement 14 chiffres."), code="siret_format")
    try:
        stdnum_siret.validate(value)
    except stdnum_exceptions.ValidationError:
        raise ValidationError(
            _("Ce SIRET n’est pas valide (clé de contrôle)."), code="siret_key"
        ) from None


def compact_siret(value: str) -> str:
    """``value`` without the spaces and dots people type: « 130 025 265 00013 » → 14 digits."""
    return stdnum_siret.compact(value or "")


def format_siret(value: str) -> str:
    """A stored SIRET as it is read: « 130 025 265 00013 »; anything else as it is."""
    if value and value.isdigit() and len(value) == 14:
        return stdnum_siret.format(value)
    return value or ""


class SiretFormField(forms.CharField):
    """A SIRET typed with or without separators, cleaned to its 14 digits."""

    default_validators = [validate_siret]

    def __init__(self, **kwargs):
        # 14 digits and the separators of the formatted number.
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "numeric")
        self.widget.attrs.setdefault("autocomplete", "off")

    def to_python(self, value):
        return compact_siret(super().to_python(value))

    def prepare_value(self, value):
        return format_siret(value) if isinstance(value, str) else value


class SiretField(models.CharField):
    """A SIRET stored compact (14 digits); its forms accept « 130 025 265 00013 »."""

    default_validators = [validate_siret]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 14)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": SiretFormField, "max_length": 20, **kwargs})


class Ministry(models.Model):
    name = models.CharField(
        _("nom"),
        max_length=255,
        unique=True,
        error_messages={"unique": _("Un ministère porte déjà ce nom.")},
    )
    acronym = models.CharField(_("sigle"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("ministère")
        verbose_name_plural = _("ministères")
        ordering = [*french("name")]

    def __str__(self):
        return self.name


class Administration(models.Model):
    name = models.CharField(
        _("nom"),
        max_length=255,
        unique=True,
        error_messages={"unique": _("Une administration porte déjà ce nom.")},
    )
    acronym = models.CharField(_("sigle"), max_length=30, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=AdministrationKind.choices)
    ministry = models.ForeignKey(
        Ministry,
        on_delete=models.PROTECT,
        related_name="administrations",
        verbose_name=_("ministère"),
        null=True,
        blank=True,
        help_text=_("Vide pour une collectivité territoriale."),
    )
    siret = SiretField(
        _("SIRET"),
        blank=True,
        help_text=_("14 chiffres, espaces acceptés ; facultatif."),
    )
    proconnect_auto_attach = models.BooleanField(
        _("rattachement automatique des agents ProConnect"),
        default=False,
        help_text=_(
            "Un agent qui se connecte avec ProConnect au SIRET (ou au SIREN) de cette "
            "administration y est rattaché sans attendre ; sinon une demande de rattachement "
            "est créée pour l’équipe d’instruction."
        ),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="administrations",
        verbose_name=_("agents"),
    )

    class Meta:
        verbose_name = _("administration")
        verbose_name_plural = _("administrations")
        ordering = [*french("name")]
        constraints = [
            # Stored compact (14 digits), so one establishment cannot be entered twice.
            models.UniqueConstraint(
                fields=["siret"],
                condition=~Q(siret=""),
                name="administration_siret_unique",
                violation_error_message=_("Une administration porte déjà ce SIRET."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def formatted_siret(self) -> str:
        return format_siret(self.siret)


class Membership(models.Model):
    """An agent belongs to an administration (possibly several) and acts for it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("agent"),
    )
    administration = models.ForeignKey(
        Administration,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("administration"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rattachement")
        verbose_name_plural = _("rattachements")
        constraints = [
            models.UniqueConstraint(fields=["user", "administration"], name="membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.administration}"


class MembershipRequest(models.Model):
    """An agent asks to join an administration; an instructor approves or refuses it.

    Changed only through ``submissions.administrations`` (the workflow functions); approving
    creates the :class:`Membership`. At most one pending request per agent and administration.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        APPROVED = "approved", _("Acceptée")
        REFUSED = "refused", _("Refusée")
        CANCELLED = "cancelled", _("Annulée")

    class Origin(models.TextChoices):
        AGENT = "agent", _("Demandée par l’agent")
        PROCONNECT = "proconnect", _("Créée à la connexion ProConnect")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="membership_requests",
        verbose_name=_("agent"),
    )
    # Empty while no administration of Relance matches the SIRET ProConnect gave: an
    # instructor chooses (or creates) it before accepting.
    administration = models.ForeignKey(
        Administration,
        on_delete=models.CASCADE,
        related_name="membership_requests",
        verbose_name=_("administration"),
        null=True,
        blank=True,
    )
    siret = SiretField(_("SIRET transmis par ProConnect"), blank=True, editable=False)
    origin = models.CharField(
        _("origine"),
        max_length=20,
        choices=Origin.choices,
        default=Origin.AGENT,
        editable=False,
    )
    message = models.TextField(_("message de l’agent"), max_length=1000, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
        editable=False,
        db_index=True,
    )
    created_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    decided_at = models.DateTimeField(_("traitée le"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traitée par"),
        editable=False,
    )
    reason = models.TextField(_("motif du refus"), blank=True, editable=False)

    class Meta:
        verbose_name = _("demande de rattachement")
        verbose_name_plural = _("demandes de rattachement")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "administration"],
                condition=Q(status="pending"),
                name="membership_request_one_pending",
                violation_error_message=_(
                    "Une demande de rattachement à cette administration est déjà en attente."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "siret"],
                condition=Q(status="pending", administration__isnull=True),
                name="membership_request_one_pending_siret",
            ),
            # A request names its administration, or at least the SIRET to find it by.
            models.CheckConstraint(
                condition=Q(administration__isnull=False) | ~Q(siret=""),
                name="membership_request_administration_or_siret",
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.administration_label} ({self.get_status_display()})"

    @property
    def administration_label(self) -> str:
        """The administration's name, or the SIRET it is to be found by."""
        if self.administration_id is not None:
            return self.administration.name
        return _("Administration au SIRET %(siret)s (à identifier)") % {
            "siret": format_siret(self.siret)
        }

    @property
    def formatted_siret(self) -> str:
        return format_siret(self.siret)

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

"""Programmes, calls (numbered rounds and continuous windows), categories and criteria."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AdministrationKind(models.TextChoices):
    """Kinds of administration. Lives here because calls declare which kinds are eligible."""

    CENTRAL = "central", _("Administration centrale")
    DECONCENTRATED = "deconcentrated", _("Service déconcentré")
    OPERATOR = "operator", _("Opérateur")
    LOCAL_AUTHORITY = "local_authority", _("Collectivité territoriale")


def default_eligible_kinds() -> list[str]:
    return [
        AdministrationKind.CENTRAL,
        AdministrationKind.DECONCENTRATED,
        AdministrationKind.OPERATOR,
    ]


class ProgrammeQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)


class Programme(models.Model):
    title = models.CharField(_("titre"), max_length=255)
    slug = models.SlugField(_("identifiant d’adresse"), max_length=100, unique=True)
    operator = models.CharField(
        _("opérateur"), max_length=255, help_text=_("Service qui porte le programme.")
    )
    summary = models.TextField(_("résumé"), max_length=600)
    description = models.TextField(_("présentation"), blank=True)
    is_public = models.BooleanField(
        _("public"), default=True, help_text=_("Décochez pour masquer le programme du site public.")
    )
    # SCDL « subventions » 2.1.1 ``dispositifAide``: the scheme's identifier, not its title.
    aid_scheme_id = models.CharField(
        _("identifiant du dispositif d’aide"),
        max_length=100,
        blank=True,
        help_text=_(
            "Identifiant du dispositif dans le référentiel des dispositifs d’aide (schéma "
            "« dispositifs d’aide » de data.gouv.fr), repris dans la colonne dispositifAide du "
            "fichier des subventions. Tant qu’il est vide, les subventions du programme ne sont "
            "pas publiées."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["title"]

    def __str__(self):
        return self.title


class CallKind(models.TextChoices):
    ROUND = "round", _("Appel à projets")
    CONTINUOUS = "continuous", _("Guichet en continu")


class CallStatus(models.TextChoices):
    UPCOMING = "upcoming", _("À venir")
    OPEN = "open", _("Ouvert")
    CLOSED = "closed", _("Clos")
    RESULTS_PUBLISHED = "results_published", _("Résultats publiés")


class CallQuerySet(models.QuerySet):
    def public(self):
        """Published calls of public programmes: drafts are seen by their programme's staff only."""
        return self.filter(is_public=True, programme__is_public=True, published_at__isnull=False)

    def published(self):
        return self.filter(published_at__isnull=False)

    def with_status(self, now=None):
        """Annotate ``status_value``: the same rule as :attr:`Call.status`, in SQL."""
        now = now or timezone.now()
        return self.annotate(
            status_value=Case(
                When(
                    results_published_at__isnull=False,
                    results_published_at__lte=now,
                    then=Value(CallStatus.RESULTS_PUBLISHED.value),
                ),
                When(opens_at__gt=now, then=Value(CallStatus.UPCOMING.value)),
                When(envelope_exhausted_at__lte=now, then=Value(CallStatus.CLOSED.value)),
                When(
                    Q(closes_at__isnull=True) | Q(closes_at__gt=now),
                    then=Value(CallStatus.OPEN.value),
                ),
                default=Value(CallStatus.CLOSED.value),
                output_field=models.CharField(),
            )
        )

    def with_status_in(self, statuses, now=None):
        return self.with_status(now).filter(status_value__in=list(statuses))

    def open(self, now=None):
        """Published calls open at ``now`` (a draft never accepts dossiers)."""
        return self.published().with_status_in([CallStatus.OPEN], now)

    def grouped_by_status(self, now=None) -> CallGroups:
        """The calls in one query, grouped for the public pages.

        Open calls first, the nearest deadline first (continuous windows without a closing
        date last); then upcoming calls, the soonest first; then past calls (closed or with
        results published), the most recent first.
        """
        calls = list(self.with_status(now).order_by("opens_at", "title", "pk"))
        by_status = {status: [] for status in CallStatus}
        for call in calls:
            by_status[call.status].append(call)
        open_calls = sorted(
            by_status[CallStatus.OPEN],
            key=lambda c: (c.closes_at is None, c.closes_at or c.opens_at),
        )
        past_calls = sorted(
            by_status[CallStatus.CLOSED] + by_status[CallStatus.RESULTS_PUBLISHED],
            key=lambda c: (c.closes_at or c.opens_at, c.opens_at),
            reverse=True,
        )
        return CallGroups(open=open_calls, upcoming=by_status[CallStatus.UPCOMING], past=past_calls)


class CallGroups(NamedTuple):
    open: list
    upcoming: list
    past: list


class Call(models.Model):
    """A call for projects: a numbered round or a continuous window (guichet en continu).

    The status is derived from the dates (and the publication of results), never stored.
    A call is open from ``opens_at`` included to ``closes_at`` excluded.
    """

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="calls", verbose_name=_("programme")
    )
    kind = models.CharField(_("type"), max_length=20, choices=CallKind.choices)
    number = models.PositiveSmallIntegerField(
        _("numéro"), null=True, blank=True, help_text=_("Numéro de la vague (appels numérotés).")
    )
    title = models.CharField(_("titre"), max_length=255)
    slug = models.SlugField(_("identifiant d’adresse"), max_length=100, unique=True)
    summary = models.TextField(_("résumé"), max_length=600)
    description = models.TextField(_("description"), blank=True)
    how_to_apply = models.TextField(_("comment candidater"), blank=True)
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(
        _("clôture"),
        null=True,
        blank=True,
        help_text=_("Les dossiers sont acceptés jusqu’à cet instant exclu. Vide : pas de clôture."),
    )
    results_published_at = models.DateTimeField(
        _("résultats publiés le"), null=True, blank=True, editable=False
    )
    amount_ceiling = models.DecimalField(
        _("plafond du cofinancement demandé"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Le montant demandé doit être strictement inférieur à ce plafond (en euros)."),
    )
    eligible_kinds = ArrayField(
        models.CharField(max_length=20, choices=AdministrationKind.choices),
        verbose_name=_("administrations éligibles"),
        default=default_eligible_kinds,
    )
    ineligible_note = models.TextField(
        _("orientation des structures non éligibles"),
        blank=True,
        help_text=_("Par exemple : vers quel fonds orienter les collectivités territoriales."),
    )
    ineligible_link = models.URLField(_("lien pour les structures non éligibles"), blank=True)
    envelope = models.DecimalField(
        _("enveloppe (€)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "Montant total des cofinancements que l’appel peut accorder : une décision qui le "
            "dépasserait est refusée. Vide : pas d’enveloppe."
        ),
    )
    instruction_days = models.PositiveSmallIntegerField(
        _("délai d’instruction (jours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Guichet en continu : chaque dossier est instruit dans ce délai après son dépôt."
        ),
    )
    envelope_exhausted_at = models.DateTimeField(
        _("enveloppe consommée le"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Un guichet ferme quand les décisions publiées consomment son enveloppe."),
    )
    max_dossiers_per_administration = models.PositiveSmallIntegerField(
        _("nombre maximal de dossiers par administration"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Les dossiers retirés ne comptent pas. Vide : pas de limite."),
    )
    is_public = models.BooleanField(_("public"), default=True)
    published_at = models.DateTimeField(
        _("publié le"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Vide : l’appel est un brouillon, visible de l’équipe du programme seule."),
    )
    is_demo = models.BooleanField(
        _("appel de démonstration"),
        default=False,
        help_text=_("Signalé comme tel sur toutes les pages : sert à essayer le service."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallQuerySet.as_manager()

    class Meta:
        verbose_name = _("appel")
        verbose_name_plural = _("appels")
        ordering = ["-opens_at", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="continuous") | Q(number__isnull=False, closes_at__isnull=False),
                name="call_round_has_number_and_closing",
            ),
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="call_closes_after_opening",
            ),
            # A window publishes its decisions session by session and stays open.
            models.CheckConstraint(
                condition=Q(kind="round") | Q(results_published_at__isnull=True),
                name="call_window_no_results_publication",
            ),
            models.UniqueConstraint(
                fields=["programme", "number"],
                condition=Q(kind="round"),
                name="call_round_number_unique_per_programme",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("calls:detail", kwargs={"slug": self.slug})

    def clean(self):
        errors = {}
        if self.kind == CallKind.ROUND:
            if self.number is None:
                errors["number"] = _("Un appel numéroté doit avoir un numéro.")
            if self.closes_at is None:
                errors["closes_at"] = _("Un appel numéroté doit avoir une date de clôture.")
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("La clôture doit être postérieure à l’ouverture.")
        if (
            self.kind == CallKind.ROUND
            and self.number is not None
            and self.programme_id is not None
            and "number" not in errors
        ):
            # Said here in words: the database constraint would only give its name.
            taken = (
                Call.objects.filter(
                    programme_id=self.programme_id, kind=CallKind.ROUND, number=self.number
                )
                .exclude(pk=self.pk)
                .exists()
            )
            if taken:
                errors["number"] = _("Ce programme a déjà un appel numéroté %(number)s.") % {
                    "number": self.number
                }
        if errors:
            raise ValidationError(errors)

    def status_at(self, now) -> CallStatus:
        if self.results_published_at is not None and self.results_published_at <= now:
            return CallStatus.RESULTS_PUBLISHED
        if now < self.opens_at:
            return CallStatus.UPCOMING
        if self.envelope_exhausted_at is not None and self.envelope_exhausted_at <= now:
            return CallStatus.CLOSED
        if self.closes_at is None or now < self.closes_at:
            return CallStatus.OPEN
        return CallStatus.CLOSED

    @property
    def status(self) -> CallStatus:
        # Reuse the SQL annotation when the queryset provided one.
        value = getattr(self, "status_value", None)
        if value is not None:
            return CallStatus(value)
        return self.status_at(timezone.now())

    @property
    def is_continuous(self) -> bool:
        return self.kind == CallKind.CONTINUOUS

    @property
    def is_draft(self) -> bool:
        return self.published_at is None

    def is_open_at(self, now) -> bool:
        """Whether dossiers are accepted at ``now``: published, and between its dates."""
        return not self.is_draft and self.status_at(now) == CallStatus.OPEN

    @property
    def is_open(self) -> bool:
        return not self.is_draft and self.status == CallStatus.OPEN

    def accepts_amount(self, amount: Decimal) -> bool:
        """Whether a requested amount is under the ceiling (strictly), if there is one."""
        return self.amount_ceiling is None or amount < self.amount_ceiling

    def accepts_kind(self, kind: str) -> bool:
        return kind in self.eligible_kinds

    def get_eligible_kinds_display(self) -> list[str]:
        labels = dict(AdministrationKind.choices)
        return [labels[k] for k in self.eligible_kinds if k in labels]

    def get_ineligible_kinds_display(self) -> list[str]:
        return [label for k, label in AdministrationKind.choices if k not in self.eligible_kinds]


class Category(models.Model):
    """A theme dossiers are filed under (and laureates are grouped by)."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="categories", verbose_name=_("appel")
    )
    name = models.CharField(_("nom"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("catégorie")
        verbose_name_plural = _("catégories")
        ordering = ["call", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "name"], name="category_name_unique_per_call"),
        ]

    def __str__(self):
        return self.name


class Criterion(models.Model):
    """A scoring criterion of a call: scores go from 0 to ``scale_max``, weighted by ``weight``."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("appel")
    )
    label = models.CharField(_("intitulé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("pondération"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    scale_max = models.PositiveSmallIntegerField(
        _("note maximale"), default=5, validators=[MinValueValidator(1)]
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("critère")
        verbose_name_plural = _("critères")
        ordering = ["call", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "label"], name="criterion_label_unique_per_call"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
            models.CheckConstraint(condition=Q(scale_max__gte=1), name="criterion_scale_positive"),
        ]

    def __str__(self):
        return self.label


class RequiredDocument(models.Model):
    """A document a call asks applicants to attach to their dossier."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="documents", verbose_name=_("appel")
    )
    label = models.CharField(_("intitulé"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    is_required = models.BooleanField(_("obligatoire"), default=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("pièce demandée")
        verbose_name_plural = _("pièces demandées")
        ordering = ["call", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "label"], name="document_label_unique_per_call"
            ),
        ]

    def __str__(self):
        return self.label


class ProgrammeRoleKind(models.TextChoices):
    MANAGER = "manager", _("Responsable du programme")
    INSTRUCTOR = "instructor", _("Instructeur")


class ProgrammeRole(models.Model):
    """What a staff account may do in one programme; staff see only their programmes.

    Managers are appointed by the superuser, instructors by the programme's managers
    (see ``calls.team``), never by editing this table elsewhere.
    """

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="roles", verbose_name=_("programme")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="programme_roles",
        verbose_name=_("compte"),
    )
    role = models.CharField(_("rôle"), max_length=20, choices=ProgrammeRoleKind.choices)
    granted_at = models.DateTimeField(_("depuis le"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("désigné par"),
    )

    class Meta:
        verbose_name = _("rôle dans un programme")
        verbose_name_plural = _("rôles dans les programmes")
        ordering = ["programme", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "user"], name="programme_role_one_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} ({self.programme})"


from calls.reminder_models import ReminderKind, ReminderLog, ReminderSettings  # noqa: E402, F401

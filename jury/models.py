"""Jury, conflicts of interest, hearings, evaluations, deliberation and published results.

State changes go through the workflow module of each sub-package (``jury/composition/``,
``committee/``, ``hearings/``, ``scoring/``, ``deliberation/``); nothing here changes a dossier's
state.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from calls.models import Call, Criterion
from relance.ordering import french
from submissions.models import Dossier

EURO = {"max_digits": 14, "decimal_places": 2}
# The order dossiers are heard and listed to jurors: category order first (dossiers without
# a category last), then the reference.
HEARING_ORDER = (F("category__order").asc(nulls_last=True), "category_id", "reference")


class Jury(models.Model):
    """The jury of one call."""

    call = models.OneToOneField(
        Call, on_delete=models.PROTECT, related_name="jury", verbose_name=_("appel")
    )
    name = models.CharField(_("nom"), max_length=200, blank=True)
    composition_published = models.BooleanField(
        _("composition publiée"),
        default=False,
        help_text=_("Affiche les noms, titres et affiliations des membres sur la page publique."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("jury")
        verbose_name_plural = _("jurys")
        ordering = ["-call__opens_at"]

    def __str__(self):
        return self.name or str(_("Jury — %(call)s") % {"call": self.call})


class JuryMember(models.Model):
    class Role(models.TextChoices):
        PRESIDENT = "president", _("Président·e")
        MEMBER = "member", _("Membre")

    class AffiliationKind(models.TextChoices):
        PUBLIC = "public", _("Acteur public")
        COMPANY = "company", _("Entrepreneur")
        RESEARCH = "research", _("Chercheur")
        ASSOCIATION = "association", _("Société civile")

    jury = models.ForeignKey(
        Jury, on_delete=models.CASCADE, related_name="members", verbose_name=_("jury")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="jury_memberships",
        verbose_name=_("compte"),
    )
    public_name = models.CharField(_("nom affiché"), max_length=200)
    title = models.CharField(_("titre"), max_length=255, blank=True)
    affiliation = models.CharField(_("affiliation"), max_length=255, blank=True)
    affiliation_kind = models.CharField(
        _("type d’affiliation"),
        max_length=20,
        choices=AffiliationKind.choices,
        default=AffiliationKind.PUBLIC,
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    invited_at = models.DateTimeField(_("invité le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membre du jury")
        verbose_name_plural = _("membres du jury")
        ordering = ["jury", "-role", *french("public_name"), "pk"]
        constraints = [
            models.UniqueConstraint(fields=["jury", "user"], name="jury_member_unique_user"),
            models.UniqueConstraint(
                fields=["jury"],
                condition=Q(role="president"),
                name="jury_single_president",
            ),
        ]

    def __str__(self):
        return self.public_name


class ConflictOfInterest(models.Model):
    """A declared conflict between a member and a dossier; lifted rather than deleted.

    A conflict the data already shows (see ``jury.composition.workflow.suggest_conflicts``)
    is created as *suggested*, with the reason found: it hides the dossier like any other
    until staff confirm it or lift it with a reason.
    """

    class Kind(models.TextChoices):
        SAME_ADMINISTRATION = "same_administration", _("Même administration")
        HIERARCHICAL = "hierarchical", _("Lien hiérarchique")
        PERSONAL = "personal", _("Lien personnel")
        OTHER = "other", _("Autre")

    member = models.ForeignKey(
        JuryMember, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("membre")
    )
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="conflicts", verbose_name=_("dossier")
    )
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    comment = models.TextField(_("commentaire"), blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("déclaré par"),
    )
    declared_at = models.DateTimeField(_("déclaré le"), default=timezone.now)
    lifted_at = models.DateTimeField(_("levé le"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("levé par"),
    )
    lift_reason = models.TextField(_("motif de la levée"), blank=True)
    suggested_reason = models.TextField(
        _("conflit apparent"),
        blank=True,
        help_text=_("Ce que les données montrent, pour un conflit suggéré automatiquement."),
    )
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("confirmé par"),
    )

    class Meta:
        verbose_name = _("conflit d’intérêts")
        verbose_name_plural = _("conflits d’intérêts")
        ordering = ["-declared_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "dossier"],
                condition=Q(lifted_at__isnull=True),
                name="conflict_single_active",
            ),
        ]

    def __str__(self):
        return f"{self.member} / {self.dossier.reference} ({self.get_kind_display()})"

    @property
    def is_active(self):
        return self.lifted_at is None

    @property
    def is_suggested(self):
        """Suggested from the data, neither confirmed nor lifted by staff yet."""
        return bool(self.suggested_reason) and self.confirmed_at is None and self.is_active


class HearingSession(models.Model):
    """A day (or half-day) of hearings; slots are generated then editable by hand."""

    jury = models.ForeignKey(
        Jury, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("jury")
    )
    date = models.DateField(_("date"))
    place = models.CharField(_("lieu"), max_length=255, blank=True)
    video_link = models.URLField(_("lien de visioconférence"), blank=True)
    starts_at = models.TimeField(_("début"))
    ends_at = models.TimeField(_("fin"))
    slot_minutes = models.PositiveSmallIntegerField(
        _("durée d’une audition (minutes)"), validators=[MinValueValidator(5)]
    )
    gap_minutes = models.PositiveSmallIntegerField(
        _("battement entre deux auditions (minutes)"), default=0
    )
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)

    class Meta:
        verbose_name = _("session d’auditions")
        verbose_name_plural = _("sessions d’auditions")
        ordering = ["date", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.jury} — {self.date:%Y-%m-%d}"


class HearingBreak(models.Model):
    session = models.ForeignKey(
        HearingSession, on_delete=models.CASCADE, related_name="breaks", verbose_name=_("session")
    )
    label = models.CharField(_("intitulé"), max_length=100, default=_("Pause"))
    starts_at = models.TimeField(_("début"))
    ends_at = models.TimeField(_("fin"))

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["session", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="break_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.label} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


def heard(now=None, prefix="") -> Q:
    """Hearings that took place: the slot has ended and the administration came.

    ``prefix`` is the path to the slot (``"hearing_slot__"`` from a dossier). The public
    statistics and the instruction pages count « auditionnés » with this one definition.
    """
    now = now or timezone.now()
    return Q(**{f"{prefix}absent": False, f"{prefix}ends_at__lte": now})


class HearingSlotQuerySet(models.QuerySet):
    def heard(self, now=None):
        return self.filter(heard(now))


class HearingSlot(models.Model):
    session = models.ForeignKey(
        HearingSession, on_delete=models.CASCADE, related_name="slots", verbose_name=_("session")
    )
    dossier = models.OneToOneField(
        Dossier, on_delete=models.CASCADE, related_name="hearing_slot", verbose_name=_("dossier")
    )
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    absent = models.BooleanField(
        _("absent"), default=False, help_text=_("L’administration ne s’est pas présentée.")
    )

    objects = HearingSlotQuerySet.as_manager()

    class Meta:
        verbose_name = _("créneau d’audition")
        verbose_name_plural = _("créneaux d’audition")
        ordering = ["session", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.dossier.reference} {self.starts_at:%Y-%m-%d %H:%M}"


class Recommendation(models.TextChoices):
    FAVOURABLE = "favourable", _("Favorable")
    RESERVED = "reserved", _("Réservé")
    UNFAVOURABLE = "unfavourable", _("Défavorable")


def active_conflict(member_ref="member", dossier_ref="dossier"):
    """``Exists`` of an unlifted conflict between the outer row's member and dossier."""
    return models.Exists(
        ConflictOfInterest.objects.filter(
            member=models.OuterRef(member_ref),
            dossier=models.OuterRef(dossier_ref),
            lifted_at__isnull=True,
        )
    )


class EvaluationQuerySet(models.QuerySet):
    def without_conflicts(self):
        return self.filter(~active_conflict())

    def countable(self):
        """Evaluations that enter aggregates: submitted, by a member not in conflict."""
        return self.without_conflicts().filter(submitted_at__isnull=False)


class Evaluation(models.Model):
    """One member's evaluation of one dossier: draft until ``submitted_at`` is set."""

    member = models.ForeignKey(
        JuryMember, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("membre")
    )
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("dossier")
    )
    comment = models.TextField(_("commentaire"), blank=True)
    recommendation = models.CharField(
        _("avis"), max_length=20, choices=Recommendation.choices, blank=True
    )
    submitted_at = models.DateTimeField(_("soumise le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        ordering = ["dossier", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "dossier"], name="evaluation_one_per_member_dossier"
            ),
        ]

    def __str__(self):
        return f"{self.member} / {self.dossier.reference}"

    @property
    def is_submitted(self):
        return self.submitted_at is not None


class Score(models.Model):
    """A score on one criterion. A criterion left blank has no row: missing, never zero."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="scores", verbose_name=_("évaluation")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("critère")
    )
    value = models.DecimalField(
        _("note"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"], name="score_one_per_criterion"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="score_not_negative"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.value}"


class Deliberation(models.Model):
    """The jury's deliberation for its call: minutes, closing, and results publication."""

    jury = models.OneToOneField(
        Jury, on_delete=models.CASCADE, related_name="deliberation", verbose_name=_("jury")
    )
    minutes = models.TextField(_("procès-verbal"), blank=True)
    held_on = models.DateField(_("date de la délibération"), null=True, blank=True)
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    publish_amounts = models.BooleanField(
        _("publier les montants accordés"),
        default=True,
        help_text=_("Affiche le cofinancement accordé sur les pages publiques et les données."),
    )
    # Publication itself is ``Call.results_published_at`` (the call's status derives from it).
    results_updated_at = models.DateTimeField(_("résultats mis à jour le"), null=True, blank=True)

    class Meta:
        verbose_name = _("délibération")
        verbose_name_plural = _("délibérations")

    def __str__(self):
        return str(_("Délibération — %(jury)s") % {"jury": self.jury})


class CommitteeSession(models.Model):
    """A meeting of a continuous window's committee: its agenda, then its decisions, published
    together (the window stays open)."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="committee_sessions", verbose_name=_("appel")
    )
    date = models.DateField(_("date de la séance"))
    place = models.CharField(_("lieu"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("décisions publiées le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("séance du comité")
        verbose_name_plural = _("séances du comité")
        ordering = ["call", "date"]
        constraints = [
            models.UniqueConstraint(fields=["call", "date"], name="committee_one_session_a_day"),
        ]

    def __str__(self):
        return str(_("Comité du %(date)s") % {"date": date_format(self.date, "j F Y")})


class AgendaItem(models.Model):
    """A dossier on a committee session's agenda, with the instructor's proposal (read from the
    dossier) and, once recorded, the committee's decision (its :class:`Award`)."""

    session = models.ForeignKey(
        CommitteeSession, on_delete=models.CASCADE, related_name="items", verbose_name=_("séance")
    )
    dossier = models.OneToOneField(
        Dossier, on_delete=models.PROTECT, related_name="agenda_item", verbose_name=_("dossier")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    # Optional: the committee hears this dossier's administration during the session.
    hearing_at = models.DateTimeField(_("audition le"), null=True, blank=True)
    hearing_place = models.CharField(_("lieu de l’audition"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("dossier à l’ordre du jour")
        verbose_name_plural = _("ordre du jour")
        ordering = ["session", "dossier__number"]

    def __str__(self):
        return f"{self.session} — {self.dossier.reference}"


class AwardQuerySet(models.QuerySet):
    def published(self, now=None):
        """Decisions the public may know: a round's once its results are published, a window's
        once its committee session is (the public pages add the call's visibility)."""
        now = now or timezone.now()
        return self.filter(
            Q(session__isnull=True, dossier__call__results_published_at__lte=now)
            | Q(session__published_at__lte=now)
        )


class Award(models.Model):
    """The jury's decision on one preselected dossier, and for laureates the grant itself.

    Recorded before publication (internal), applied to the dossier's state when the results
    are published; the SCDL open-data fields are filled in by staff on the award.
    """

    class Decision(models.TextChoices):
        LAUREATE = "laureate", _("Lauréat")
        NOT_SELECTED = "not_selected", _("Non retenu")

    class PaymentTerms(models.TextChoices):
        SINGLE = "unique", _("unique")
        STAGED = "échelonné", _("échelonné")
        OTHER = "autre", _("autre")

    class AidNature(models.TextChoices):
        CASH = "aide en numéraire", _("aide en numéraire")
        IN_KIND = "aide en nature", _("aide en nature")
        BOTH = "aide en numéraire;aide en nature", _("aide en numéraire et en nature")

    dossier = models.OneToOneField(
        Dossier, on_delete=models.PROTECT, related_name="award", verbose_name=_("dossier")
    )
    # Decisions of a continuous window's committee: published with their session, not with the
    # call (``Call.results_published_at`` stays empty on a window).
    session = models.ForeignKey(
        CommitteeSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="awards",
        verbose_name=_("séance du comité"),
    )
    decision = models.CharField(_("décision"), max_length=20, choices=Decision.choices)
    granted_amount = models.DecimalField(
        _("cofinancement accordé (€)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        **EURO,
    )
    reason = models.TextField(_("motif"), blank=True)
    public_summary = models.TextField(_("résumé publié"), blank=True)
    # Set when the laureate is published; blank for decisions that stay internal.
    slug = models.SlugField(_("identifiant d’adresse"), max_length=120, blank=True)
    # SCDL « subventions » 2.1 fields, filled by staff once the convention is signed.
    convention_date = models.DateField(_("date de la convention"), null=True, blank=True)
    decision_reference = models.CharField(_("référence de la décision"), max_length=100, blank=True)
    aid_nature = models.CharField(
        _("nature de l’aide"), max_length=40, choices=AidNature.choices, default=AidNature.CASH
    )
    payment_terms = models.CharField(
        _("conditions de versement"),
        max_length=20,
        choices=PaymentTerms.choices,
        default=PaymentTerms.SINGLE,
    )
    payment_period = models.CharField(
        _("période de versement"),
        max_length=21,
        blank=True,
        help_text=_("Une date AAAA-MM-JJ ou une période AAAA-MM-JJ/AAAA-MM-JJ."),
    )
    eu_notification = models.BooleanField(_("notification à l’UE"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField(_("enregistrée le"), auto_now=True)

    objects = AwardQuerySet.as_manager()

    class Meta:
        verbose_name = _("décision du jury")
        verbose_name_plural = _("décisions du jury")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="not_selected") | Q(granted_amount__isnull=False),
                name="award_laureate_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(decision="laureate") | Q(granted_amount__isnull=True),
                name="award_not_selected_no_amount",
            ),
            models.UniqueConstraint(
                fields=["slug"], condition=~Q(slug=""), name="award_slug_unique"
            ),
        ]

    def __str__(self):
        return f"{self.dossier.reference}: {self.get_decision_display()}"


# Registered with the jury app by these imports: the record of corrections to published
# results and the review phases live in their own modules.
from jury.record_models import ResultAmendment, ResultCorrection  # noqa: E402, F401
from jury.review_models import (  # noqa: E402, F401
    Bid,
    JuryOpinion,
    RapporteurAssignment,
    ReviewSettings,
)

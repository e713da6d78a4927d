"""Dossiers, their budget lines, attachments, messages, notes and preselection publications."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.models import Call, CallKind, Category
from relance.formatting import format_euros
from submissions.models.directory import Administration


class DossierState(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Déposé")
    INCOMPLETE = "incomplete", _("À compléter")
    PRESELECTED = "preselected", _("Présélectionné")
    NOT_PRESELECTED = "not_preselected", _("Non présélectionné")
    LAUREATE = "laureate", _("Lauréat")
    NOT_SELECTED = "not_selected", _("Non retenu")
    WITHDRAWN = "withdrawn", _("Retiré")


# The states of a dossier that was preselected: waiting for the jury's decision, then laureate
# or not selected (a preselected dossier can no longer be withdrawn). « Présélectionnés »
# counts these everywhere: the instruction pages and the public statistics.
PRESELECTED_STATES = (DossierState.PRESELECTED, DossierState.LAUREATE, DossierState.NOT_SELECTED)


class PreselectionDecision(models.TextChoices):
    PRESELECTED = DossierState.PRESELECTED.value, DossierState.PRESELECTED.label
    NOT_PRESELECTED = DossierState.NOT_PRESELECTED.value, DossierState.NOT_PRESELECTED.label


class Proposal(models.TextChoices):
    """The instructor's proposal to the committee of a continuous window."""

    ACCEPT = "accept", _("Accorder")
    REFUSE = "refuse", _("Refuser")


class ReceptionChannel(models.TextChoices):
    """How a dossier registered by staff reached the programme outside the platform."""

    EMAIL = "email", _("Par courriel")
    POST = "post", _("Par courrier postal ou remis en main propre")
    OTHER_TOOL = "other_tool", _("Depuis un autre outil")


class DossierQuerySet(models.QuerySet):
    def of_applicant(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(administration__memberships__user=user)


# The dossier's content, the fields its administration writes (in the order of the form's
# sections); everything else on a dossier is set by the workflow.
DOSSIER_CONTENT_FIELDS = (
    "title",
    "subtitle",
    "category",
    "summary",
    "description",
    "benefits_self",
    "benefits_others",
    "technical_approach",
    "sustainability",
    "timeline",
    "total_budget",
    "requested_amount",
    "contact_name",
    "contact_email",
    "contact_phone",
)
BUDGET_FIELDS = ("total_budget", "requested_amount")
CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
# What a submission requires: the whole content but the phone number.
SUBMISSION_REQUIRED_FIELDS = tuple(
    name for name in DOSSIER_CONTENT_FIELDS if name != "contact_phone"
)


class Dossier(models.Model):
    """An administration's application to a call. State changes only through ``workflow``."""

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("appel")
    )
    administration = models.ForeignKey(
        Administration,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("administration"),
    )
    number = models.PositiveIntegerField(_("numéro d’ordre"), editable=False)
    reference = models.CharField(_("référence"), max_length=30, editable=False)
    state = models.CharField(
        _("état"),
        max_length=20,
        choices=DossierState.choices,
        default=DossierState.DRAFT,
        editable=False,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("créé par"),
        editable=False,
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    # Set by ``save``: the workflow passes the one ``now`` of its transaction.
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(_("déposé le"), null=True, blank=True, editable=False)
    # Guards against double clicks creating two dossiers: the creation form carries a token.
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # Optimistic locking of edits: a stale form is refused instead of overwriting.
    version = models.PositiveIntegerField(default=1, editable=False)

    # The project.
    title = models.CharField(_("titre du projet"), max_length=200)
    subtitle = models.CharField(
        _("sous-titre"),
        max_length=255,
        blank=True,
        help_text=_("Une ligne, telle qu’elle paraîtra sur la page des lauréats."),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        verbose_name=_("catégorie"),
    )
    summary = models.TextField(_("résumé"), max_length=1500, blank=True)
    description = models.TextField(_("description du projet"), blank=True)
    benefits_self = models.TextField(_("bénéfices attendus pour l’administration"), blank=True)
    benefits_others = models.TextField(
        _("bénéfices attendus pour d’autres administrations ou l’action publique"), blank=True
    )
    technical_approach = models.TextField(_("approche technique"), blank=True)
    sustainability = models.TextField(_("pérennité"), blank=True)
    timeline = models.TextField(_("calendrier"), blank=True)

    # Budget, in euros.
    total_budget = models.DecimalField(
        _("budget total du projet (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    requested_amount = models.DecimalField(
        _("cofinancement demandé (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    # Contact.
    contact_name = models.CharField(_("nom du contact"), max_length=200, blank=True)
    contact_email = models.EmailField(_("courriel du contact"), blank=True)
    contact_phone = models.CharField(
        _("téléphone du contact"),
        max_length=30,
        blank=True,
        validators=[RegexValidator(r"^[0-9+ ().-]{6,30}$", _("Numéro de téléphone invalide."))],
    )

    # A dossier received outside the platform (email, paper, another tool) and registered
    # by an instructor on behalf of its administration; ``submitted_at`` is then the date it
    # was originally received.
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enregistré par"),
        editable=False,
    )
    registered_at = models.DateTimeField(_("enregistré le"), null=True, blank=True, editable=False)
    received_via = models.CharField(
        _("reçu"), max_length=20, choices=ReceptionChannel.choices, blank=True, editable=False
    )
    reception_note = models.CharField(
        _("précisions sur la réception"), max_length=255, blank=True, editable=False
    )
    # Imported from Démarches Simplifiées: the dossier's number there.
    ds_number = models.PositiveIntegerField(
        _("numéro Démarches Simplifiées"), null=True, blank=True, editable=False
    )
    # A later round: the dossier this one was copied from (not preselected or not selected
    # in an earlier call of the same programme).
    resubmitted_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resubmissions",
        verbose_name=_("redéposé à partir de"),
        editable=False,
    )

    # Preselection: recorded by staff, applied and shown to the applicant when published.
    pending_decision = models.CharField(
        _("décision de présélection enregistrée"),
        max_length=20,
        choices=PreselectionDecision.choices,
        blank=True,
        editable=False,
    )
    decision_reason = models.TextField(
        _("motif de la décision"),
        blank=True,
        editable=False,
        help_text=_("Communiqué à l’administration une fois la décision publiée."),
    )

    # Instruction, one dossier at a time (continuous windows): who instructs it, by when, and
    # the proposal put to the committee. Set only through ``submissions.instruction``.
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instructed_dossiers",
        verbose_name=_("instructeur"),
        editable=False,
    )
    instruction_due_on = models.DateField(
        _("instruction attendue le"), null=True, blank=True, editable=False
    )
    proposal = models.CharField(
        _("proposition"), max_length=10, choices=Proposal.choices, blank=True, editable=False
    )
    proposed_amount = models.DecimalField(
        _("montant proposé (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )
    proposal_reason = models.TextField(_("motif de la proposition"), blank=True, editable=False)
    proposed_at = models.DateTimeField(_("proposé le"), null=True, blank=True, editable=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposé par"),
        editable=False,
    )

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["call", "number"]
        constraints = [
            models.UniqueConstraint(fields=["call", "reference"], name="dossier_reference_unique"),
            models.UniqueConstraint(fields=["call", "number"], name="dossier_number_unique"),
            # One re-submission of a dossier per call (a double click creates one draft).
            models.UniqueConstraint(
                fields=["resubmitted_from", "call"],
                condition=Q(resubmitted_from__isnull=False),
                name="dossier_one_resubmission_per_call",
            ),
            # One Relance dossier per imported Démarches Simplifiées dossier.
            models.UniqueConstraint(
                fields=["call", "ds_number"],
                condition=Q(ds_number__isnull=False),
                name="dossier_one_per_ds_number",
            ),
            # Registered by staff: both when and how it was received, or neither.
            models.CheckConstraint(
                condition=Q(registered_at__isnull=True, received_via="")
                | (Q(registered_at__isnull=False) & ~Q(received_via="")),
                name="dossier_registration_complete",
            ),
            models.CheckConstraint(
                condition=Q(requested_amount__isnull=True)
                | Q(total_budget__isnull=True)
                | Q(requested_amount__lte=F("total_budget")),
                name="dossier_requested_within_budget",
            ),
        ]
        # One per filter of the staff list (always within a call). The text search's trigram
        # indexes are made by migration 0010 where pg_trgm is available.
        indexes = [
            models.Index(fields=["call", "state"]),
            models.Index(fields=["call", "pending_decision"], name="dossier_call_decision"),
            models.Index(fields=["call", "category"], name="dossier_call_category"),
            models.Index(fields=["call", "administration"], name="dossier_call_administration"),
            models.Index(fields=["call", "requested_amount"], name="dossier_call_amount"),
            models.Index(fields=["call", "submitted_at"], name="dossier_call_submitted"),
        ]

    def __str__(self):
        return f"{self.reference} — {self.title}"

    def save(self, *args, now=None, **kwargs):
        """Stamp ``updated_at`` (when saved) with ``now``: the time the workflow checked."""
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "updated_at" in update_fields:
            self.updated_at = now or timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("submissions:dossier_detail", kwargs={"pk": self.pk})

    @staticmethod
    def reference_for(call: Call, number: int) -> str:
        """Readable reference: ``R1-2020-042`` for round 1, ``GC-2021-007`` for the window."""
        year = call.opens_at.year
        if call.is_demo:
            prefix = "DEMO"
        elif call.kind == CallKind.ROUND:
            prefix = f"R{call.number}"
        else:
            prefix = "GC"
        return f"{prefix}-{year}-{number:03d}"

    @property
    def registered_outside(self) -> bool:
        """Received outside the platform and registered by staff."""
        return self.registered_at is not None

    @property
    def is_editable_by_applicant(self) -> bool:
        # A window's dossier with its instructor's proposal goes to the committee as it is.
        return self.state in (DossierState.DRAFT, DossierState.INCOMPLETE) or (
            self.state == DossierState.SUBMITTED and self.call.is_open and not self.proposal
        )

    def missing_fields(self) -> list[str]:
        """Names of the fields still empty that a submission requires, in the form's order."""
        return [
            name
            for name in SUBMISSION_REQUIRED_FIELDS
            if getattr(self, name if name != "category" else "category_id") in (None, "")
        ]

    def missing_for_submission(self) -> list[str]:
        """Labels of the fields still empty that a submission requires."""
        return [str(self._meta.get_field(name).verbose_name) for name in self.missing_fields()]

    def validation_errors(self) -> list[str]:
        """Everything that prevents submitting this dossier to its call, in French."""
        errors = []
        missing = self.missing_for_submission()
        if missing:
            errors.append(_("Champs à remplir : %(fields)s.") % {"fields": ", ".join(missing)})
        return errors + self.consistency_errors()

    def consistency_errors(self) -> list[str]:
        """What prevents submitting besides the empty fields: amounts, category, eligibility."""
        errors = []
        if (
            self.requested_amount is not None
            and self.total_budget is not None
            and self.requested_amount > self.total_budget
        ):
            errors.append(_("Le cofinancement demandé dépasse le budget total du projet."))
        if self.requested_amount is not None and not self.call.accepts_amount(
            self.requested_amount
        ):
            errors.append(
                _(
                    "Le cofinancement demandé doit être strictement inférieur à "
                    "%(ceiling)s € pour cet appel."
                )
                % {
                    "ceiling": f"{self.call.amount_ceiling:,.2f}".replace(",", " ").replace(
                        ".", ","
                    )
                }
            )
        if self.category_id and self.category.call_id != self.call_id:
            errors.append(_("La catégorie choisie n’appartient pas à cet appel."))
        if not self.call.accepts_kind(self.administration.kind):
            errors.append(
                _("Les structures de type « %(kind)s » ne sont pas éligibles à cet appel.")
                % {"kind": self.administration.get_kind_display()}
            )
        return errors


class BudgetLine(models.Model):
    class Nature(models.TextChoices):
        SERVICES = "services", _("Prestations externes")
        STAFF = "staff", _("Personnel interne")
        SOFTWARE = "software", _("Logiciels et infrastructure")
        HARDWARE = "hardware", _("Matériel")
        OTHER = "other", _("Autre")

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("dossier")
    )
    label = models.CharField(_("intitulé"), max_length=255)
    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices)
    amount = models.DecimalField(
        _("montant (€)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("ligne de budget")
        verbose_name_plural = _("lignes de budget")
        ordering = ["dossier", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="budget_line_positive"),
        ]

    def __str__(self):
        return f"{self.label} ({format_euros(self.amount)})"


def attachment_path(instance, filename):
    # Never reuse the uploaded name on disk: it is kept in ``original_name`` only.
    return f"dossiers/{instance.dossier.call_id}/{instance.dossier_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file attached to a dossier, stored outside static paths and served by a checked view."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("dossier")
    )
    file = models.FileField(_("fichier"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("déposé le"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["dossier", "uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


class DossierMessage(models.Model):
    """A message from staff to the applicant (request for additions, information)."""

    class Kind(models.TextChoices):
        REQUEST_ADDITIONS = "request_additions", _("Demande de compléments")
        INFORMATION = "information", _("Information")
        REPLY = "reply", _("Réponse de l’administration")

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="messages", verbose_name=_("dossier")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["dossier", "created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.dossier.reference}"


class InternalNote(models.Model):
    """A note between instructors; never shown to the applicant."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="notes", verbose_name=_("dossier")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("écrite le"), auto_now_add=True)

    class Meta:
        verbose_name = _("note interne")
        verbose_name_plural = _("notes internes")
        ordering = ["dossier", "created_at", "pk"]

    def __str__(self):
        return f"Note — {self.dossier.reference}"


class PreselectionPublication(models.Model):
    """A one-step publication of a call's recorded preselection decisions.

    Usually one per call; a later one publishes decisions recorded afterwards (e.g. on a
    dossier that was being completed).
    """

    call = models.ForeignKey(
        Call,
        on_delete=models.PROTECT,
        related_name="preselection_publications",
        verbose_name=_("appel"),
    )
    published_at = models.DateTimeField(_("publiée le"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    preselected_count = models.PositiveIntegerField(_("présélectionnés"))
    not_preselected_count = models.PositiveIntegerField(_("non présélectionnés"))

    class Meta:
        verbose_name = _("publication de la présélection")
        verbose_name_plural = _("publications de la présélection")

    def __str__(self):
        return f"{self.call} — {self.published_at:%Y-%m-%d}"

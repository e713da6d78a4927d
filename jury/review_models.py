"""Review phases of a jury, jurors' bids and rapporteur assignments.

A jury without a :class:`ReviewSettings` row works as before phases existed: every juror
scores every dossier and sees the others' scores once their own is submitted. The phase only
changes through ``jury.review.workflow.set_phase`` (transition table ``PHASE_TRANSITIONS``).
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from submissions.models import Dossier


class ReviewPhase(models.TextChoices):
    BIDDING = "bidding", _("Souhaits des rapporteurs")
    ASSIGNMENT = "assignment", _("Attribution des rapporteurs")
    SCORING = "scoring", _("Notation individuelle")
    DISCUSSION = "discussion", _("Discussion")
    DELIBERATION = "deliberation", _("Délibération")


# Allowed switches: forward one step, or back one step to correct a premature switch.
PHASE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ReviewPhase.BIDDING: (ReviewPhase.ASSIGNMENT,),
    ReviewPhase.ASSIGNMENT: (ReviewPhase.SCORING, ReviewPhase.BIDDING),
    ReviewPhase.SCORING: (ReviewPhase.DISCUSSION, ReviewPhase.ASSIGNMENT),
    ReviewPhase.DISCUSSION: (ReviewPhase.DELIBERATION, ReviewPhase.SCORING),
    ReviewPhase.DELIBERATION: (ReviewPhase.DISCUSSION,),
}
# Phases in which jurors may save or submit evaluations.
SCORING_PHASES = frozenset({ReviewPhase.SCORING, ReviewPhase.DISCUSSION})


class ReviewSettings(models.Model):
    """The review phases of one jury: current phase and number of rapporteurs per dossier."""

    jury = models.OneToOneField(
        "jury.Jury", on_delete=models.CASCADE, related_name="review", verbose_name=_("jury")
    )
    phase = models.CharField(
        _("phase"), max_length=20, choices=ReviewPhase.choices, default=ReviewPhase.BIDDING
    )
    rapporteurs_per_dossier = models.PositiveSmallIntegerField(
        _("rapporteurs par dossier"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    phase_changed_at = models.DateTimeField(_("phase changée le"), default=timezone.now)

    class Meta:
        verbose_name = _("phases d’examen")
        verbose_name_plural = _("phases d’examen")

    def __str__(self):
        return f"{self.jury} — {self.get_phase_display()}"


class Bid(models.Model):
    """A juror's wish to be (or not to be) rapporteur of a dossier."""

    class Preference(models.TextChoices):
        WISH = "wish", _("Je souhaite")
        CAN = "can", _("Je peux")
        AVOID = "avoid", _("Je préfère éviter")

    member = models.ForeignKey(
        "jury.JuryMember", on_delete=models.CASCADE, related_name="bids", verbose_name=_("membre")
    )
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="bids", verbose_name=_("dossier")
    )
    preference = models.CharField(_("souhait"), max_length=10, choices=Preference.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("souhait de rapporteur")
        verbose_name_plural = _("souhaits de rapporteur")
        constraints = [
            models.UniqueConstraint(fields=["member", "dossier"], name="bid_one_per_member_dossier")
        ]

    def __str__(self):
        return f"{self.member} / {self.dossier.reference}: {self.get_preference_display()}"


class RapporteurAssignment(models.Model):
    """``member`` is one of the rapporteurs of ``dossier``."""

    member = models.ForeignKey(
        "jury.JuryMember",
        on_delete=models.CASCADE,
        related_name="rapporteur_assignments",
        verbose_name=_("membre"),
    )
    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="rapporteur_assignments",
        verbose_name=_("dossier"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("attribué le"), default=timezone.now)
    suggested = models.BooleanField(_("issu de la suggestion"), default=False)

    class Meta:
        verbose_name = _("rapporteur")
        verbose_name_plural = _("rapporteurs")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "dossier"], name="rapporteur_one_per_member_dossier"
            )
        ]

    def __str__(self):
        return f"{self.member} / {self.dossier.reference}"


OPINION_MAX_LENGTH = 3000


class JuryOpinion(models.Model):
    """The jury's motivation for the applicant (« avis du jury »), one per dossier.

    Unlike the jurors' comments (internal), it is meant for the applicant: written by a
    rapporteur of the dossier or the jury's president, approved by staff, and sent out with
    the results once they are published (``jury.review.opinions``).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        APPROVED = "approved", _("Approuvé")

    dossier = models.OneToOneField(
        Dossier, on_delete=models.CASCADE, related_name="jury_opinion", verbose_name=_("dossier")
    )
    text = models.TextField(
        _("avis du jury"),
        max_length=OPINION_MAX_LENGTH,
        validators=[MaxLengthValidator(OPINION_MAX_LENGTH)],
    )
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("rédigé par"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approuvé par"),
    )
    approved_at = models.DateTimeField(_("approuvé le"), null=True, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)
    # Bumped on every save: a form opened on an older version overwrites nothing.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("avis du jury")
        verbose_name_plural = _("avis du jury")

    def __str__(self):
        return f"{self.dossier.reference}: {self.get_status_display()}"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

"""Test data for the jury core: a jury with criteria, members and preselected dossiers."""

from dataclasses import dataclass, field

from django.core.files.base import ContentFile

from calls.models import Criterion
from jury.models import Jury, JuryMember
from submissions.models import Attachment, Dossier
from tests.factories import CategoryFactory, CriterionFactory
from tests.jury.factories import JuryFactory, JuryMemberFactory, preselected

PDF_BYTES = b"%PDF-1.4\n% test\n"


@dataclass
class Setup:
    jury: Jury
    criteria: list[Criterion]
    member: JuryMember
    other: JuryMember
    dossiers: list[Dossier] = field(default_factory=list)


def jury_with_dossiers(n=2, *, call_kwargs=None):
    jury = JuryFactory(**({"call__" + k: v for k, v in (call_kwargs or {}).items()}))
    criteria = [
        CriterionFactory(call=jury.call, label="Bénéfices", scale_max=5, order=1),
        CriterionFactory(call=jury.call, label="Pertinence technique", scale_max=10, order=2),
    ]
    category = CategoryFactory(call=jury.call, order=1)
    dossiers = [preselected(jury, category=category) for _ in range(n)]
    member = JuryMemberFactory(jury=jury, public_name="Alice Experte")
    other = JuryMemberFactory(jury=jury, public_name="Bruno Expert")
    return Setup(jury=jury, criteria=criteria, member=member, other=other, dossiers=dossiers)


def full_scores(criteria, value="3"):
    return {c.pk: value for c in criteria}


def attach(dossier, name="note.pdf"):
    attachment = Attachment(
        dossier=dossier,
        original_name=name,
        content_type="application/pdf",
        size=len(PDF_BYTES),
        sha256="0" * 64,
    )
    attachment.file.save(name, ContentFile(PDF_BYTES), save=False)
    attachment.save()
    return attachment


def form_data_for(setup, *, scores=("4", "8"), button="save", **extra):
    """POST data of the scoring form, every criterion filled."""
    data = {f"criterion_{c.pk}": v for c, v in zip(setup.criteria, scores, strict=True)}
    return (
        {"comment": "Avis", "recommendation": "favourable", "version": 0, button: "1"}
        | data
        | extra
    )

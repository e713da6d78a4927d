"""Demo data: a published correction of the 2021 window's decisions (a laureate's subtitle
corrected by an amending decision), so that « Mis à jour le » and the history page show
something. The window's demo data are fictitious; round 1 stays as announced."""

from datetime import date

from calls import demo as calls_demo
from calls.models import Call
from jury.deliberation import corrections
from jury.models import ResultAmendment, ResultCorrection
from submissions.models import Dossier, DossierState

OFFICIAL_DATE = date(2021, 6, 24)
REASON = "Erreur matérielle dans le sous-titre d’un lauréat du comité."


def load_correction(staff) -> ResultCorrection | None:
    call = Call.objects.filter(slug=calls_demo.CONTINUOUS_SLUG).first()
    if call is None:
        return None
    existing = ResultCorrection.objects.filter(call=call, reason=REASON).first()
    if existing is not None:
        # Loaded by an earlier seed, which the window's loader has just undone: converge.
        for amendment in existing.amendments.all():
            Dossier.objects.filter(pk=amendment.dossier_id).update(**amendment.after)
        return existing
    dossier = (
        Dossier.objects.filter(call=call, state=DossierState.LAUREATE).order_by("number").first()
    )
    if dossier is None:
        return None
    correction = corrections.create_correction(
        staff,
        call,
        official_date=OFFICIAL_DATE,
        reason=REASON,
        act_reference="Décision modificative du comité du 24 juin 2021",
    )
    corrections.plan_change(
        staff,
        correction,
        ResultAmendment.Kind.CORRECT_TITLE,
        dossier,
        title=dossier.title,
        subtitle="Projet porté avec les services déconcentrés",
    )
    corrections.publish_correction(staff, correction, notify=False)
    return correction

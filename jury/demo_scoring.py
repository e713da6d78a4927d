"""Demo data of the demonstration call before its jury: a jury hearing and scoring today.

The demonstration call stays open for submissions, and a round's dossiers are preselected only
once it has closed: so the jury at work belongs to a second demonstration call, closed a few
days before the seed runs (``calls.demo.demo_jury_call``), whose seven preselected dossiers
come from ``submissions.demo_jury_call``. Its jury holds the demo juror account
(``jury.demo.JUROR_LOGIN``) and four of the round-1 fictitious members; the hearings are today
and tomorrow; some members have already scored from the written dossiers; the demo juror has
scored nothing, so that he finds the editable scoring form; the deliberation has not started.

Rows are written directly (the workflow would email the members and applicants). Idempotent
and convergent: every run restores this jury as the seed leaves it, with its dates recomputed
from the day it runs: what was tried on it meanwhile (evaluations of the demo juror,
conflicts, review phases, deliberation, results) is removed, so that scoring can be tried
again.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from calls import demo as calls_demo
from calls.models import Call
from jury import demo_data as data
from jury import models
from jury.demo import member_user, paris, recommendation_for, seeded
from jury.review_models import Bid, RapporteurAssignment, ReviewSettings
from relance.formatting import PARIS
from submissions.demo_jury_call import PRESELECTION_AFTER_DAYS
from submissions.models import Dossier, DossierState

JURY_NAME = "Jury de l’appel de démonstration (composition fictive de démonstration)"
# Keys of jury.demo_data.MEMBERS; the first one is the demo juror account.
MEMBER_KEYS = ("vasseur", "delorme", "delacroix", "caron", "picard")
PRESIDENT = "delorme"
HEARING_PLACE = "DINUM, 20 avenue de Ségur, Paris 7e, et en visioconférence"
SLOT_MINUTES = 30
GAP_MINUTES = 10
# (days after the seed's day, start, end, number of dossiers heard)
HEARING_DAYS = ((0, time(9, 30), time(12, 30), 4), (1, time(9, 30), time(12, 0), 3))
HEARING_BREAK = ("Pause", time(11, 0), time(11, 10))
# Submitted evaluations by member: the first ``n`` dossiers in hearing order, scored from the
# written dossier the day after the preselection; ``drafts`` more are saved, not submitted.
EVALUATIONS = {"delorme": (7, 0), "delacroix": (4, 1), "caron": (2, 0)}


def members_seeds():
    by_key = {seed.key: (index, seed) for index, seed in enumerate(data.MEMBERS)}
    return [by_key[key] for key in MEMBER_KEYS]


def load_jury(call, today) -> tuple[models.Jury, dict[str, models.JuryMember]]:
    jury, _ = models.Jury.objects.update_or_create(
        call=call, defaults={"name": JURY_NAME, "composition_published": True}
    )
    seeds = members_seeds()
    users = {seed.key: member_user(seed, index) for index, seed in seeds}
    jury.members.exclude(user__in=users.values()).delete()
    jury.members.filter(role=models.JuryMember.Role.PRESIDENT).exclude(
        user=users[PRESIDENT]
    ).update(role=models.JuryMember.Role.MEMBER)
    invited_at = paris(today - timedelta(days=calls_demo.DEMO_JURY_CLOSED_DAYS_AGO), time(10))
    members = {}
    for _index, seed in seeds:
        members[seed.key], _ = models.JuryMember.objects.update_or_create(
            jury=jury,
            user=users[seed.key],
            defaults={
                "public_name": f"{seed.first_name} {seed.last_name}",
                "title": seed.title,
                "affiliation": seed.affiliation,
                "affiliation_kind": seed.kind,
                "role": models.JuryMember.Role.PRESIDENT
                if seed.key == PRESIDENT
                else models.JuryMember.Role.MEMBER,
                "invited_at": invited_at,
            },
        )
    return jury, members


def load_hearings(jury, dossiers, today) -> None:
    """Two mornings of hearings, today and tomorrow, published two days ago."""
    sessions = list(jury.sessions.order_by("date", "starts_at", "pk"))
    kept = []
    remaining = list(dossiers)
    step = timedelta(minutes=SLOT_MINUTES)
    gap = timedelta(minutes=GAP_MINUTES)
    for index, (days, starts, ends, count) in enumerate(HEARING_DAYS):
        day = today + timedelta(days=days)
        session = sessions[index] if index < len(sessions) else models.HearingSession(jury=jury)
        session.date = day
        session.place = HEARING_PLACE
        session.video_link = ""
        session.starts_at, session.ends_at = starts, ends
        session.slot_minutes, session.gap_minutes = SLOT_MINUTES, GAP_MINUTES
        session.published_at = paris(today - timedelta(days=2), time(10))
        session.save()
        kept.append(session.pk)
        label, break_starts, break_ends = HEARING_BREAK
        models.HearingBreak.objects.update_or_create(
            session=session,
            starts_at=break_starts,
            defaults={"label": label, "ends_at": break_ends},
        )
        session.breaks.exclude(starts_at=break_starts).delete()
        start = datetime.combine(day, starts, tzinfo=PARIS)
        pause = (
            datetime.combine(day, break_starts, tzinfo=PARIS),
            datetime.combine(day, break_ends, tzinfo=PARIS),
        )
        heard, remaining = remaining[:count], remaining[count:]
        for dossier in heard:
            if start < pause[1] and start + step > pause[0]:
                start = pause[1]
            models.HearingSlot.objects.update_or_create(
                dossier=dossier,
                defaults={
                    "session": session,
                    "starts_at": start,
                    "ends_at": start + step,
                    "absent": False,
                },
            )
            start += step + gap
        session.slots.exclude(dossier__in=heard).delete()
    jury.sessions.exclude(pk__in=kept).delete()


def scores_for(key, dossier, criteria) -> dict:
    quality = seeded(f"open-quality/{dossier.reference}").uniform(2.6, 4.4)
    rng = seeded(f"open-scores/{key}/{dossier.reference}")
    return {
        c: Decimal(max(1, min(c.scale_max, round(quality + rng.uniform(-0.8, 0.8)))))
        for c in criteria
    }


def load_evaluations(jury, members, dossiers, today) -> int:
    """Evaluations of the members other than the demo juror, as the table says."""
    criteria = list(jury.call.criteria.order_by("order", "pk"))
    scored_on = today - timedelta(
        days=calls_demo.DEMO_JURY_CLOSED_DAYS_AGO - PRESELECTION_AFTER_DAYS - 1
    )
    kept = []
    for key, (submitted, drafts) in EVALUATIONS.items():
        member = members[key]
        for position, dossier in enumerate(dossiers[: submitted + drafts]):
            values = scores_for(key, dossier, criteria)
            is_draft = position >= submitted
            if is_draft:
                # A draft left half done: two criteria scored, no opinion yet.
                values = dict(list(values.items())[:2])
            recommendation = "" if is_draft else recommendation_for(values)
            comments = data.COMMENTS.get(recommendation, ("",))
            rng = seeded(f"open-evaluation/{key}/{dossier.reference}")
            evaluation, _ = models.Evaluation.objects.update_or_create(
                member=member,
                dossier=dossier,
                defaults={
                    "comment": comments[rng.randrange(len(comments))],
                    "recommendation": recommendation,
                    "submitted_at": None
                    if is_draft
                    else paris(scored_on, time(14 + position % 4, rng.randint(0, 59))),
                    "version": 1,
                },
            )
            for criterion, value in values.items():
                models.Score.objects.update_or_create(
                    evaluation=evaluation, criterion=criterion, defaults={"value": value}
                )
            evaluation.scores.exclude(criterion__in=values).delete()
            kept.append(evaluation.pk)
    # The demo juror's evaluations, and any other, are removed: he finds the form to fill in.
    models.Evaluation.objects.filter(member__jury=jury).exclude(pk__in=kept).delete()
    return len(kept)


def reset_work(jury, call) -> None:
    """What was tried on this jury since the last run: the round goes back to scoring."""
    models.ConflictOfInterest.objects.filter(member__jury=jury).delete()
    ReviewSettings.objects.filter(jury=jury).delete()
    Bid.objects.filter(member__jury=jury).delete()
    RapporteurAssignment.objects.filter(member__jury=jury).delete()
    models.Award.objects.filter(dossier__call=call).delete()
    models.Deliberation.objects.filter(jury=jury).delete()


def load() -> dict:
    today = timezone.localdate()
    call = Call.objects.get(slug=calls_demo.DEMO_JURY_CALL_SLUG)
    jury, members = load_jury(call, today)
    reset_work(jury, call)
    dossiers = list(
        Dossier.objects.filter(call=call, state=DossierState.PRESELECTED)
        .select_related("category")
        .order_by("category__order", "reference")
    )
    load_hearings(jury, dossiers, today)
    evaluations = load_evaluations(jury, members, dossiers, today)
    return {"members": len(members), "dossiers": len(dossiers), "evaluations": evaluations}

"""Demo data of the jury: round 1 as it ended, from the jury to the published results.

Runs after ``submissions.demo`` (``seed_demo`` follows ``INSTALLED_APPS``). Round 1 is a past
round: its rows are written directly, as they ended, instead of replaying the jury's
workflow (which would email applicants today); only the dossiers' states go through
``submissions.workflow.fire``, with the audit entries dated as the round happened.

The 2021 continuous window's committee is loaded the same way by ``jury.demo_window``.

Idempotent and convergent: the jury is keyed on its call, members on their account,
conflicts on (member, dossier), slots, evaluations and awards on their dossier; rows of the
round-1 jury that are not in the tables (added while trying the service) are removed, and a
rerun restores the seed. The demonstration call gets no jury (the browser tests build one); the
demonstration call before its jury gets one at work, scoring (``jury.demo_scoring``).

The 16 members are fictitious; only the first one has a demo password, the others have
unusable passwords. The tables are in ``jury.demo_data``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from calls import demo as calls_demo
from calls.models import Call
from jury import demo_data as data
from jury.models import (
    Award,
    ConflictOfInterest,
    Deliberation,
    Evaluation,
    HearingBreak,
    HearingSession,
    HearingSlot,
    Jury,
    JuryMember,
    Recommendation,
    Score,
)
from relance.demo import STAFF_LOGIN, DemoLogin, ensure_demo_user
from relance.formatting import PARIS
from submissions import demo_data as submissions_data
from submissions import workflow
from submissions.demo import history_entry
from submissions.models import Dossier, DossierState

S = DossierState

JUROR_LOGIN = DemoLogin(
    "Membre du jury (fictif) — premier appel, et notation de l’appel en cours d’examen",
    "jure@demo.relance.gouv.fr",
    "Evaluer-Relance-2021",
)
MEMBER_EMAIL_DOMAIN = "jury.demo.relance.gouv.fr"
SLUG_MAX = Award._meta.get_field("slug").max_length


def seeded(key: str) -> random.Random:
    """A generator seeded by ``key``: the same demo values on every run and every machine."""
    return random.Random(f"jury.demo/{key}")  # noqa: S311 - reproducible demo values


def paris(day, at) -> datetime:
    return datetime.combine(day, at, tzinfo=PARIS)


def member_email(seed: data.MemberSeed, index: int) -> str:
    if index == 0:
        return JUROR_LOGIN.email
    return f"{slugify(seed.first_name)}.{slugify(seed.last_name)}@{MEMBER_EMAIL_DOMAIN}"


def laureate_titles() -> list[str]:
    """Titles of the 17 laureates of the announcement, in its order."""
    return [seed.title for seed in submissions_data.ROUND_1 if seed.laureate]


# The jury ------------------------------------------------------------------------------------


def member_user(seed: data.MemberSeed, index: int):
    if index == 0:
        return ensure_demo_user(
            JUROR_LOGIN, first_name=seed.first_name, last_name=f"{seed.last_name} (démo)"
        )
    User = get_user_model()
    user, _ = User.objects.update_or_create(
        email=member_email(seed, index),
        defaults={
            "first_name": seed.first_name,
            "last_name": f"{seed.last_name} (démo)",
            "is_staff": False,
            "is_superuser": False,
            "is_active": True,
        },
        # Demo addresses are no real mailboxes: confirmed as they are made.
        create_defaults={
            "first_name": seed.first_name,
            "last_name": f"{seed.last_name} (démo)",
            "email_confirmed_at": timezone.now(),
        },
    )
    # Fictitious members never log in; set once so that a rerun leaves the row as it was.
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def load_jury(call) -> tuple[Jury, dict[str, JuryMember]]:
    jury, _ = Jury.objects.update_or_create(
        call=call, defaults={"name": data.JURY_NAME, "composition_published": True}
    )
    users = [member_user(seed, index) for index, seed in enumerate(data.MEMBERS)]
    president = next(u for u, s in zip(users, data.MEMBERS, strict=True) if s.president)
    # Converge: another president first steps down (one president per jury), and members
    # added since are removed with their conflicts and evaluations.
    jury.members.exclude(user__in=users).delete()
    jury.members.filter(role=JuryMember.Role.PRESIDENT).exclude(user=president).update(
        role=JuryMember.Role.MEMBER
    )
    members = {}
    for user, seed in zip(users, data.MEMBERS, strict=True):
        members[seed.key], _ = JuryMember.objects.update_or_create(
            jury=jury,
            user=user,
            defaults={
                "public_name": f"{seed.first_name} {seed.last_name}",
                "title": seed.title,
                "affiliation": seed.affiliation,
                "affiliation_kind": seed.kind,
                "role": JuryMember.Role.PRESIDENT if seed.president else JuryMember.Role.MEMBER,
                "invited_at": paris(data.INVITED_ON, time(10)),
            },
        )
    return jury, members


def load_conflicts(jury, members, dossiers_by_title) -> set[tuple[int, int]]:
    """The declared conflicts; returns the (member id, dossier id) pairs they cover."""
    pairs = set()
    for index, seed in enumerate(data.CONFLICTS):
        member = members[seed.member]
        dossier = dossiers_by_title[seed.dossier_title]
        ConflictOfInterest.objects.update_or_create(
            member=member,
            dossier=dossier,
            lifted_at=None,
            defaults={
                "kind": seed.kind,
                "comment": seed.comment,
                "declared_by": member.user,
                "declared_at": paris(data.CONFLICTS_DECLARED_ON, time(9 + index)),
                "lifted_by": None,
                "lift_reason": "",
            },
        )
        pairs.add((member.pk, dossier.pk))
    # Conflicts declared or lifted since are dropped: the round is restored as it ended.
    for conflict in ConflictOfInterest.objects.filter(member__jury=jury):
        if (conflict.member_id, conflict.dossier_id) not in pairs or conflict.lifted_at:
            conflict.delete()
    return pairs


# The hearing day -----------------------------------------------------------------------------


def hearing_times(count: int) -> list[tuple[datetime, datetime]]:
    """``count`` consecutive slots of the hearing day, skipping the breaks."""
    step = timedelta(minutes=data.SLOT_MINUTES)
    gap = timedelta(minutes=data.GAP_MINUTES)
    breaks = [(paris(data.HEARING_DAY, a), paris(data.HEARING_DAY, b)) for _, a, b in data.BREAKS]
    end_of_day = paris(data.HEARING_DAY, data.HEARING_ENDS)
    start = paris(data.HEARING_DAY, data.HEARING_STARTS)
    times = []
    while len(times) < count:
        clash = next((b for b in breaks if start < b[1] and start + step > b[0]), None)
        if clash is not None:
            start = clash[1]
            continue
        if start + step > end_of_day:
            raise ValueError("The hearing day is too short for the preselected dossiers.")
        times.append((start, start + step))
        start += step + gap
    return times


def load_hearings(jury, dossiers) -> dict[int, HearingSlot]:
    session = jury.sessions.order_by("pk").first() or HearingSession(jury=jury)
    session.date = data.HEARING_DAY
    session.place = data.HEARING_PLACE
    session.video_link = ""
    session.starts_at = data.HEARING_STARTS
    session.ends_at = data.HEARING_ENDS
    session.slot_minutes = data.SLOT_MINUTES
    session.gap_minutes = data.GAP_MINUTES
    session.published_at = paris(data.SCHEDULE_PUBLISHED_ON, time(10))
    session.save()
    jury.sessions.exclude(pk=session.pk).delete()

    for label, starts_at, ends_at in data.BREAKS:
        HearingBreak.objects.update_or_create(
            session=session, starts_at=starts_at, defaults={"label": label, "ends_at": ends_at}
        )
    session.breaks.exclude(starts_at__in=[b[1] for b in data.BREAKS]).delete()

    # Heard by category (the announcement's order), then by reference.
    ordered = sorted(dossiers, key=lambda d: (d.category.order, d.reference))
    slots = {}
    for dossier, (starts_at, ends_at) in zip(ordered, hearing_times(len(ordered)), strict=True):
        slots[dossier.pk], _ = HearingSlot.objects.update_or_create(
            dossier=dossier,
            defaults={
                "session": session,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "absent": False,
            },
        )
    session.slots.exclude(dossier__in=ordered).delete()
    return slots


# Evaluations ---------------------------------------------------------------------------------


def dossier_quality(dossier, laureate: bool) -> float:
    """The dossier's underlying quality on the 0–5 scale: laureates were the stronger ones."""
    rng = seeded(f"quality/{dossier.reference}")
    return rng.uniform(3.7, 4.5) if laureate else rng.uniform(2.4, 3.5)


def member_leniency(seed: data.MemberSeed) -> float:
    return seeded(f"leniency/{seed.key}").uniform(-0.35, 0.35)


def scores_for(seed, dossier, criteria, quality) -> dict:
    rng = seeded(f"scores/{seed.key}/{dossier.reference}")
    leniency = member_leniency(seed)
    values = {}
    for criterion in criteria:
        raw = quality + leniency + rng.uniform(-0.7, 0.7)
        values[criterion] = Decimal(max(1, min(criterion.scale_max, round(raw))))
    return values


def recommendation_for(values: dict) -> str:
    mean = sum(values.values()) / len(values)
    if mean >= Decimal("3.75"):
        return Recommendation.FAVOURABLE
    if mean >= Decimal("2.75"):
        return Recommendation.RESERVED
    return Recommendation.UNFAVOURABLE


def load_evaluations(jury, members, dossiers, laureate_ids, conflicts, slots) -> int:
    criteria = list(jury.call.criteria.order_by("order", "pk"))
    seeds = {seed.key: seed for seed in data.MEMBERS}
    evaluations, scores = [], []
    for key, member in members.items():
        seed = seeds[key]
        for dossier in dossiers:
            if (member.pk, dossier.pk) in conflicts:
                continue
            values = scores_for(
                seed, dossier, criteria, dossier_quality(dossier, dossier.pk in laureate_ids)
            )
            recommendation = recommendation_for(values)
            rng = seeded(f"evaluation/{key}/{dossier.reference}")
            comments = data.COMMENTS[recommendation]
            evaluation = Evaluation(
                member=member,
                dossier=dossier,
                comment=comments[rng.randrange(len(comments))],
                recommendation=recommendation,
                # Scored right after the hearing.
                submitted_at=slots[dossier.pk].ends_at + timedelta(minutes=rng.randint(3, 40)),
                version=1,
            )
            evaluations.append(evaluation)
            scores.extend(
                Score(evaluation=evaluation, criterion=criterion, value=value)
                for criterion, value in values.items()
            )
    # Upserts keyed on the unique constraints, in a few queries whatever the jury's size: the
    # seed stays idempotent and re-running it is cheap. PostgreSQL returns the keys.
    Evaluation.objects.bulk_create(
        evaluations,
        update_conflicts=True,
        unique_fields=["member", "dossier"],
        update_fields=["comment", "recommendation", "submitted_at", "version", "updated_at"],
    )
    for score in scores:
        score.evaluation_id = score.evaluation.pk
    Score.objects.bulk_create(
        scores,
        update_conflicts=True,
        unique_fields=["evaluation", "criterion"],
        update_fields=["value"],
    )
    kept = [evaluation.pk for evaluation in evaluations]
    Score.objects.filter(evaluation__in=kept).exclude(criterion__in=criteria).delete()
    Evaluation.objects.filter(member__jury=jury).exclude(pk__in=kept).delete()
    return len(kept)


# Deliberation and results --------------------------------------------------------------------


def granted_amount(dossier) -> Decimal:
    """The demo grant: all or part of the requested amount, rounded down to 1,000 €."""
    share = seeded(f"grant/{dossier.reference}").choice((100, 100, 100, 90, 80, 75))
    amount = (dossier.requested_amount * share / 100 / 1000).to_integral_value(ROUND_DOWN) * 1000
    return min(max(amount, Decimal("1000")), dossier.requested_amount).quantize(Decimal("0.01"))


def award_slug(dossier, award_pk) -> str:
    base = (slugify(dossier.title) or slugify(dossier.reference))[:SLUG_MAX].strip("-")
    candidate, n = base, 1
    while Award.objects.filter(slug=candidate).exclude(pk=award_pk).exists():
        n += 1
        suffix = f"-{n}"
        candidate = f"{base[: SLUG_MAX - len(suffix)].rstrip('-')}{suffix}"
    return candidate


def grant_details(dossier, number: int) -> dict:
    rng = seeded(f"convention/{dossier.reference}")
    convention = date(2021, 3, 15) + timedelta(days=rng.randint(0, 70))
    staged = dossier.requested_amount >= Decimal("150000")
    if staged:
        end = convention.replace(year=convention.year + 1)
        period = f"{convention + timedelta(days=15):%Y-%m-%d}/{end:%Y-%m-%d}"
    else:
        period = f"{convention + timedelta(days=30):%Y-%m-%d}"
    return {
        "convention_date": convention,
        "decision_reference": f"FR-DONNEES-2021-V1-{number:02d}",
        "aid_nature": Award.AidNature.CASH,
        "payment_terms": Award.PaymentTerms.STAGED if staged else Award.PaymentTerms.SINGLE,
        "payment_period": period,
        "eu_notification": False,
    }


NO_GRANT_DETAILS = {
    "convention_date": None,
    "decision_reference": "",
    "aid_nature": Award.AidNature.CASH,
    "payment_terms": Award.PaymentTerms.SINGLE,
    "payment_period": "",
    "eu_notification": False,
}


def load_awards(dossiers, laureate_ids, staff) -> dict[int, Award]:
    awards = {}
    laureate_number = 0
    for dossier in sorted(dossiers, key=lambda d: (d.category.order, d.reference)):
        laureate = dossier.pk in laureate_ids
        if laureate:
            laureate_number += 1
            amount = granted_amount(dossier)
            values = {
                "decision": Award.Decision.LAUREATE,
                "granted_amount": amount,
                "reason": (
                    f"Projet retenu par le jury : cofinancement de {amount:,.0f} € "
                    "(montant de démonstration)."
                ).replace(",", "\u202f"),
                "public_summary": dossier.summary,
                **grant_details(dossier, laureate_number),
            }
        else:
            reasons = data.NOT_SELECTED_REASONS
            values = {
                "decision": Award.Decision.NOT_SELECTED,
                "granted_amount": None,
                "reason": reasons[seeded(f"reason/{dossier.reference}").randrange(len(reasons))],
                "public_summary": "",
                "slug": "",
                **NO_GRANT_DETAILS,
            }
        award, _ = Award.objects.update_or_create(
            dossier=dossier, defaults={**values, "recorded_by": staff}
        )
        if laureate and not award.slug:
            award.slug = award_slug(dossier, award.pk)
            award.save(update_fields=["slug"])
        awards[dossier.pk] = award
    return awards


def load_deliberation(jury, members, awards, staff) -> Deliberation:
    laureates = [a for a in awards.values() if a.decision == Award.Decision.LAUREATE]
    total = sum((a.granted_amount for a in laureates), Decimal("0"))
    president = next(m for m in members.values() if m.role == JuryMember.Role.PRESIDENT)
    minutes = data.MINUTES.format(
        president=president.public_name,
        heard=len(awards),
        members=len(members),
        laureates=len(laureates),
        not_selected=len(awards) - len(laureates),
        total=f"{total:,.0f}".replace(",", "\u202f"),
    )
    deliberation, _ = Deliberation.objects.update_or_create(
        jury=jury,
        defaults={
            "minutes": minutes,
            "held_on": data.DELIBERATION_ON,
            "closed_at": paris(data.DELIBERATION_ON, time(18)),
            "closed_by": staff,
            # The announcement gives no amounts: the demo ones are published and say so.
            "publish_amounts": True,
        },
    )
    return deliberation


def settle_outcome(dossier, award, name, *, source, target, at, staff, amend=None, data=None):
    """Bring a dossier to its published outcome ``target`` through the dossier workflow and
    date the transition ``name`` at ``at``: fired from ``source``, ``amend`` fired when it is
    elsewhere (if given); a dossier at its outcome already only gets back the reason the
    applicant reads."""
    if dossier.state == source:
        # A system action of the seed: ``fire`` skips the role check without a user.
        workflow.fire(
            None, dossier, name, reason=award.reason, decision_reason=award.reason, data=data
        )
    elif dossier.state == target:
        Dossier.objects.filter(pk=dossier.pk).update(decision_reason=award.reason)
    elif amend:
        workflow.fire(None, dossier, amend, reason=award.reason, decision_reason=award.reason)
    history_entry(
        dossier,
        name,
        at=at,
        actor=staff,
        from_state=source,
        to_state=target,
        reason=award.reason,
        data=data,
    )


def apply_outcomes(call, dossiers, awards, staff) -> None:
    """Move each dossier to its outcome through the dossier workflow, dated at publication."""
    published_at = call.results_published_at
    for dossier in dossiers:
        award = awards[dossier.pk]
        laureate = award.decision == Award.Decision.LAUREATE
        settle_outcome(
            dossier,
            award,
            "select" if laureate else "not_select",
            source=S.PRESELECTED,
            target=S.LAUREATE if laureate else S.NOT_SELECTED,
            at=published_at,
            staff=staff,
            # Converge after results were amended while trying the service.
            amend="amend_add_laureate" if laureate else "amend_remove_laureate",
        )
    counts = {
        Award.Decision.LAUREATE.value: sum(
            a.decision == Award.Decision.LAUREATE for a in awards.values()
        ),
        Award.Decision.NOT_SELECTED.value: sum(
            a.decision == Award.Decision.NOT_SELECTED for a in awards.values()
        ),
    }
    history_entry(
        call,
        "publish_results",
        at=published_at,
        actor=staff,
        data={**counts, "at": published_at.isoformat()},
    )


def load_round_1(staff):
    call = Call.objects.get(slug=calls_demo.ROUND_1_SLUG)
    dossiers = list(
        Dossier.objects.filter(
            call=call, state__in=[S.PRESELECTED, S.LAUREATE, S.NOT_SELECTED]
        ).select_related("category")
    )
    by_title = {d.title: d for d in Dossier.objects.filter(call=call)}
    laureate_ids = {by_title[title].pk for title in laureate_titles()}
    jury, members = load_jury(call)
    conflicts = load_conflicts(jury, members, by_title)
    slots = load_hearings(jury, dossiers)
    evaluations = load_evaluations(jury, members, dossiers, laureate_ids, conflicts, slots)
    awards = load_awards(dossiers, laureate_ids, staff)
    Award.objects.filter(dossier__call=call).exclude(dossier__in=dossiers).delete()
    load_deliberation(jury, members, awards, staff)
    apply_outcomes(call, dossiers, awards, staff)
    return jury, members, dossiers, conflicts, evaluations


def load(stdout) -> list[DemoLogin]:
    # The instructor account comes from relance.demo, loaded first.
    staff = get_user_model().objects.filter(email=STAFF_LOGIN.email).first()
    jury, members, dossiers, conflicts, evaluations = load_round_1(staff)
    # Imported here: the window's loader reuses this module's helpers.
    from jury import demo_window

    window = demo_window.load_window_2021(staff)
    from jury import demo_corrections

    demo_corrections.load_correction(staff)
    from jury import demo_scoring

    scoring = demo_scoring.load()

    from jury import demo_reminders

    demo_reminders.load(jury, members, conflicts)
    stdout.write(
        f"Jury du premier appel : {len(members)} membres (fictifs), {len(dossiers)} auditions "
        f"le {data.HEARING_DAY:%d/%m/%Y}, {len(conflicts)} conflits d’intérêts déclarés, "
        f"{evaluations} évaluations, {len(laureate_titles())} lauréats. Comité du guichet en "
        f"continu 2021 : {window['sessions']} séances (dont {window['published']} publiées), "
        f"{window['laureates']} lauréats (fictifs). Jury de l’appel de démonstration en cours "
        f"d’examen : {scoring['members']} membres (fictifs), {scoring['dossiers']} auditions "
        f"aujourd’hui et demain, {scoring['evaluations']} évaluations, notation ouverte pour "
        "le compte de démonstration du jury."
    )
    return [JUROR_LOGIN]

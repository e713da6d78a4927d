"""Demo data of the 2021 continuous window's committee (called by ``jury.demo``): its monthly
sessions, their agendas and decisions, published session by session.

As for round 1, the committee's work is loaded as it ended instead of being replayed (which
would email applicants today): sessions, agenda items and awards are written directly, and
only the dossiers' outcomes go through ``submissions.workflow.fire`` (``committee_accept``,
``committee_refuse``), with the audit entries dated as the sessions happened. The committee
followed every proposal of the instructor (``submissions.demo_window_data``). The last
session has its agenda and waits for its decisions.

Idempotent and convergent: sessions are keyed on (call, date), agenda items and awards on
their dossier; a rerun restores the seed's sessions, agendas and decisions, except a session
the seed leaves unpublished that was published since while trying the service, which is kept.
Sessions added while trying the service are left alone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType

from calls import demo as calls_demo
from calls.models import Call
from jury import demo_data as data
from jury.demo import NO_GRANT_DETAILS, award_slug, seeded, settle_outcome
from jury.models import AgendaItem, Award, CommitteeSession
from relance import audit
from relance.formatting import PARIS, format_euros
from relance.models import AuditEntry
from submissions.demo import history_entry
from submissions.demo_window import proposed_amount, window_dossiers
from submissions.demo_window_data import ACCEPT
from submissions.models import Dossier, DossierState

S = DossierState


def at(day, hour, minute=0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def call_entry(call, action, session, *, at, actor, data) -> None:
    """One audit entry on the call per (action, session), dated ``at``; kept in line."""
    entry = (
        AuditEntry.objects.filter(
            target_type=ContentType.objects.get_for_model(call, for_concrete_model=True),
            target_id=str(call.pk),
            action=action,
            data__session=session.pk,
        )
        .order_by("pk")
        .first()
    )
    if entry is None:
        entry = audit.record(actor, action, call, data={"session": session.pk})
    AuditEntry.objects.filter(pk=entry.pk).update(
        at=at, actor=actor, data={"session": session.pk, **data}
    )


def grant_details(session, dossier, number: int) -> dict:
    """The convention of a window laureate; not signed yet for the latest sessions."""
    if session.date >= data.CONVENTIONS_PENDING_FROM:
        return dict(NO_GRANT_DETAILS)
    convention = session.date + timedelta(
        days=seeded(f"window/{dossier.reference}").randint(20, 45)
    )
    return {
        **NO_GRANT_DETAILS,
        "convention_date": convention,
        "decision_reference": f"FR-DONNEES-2021-GC-{number:02d}",
        "payment_period": f"{convention + timedelta(days=30):%Y-%m-%d}",
    }


def decision_values(session, dossier, seed, number) -> dict:
    day = session.date.strftime("%d/%m/%Y")
    if seed.proposal == ACCEPT:
        amount = proposed_amount(seed)
        return {
            "decision": Award.Decision.LAUREATE,
            "granted_amount": amount,
            "reason": (
                f"Cofinancement accordé par le comité du {day} : {format_euros(amount)} "
                "(montant de démonstration)."
            ),
            "public_summary": dossier.summary,
            **grant_details(session, dossier, number),
        }
    return {
        "decision": Award.Decision.NOT_SELECTED,
        "granted_amount": None,
        "reason": seed.reason,
        "public_summary": "",
        "slug": "",
        **NO_GRANT_DETAILS,
    }


def load_session(call, session_seed, agenda, staff, numbers) -> CommitteeSession | None:
    session = CommitteeSession.objects.filter(call=call, date=session_seed.date).first()
    if session is not None and session_seed.published_on is None and session.published_at:
        return None  # published while trying the service: kept as it is
    published_at = at(session_seed.published_on, 10) if session_seed.published_on else None
    values = {
        "place": data.COMMITTEE_PLACE,
        "created_by": staff,
        "published_at": published_at,
        "published_by": staff if published_at else None,
    }
    if session is None:
        session = CommitteeSession.objects.create(call=call, date=session_seed.date, **values)
    else:
        CommitteeSession.objects.filter(pk=session.pk).update(**values)
    created_at = at(session_seed.date - timedelta(days=28), 11)
    CommitteeSession.objects.filter(pk=session.pk).update(created_at=created_at)
    session.refresh_from_db()
    call_entry(
        call,
        "committee_session_create",
        session,
        at=created_at,
        actor=staff,
        data={"date": session.date.isoformat(), "place": session.place},
    )

    dossiers = [dossier for dossier, _seed in agenda]
    # The agenda as the seed has it: decisions of dossiers put on it since are forgotten.
    Award.objects.filter(session=session).exclude(dossier__in=dossiers).delete()
    session.items.exclude(dossier__in=dossiers).delete()
    added_at = at(session.date - timedelta(days=3), 17)
    for dossier, _seed in agenda:
        AgendaItem.objects.update_or_create(
            dossier=dossier, defaults={"session": session, "added_by": staff}
        )
        AgendaItem.objects.filter(dossier=dossier).update(added_at=added_at)
        history_entry(
            dossier,
            "agenda_add",
            at=added_at,
            actor=staff,
            data={"session": session.pk, "date": session.date.isoformat()},
        )
    if published_at is None:
        # Waiting for the committee: no decision recorded yet.
        Award.objects.filter(session=session).delete()
        return session

    counts = {Award.Decision.LAUREATE.value: 0, Award.Decision.NOT_SELECTED.value: 0}
    for dossier, seed in agenda:
        laureate = seed.proposal == ACCEPT
        if laureate:
            numbers["laureates"] += 1
        values = decision_values(session, dossier, seed, numbers["laureates"])
        award, _ = Award.objects.update_or_create(
            dossier=dossier, defaults={**values, "session": session, "recorded_by": staff}
        )
        if laureate and not award.slug:
            award.slug = award_slug(dossier, award.pk)
            award.save(update_fields=["slug"])
        counts[award.decision] += 1
        history_entry(
            dossier,
            "committee_decision",
            at=at(session.date, 12),
            actor=staff,
            reason=award.reason,
            data={"session": session.pk},
        )
        apply_outcome(dossier, award, published_at, staff, session)
    call_entry(
        call,
        "committee_publish",
        session,
        at=published_at,
        actor=staff,
        data={**counts, "date": session.date.isoformat()},
    )
    return session


def apply_outcome(dossier, award, published_at, staff, session) -> None:
    """The published decision moves the dossier through the dossier workflow."""
    laureate = award.decision == Award.Decision.LAUREATE
    dossier.refresh_from_db(fields=["state"])
    settle_outcome(
        dossier,
        award,
        "committee_accept" if laureate else "committee_refuse",
        source=S.SUBMITTED,
        target=S.LAUREATE if laureate else S.NOT_SELECTED,
        at=published_at,
        staff=staff,
        data={"session": session.pk},
    )


def load_window_2021(staff) -> dict:
    call = Call.objects.get(slug=calls_demo.CONTINUOUS_SLUG)
    by_reference = {d.reference: d for d in Dossier.objects.filter(call=call)}
    agendas = defaultdict(list)
    for number, seed in window_dossiers():
        if seed.committee is not None:
            dossier = by_reference[Dossier.reference_for(call, number)]
            agendas[seed.committee].append((dossier, seed))
    numbers = {"laureates": 0}
    for session_seed in data.WINDOW_SESSIONS:
        load_session(call, session_seed, agendas[session_seed.date], staff, numbers)
    return {
        "sessions": len(data.WINDOW_SESSIONS),
        "published": sum(1 for s in data.WINDOW_SESSIONS if s.published_on),
        "laureates": numbers["laureates"],
    }

"""Model rows to the API's answers (``schemas``), labels in the active language."""

from __future__ import annotations

from django.utils import timezone

from calls.models import AdministrationKind
from jury.results.opendata import money
from jury.results.published import shown_amount
from jury.results.window import laureate_url
from relance.formatting import PARIS

KINDS = AdministrationKind


class Mapped:
    """A queryset read page by page by the paginator, each row turned into an answer: only
    the page's rows are fetched (the paginator slices it and counts it)."""

    def __init__(self, queryset, convert):
        self.queryset = queryset
        self.convert = convert

    def __len__(self):
        return self.queryset.count()

    def __getitem__(self, page):
        return [self.convert(row) for row in self.queryset[page]]


def labelled(choice_class, code):
    choices = dict(choice_class.choices)
    return {"code": code, "label": str(choices.get(code, code))}


def paris(value):
    return timezone.localtime(value, PARIS) if value is not None else None


def programme_out(programme):
    return {
        "slug": programme.slug,
        "title": programme.title,
        "operator": programme.operator,
        "summary": programme.summary,
        "calls": [call.slug for call in programme.public_calls],
    }


def call_out(request, call):
    return {
        "slug": call.slug,
        "title": call.title,
        "programme": call.programme.slug,
        "kind": {"code": call.kind, "label": str(call.get_kind_display())},
        "number": call.number,
        "is_demo": call.is_demo,
        "summary": call.summary,
        "opens_at": paris(call.opens_at),
        "closes_at": paris(call.closes_at),
        "status": {"code": call.status.value, "label": str(call.status.label)},
        "amount_ceiling": money(call.amount_ceiling),
        "eligible_kinds": [labelled(KINDS, kind) for kind in call.eligible_kinds],
        "categories": [
            {"name": c.name, "description": c.description} for c in call.categories.all()
        ],
        "criteria": [
            {
                "label": c.label,
                "description": c.description,
                "weight": format(c.weight.normalize(), "f"),
                "scale_max": c.scale_max,
            }
            for c in call.criteria.all()
        ],
        "decisions_published_at": paris(call.decided_at) if call.has_decisions else None,
        "url": request.build_absolute_uri(call.get_absolute_url()),
    }


def laureate_out(request, award):
    dossier = award.dossier
    call = dossier.call
    administration = dossier.administration
    ministry = administration.ministry
    return {
        "reference": dossier.reference,
        "title": dossier.title,
        "subtitle": dossier.subtitle,
        "programme": call.programme.slug,
        "call": call.slug,
        "category": dossier.category.name if dossier.category_id else None,
        "administration": {
            "name": administration.name,
            "acronym": administration.acronym,
            "kind": labelled(KINDS, administration.kind),
            "ministry": (
                {"id": ministry.pk, "name": ministry.name, "acronym": ministry.acronym}
                if ministry is not None
                else None
            ),
        },
        "granted_amount": money(shown_amount(award)),
        "published_at": paris(
            award.session.published_at if award.session else call.results_published_at
        ),
        "committee_session_date": award.session.date if award.session else None,
        "url": request.build_absolute_uri(laureate_url(award)),
    }


def _rows(rows):
    return [{"label": r.label, "dossiers": r.dossiers, "laureates": r.laureates} for r in rows]


def statistics_out(stats):
    call = stats.call
    funnel = stats.window_funnel if stats.window_funnel is not None else stats.funnel
    amounts = stats.amounts
    return {
        "call": call.slug,
        "programme": call.programme.slug,
        "funnel": [
            {"code": code, "label": str(label), "value": value}
            for code, label, value in funnel.steps()
        ],
        "by_ministry": _rows(stats.by_ministry),
        "by_category": _rows(stats.by_category),
        "by_administration_kind": _rows(stats.by_kind),
        "amounts": {
            "requested": money(amounts.requested),
            "requested_by_laureates": money(amounts.requested_by_laureates),
            "granted": money(amounts.granted),
        },
        "by_month": [
            {"month": m.month, "label": m.label, "submitted": m.submitted, "decided": m.decided}
            for m in stats.by_month
        ],
    }

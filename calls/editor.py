"""A programme's managers prepare and publish its calls: every change of a call, as one
transactional function taking the acting manager.

A call is a **draft** until it is published (``published_at``): drafts are seen by the
programme's team only, and accept no dossier. :func:`calls.publication.call_problems` lists
what a draft still lacks; :func:`calls.publication.publish_call` refuses while anything is
missing.

Once dossiers exist, what would change their meaning is locked, here and not only on the
screen: a category holding dossiers keeps its name and cannot be deleted; a criterion that
scored submitted evaluations keeps its weight and scale and cannot be deleted (``calls.hooks``
asks the apps that know). Once published, the address (slug), the kind and the number stay;
once opened, the dates stay, and the closing can only be extended, with a reason, by
:func:`calls.publication.extend_closing`, which tells the agents holding drafts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from calls import hooks
from calls.models import (
    AdministrationKind,
    Call,
    CallKind,
    Category,
    Criterion,
    Programme,
    RequiredDocument,
)
from calls.permissions import require_programme_manager
from relance import audit
from relance.audit import AuditAction
from relance.formatting import PARIS, format_euros, format_paris_datetime, to_paris
from relance.workflow import WorkflowError, lock, snapshot

# The call's own fields a manager edits (the rest is set by the workflows).
CALL_FIELDS = (
    "kind",
    "number",
    "title",
    "slug",
    "summary",
    "description",
    "how_to_apply",
    "opens_at",
    "closes_at",
    "amount_ceiling",
    "eligible_kinds",
    "max_dossiers_per_administration",
    "ineligible_note",
    "ineligible_link",
    "envelope",
    "instruction_days",
)
# What a duplicate copies besides categories, criteria and documents.
COPIED_FIELDS = (
    "kind",
    "summary",
    "description",
    "how_to_apply",
    "amount_ceiling",
    "eligible_kinds",
    "max_dossiers_per_administration",
    "ineligible_note",
    "ineligible_link",
    "instruction_days",
    "is_public",
)
CATEGORY_FIELDS = ("name", "description", "order")
CRITERION_FIELDS = ("label", "description", "weight", "scale_max", "order")
DOCUMENT_FIELDS = ("label", "description", "is_required", "order")
DEFAULT_INSTRUCTION_DAYS = 30
# A duplicate opens at least this long after it is made (its dates shifted by whole weeks).
DUPLICATE_LEAD = timedelta(weeks=2)


class CallEditError(WorkflowError):
    """A refused edit; ``errors`` maps the call's fields to their messages (may be empty)."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.errors = errors or {}


# What is locked, and why -----------------------------------------------------------------


def locked_fields(call: Call | None, now=None) -> dict[str, str]:
    """The call's fields that can no longer change, each with the reason shown next to it."""
    if call is None or call.pk is None or call.is_draft:
        return {}
    now = now or timezone.now()
    published = _("L’appel est publié : son adresse, son type et son numéro ne changent plus.")
    locks = {"slug": published, "kind": published, "number": published}
    if call.opens_at <= now:
        locks["opens_at"] = _(
            "L’appel est ouvert depuis le %(date)s : l’ouverture ne change plus."
        ) % {"date": format_paris_datetime(call.opens_at)}
        locks["closes_at"] = _(
            "L’appel est ouvert : la clôture ne peut qu’être prolongée, avec un motif, par « "
            "Prolonger la clôture »."
        )
    return locks


def category_locks(call: Call | None) -> dict[int, str]:
    if call is None or call.pk is None:
        return {}
    reason = _(
        "Des dossiers sont déposés dans cette catégorie : elle ne peut être ni renommée ni "
        "supprimée."
    )
    return dict.fromkeys(hooks.categories_in_use(call), reason)


def criterion_locks(call: Call | None) -> dict[int, str]:
    if call is None or call.pk is None:
        return {}
    reason = _(
        "Des évaluations transmises utilisent ce critère : sa pondération et sa note maximale "
        "ne changent plus, et il ne peut pas être supprimé."
    )
    return dict.fromkeys(hooks.criteria_in_use(call), reason)


# Reading the rows of a formset -----------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of categories, criteria or documents: ``pk`` None for a new line."""

    pk: int | None
    values: dict
    delete: bool = False


def _apply_rows(call, model, rows, fields, *, locks, locked_fields_of_row, what, name_field):
    """Delete, update and create ``call``'s ``model`` rows; returns a summary for the audit."""
    existing = {obj.pk: obj for obj in model.objects.filter(call=call)}
    summary = {"added": [], "changed": [], "deleted": []}
    final_names = {obj.pk: getattr(obj, name_field) for obj in existing.values()}
    for row in rows:
        if row.pk is not None and row.pk not in existing:
            raise CallEditError(
                _("Une ligne de la section « %(what)s » n’existe plus : rechargez la page.")
                % {"what": what}
            )
    # Check the locks before changing anything.
    for row in rows:
        if row.pk is None or row.pk not in locks:
            continue
        obj = existing[row.pk]
        if row.delete:
            raise CallEditError(f"« {getattr(obj, name_field)} » : {locks[row.pk]}")
        for field in locked_fields_of_row:
            if field in row.values and row.values[field] != getattr(obj, field):
                raise CallEditError(f"« {getattr(obj, name_field)} » : {locks[row.pk]}")
    for row in rows:
        if row.delete and row.pk is not None:
            final_names.pop(row.pk, None)
        elif row.pk is not None:
            final_names[row.pk] = row.values.get(name_field, final_names[row.pk])
    new_names = [
        row.values.get(name_field, "") for row in rows if row.pk is None and not row.delete
    ]
    names = [n.strip().casefold() for n in [*final_names.values(), *new_names]]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise CallEditError(
            _("Section « %(what)s » : deux lignes portent le même intitulé (« %(name)s »).")
            % {"what": what, "name": duplicates[0]}
        )
    for row in rows:
        if row.pk is not None and row.delete:
            obj = existing[row.pk]
            try:
                with transaction.atomic():
                    obj.delete()
            except ProtectedError:
                raise CallEditError(
                    _("« %(name)s » est déjà utilisé : il ne peut pas être supprimé.")
                    % {"name": getattr(obj, name_field)}
                ) from None
            summary["deleted"].append(getattr(obj, name_field))
    for row in rows:
        if row.pk is None or row.delete:
            continue
        obj = existing[row.pk]
        changed = [f for f in fields if f in row.values and row.values[f] != getattr(obj, f)]
        if changed:
            for f in changed:
                setattr(obj, f, row.values[f])
            _full_clean(obj, exclude=["call"])
            obj.save(update_fields=changed)
            summary["changed"].append(getattr(obj, name_field))
    for row in rows:
        if row.pk is not None or row.delete:
            continue
        obj = model(call=call, **{f: row.values[f] for f in fields if f in row.values})
        _full_clean(obj, exclude=["call"])
        obj.save()
        summary["added"].append(getattr(obj, name_field))
    return {key: value for key, value in summary.items() if value}


def _full_clean(obj, exclude=()):
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        messages = [f"{obj._meta.verbose_name} « {obj} » : {m}" for m in exc.messages]
        raise CallEditError(" ".join(messages)) from None


def _apply_all_rows(call, categories, criteria, documents) -> dict:
    changes = {}
    if categories is not None:
        changes["categories"] = _apply_rows(
            call,
            Category,
            categories,
            CATEGORY_FIELDS,
            locks=category_locks(call),
            locked_fields_of_row=("name",),
            what=_("Catégories"),
            name_field="name",
        )
    if criteria is not None:
        changes["criteria"] = _apply_rows(
            call,
            Criterion,
            criteria,
            CRITERION_FIELDS,
            locks=criterion_locks(call),
            locked_fields_of_row=("weight", "scale_max"),
            what=_("Critères"),
            name_field="label",
        )
    if documents is not None:
        changes["documents"] = _apply_rows(
            call,
            RequiredDocument,
            documents,
            DOCUMENT_FIELDS,
            locks={},
            locked_fields_of_row=(),
            what=_("Pièces demandées"),
            name_field="label",
        )
    return {key: value for key, value in changes.items() if value}


# The call itself -------------------------------------------------------------------------


def suggest_slug(title: str) -> str:
    return slugify(title or "")[:100].strip("-")


def _clean_call(call: Call) -> None:
    """The model's rules, with every message next to its field."""
    errors = {}
    if not call.slug:
        call.slug = suggest_slug(call.title)
    if call.kind == CallKind.CONTINUOUS:
        call.number = None
        if call.instruction_days is None:
            # Instruction within a month of submission unless the manager says otherwise.
            call.instruction_days = DEFAULT_INSTRUCTION_DAYS
    try:
        # No eligible kind is allowed in a draft: the check page reports it.
        call.full_clean(
            exclude=["programme", "eligible_kinds"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    call.eligible_kinds = list(call.eligible_kinds or [])
    if any(kind not in AdministrationKind.values for kind in call.eligible_kinds):
        errors["eligible_kinds"] = [_("Type d’administration inconnu.")]
    if call.slug and Call.objects.filter(slug=call.slug).exclude(pk=call.pk).exists():
        errors.setdefault("slug", []).append(
            _("L’adresse « %(slug)s » est déjà celle d’un autre appel : choisissez-en une autre.")
            % {"slug": call.slug}
        )
    if errors:
        raise CallEditError(
            _("L’appel n’a pas été enregistré : corrigez les champs signalés."), errors
        )


def call_initial_fields(call: Call) -> dict:
    """The call's editable fields as they are (what an untouched form sends back)."""
    return {name: getattr(call, name) for name in CALL_FIELDS}


def _save_with_rows(call: Call, categories, criteria, documents) -> dict:
    """Validate and save ``call`` with its rows; a concurrent edit's conflict is refused."""
    _clean_call(call)
    try:
        with transaction.atomic():
            call.save()
            return _apply_all_rows(call, categories, criteria, documents)
    except IntegrityError:
        raise CallEditError(_("Une autre modification vient d’avoir lieu : réessayez.")) from None


def create_call(
    actor, programme: Programme, *, fields: dict, categories=(), criteria=(), documents=()
):
    """A new draft in ``programme``, with its categories, criteria and documents."""
    require_programme_manager(actor, programme)
    with transaction.atomic():
        # The programme row lock serialises the numbering of its rounds.
        locked_programme = lock(Programme, programme)
        call = Call(programme=locked_programme, published_at=None)
        for name in CALL_FIELDS:
            if name in fields:
                setattr(call, name, fields[name])
        changes = _save_with_rows(call, categories, criteria, documents)
        audit.record(
            actor,
            AuditAction.CALL_CREATE,
            call,
            to_state="draft",
            data={"fields": snapshot(call, CALL_FIELDS), **changes},
        )
    return call


def update_call(actor, call: Call, *, fields: dict, categories=None, criteria=None, documents=None):
    """Change a call (draft or published) within its locks; refused entirely if one is hit."""
    require_programme_manager(actor, call)
    with transaction.atomic():
        locked = lock(Call, call, related=("programme",), missing=_("Cet appel n’existe plus."))
        before = snapshot(locked, CALL_FIELDS)
        old_envelope = locked.envelope
        locks = locked_fields(locked)
        errors = {}
        for name in CALL_FIELDS:
            if name not in fields:
                continue
            if name in locks and fields[name] != getattr(locked, name):
                errors[name] = [locks[name]]
                continue
            setattr(locked, name, fields[name])
        if errors:
            raise CallEditError(
                _("Certains champs sont verrouillés : rien n’a été enregistré."), errors
            )
        if locked.envelope is not None and locked.envelope != old_envelope:
            committed = hooks.committed_amount(locked)
            if locked.envelope < committed:
                raise CallEditError(
                    _("L’appel n’a pas été enregistré : corrigez les champs signalés."),
                    {
                        "envelope": [
                            _(
                                "Les décisions déjà enregistrées engagent %(committed)s : "
                                "l’enveloppe ne peut pas être inférieure."
                            )
                            % {"committed": format_euros(committed, cents=True)}
                        ]
                    },
                )
        changes = _save_with_rows(locked, categories, criteria, documents)
        after = snapshot(locked, CALL_FIELDS)
        changed = {
            k: {"before": before[k], "after": after[k]}
            for k in CALL_FIELDS
            if before[k] != after[k]
        }
        if changed or changes:
            audit.record(
                actor, AuditAction.CALL_UPDATE, locked, data={"fields": changed, **changes}
            )
    return locked


# Duplicating -----------------------------------------------------------------------------


def next_round_number(programme: Programme) -> int:
    """The number after the programme's last real round (demonstration calls apart)."""
    last = Call.objects.filter(programme=programme, kind=CallKind.ROUND, is_demo=False).aggregate(
        n=Max("number")
    )["n"]
    return (last or 0) + 1


def shift_weeks(source: Call, now=None) -> int:
    """Whole weeks to add to ``source``'s dates so that the copy opens after the lead time."""
    now = now or timezone.now()
    target = now + DUPLICATE_LEAD
    if source.opens_at >= target:
        return 0
    return -(-(target - source.opens_at) // timedelta(weeks=1))  # ceiling


def _shift(value: datetime | None, weeks: int) -> datetime | None:
    """``value`` moved by whole weeks in Paris time: same weekday and time of day."""
    if value is None:
        return None
    local = to_paris(value).replace(tzinfo=None) + timedelta(weeks=weeks)
    return local.replace(tzinfo=PARIS)


def duplicate_defaults(source: Call, now=None) -> dict:
    """What the duplicate form proposes: the next number, a title and an address from it, and
    the source's dates shifted by whole weeks (see :func:`shift_weeks`)."""
    weeks = shift_weeks(source, now)
    programme = source.programme
    if source.kind == CallKind.ROUND:
        number = next_round_number(programme)
        title = _("Appel à projets n° %(number)s « %(programme)s »") % {
            "number": number,
            "programme": programme.title,
        }
        base = f"{programme.slug}-appel-{number}"
    else:
        number = None
        title = _("%(title)s (copie)") % {"title": source.title}
        base = f"{source.slug}-copie"
    return {
        "number": number,
        "title": title[:255],
        "slug": _unique_slug(suggest_slug(base)),
        "opens_at": _shift(source.opens_at, weeks),
        "closes_at": _shift(source.closes_at, weeks),
    }


def _unique_slug(base: str) -> str:
    slug, n = base, 2
    while Call.objects.filter(slug=slug).exists():
        suffix = f"-{n}"
        slug, n = f"{base[: 100 - len(suffix)]}{suffix}", n + 1
    return slug


def duplicate_call(actor, source: Call, *, fields: dict) -> Call:
    """A new draft of ``source``'s programme copying its texts, eligibility, cap, categories,
    criteria and documents; ``fields`` gives its number, title, address and dates."""
    require_programme_manager(actor, source)
    with transaction.atomic():
        locked_programme = lock(Programme, source.programme_id)
        call = Call(programme=locked_programme, published_at=None)
        for name in COPIED_FIELDS:
            setattr(call, name, getattr(source, name))
        call.eligible_kinds = list(source.eligible_kinds)
        for name in ("number", "title", "slug", "opens_at", "closes_at"):
            if name in fields:
                setattr(call, name, fields[name])
        _clean_call(call)
        try:
            with transaction.atomic():
                call.save()
                Category.objects.bulk_create(
                    Category(call=call, **{f: getattr(c, f) for f in CATEGORY_FIELDS})
                    for c in source.categories.all()
                )
                Criterion.objects.bulk_create(
                    Criterion(call=call, **{f: getattr(c, f) for f in CRITERION_FIELDS})
                    for c in source.criteria.all()
                )
                RequiredDocument.objects.bulk_create(
                    RequiredDocument(call=call, **{f: getattr(d, f) for f in DOCUMENT_FIELDS})
                    for d in source.documents.all()
                )
        except IntegrityError:
            raise CallEditError(
                _("Une autre modification vient d’avoir lieu : réessayez.")
            ) from None
        audit.record(
            actor,
            AuditAction.CALL_DUPLICATE,
            call,
            to_state="draft",
            data={"source": source.slug, "fields": snapshot(call, CALL_FIELDS)},
        )
    return call

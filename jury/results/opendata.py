"""Open data: rows of the published datasets and their description.

Every row comes from ``jury.results.published`` (laureates of calls whose results are published,
a window's laureates once their committee session is) or from public calls; nothing internal
is read (no draft, score, comment, unpublished decision or contact). Formats:

- amounts are decimal strings in euros with a dot and two decimals (``75000.00``), empty
  (CSV) or ``null`` (JSON) when the deliberation does not publish amounts;
- datetimes are ISO 8601 in Paris time with their offset (``2021-03-03T10:00:00+01:00``),
  dates ``YYYY-MM-DD``;
- CSV files are UTF-8 **without** byte order mark, comma separated, with a header row: the
  header then reads exactly as documented in every tool and validator. A text a spreadsheet
  could run as a formula (starting with ``=``, ``+``, ``-``, ``@``, ``|``, ``%``, a tab or a
  carriage return) gets a leading apostrophe, as in the staff exports; every other value is
  written as stored. JSON files hold the exact values.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal

from defusedcsv import csv as defusedcsv
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.models import Call
from jury.models import Award, ResultAmendment
from jury.results.corrections import last_correction_of_dossier, published_amendments
from jury.results.published import (
    published_calls,
    published_laureates,
    published_sessions,
    shown_amount,
)
from jury.results.window import public_envelopes
from relance.formatting import paris_iso, to_paris
from submissions.exports import neutralise
from submissions.models import PRESELECTED_STATES, DossierState

LAUREATE_FIELDS = [
    ("programme", _("texte"), _("Titre du programme.")),
    ("appel", _("texte"), _("Titre de l’appel à projets.")),
    ("appel_slug", _("texte"), _("Identifiant de l’appel (dernière partie de son adresse).")),
    ("categorie", _("texte"), _("Catégorie du projet (vide si aucune).")),
    ("titre", _("texte"), _("Titre du projet lauréat.")),
    ("sous_titre", _("texte"), _("Sous-titre du projet.")),
    ("administration", _("texte"), _("Administration porteuse du projet.")),
    ("ministere", _("texte"), _("Ministère de rattachement (vide pour une collectivité).")),
    ("type_administration", _("texte"), _("Type d’administration.")),
    (
        "montant_accorde",
        _("nombre décimal (texte)"),
        _(
            "Cofinancement accordé en euros, point décimal et deux décimales (75000.00) ; "
            "vide (CSV) ou null (JSON) si le jury ne publie pas les montants."
        ),
    ),
    (
        "date_publication",
        _("date et heure ISO 8601"),
        _(
            "Publication des résultats de l’appel (guichet en continu : des décisions de la "
            "séance du comité), heure de Paris avec son décalage."
        ),
    ),
    ("reference", _("texte"), _("Référence du dossier.")),
    (
        "date_seance_comite",
        _("date AAAA-MM-JJ"),
        _("Guichet en continu : séance du comité qui a décidé (vide pour un appel numéroté)."),
    ),
    (
        "date_mise_a_jour",
        _("date AAAA-MM-JJ"),
        _(
            "Date officielle (décision modificative) du dernier rectificatif publié qui "
            "concerne ce lauréat ; à défaut, date de publication de sa décision."
        ),
    ),
]

K = ResultAmendment.Kind
CORRECTION_FIELDS = [
    ("appel_slug", _("texte"), _("Identifiant de l’appel (dernière partie de son adresse).")),
    ("appel", _("texte"), _("Titre de l’appel à projets.")),
    (
        "date_rectificatif",
        _("date AAAA-MM-JJ"),
        _("Date de la décision modificative, date officielle du rectificatif."),
    ),
    ("reference_acte", _("texte"), _("Référence de l’acte modificatif (vide si aucune).")),
    (
        "date_publication",
        _("date et heure ISO 8601"),
        _("Publication du rectificatif, heure de Paris avec son décalage."),
    ),
    (
        "type_modification",
        _("texte"),
        _(
            "« add_laureate » (ajout d’un lauréat), « remove_laureate » (retrait d’un "
            "lauréat), « correct_title » (titre ou sous-titre corrigé), « move_category » "
            "(changement de catégorie), « change_administration » (changement "
            "d’administration) ou « change_amount » (montant accordé modifié)."
        ),
    ),
    ("reference", _("texte"), _("Référence du dossier concerné.")),
    (
        "identifiant_laureat",
        _("texte"),
        _(
            "Identifiant de la page du lauréat (dernière partie de son adresse), vide s’il "
            "n’en a pas ; un lauréat retiré n’a plus de page."
        ),
    ),
    ("titre", _("texte"), _("Titre actuel du projet.")),
    (
        "avant",
        _("texte"),
        _(
            "Valeur avant la modification : « lauréat » ou « non lauréat » (ajout, retrait), "
            "titre et sous-titre, catégorie, administration, ou montant en euros avec un "
            "point décimal (vide si le jury ne publie pas les montants)."
        ),
    ),
    ("apres", _("texte"), _("Valeur après la modification, sous la même forme.")),
    ("motif", _("texte"), _("Motif du rectificatif.")),
]

CALL_FIELDS = [
    ("slug", _("texte"), _("Identifiant de l’appel (dernière partie de son adresse).")),
    ("title", _("texte"), _("Titre de l’appel.")),
    ("programme", _("texte"), _("Titre du programme.")),
    ("kind", _("texte"), _("« round » (appel numéroté) ou « continuous » (guichet en continu).")),
    ("number", _("entier ou null"), _("Numéro de la vague (appels numérotés).")),
    ("opens_at", _("date et heure ISO 8601"), _("Ouverture.")),
    ("closes_at", _("date et heure ISO 8601 ou null"), _("Clôture (null : pas de clôture).")),
    (
        "status",
        _("texte"),
        _("« upcoming », « open », « closed » ou « results_published »."),
    ),
    (
        "amount_ceiling",
        _("nombre décimal (texte) ou null"),
        _("Plafond du cofinancement demandé, en euros."),
    ),
    (
        "results_published_at",
        _("date et heure ISO 8601 ou null"),
        _("Publication des résultats (null tant qu’ils ne sont pas publiés)."),
    ),
    (
        "dossiers_submitted",
        _("entier ou null"),
        _("Dossiers déposés (null tant que les résultats ne sont pas publiés)."),
    ),
    (
        "dossiers_preselected",
        _("entier ou null"),
        _("Dossiers présélectionnés (null tant que les résultats ne sont pas publiés)."),
    ),
    (
        "laureates",
        _("entier ou null"),
        _("Lauréats (null tant que les résultats ne sont pas publiés)."),
    ),
    (
        "instruction_days",
        _("entier ou null"),
        _("Guichet en continu : délai d’instruction d’un dossier après son dépôt, en jours."),
    ),
    (
        "envelope",
        _("nombre décimal (texte) ou null"),
        _(
            "Enveloppe de l’appel en euros (null sans enveloppe ; pour un appel numéroté, "
            "tant que ses résultats ne sont pas publiés)."
        ),
    ),
    (
        "envelope_committed",
        _("nombre décimal (texte) ou null"),
        _("Montant engagé par les décisions publiées, en euros."),
    ),
    (
        "envelope_remaining",
        _("nombre décimal (texte) ou null"),
        _("Montant restant à engager, en euros."),
    ),
    (
        "committee_sessions",
        _("liste ou null"),
        _(
            "Guichet en continu : ses séances du comité publiées, de la plus ancienne à la plus "
            "récente, chacune avec sa date (« date »), sa publication (« published_at »), "
            "ses lauréats (« laureates ») et ses dossiers refusés (« refused ») ; null pour "
            "un appel numéroté."
        ),
    ),
]


def field_names(fields):
    return [name for name, _type, _meaning in fields]


def money(value: Decimal | None) -> str | None:
    """``Decimal("75000")`` → ``"75000.00"`` (dot, two decimals, no grouping)."""
    if value is None:
        return None
    return format(Decimal(value).quantize(Decimal("0.01")), "f")


def laureate_queryset(now=None):
    return published_laureates(now).order_by(
        "dossier__call__programme__title",
        "dossier__call__opens_at",
        "dossier__call_id",
        F("session__date").asc(nulls_first=True),
        "dossier__category__order",
        "dossier__title",
        "pk",
    )


def _publication_date(award):
    """The Paris date the public first read the award's decision."""
    published = (
        award.session.published_at if award.session else award.dossier.call.results_published_at
    )
    return to_paris(published).date() if published else None


def laureate_rows(now=None) -> list[dict]:
    """One dict per published laureate, keys in ``LAUREATE_FIELDS`` order."""
    rows = []
    awards = laureate_queryset(now).annotate(last_corrected_on=last_correction_of_dossier())
    for award in awards:
        dossier = award.dossier
        call = dossier.call
        administration = dossier.administration
        rows.append(
            {
                "programme": call.programme.title,
                "appel": call.title,
                "appel_slug": call.slug,
                "categorie": dossier.category.name if dossier.category_id else "",
                "titre": dossier.title,
                "sous_titre": dossier.subtitle,
                "administration": administration.name,
                "ministere": administration.ministry.name if administration.ministry_id else "",
                "type_administration": str(administration.get_kind_display()),
                "montant_accorde": money(shown_amount(award)),
                "date_publication": paris_iso(
                    award.session.published_at if award.session else call.results_published_at
                ),
                "reference": dossier.reference,
                "date_seance_comite": award.session.date.isoformat() if award.session else "",
                "date_mise_a_jour": _iso(award.last_corrected_on or _publication_date(award)),
            }
        )
    return rows


def _iso(day) -> str:
    return day.isoformat() if day else ""


def _shows_amounts(call) -> bool:
    """As ``shown_amount``: a window's grants are public, a round's if its jury says so."""
    if call.is_continuous:
        return True
    deliberation = getattr(getattr(call, "jury", None), "deliberation", None)
    return deliberation is not None and deliberation.publish_amounts


def _change_side(kind, side, amounts) -> str | None:
    """One side (before or after) of a published change, as text."""
    side = side or {}
    if kind == K.CORRECT_TITLE:
        return " — ".join(part for part in (side.get("title"), side.get("subtitle")) if part)
    if kind == K.MOVE_CATEGORY:
        return (side.get("category") or {}).get("name", "")
    if kind == K.CHANGE_ADMINISTRATION:
        return (side.get("administration") or {}).get("name", "")
    if kind == K.CHANGE_AMOUNT:
        value = side.get("granted_amount")
        return money(Decimal(value)) if amounts and value not in (None, "") else None
    return "lauréat" if side.get("state") == DossierState.LAUREATE else "non lauréat"


def correction_rows(now=None) -> list[dict]:
    """One dict per change of a published correction of a published call, keys in
    ``CORRECTION_FIELDS`` order: a laureate withdrawn from the laureates files stays here."""
    calls = published_calls(now).values("pk")
    rows = []
    for amendment in published_amendments(calls):
        correction = amendment.correction
        call = correction.call
        award = getattr(amendment.dossier, "award", None)
        amounts = _shows_amounts(call)
        rows.append(
            {
                "appel_slug": call.slug,
                "appel": call.title,
                "date_rectificatif": correction.official_date.isoformat(),
                "reference_acte": correction.act_reference,
                "date_publication": paris_iso(correction.published_at),
                "type_modification": amendment.kind,
                "reference": amendment.dossier.reference,
                "identifiant_laureat": (award.slug or "") if award else "",
                "titre": amendment.dossier.title,
                "avant": _change_side(amendment.kind, amendment.before, amounts),
                "apres": _change_side(amendment.kind, amendment.after, amounts),
                "motif": correction.reason,
            }
        )
    return rows


def _sessions_by_call(window_ids, now) -> dict[int, list[dict]]:
    """The published committee sessions of the windows, oldest first (one query)."""
    sessions = (
        published_sessions(now)
        .filter(call_id__in=window_ids)
        .annotate(
            n_laureates=Count("awards", filter=Q(awards__in=published_laureates(now))),
            n_refused=Count("awards", filter=Q(awards__decision=Award.Decision.NOT_SELECTED)),
        )
        .order_by("call_id", "date")
    )
    by_call: dict[int, list[dict]] = {pk: [] for pk in window_ids}
    for session in sessions:
        by_call[session.call_id].append(
            {
                "date": session.date.isoformat(),
                "published_at": paris_iso(session.published_at),
                "laureates": session.n_laureates,
                "refused": session.n_refused,
            }
        )
    return by_call


def call_rows(now=None) -> list[dict]:
    """Public calls; counts only where results are published (``None`` otherwise)."""
    now = now or timezone.now()
    published_ids = set(published_calls(now).values_list("pk", flat=True))
    laureates = published_laureates(now).values("pk")
    calls = list(
        Call.objects.public()
        .with_status(now)
        .select_related("programme")
        .annotate(
            n_submitted=Count("dossiers", filter=Q(dossiers__submitted_at__isnull=False)),
            n_preselected=Count("dossiers", filter=Q(dossiers__state__in=PRESELECTED_STATES)),
            n_laureates=Count("dossiers", filter=Q(dossiers__award__in=laureates)),
        )
        .order_by("programme__title", "opens_at", "pk")
    )
    envelopes = public_envelopes(calls, now)
    windows = [call.pk for call in calls if call.is_continuous]
    sessions = _sessions_by_call(windows, now) if windows else {}
    rows = []
    for call in calls:
        published = call.pk in published_ids
        envelope = envelopes.get(call.pk)
        rows.append(
            {
                "slug": call.slug,
                "title": call.title,
                "programme": call.programme.title,
                "kind": call.kind,
                "number": call.number,
                "opens_at": paris_iso(call.opens_at),
                "closes_at": paris_iso(call.closes_at) or None,
                "status": str(call.status.value),
                "amount_ceiling": money(call.amount_ceiling),
                "results_published_at": (
                    paris_iso(call.results_published_at) or None if published else None
                ),
                "dossiers_submitted": call.n_submitted if published else None,
                # A window has no preselection.
                "dossiers_preselected": (
                    call.n_preselected if published and not call.is_continuous else None
                ),
                "laureates": call.n_laureates if published else None,
                "instruction_days": call.instruction_days if call.is_continuous else None,
                "envelope": money(envelope.amount) if envelope else None,
                "envelope_committed": money(envelope.committed) if envelope else None,
                "envelope_remaining": money(envelope.remaining) if envelope else None,
                "committee_sessions": sessions.get(call.pk) if call.is_continuous else None,
            }
        )
    return rows


def to_csv(fields, rows) -> bytes:
    """UTF-8 without BOM, comma, header row; formula-like texts made inert."""
    buffer = io.StringIO()
    writer = defusedcsv.writer(buffer, lineterminator="\r\n")
    writer.writerow(field_names(fields))
    for row in rows:
        writer.writerow(
            ["" if row[name] is None else neutralise(row[name]) for name in field_names(fields)]
        )
    return buffer.getvalue().encode("utf-8")


def to_json(rows) -> bytes:
    return json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")

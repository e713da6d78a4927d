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
import re
from datetime import date
from decimal import Decimal

from defusedcsv import csv as defusedcsv
from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.fr import siret as stdnum_siret

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

OBJECT_MAX = 256  # SCDL « objet »: 256 characters at most

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

GRANT_FIELDS = [
    ("nomAttribuant", _("texte"), _("Nom de l’attribuant.")),
    ("idAttribuant", _("texte (14 chiffres)"), _("SIRET de l’attribuant.")),
    ("dateConvention", _("date AAAA-MM-JJ"), _("Date de la convention.")),
    (
        "referenceDecision",
        _("texte"),
        _("Référence de la décision d’attribution, à défaut référence du dossier."),
    ),
    ("nomBeneficiaire", _("texte"), _("Administration bénéficiaire.")),
    ("idBeneficiaire", _("texte (14 chiffres)"), _("SIRET du bénéficiaire (toujours renseigné).")),
    (
        "rnaBeneficiaire",
        _("texte"),
        _("Numéro RNA (toujours vide : les bénéficiaires sont des administrations)."),
    ),
    ("objet", _("texte (256 caractères au plus)"), _("Titre et sous-titre du projet.")),
    ("montant", _("nombre décimal"), _("Montant accordé en euros, point décimal.")),
    ("nature", _("texte"), _("« aide en numéraire », « aide en nature » ou les deux.")),
    ("conditionsVersement", _("texte"), _("« unique », « échelonné » ou « autre ».")),
    (
        "datesPeriodeVersement",
        _("date ou période ISO 8601"),
        _("AAAA-MM-JJ ou AAAA-MM-JJ/AAAA-MM-JJ."),
    ),
    ("idRAE", _("texte"), _("Identifiant au répertoire des aides aux entreprises (vide).")),
    ("notificationUE", _("oui / non"), _("Aide d’État notifiée à la Commission européenne.")),
    ("pourcentageSubvention", _("nombre décimal"), _("Part du montant versée : 1.00.")),
    (
        "dispositifAide",
        _("texte"),
        _("Identifiant du dispositif d’aide du programme (référentiel des dispositifs d’aide)."),
    ),
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


def grant_object(dossier) -> str:
    """« Title — subtitle », cut at a word boundary to fit the SCDL 256 characters."""
    text = " — ".join(part for part in (dossier.title.strip(), dossier.subtitle.strip()) if part)
    if len(text) <= OBJECT_MAX:
        return text
    cut = text[: OBJECT_MAX - 1]
    # Whole words only, unless a single word fills the space; no dangling separator.
    if " " in cut[OBJECT_MAX // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" —-,;:.") + "…"


# Why an award is not in the SCDL file yet: code → what staff read.
GRANT_ISSUES = {
    "siret_missing": _("SIRET du bénéficiaire manquant"),
    "siret_invalid": _("SIRET du bénéficiaire invalide"),
    "aid_scheme_missing": _("Identifiant du dispositif d’aide non renseigné"),
    "convention_missing": _("Date de la convention non renseignée"),
    "payment_period_missing": _("Date ou période de versement non renseignée"),
    "payment_period_invalid": _("Date ou période de versement invalide"),
    "amount_unpublished": _("Montant accordé non publié"),
    "grantor_invalid": _("SIRET de l’attribuant invalide (configuration du site)"),
}
# Where each issue is fixed: the beneficiary's administration, the programme, the award.
ISSUE_TARGETS = {
    "siret_missing": "administration",
    "siret_invalid": "administration",
    "aid_scheme_missing": "programme",
    "convention_missing": "award",
    "payment_period_missing": "award",
    "payment_period_invalid": "award",
    "amount_unpublished": "award",
    "grantor_invalid": "",
}
PERIOD = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:/(\d{4}-\d{2}-\d{2}))?$")


def valid_siret(value: str) -> bool:
    return bool(value) and value.isdigit() and len(value) == 14 and stdnum_siret.is_valid(value)


def valid_period(value: str) -> bool:
    """``AAAA-MM-JJ`` or ``AAAA-MM-JJ/AAAA-MM-JJ``, real dates, the period in order."""
    match = PERIOD.match(value or "")
    if not match:
        return False
    try:
        start = date.fromisoformat(match[1])
        end = date.fromisoformat(match[2]) if match[2] else start
    except ValueError:
        return False
    return start <= end


def grant_issues(award, amount=None) -> list[str]:
    """What keeps ``award`` out of the SCDL « subventions » 2.1.1 file (codes of
    ``GRANT_ISSUES``, in that order); empty when its row conforms to the schema.

    The beneficiary is named by its SIRET: administrations are public bodies, never
    associations, so they have no RNA number and the schema's « idBeneficiaire or
    rnaBeneficiaire » rule asks for the SIRET.
    """
    dossier = award.dossier
    issues = []
    siret = dossier.administration.siret or ""
    if not siret:
        issues.append("siret_missing")
    elif not valid_siret(siret):
        issues.append("siret_invalid")
    if not dossier.call.programme.aid_scheme_id.strip():
        issues.append("aid_scheme_missing")
    if award.convention_date is None:
        issues.append("convention_missing")
    if not award.payment_period:
        issues.append("payment_period_missing")
    elif not valid_period(award.payment_period):
        issues.append("payment_period_invalid")
    if (amount if amount is not None else shown_amount(award)) is None:
        issues.append("amount_unpublished")
    if not (settings.RELANCE_GRANTOR_NAME.strip() and valid_siret(settings.RELANCE_GRANTOR_SIRET)):
        issues.append("grantor_invalid")
    return issues


def grant_row(award) -> dict | None:
    """The SCDL 2.1.1 row of a laureate, or ``None`` while it would not conform
    (see :func:`grant_issues`): a row is published whole and valid, or not at all."""
    dossier = award.dossier
    call = dossier.call
    amount = shown_amount(award)
    if grant_issues(award, amount):
        return None
    return {
        "nomAttribuant": settings.RELANCE_GRANTOR_NAME.strip(),
        "idAttribuant": settings.RELANCE_GRANTOR_SIRET,
        "dateConvention": award.convention_date.isoformat(),
        "referenceDecision": award.decision_reference or dossier.reference,
        "nomBeneficiaire": dossier.administration.name,
        "idBeneficiaire": dossier.administration.siret,
        "rnaBeneficiaire": "",
        "objet": grant_object(dossier),
        "montant": money(amount),
        "nature": award.aid_nature,
        "conditionsVersement": award.payment_terms,
        "datesPeriodeVersement": award.payment_period,
        "idRAE": "",
        "notificationUE": "oui" if award.eu_notification else "non",
        "pourcentageSubvention": "1.00",
        "dispositifAide": call.programme.aid_scheme_id.strip(),
    }


def grant_rows(now=None) -> tuple[list[dict], int]:
    """SCDL rows of the published laureates, and how many are left out for now."""
    rows, pending = [], 0
    for award in laureate_queryset(now):
        row = grant_row(award)
        if row is None:
            pending += 1
        else:
            rows.append(row)
    return rows, pending


def unpublishable_awards(call) -> list[tuple]:
    """The laureates of ``call`` (their results published or not) whose row cannot go into
    the SCDL file, each with its issues: ``(award, [codes])``, in one query."""
    awards = (
        Award.objects.filter(
            decision=Award.Decision.LAUREATE,
            dossier__call=call,
            dossier__state__in=[DossierState.LAUREATE],
        )
        .select_related(
            "dossier__administration",
            "dossier__call__programme",
            "dossier__call__jury__deliberation",
        )
        .order_by("dossier__reference", "pk")
    )
    found = []
    for award in awards:
        issues = grant_issues(award)
        if issues:
            found.append((award, issues))
    return found


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

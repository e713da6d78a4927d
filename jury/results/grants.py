"""The SCDL « subventions » 2.1.1 file: one row per laureate whose row conforms to the format
(schema in ``schemas/subventions.schema.json``), and, for staff, what keeps the others out.

Same formats as the other open-data files (``jury.results.opendata``).
"""

from __future__ import annotations

import re
from datetime import date

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from stdnum.fr import siret as stdnum_siret

from jury.models import Award
from jury.results.opendata import laureate_queryset, money
from jury.results.published import shown_amount
from submissions.models import DossierState

OBJECT_MAX = 256  # SCDL « objet »: 256 characters at most

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

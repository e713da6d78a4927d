"""Formatting for French readers, one implementation for templates, forms, emails and exports.

Amounts are grouped with the active language's separators (in French a no-break space
U+00A0, as Django's French locale does) and followed by a no-break space and « € », so that
« 100 000 € » never wraps. Whole amounts drop their cents: « 100 000 € », « 99 999,99 € ».
Dates are shown in Europe/Paris, whatever the server's or the reader's time zone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format, number_format, time_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"


def format_euros(amount, *, cents=False) -> str:
    """``Decimal("100000")`` → « 100 000 € », ``Decimal("99999.99")`` → « 99 999,99 € ».

    ``cents=True`` always shows them (« 100 000,00 € »), as the amounts typed in forms are.
    """
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return ""
    decimals = 0 if not cents and value == value.to_integral_value() else 2
    number = number_format(value, decimals, use_l10n=True, force_grouping=True)
    return f"{number}{NBSP}€"


def format_number(value) -> str:
    """A decimal without trailing zeros, localized: ``Decimal("2.50")`` → « 2,5 »."""
    if value is None or value == "":
        return ""
    try:
        value = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    if value == value.to_integral_value():
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    decimals = -value.normalize().as_tuple().exponent
    return number_format(value, decimals, use_l10n=True, force_grouping=True)


def to_paris(value: datetime) -> datetime:
    return timezone.localtime(value, PARIS)


def format_paris_date(value: datetime | date | None) -> str:
    """« 1er février 2021 », « 15 décembre 2020 » (the date in Paris; a plain date as is)."""
    # A template's missing variable arrives as "": nothing to show, as Django does.
    if not value:
        return ""
    local = to_paris(value) if isinstance(value, datetime) else value
    text = date_format(local, "j F Y")
    if local.day == 1 and (get_language() or "").startswith("fr"):
        text = "1er" + text[1:]
    return text


def format_paris_time(value: datetime | None) -> str:
    """« 23:59 » (the time in Paris)."""
    if not value:
        return ""
    return time_format(to_paris(value), "H:i")


def format_paris_datetime(value: datetime | None) -> str:
    """« 15 décembre 2020 à 23:59 » (in Paris; say « heure de Paris » next to it)."""
    if value is None:
        return ""
    return _("%(date)s à %(time)s") % {
        "date": format_paris_date(value),
        "time": format_paris_time(value),
    }


def paris_iso(value: datetime | None) -> str:
    """ISO 8601 in Paris time, to the second (exports and open data)."""
    if value is None:
        return ""
    return to_paris(value).isoformat(timespec="seconds")


def paris_today():
    """Today's date in Paris."""
    return to_paris(timezone.now()).date()

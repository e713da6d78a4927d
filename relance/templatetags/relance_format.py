"""Template filters over :mod:`relance.formatting`: ``euros``, ``number``, ``paris_date``…"""

from django import template

from relance.formatting import (
    format_euros,
    format_number,
    format_paris_date,
    format_paris_datetime,
    format_paris_time,
)

register = template.Library()


@register.filter
def euros(amount) -> str:
    return format_euros(amount)


@register.filter
def euros_cents(amount) -> str:
    """Always with the cents (« 99 999,99 € », « 100 000,00 € »): amounts near a ceiling."""
    return format_euros(amount, cents=True)


@register.filter
def number(value) -> str:
    return format_number(value)


@register.filter
def paris_date(value) -> str:
    return format_paris_date(value)


@register.filter
def paris_time(value) -> str:
    return format_paris_time(value)


@register.filter
def paris_datetime(value) -> str:
    return format_paris_datetime(value)

"""Markup of the public results written in Python where a template would cost too much:
the laureates' cards, rendered by the hundred on the laureates list."""

from __future__ import annotations

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

HEADINGS = {"h2", "h3", "h4", "h5", "h6"}

CARD = (
    '<li class="fr-col-12 fr-col-md-6 fr-col-lg-4">'
    '<div class="fr-card fr-card--sm fr-enlarge-link" data-laureate="{}">'
    '<div class="fr-card__body"><div class="fr-card__content">'
    '<{} lang="fr" class="fr-card__title"><a href="{}">{}</a></{}>'
    "{}{}"
    '<div class="fr-card__end" lang="fr"><p class="fr-card__detail">{}</p></div>'
    "</div></div></div></li>"
)


def _start(award, category):
    amount = award.amount_label
    if not amount and not category:
        return ""
    badge = (
        format_html(
            '<ul class="fr-badges-group"><li><p class="fr-badge fr-badge--sm'
            ' fr-badge--green-emeraude fr-badge--no-icon" data-amount>{}</p></li></ul>',
            amount,
        )
        if amount
        else ""
    )
    named = (
        format_html('<p class="fr-card__detail" data-card-category lang="fr">{}</p>', category.name)
        if category
        else ""
    )
    return format_html('<div class="fr-card__start">{}{}</div>', badge, named)


def _administration(administration):
    # A ministry that is itself the administration is not named twice.
    ministry = administration.ministry
    return format_html(
        "{}{}{}",
        administration.name,
        format_html(" ({})", administration.acronym) if administration.acronym else "",
        format_html(" — {}", ministry.name)
        if ministry and ministry.name != administration.name
        else "",
    )


@register.simple_tag
def laureate_cards(awards, heading, show_category=False):
    """One list item per award (each with ``url`` and ``amount_label``, see
    ``group_laureates``), titles in ``heading``; ``show_category`` names each one's category
    (when they are not grouped by category)."""
    if heading not in HEADINGS:
        raise template.TemplateSyntaxError(f"laureate_cards: no heading {heading!r}")
    tag = mark_safe(heading)  # one of HEADINGS
    return format_html_join(
        "",
        CARD,
        (
            (
                award.pk,
                tag,
                award.url,
                award.dossier.title,
                tag,
                format_html('<p class="fr-card__desc" lang="fr">{}</p>', award.dossier.subtitle)
                if award.dossier.subtitle
                else "",
                _start(award, award.dossier.category if show_category else None),
                _administration(award.dossier.administration),
            )
            for award in awards
        ),
    )

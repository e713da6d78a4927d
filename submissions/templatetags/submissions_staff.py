"""The staff dossier list's rows, written by one tag.

A page of the list shows 50 rows, each with its values twice (in their columns and in the
phone's « Détails »): built in Python, each value formatted once, the translations and the
URL pattern read once per page and the state badges rendered once per state and pending
decision, they cost a fraction of the same markup through the template engine.
"""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from relance.formatting import format_euros, format_paris_datetime

register = template.Library()

STATE_BADGES = "submissions/staff/includes/state_badges.html"
ROW = (
    '<tr data-reference="{reference}">'
    "<td>{select}</td>"
    '<td><a href="{url}">{reference}</a></td>'
    '<td class="relance-col-key"><span lang="fr">{title}</span>'
    '<details class="relance-row-details" data-details="{reference}">'
    '<summary>{t_details}<span class="fr-sr-only"> {reference}</span></summary>'
    "<dl>"
    "<dt>{t_administration}</dt><dd>{administration}</dd>"
    '<dt>{t_category}</dt><dd lang="fr">{category}</dd>'
    "<dt>{t_amount}</dt><dd>{amount}</dd>"
    "<dt>{t_state}</dt><dd>{badges}</dd>"
    "<dt>{t_submitted}</dt><dd>{submitted}</dd>"
    "</dl></details></td>"
    '<td class="relance-col-secondary">{administration}<br>'
    '<span class="fr-text--xs">{kind}{ministry}</span></td>'
    '<td class="relance-col-secondary" lang="fr">{category}</td>'
    '<td class="fr-cell--right relance-col-secondary">{amount}</td>'
    '<td class="relance-col-secondary">{badges}</td>'
    '<td class="relance-col-secondary">{submitted}</td>'
    "</tr>"
)
SELECT = (
    '<div class="fr-checkbox-group fr-checkbox-group--sm">'
    '<input type="checkbox" id="select-{pk}" name="dossiers" value="{pk}">'
    '<label class="fr-label" for="select-{pk}"><span class="fr-sr-only">{label}</span></label>'
    "</div>"
)


def _administration(administration) -> str:
    if administration.acronym:
        return f"{administration.name} ({administration.acronym})"
    return administration.name


@register.simple_tag
def staff_dossier_rows(dossiers, decidable_states):
    """The ``<tr>`` of each dossier of the page (with its category, administration and
    ministry loaded); a box to tick for those in ``decidable_states``."""
    # The dossier page's URL, reversed once: « 0 » stands for each row's key.
    url_pattern = reverse("submissions:instruction_dossier", kwargs={"pk": 0})
    head, tail = url_pattern.rsplit("/0/", 1)
    labels = {
        "t_details": _("Détails"),
        "t_administration": _("Administration"),
        "t_category": _("Catégorie"),
        "t_amount": _("Cofinancement demandé"),
        "t_state": _("État"),
        "t_submitted": _("Déposé le"),
    }
    select_label = _("Sélectionner %(ref)s")
    kinds = {}
    badges = {}

    def row(dossier):
        administration = dossier.administration
        if administration.kind not in kinds:
            kinds[administration.kind] = administration.get_kind_display()
        ministry = administration.ministry
        key = (dossier.state, dossier.pending_decision)
        if key not in badges:
            badges[key] = render_to_string(STATE_BADGES, {"dossier": dossier})
        return {
            **labels,
            "reference": dossier.reference,
            "url": f"{head}/{dossier.pk}/{tail}",
            "title": dossier.title,
            "select": format_html(
                SELECT, pk=dossier.pk, label=select_label % {"ref": dossier.reference}
            )
            if dossier.state in decidable_states
            else "",
            "administration": _administration(administration),
            "kind": kinds[administration.kind],
            "ministry": format_html(" · {}", ministry.name) if ministry else "",
            "category": dossier.category.name if dossier.category else "—",
            "amount": format_euros(dossier.requested_amount, cents=True) or "—",
            "badges": badges[key],
            "submitted": format_paris_datetime(dossier.submitted_at),
        }

    return format_html_join("", ROW, (row(dossier) for dossier in dossiers))

"""DSFR markup that templates would otherwise write out again and again.

``{% table_wrapper %}<table>…</table>{% endtable_wrapper %}`` puts a table in the DSFR table
container (``fr-table`` › ``__wrapper`` › ``__container`` › ``__content``), which scrolls
sideways on narrow screens instead of overflowing the page.
"""

from __future__ import annotations

from django import template
from django.forms import BaseForm, BaseFormSet
from django.utils.html import format_html

register = template.Library()


class TableWrapperNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        return format_html(
            # The container scrolls sideways: focusable, so that keyboards can scroll it too.
            '<div class="fr-table"><div class="fr-table__wrapper">'
            '<div class="fr-table__container" tabindex="0">'
            '<div class="fr-table__content">{}</div></div></div></div>',
            self.nodelist.render(context),
        )


@register.tag
def table_wrapper(parser, token):
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% table_wrapper %} takes no argument.")
    nodelist = parser.parse(("endtable_wrapper",))
    parser.delete_first_token()
    return TableWrapperNode(nodelist)


def _has_errors(value) -> bool:
    # type(), not isinstance(): isinstance() would evaluate a lazy object (a view's data read
    # only when a cached fragment is missing).
    kind = type(value)
    if issubclass(kind, BaseForm):
        # An unbound form has no errors and is not validated by this look.
        return value.is_bound and bool(value.errors)
    if issubclass(kind, BaseFormSet):
        return value.is_bound and not value.is_valid()
    return False


@register.simple_tag(takes_context=True)
def page_has_errors(context) -> bool:
    """Whether the page shows a refused form: a bound form or formset in error anywhere in
    the context, or the ``error`` of a refused action (``relance/includes/form_error.html``).
    The base template prefixes the title with « Erreur — » then, as the RGAA asks."""
    flat = context.flatten()
    if flat.get("error") and flat.get("error_form") is not None:
        return True
    seen = set()
    for value in flat.values():
        if type(value) is dict:
            candidates = value.values()
        elif type(value) in (list, tuple):
            candidates = value
        else:
            candidates = (value,)
        for candidate in candidates:
            if id(candidate) in seen:
                continue
            seen.add(id(candidate))
            if _has_errors(candidate):
                return True
    return False

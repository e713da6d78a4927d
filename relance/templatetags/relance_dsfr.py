"""DSFR markup that templates would otherwise write out again and again.

``{% table_wrapper %}<table>…</table>{% endtable_wrapper %}`` puts a table in the DSFR table
container (``fr-table`` › ``__wrapper`` › ``__container`` › ``__content``), which scrolls
sideways on narrow screens instead of overflowing the page.
"""

from __future__ import annotations

from django import template
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

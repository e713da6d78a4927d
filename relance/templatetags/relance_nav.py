from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_current(context, url, exact=False):
    """` aria-current="page"` when the current page is ``url`` or below it.

    A prefix test (not a substring one): /appels/ must not light up on /instruction/appels/.
    """
    request = context.get("request")
    if request is None or not url:
        return ""
    path = request.path
    if path == url or (not exact and url != "/" and path.startswith(url)):
        return mark_safe(' aria-current="page"')
    return ""


# Breadcrumb -------------------------------------------------------------------------------
#
#   {% breadcrumb "breadcrumb-calls" %}
#     {% url 'calls:list' as list_url %}{% crumb _("Appels à projets") list_url %}
#     {% crumb call.title %}
#   {% endbreadcrumb %}
#
# renders the DSFR breadcrumb (relance/includes/breadcrumb.html): « Accueil » first, then one
# link per ``{% crumb label url %}``, in order; the last crumb is the current page (its URL,
# if any, is not linked). The string names the collapsible list (its ``id``, and the button's
# ``aria-controls``). Between the tags, only crumbs and the tags that compute them (``if``,
# ``url … as``, ``translate … as``) are useful: anything else written there is dropped.

_CRUMBS = "_relance_breadcrumb_crumbs"


class BreadcrumbNode(template.Node):
    def __init__(self, list_id, nodelist):
        self.list_id = list_id
        self.nodelist = nodelist

    def render(self, context):
        crumbs = []
        with context.push({_CRUMBS: crumbs}):
            self.nodelist.render(context)
        *links, current = crumbs or [("", "")]
        breadcrumb = context.template.engine.get_template("relance/includes/breadcrumb.html")
        return breadcrumb.render(
            context.new(
                {
                    "breadcrumb_id": self.list_id.resolve(context),
                    "links": links,
                    "current": current[0],
                }
            )
        )


class CrumbNode(template.Node):
    def __init__(self, label, url):
        self.label = label
        self.url = url

    def render(self, context):
        if _CRUMBS not in context:
            raise template.TemplateSyntaxError("{% crumb %} is used outside {% breadcrumb %}.")
        url = self.url.resolve(context) if self.url is not None else ""
        context[_CRUMBS].append((self.label.resolve(context), url))
        return ""


@register.tag
def breadcrumb(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(
            f"{bits[0]} takes one argument: the id of the breadcrumb's list."
        )
    nodelist = parser.parse(("endbreadcrumb",))
    parser.delete_first_token()
    return BreadcrumbNode(parser.compile_filter(bits[1]), nodelist)


@register.tag
def crumb(parser, token):
    bits = token.split_contents()
    if len(bits) not in (2, 3):
        raise template.TemplateSyntaxError(f"{bits[0]} takes a label and, but last, a URL.")
    url = parser.compile_filter(bits[2]) if len(bits) == 3 else None
    return CrumbNode(parser.compile_filter(bits[1]), url)

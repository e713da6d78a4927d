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

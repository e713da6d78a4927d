"""Public pages of calls: the list (filterable) and the detail.

The detail page is this app's view; other apps add sections to it through
``calls.extensions`` (the jury's published results, for instance).
"""

from functools import cache

from django.views.generic import DetailView
from django_filters.views import FilterView

from calls.extensions import call_page_sections, public_call
from calls.filters import CallFilter
from calls.models import Call


class CallListView(FilterView):
    filterset_class = CallFilter
    template_name = "calls/call_list.html"
    context_object_name = "calls"
    paginate_by = 20

    def get_queryset(self):
        return (
            Call.objects.public()
            .with_status()
            .select_related("programme")
            # pk last: pages never overlap when two calls share a date and a title.
            .order_by("-opens_at", "title", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        context["page_range"] = page.paginator.get_elided_page_range(page.number)
        return context


class CallDetailView(DetailView):
    template_name = "calls/call_detail.html"
    context_object_name = "call"

    def get_object(self, queryset=None):
        return public_call(self.request, self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        templates = []
        for section in call_page_sections():
            if section.shows(self.object):
                context.update(section.context(self.request, self.object))
                templates.append(section.template)
        context["call_section_templates"] = templates
        return context


_call_page = CallDetailView.as_view()


@cache
def _decorated(decorators: tuple) -> object:
    view = _call_page
    for decorate in decorators:
        view = decorate(view)
    return view


def call_detail(request, slug):
    call = public_call(request, slug)
    decorators = tuple(
        section.decorate
        for section in call_page_sections()
        if section.decorate is not None and section.shows(call)
    )
    return _decorated(decorators)(request, slug=slug)

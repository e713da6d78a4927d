"""Public pages of calls: the list (filterable) and the detail."""

from django.views.generic import DetailView
from django_filters.views import FilterView

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

    def get_queryset(self):
        return (
            Call.objects.public()
            .with_status()
            .select_related("programme")
            .prefetch_related("categories", "criteria")
        )

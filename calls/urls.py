"""Every route of the calls app: the public list and page of each call."""

from django.urls import path

from calls.views import public

app_name = "calls"

urlpatterns = [
    path("", public.CallListView.as_view(), name="list"),
    path("<slug:slug>/", public.call_detail, name="detail"),
]

from django.urls import path

from calls.views import public

app_name = "calls"

urlpatterns = [
    path("", public.CallListView.as_view(), name="list"),
    path("<slug:slug>/", public.CallDetailView.as_view(), name="detail"),
]

"""Every route of the calls app: the public calls under /appels/, programmes' staff screens
under /instruction/programmes/."""

from django.urls import path

from calls.views import public, staff

app_name = "calls"

urlpatterns = [
    path("appels/", public.CallListView.as_view(), name="list"),
    path("appels/<slug:slug>/", public.call_detail, name="detail"),
    path("instruction/programmes/", staff.programme_list, name="staff_programmes"),
    path(
        "instruction/programmes/<slug:slug>/equipe/",
        staff.programme_team,
        name="staff_programme_team",
    ),
    path(
        "instruction/programmes/<slug:slug>/equipe/<int:role_pk>/role/",
        staff.role_change,
        name="staff_role_change",
    ),
    path(
        "instruction/programmes/<slug:slug>/equipe/<int:role_pk>/retirer/",
        staff.role_revoke,
        name="staff_role_revoke",
    ),
]

"""Every route of the calls app: the public calls under /appels/, programmes' staff screens
(teams, and the calls their managers prepare) under /instruction/programmes/."""

from django.urls import path

from calls.views import editor, public, staff

app_name = "calls"

# A programme's calls, by its managers (never under instruction/appels/, the dossiers' pages).
CALLS = "instruction/programmes/<slug:slug>/appels/"
CALL = f"{CALLS}<slug:call_slug>/"

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
    path(
        "instruction/programmes/<slug:slug>/donnees-ouvertes/",
        staff.programme_open_data,
        name="staff_programme_open_data",
    ),
    path(CALLS, editor.call_list, name="staff_programme_calls"),
    path(f"{CALLS}nouveau/", editor.call_create, name="staff_call_create"),
    path(f"{CALL}modifier/", editor.call_edit, name="staff_call_edit"),
    path(f"{CALL}dupliquer/", editor.call_duplicate, name="staff_call_duplicate"),
    path(f"{CALL}verification/", editor.call_check, name="staff_call_check"),
    path(f"{CALL}publier/", editor.call_publish, name="staff_call_publish"),
    path(f"{CALL}prolonger/", editor.call_extend, name="staff_call_extend"),
    path(f"{CALL}relances/", editor.call_reminders, name="staff_call_reminders"),
]

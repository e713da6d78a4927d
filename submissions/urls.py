from submissions.views import applicant, staff

app_name = "submissions"

# Applicant pages live under /dossiers/, staff pages under /instruction/.
urlpatterns = [*applicant.urlpatterns, *staff.urlpatterns]

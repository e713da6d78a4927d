from jury.views import deliberation, hearings, juror, opendata, public, ranking, staff_jury, stats

app_name = "jury"

# Juror pages live under /jury/, staff pages under /instruction/, public results at the root.
urlpatterns = [
    *juror.urlpatterns,
    *staff_jury.urlpatterns,
    *hearings.urlpatterns,
    *ranking.urlpatterns,
    *deliberation.urlpatterns,
    *public.urlpatterns,
    *stats.urlpatterns,
    *opendata.urlpatterns,
]

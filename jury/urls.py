from jury.views import hearings, juror, public, ranking, staff_jury

app_name = "jury"

# Juror pages live under /jury/, staff pages under /instruction/, public results at the root.
urlpatterns = [
    *juror.urlpatterns,
    *staff_jury.urlpatterns,
    *hearings.urlpatterns,
    *ranking.urlpatterns,
    *public.urlpatterns,
]

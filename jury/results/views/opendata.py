"""Open data: the page describing the datasets, and the dataset files.

Files are cached whole (``public_results(store=True)``: they carry no token) under a key
that publishing or amending results changes; conditional requests answer 304.
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from calls.permissions import get_staff_call_or_404
from jury.results import grants, opendata
from jury.results.cache import public_results, results_changed_at, results_version
from relance.permissions import has_perm, staff_required

CSV = "text/csv; charset=utf-8"
JSON = "application/json; charset=utf-8"


def _file(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # Open data: any site may read it from a browser.
    response["Access-Control-Allow-Origin"] = "*"
    return response


@public_results(store=True)
def laureates_csv(request):
    rows = opendata.laureate_rows()
    return _file(opendata.to_csv(opendata.LAUREATE_FIELDS, rows), CSV, "laureats.csv")


@public_results(store=True)
def laureates_json(request):
    return _file(opendata.to_json(opendata.laureate_rows()), JSON, "laureats.json")


@require_safe
@public_results(store=True)
def corrections_csv(request):
    rows = opendata.correction_rows()
    return _file(opendata.to_csv(opendata.CORRECTION_FIELDS, rows), CSV, "rectificatifs.csv")


@require_safe
@public_results(store=True)
def corrections_json(request):
    return _file(opendata.to_json(opendata.correction_rows()), JSON, "rectificatifs.json")


@public_results(store=True)
def grants_csv(request):
    rows, _pending = grants.grant_rows()
    return _file(opendata.to_csv(grants.GRANT_FIELDS, rows), CSV, "subventions.csv")


@public_results(store=True)
def calls_json(request):
    return _file(opendata.to_json(opendata.call_rows()), JSON, "appels.json")


def _datasets():
    # The files as they would be served now, for their sizes on the download buttons.
    grant_rows, pending = grants.grant_rows()
    laureates = opendata.laureate_rows()
    changes = opendata.correction_rows()
    sizes = {
        "laureats.csv": len(opendata.to_csv(opendata.LAUREATE_FIELDS, laureates)),
        "laureats.json": len(opendata.to_json(laureates)),
        "subventions.csv": len(opendata.to_csv(grants.GRANT_FIELDS, grant_rows)),
        "appels.json": len(opendata.to_json(opendata.call_rows())),
        "rectificatifs.csv": len(opendata.to_csv(opendata.CORRECTION_FIELDS, changes)),
        "rectificatifs.json": len(opendata.to_json(changes)),
    }
    datasets = {
        "datasets": [
            {
                "id": "laureats",
                "title": _("Lauréats des appels à projets"),
                "description": _(
                    "Une ligne par lauréat publié : projet, administration, ministère, "
                    "cofinancement accordé quand le jury le publie (toujours pour un guichet "
                    "en continu), séance du comité pour un guichet en continu."
                ),
                "files": [
                    ("CSV", "jury:laureates_csv", "laureats.csv"),
                    ("JSON", "jury:laureates_json", "laureats.json"),
                ],
                "fields": opendata.LAUREATE_FIELDS,
            },
            {
                "id": "subventions",
                "title": _("Subventions accordées (format SCDL « subventions » 2.1.1)"),
                "description": _(
                    "Les données essentielles des conventions de subvention, au format du "
                    "socle commun des données locales. Un lauréat y figure dès que sa "
                    "convention est signée et renseignée (date, période de versement), que "
                    "son administration a un SIRET valide, que le programme a l’identifiant "
                    "de son dispositif d’aide et que le montant accordé est publié."
                ),
                "files": [("CSV", "jury:grants_csv", "subventions.csv")],
                "fields": grants.GRANT_FIELDS,
                "pending": pending,
            },
            {
                "id": "appels",
                "title": _("Appels à projets"),
                "description": _(
                    "Les appels publics, leurs dates et leur statut ; pour ceux dont les "
                    "résultats sont publiés, le nombre de dossiers déposés, présélectionnés "
                    "et de lauréats ; leur enveloppe et ce qu’en engagent les décisions "
                    "publiées ; pour un guichet en continu, les séances publiées de son comité."
                ),
                "files": [("JSON", "jury:calls_json", "appels.json")],
                "fields": opendata.CALL_FIELDS,
            },
            {
                "id": "rectificatifs",
                "title": _("Rectificatifs des résultats"),
                "description": _(
                    "Une ligne par modification d’un rectificatif publié : l’appel, la date "
                    "de la décision modificative et la référence de l’acte, le type de "
                    "modification, le dossier concerné, la valeur avant et après, le motif. "
                    "Un lauréat retiré disparaît des fichiers des lauréats et reste ici."
                ),
                "files": [
                    ("CSV", "jury:corrections_csv", "rectificatifs.csv"),
                    ("JSON", "jury:corrections_json", "rectificatifs.json"),
                ],
                "fields": opendata.CORRECTION_FIELDS,
            },
        ],
        "changed_at": results_changed_at(),
    }
    for dataset in datasets["datasets"]:
        dataset["files"] = [(*file, sizes[file[2]]) for file in dataset["files"]]
    return datasets


@public_results
def open_data_page(request):
    # Read only when the cached fragment is missing.
    data = SimpleLazyObject(_datasets)
    return render(
        request,
        "jury/opendata/open_data.html",
        {"data": data, "results_version": results_version()},
    )


def _fix_url(target, award, call, may_manage) -> str:
    """Where staff fill in what an award lacks; "" where no page of theirs does."""
    if target == "administration":
        return reverse(
            "submissions:administration_edit", kwargs={"pk": award.dossier.administration_id}
        )
    if target == "programme" and may_manage:
        return reverse("calls:staff_programme_open_data", kwargs={"slug": call.programme.slug})
    if target == "award" and not call.is_continuous:
        url = reverse(
            "jury:deliberation_dossier",
            kwargs={"call_slug": call.slug, "dossier_id": award.dossier_id},
        )
        return f"{url}#grant"
    return ""


@staff_required
@require_safe
def staff_unpublishable(request, call_slug):
    """The call's laureates that the SCDL « subventions » file leaves out, and what each
    lacks, with the page where it is filled in. Programme staff of the call only."""
    call = get_staff_call_or_404(request.user, call_slug)
    may_manage = has_perm(request.user, "calls.manage", call)
    rows = []
    for award, issues in grants.unpublishable_awards(call):
        rows.append(
            {
                "award": award,
                "issues": [
                    {
                        "code": code,
                        "label": grants.GRANT_ISSUES[code],
                        "url": _fix_url(grants.ISSUE_TARGETS[code], award, call, may_manage),
                    }
                    for code in issues
                ],
            }
        )
    return render(
        request,
        "jury/opendata/staff_unpublishable.html",
        {"call": call, "rows": rows, "may_manage": may_manage},
    )

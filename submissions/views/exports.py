"""Exports of a call's filtered list of dossiers, under ``/instruction/``.

CSV is streamed from a server-side cursor; a large XLSX or ODS export is built by a worker
(``submissions.background_exports``) and offered to the staff member who asked for it alone,
by a link that expires. Staff of the call's programme only, as every ``/instruction/`` page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from calls.permissions import get_staff_call_or_404
from relance.permissions import staff_required
from submissions import background_exports, exports
from submissions.models import DossierExport
from submissions.views.staff import _list_url

# Export of the filtered list ---------------------------------------------------------------


@staff_required
def export(request, call_slug, fmt):
    if fmt not in exports.FORMATS:
        raise Http404
    call = get_staff_call_or_404(request.user, call_slug)
    filterset = background_exports.dossier_filter(call, request.GET)
    if filterset.is_bound and not filterset.form.is_valid():
        # Never export more than asked because a filter was ignored.
        messages.error(request, _("Corrigez les filtres avant d’exporter la liste."))
        return redirect(_list_url(call, request.GET.urlencode()))
    dossiers = background_exports.exported_dossiers(filterset, request.GET)
    content_type = exports.FORMATS[fmt].content_type
    if fmt == "csv":
        # Streamed from a cursor: the worker's memory does not grow with the call.
        response = StreamingHttpResponse(exports.stream_csv(dossiers), content_type=content_type)
    else:
        count = dossiers.count()
        if count > background_exports.background_threshold():
            # Too long for a web request: a worker builds it and the link comes by email.
            job = background_exports.start(request.user, call, fmt, request.GET, count)
            messages.info(
                request,
                _(
                    "L’export de %(count)s dossiers est en préparation. Son lien de "
                    "téléchargement s’affichera sur cette page et vous sera envoyé par courriel."
                )
                % {"count": count},
            )
            return redirect(job)
        response = HttpResponse(exports.export(dossiers, fmt), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=exports.filename(call, fmt)
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _export_or_404(request, pk) -> DossierExport:
    """An export asked by the signed-in staff member, while they are staff of its call."""
    job = (
        DossierExport.objects.select_related("call")
        .filter(pk=pk, requested_by=request.user)
        .first()
    )
    if job is None:
        raise Http404
    # Leaving the programme's team ends access to its exports too.
    get_staff_call_or_404(request.user, job.call.slug)
    return job


@staff_required
def export_status(request, pk):
    job = _export_or_404(request, pk)
    return render(
        request,
        "submissions/staff/export_status.html",
        {
            "call": job.call,
            "export": job,
            "statuses": DossierExport.Status,
            "in_progress": job.status
            in (DossierExport.Status.PENDING, DossierExport.Status.RUNNING),
        },
    )


@staff_required
def export_download(request, pk):
    job = _export_or_404(request, pk)
    if not job.is_available:
        raise Http404
    try:
        handle = job.file.storage.open(job.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=job.filename,
        content_type=exports.FORMATS[job.fmt].content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

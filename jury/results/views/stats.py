"""Public statistics page: from submitted dossiers to laureates, per programme and call."""

from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from jury.results.cache import public_results, results_version
from jury.results.charts import bar_chart
from jury.results.corrections import last_official_dates
from jury.results.stats import statistics
from relance.formatting import format_euros, format_number


def _funnel_chart(chart_id, title, funnel):
    return bar_chart(
        chart_id,
        title,
        [(label, [value]) for _key, label, value in funnel.steps()],
        [_("Nombre")],
        format_number,
    )


def _staff_names(*fallbacks):
    """Labels that are names written by staff, in French, but for the translated fallbacks."""
    return lambda label: None if label in fallbacks else "fr"


def _breakdown_chart(chart_id, title, rows, lang_of=None):
    return bar_chart(
        chart_id,
        title,
        [(row.label, [row.dossiers, row.laureates]) for row in rows],
        [_("Dossiers déposés"), _("Lauréats")],
        format_number,
        lang_of,
    )


def _months_chart(chart_id, title, rows):
    return bar_chart(
        chart_id,
        title,
        [(row.label, [row.submitted, row.decided]) for row in rows],
        [_("Dossiers déposés"), _("Décisions publiées")],
        format_number,
    )


def _amounts_chart(chart_id, title, amounts):
    rows = [
        (_("Cofinancement demandé par les dossiers déposés"), [amounts.requested]),
        (_("Cofinancement demandé par les lauréats"), [amounts.requested_by_laureates]),
    ]
    if amounts.granted is not None:
        rows.append((_("Cofinancement accordé aux lauréats"), [amounts.granted]))
    return bar_chart(chart_id, title, rows, [_("Montant")], format_euros)


def _with_correction_dates(programmes):
    """Each call's official date of its latest published correction (one query)."""
    dates = last_official_dates([s.call.pk for p in programmes for s in p.calls])
    for programme in programmes:
        for stats in programme.calls:
            stats.corrected_on = dates.get(stats.call.pk)
    return programmes


def _with_charts(programmes):
    for programme in programmes:
        name = programme.programme.title
        programme.funnel_chart = _funnel_chart(
            f"programme-{programme.programme.pk}-funnel",
            _("%(programme)s : du dépôt à la sélection, tous appels") % {"programme": name},
            programme.funnel,
        )
        if programme.window_funnel is not None:
            programme.window_funnel_chart = _funnel_chart(
                f"programme-{programme.programme.pk}-window-funnel",
                _("%(programme)s : du dépôt à la décision, guichets en continu")
                % {"programme": name},
                programme.window_funnel,
            )
        for stats in programme.calls:
            call = stats.call
            prefix = f"call-{call.pk}"
            window = stats.window_funnel is not None
            stats.charts = {
                "funnel": _funnel_chart(
                    f"{prefix}-funnel",
                    (
                        _("%(call)s : du dépôt à la décision")
                        if window
                        else _("%(call)s : du dépôt à la sélection")
                    )
                    % {"call": call.title},
                    stats.window_funnel if window else stats.funnel,
                ),
                "ministry": _breakdown_chart(
                    f"{prefix}-ministry",
                    _("%(call)s : dossiers et lauréats par ministère") % {"call": call.title},
                    stats.by_ministry,
                    _staff_names(_("Sans ministère de rattachement")),
                ),
                "category": _breakdown_chart(
                    f"{prefix}-category",
                    _("%(call)s : dossiers et lauréats par catégorie") % {"call": call.title},
                    stats.by_category,
                    _staff_names(_("Sans catégorie")),
                ),
                "kind": _breakdown_chart(
                    f"{prefix}-kind",
                    _("%(call)s : dossiers et lauréats par type d’administration")
                    % {"call": call.title},
                    stats.by_kind,
                ),
                "amounts": _amounts_chart(
                    f"{prefix}-amounts",
                    _("%(call)s : cofinancements demandés et accordés") % {"call": call.title},
                    stats.amounts,
                ),
            }
            if window:
                stats.charts["months"] = _months_chart(
                    f"{prefix}-months",
                    _("%(call)s : dossiers déposés et décisions publiées par mois")
                    % {"call": call.title},
                    stats.by_month,
                )
    return programmes


@public_results
def statistics_page(request):
    # Computed only if the cached fragment is missing (the template reads it lazily).
    programmes = SimpleLazyObject(lambda: _with_correction_dates(_with_charts(statistics())))
    return render(
        request,
        "jury/stats/statistics.html",
        {"programmes": programmes, "results_version": results_version()},
    )

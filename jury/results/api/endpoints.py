"""The operations of the public API: programmes, calls, published laureates, statistics.

Every queryset is the public one (``Call.objects.public()``, ``jury.results.published``,
``jury.results.stats``): the API shows nothing the public pages do not. Lists are paginated
and run the same number of queries whatever their length.
"""

from typing import Annotated, Literal

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate
from pydantic import Field

from calls.models import AdministrationKind, Call, CallStatus, Programme
from jury.results import opendata
from jury.results.api import schemas
from jury.results.api.reading import catalogue_changed_at, public_read
from jury.results.api.serialise import Mapped, call_out, laureate_out, programme_out, statistics_out
from jury.results.filters import LaureateFilter
from jury.results.published import decisions_published_at, published_calls
from jury.results.stats import statistics

PAGE_SIZE = 50

Lang = Literal["fr", "en"]
LANG = Query(None, description="Langue des libellés ; à défaut, l’en-tête Accept-Language.")

# Slugs as the site makes them: anything else is refused before any query.
SLUG_PATTERN = r"^[-a-zA-Z0-9_]{1,100}$"
SLUG = Annotated[
    str, Path(pattern=SLUG_PATTERN, description="Identifiant (dernière partie de l’adresse).")
]

ERRORS = {404: schemas.Error, 422: schemas.Invalid, 429: schemas.Throttled}

router = Router()

# Validators: results' last change; calls and programmes also change with their edits and dates.
RESULTS = public_read()
CATALOGUE = public_read(changed_at=catalogue_changed_at)


class Pagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=100_000, description="Numéro de la page, à partir de 1.")
        page_size: int = Field(
            PAGE_SIZE, ge=1, le=200, description="Nombre d’éléments par page (200 au plus)."
        )

    def __init__(self, **kwargs):
        super().__init__(page_size=PAGE_SIZE, max_page_size=200, **kwargs)


def _public_calls():
    now = timezone.now()
    return (
        Call.objects.public()
        .with_status(now)
        .annotate(
            decided_at=decisions_published_at(now=now),
            has_decisions=Exists(published_calls(now).filter(pk=OuterRef("pk"))),
        )
    )


def _programmes():
    return (
        Programme.objects.public()
        .filter(pk__in=Call.objects.public().values("programme"))
        .prefetch_related(
            Prefetch(
                "calls",
                queryset=Call.objects.public().order_by("opens_at", "pk").only("slug", "programme"),
                to_attr="public_calls",
            )
        )
        .order_by("title", "pk")
    )


@router.get(
    "/programmes",
    response={200: list[schemas.ProgrammeOut], **ERRORS},
    summary="Programmes",
    description="Les programmes publics qui ont au moins un appel publié.",
    tags=["Programmes"],
)
@decorate_view(CATALOGUE)
@paginate(Pagination)
def programmes(request, lang: Lang = LANG):
    return Mapped(_programmes(), programme_out)


@router.get(
    "/programmes/{slug}",
    response={200: schemas.ProgrammeOut, **ERRORS},
    summary="Un programme",
    tags=["Programmes"],
)
@decorate_view(CATALOGUE)
def programme(request, slug: SLUG, lang: Lang = LANG):
    found = _programmes().filter(slug=slug).first()
    if found is None:
        raise HttpError(404, _("Aucun programme public ne porte cet identifiant."))
    return programme_out(found)


class CallFilters(Schema):
    programme: str = Field(None, pattern=SLUG_PATTERN, description="Identifiant du programme.")
    status: CallStatus = Field(None, description="Statut de l’appel.")


def _calls_with_rows():
    return (
        _public_calls()
        .select_related("programme")
        .prefetch_related("categories", "criteria")
        .order_by("-opens_at", "pk")
    )


@router.get(
    "/calls",
    response={200: list[schemas.CallOut], **ERRORS},
    summary="Appels à projets",
    description="Les appels publiés, les plus récents d’abord, avec leurs catégories, leurs "
    "critères d’évaluation et leur plafond.",
    tags=["Appels"],
)
@decorate_view(CATALOGUE)
@paginate(Pagination)
def calls(request, filters: Query[CallFilters], lang: Lang = LANG):
    queryset = _calls_with_rows()
    if filters.programme:
        queryset = queryset.filter(programme__slug=filters.programme)
    if filters.status:
        queryset = queryset.filter(status_value=filters.status.value)
    return Mapped(queryset, lambda c: call_out(request, c))


@router.get(
    "/calls/{slug}",
    response={200: schemas.CallOut, **ERRORS},
    summary="Un appel à projets",
    tags=["Appels"],
)
@decorate_view(CATALOGUE)
def call(request, slug: SLUG, lang: Lang = LANG):
    found = _calls_with_rows().filter(slug=slug).first()
    if found is None:
        raise HttpError(404, _("Aucun appel publié ne porte cet identifiant."))
    return call_out(request, found)


class LaureateFilters(Schema):
    q: str = Field(
        None, max_length=200, description="Titre, sous-titre, nom ou sigle de l’administration."
    )
    programme: str = Field(None, pattern=SLUG_PATTERN, description="Identifiant du programme.")
    call: str = Field(None, pattern=SLUG_PATTERN, description="Identifiant de l’appel.")
    category: str = Field(None, max_length=255, description="Nom de la catégorie.")
    ministry: int = Field(None, ge=1, le=2**31 - 1, description="Numéro du ministère.")
    administration_kind: AdministrationKind = Field(None, description="Type d’administration.")


# The API's parameters, by the name the public list's filters give them.
FILTER_NAMES = {
    "q": "q",
    "programme": "programme",
    "call": "appel",
    "category": "categorie",
    "ministry": "ministere",
    "administration_kind": "type",
}


@router.get(
    "/laureates",
    response={200: list[schemas.LaureateOut], **ERRORS},
    summary="Lauréats publiés",
    description="Les lauréats des résultats publiés, avec les filtres de la liste publique. "
    "Une valeur de filtre qui ne correspond à aucun lauréat publié (programme, appel, "
    "catégorie ou ministère) donne une liste vide.",
    tags=["Lauréats"],
)
@decorate_view(RESULTS)
@paginate(Pagination)
def laureates(request, filters: Query[LaureateFilters], lang: Lang = LANG):
    data = {
        FILTER_NAMES[name]: str(value.value if hasattr(value, "value") else value)
        for name, value in filters.dict().items()
        if value not in (None, "")
    }
    filterset = LaureateFilter(data, queryset=opendata.laureate_queryset())
    if not filterset.is_valid():
        # A value the public list does not offer (no published laureate has it): none match.
        return Mapped(filterset.queryset.none(), None)
    return Mapped(filterset.qs, lambda award: laureate_out(request, award))


@router.get(
    "/statistics",
    response={200: list[schemas.CallStatisticsOut], **ERRORS},
    summary="Statistiques publiées",
    description="Les statistiques de chaque appel dont des résultats sont publiés.",
    tags=["Statistiques"],
)
@decorate_view(RESULTS)
@paginate(Pagination)
def all_statistics(request, lang: Lang = LANG):
    return [statistics_out(stats) for programme in statistics() for stats in programme.calls]


@router.get(
    "/calls/{slug}/statistics",
    response={200: schemas.CallStatisticsOut, **ERRORS},
    summary="Statistiques d’un appel",
    tags=["Statistiques"],
)
@decorate_view(RESULTS)
def call_statistics(request, slug: SLUG, lang: Lang = LANG):
    for programme in statistics(call_slug=slug):
        for stats in programme.calls:
            return statistics_out(stats)
    raise HttpError(404, _("Aucun appel aux résultats publiés ne porte cet identifiant."))

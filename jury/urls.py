"""Every route of the jury app, in the order a call goes through them.

Juror pages live under ``/jury/<jury_id>/``; staff pages of a call's jury under
``/instruction/appels/<call_slug>/jury/`` (one jury per call); public results at the root.
The results of a call are shown on the call's own page (``calls:detail``) through the
call-page extension point registered by ``jury.results``.
"""

from django.urls import path

from jury.committee import views as committee
from jury.composition import views as composition
from jury.deliberation import correction_views as correction
from jury.deliberation import views as deliberation
from jury.hearings import views as hearings
from jury.results.api import api
from jury.results.views import history, opendata, public, stats
from jury.review.views import juror as review_juror
from jury.review.views import staff as review
from jury.scoring.views import juror, ranking

app_name = "jury"

STAFF = "instruction/appels/<slug:call_slug>/jury/"
SESSION = f"{STAFF}auditions/<int:session_id>/"
COMMITTEE = "instruction/appels/<slug:call_slug>/comite/"
COMMITTEE_SESSION = f"{COMMITTEE}<int:session_id>/"
COMMITTEE_ITEM = f"{COMMITTEE_SESSION}dossiers/<int:item_id>/"
JUROR = "jury/<int:jury_id>/"
JUROR_DOSSIER = f"{JUROR}dossiers/<int:pk>/"

urlpatterns = [
    # Juror: their juries, the dossiers to score, conflicts, the hearing day.
    path("jury/", juror.juror_home, name="juror_home"),
    path(JUROR, juror.juror_dossier_list, name="juror_dossier_list"),
    path(JUROR_DOSSIER, juror.juror_dossier, name="juror_dossier"),
    path(f"{JUROR_DOSSIER}conflit/", composition.juror_conflict, name="juror_conflict"),
    path(f"{JUROR_DOSSIER}evaluations/", juror.juror_evaluations, name="juror_evaluations"),
    path(
        f"{JUROR_DOSSIER}pieces/<int:attachment_pk>/",
        juror.juror_attachment,
        name="juror_attachment",
    ),
    path(f"{JUROR_DOSSIER}dossier.pdf", juror.juror_dossier_pdf, name="juror_dossier_pdf"),
    path(f"{JUROR}auditions/", hearings.juror_hearings, name="juror_hearings"),
    path(f"{JUROR_DOSSIER}souhait/", review_juror.juror_bid, name="juror_bid"),
    path(f"{JUROR_DOSSIER}avis/", review_juror.juror_opinion, name="juror_opinion"),
    # Staff: composition and conflicts of interest.
    path(STAFF, composition.jury_page, name="staff_jury"),
    path(f"{STAFF}publication/", composition.publish_composition, name="staff_jury_publish"),
    path(f"{STAFF}membres/ajouter/", composition.member_add, name="staff_member_add"),
    path(f"{STAFF}membres/<int:member_pk>/", composition.member_edit, name="staff_member_edit"),
    path(
        f"{STAFF}membres/<int:member_pk>/retirer/",
        composition.member_remove,
        name="staff_member_remove",
    ),
    path(
        f"{STAFF}membres/<int:member_pk>/conflits/ajouter/",
        composition.conflict_add,
        name="staff_conflict_add",
    ),
    path(
        f"{STAFF}conflits/<int:conflict_pk>/lever/",
        composition.conflict_lift,
        name="staff_conflict_lift",
    ),
    path(
        f"{STAFF}conflits/<int:conflict_pk>/confirmer/",
        composition.conflict_confirm,
        name="staff_conflict_confirm",
    ),
    path(
        f"{STAFF}conflits/rechercher/",
        composition.conflicts_suggest,
        name="staff_conflicts_suggest",
    ),
    # Staff: review phases, rapporteurs, progress.
    path(f"{STAFF}examen/", review.review_page, name="review"),
    path(f"{STAFF}examen/rapporteurs/", review.assign, name="review_assign"),
    path(
        f"{STAFF}examen/rapporteurs/<int:assignment_pk>/retirer/",
        review.unassign,
        name="review_unassign",
    ),
    path(f"{STAFF}suivi/", review.progress_page, name="progress"),
    path(f"{STAFF}avis/", review.opinions_page, name="opinions"),
    path(f"{STAFF}avis/<int:dossier_id>/", review.opinion_page, name="opinion"),
    path(f"{STAFF}suivi.csv", review.progress_csv, name="progress_csv"),
    # Staff: hearing days.
    path(f"{STAFF}auditions/", hearings.session_list, name="hearing_sessions"),
    path(SESSION, hearings.session_page, name="hearing_session"),
    path(f"{SESSION}generer/", hearings.generate, name="hearing_generate"),
    path(f"{SESSION}creneaux/<int:slot_id>/", hearings.slot_edit, name="hearing_slot"),
    path(
        f"{SESSION}creneaux/<int:slot_id>/absence/",
        hearings.slot_absent,
        name="hearing_absent",
    ),
    path(f"{SESSION}publier/", hearings.publish, name="hearing_publish"),
    path(f"{SESSION}imprimer/", hearings.print_schedule, name="hearing_print"),
    path(f"{SESSION}planning.csv", hearings.export_csv, name="hearing_csv"),
    # Staff: ranking, deliberation, publication and amendment of results.
    path(f"{STAFF}classement/", ranking.ranking_page, name="ranking"),
    path(f"{STAFF}classement.<str:fmt>", ranking.ranking_export, name="ranking_export"),
    path(f"{STAFF}deliberation/", deliberation.deliberation_home, name="deliberation"),
    # The decision letter, for the dossier's administration and its programme's staff.
    path(
        "dossiers/<int:pk>/documents/courrier-de-decision.pdf",
        deliberation.decision_letter,
        name="decision_letter",
    ),
    path(
        f"{STAFF}deliberation/dossiers/<int:dossier_id>/",
        deliberation.deliberation_dossier,
        name="deliberation_dossier",
    ),
    path(
        f"{STAFF}deliberation/publier/",
        deliberation.deliberation_publish,
        name="deliberation_publish",
    ),
    # Staff: corrections of published results (a round's or a window's).
    path(
        "instruction/appels/<slug:call_slug>/rectificatifs/",
        correction.correction_list,
        name="corrections",
    ),
    path(
        "instruction/appels/<slug:call_slug>/rectificatifs/<int:pk>/",
        correction.correction_page,
        name="correction",
    ),
    # Staff: a continuous window's committee sessions.
    path(COMMITTEE, committee.session_list, name="committee_sessions"),
    path(COMMITTEE_SESSION, committee.session_page, name="committee_session"),
    path(f"{COMMITTEE_SESSION}modifier/", committee.session_edit, name="committee_session_edit"),
    path(
        f"{COMMITTEE_SESSION}supprimer/", committee.session_delete, name="committee_session_delete"
    ),
    path(f"{COMMITTEE_SESSION}ordre-du-jour/", committee.agenda_add, name="committee_agenda_add"),
    path(f"{COMMITTEE_ITEM}retirer/", committee.agenda_remove, name="committee_agenda_remove"),
    path(f"{COMMITTEE_ITEM}suivre/", committee.follow_proposal, name="committee_follow"),
    path(f"{COMMITTEE_ITEM}decision/", committee.record_decision, name="committee_decision"),
    path(f"{COMMITTEE_ITEM}audition/", committee.hearing, name="committee_hearing"),
    path(f"{COMMITTEE_SESSION}publier/", committee.publish, name="committee_publish"),
    # Public: laureates, statistics, open data.
    # Staff: the call's laureates not yet publishable in the open-data grants file.
    path(
        "instruction/appels/<slug:call_slug>/donnees-ouvertes/",
        opendata.staff_unpublishable,
        name="staff_opendata",
    ),
    path("laureats/", public.laureates, name="laureates"),
    path("laureats/<slug:slug>/", public.laureate, name="laureate"),
    path("statistiques/", stats.statistics_page, name="statistics"),
    path("appels/<slug:slug>/historique/", history.results_history, name="results_history"),
    path("donnees/", opendata.open_data_page, name="open_data"),
    path("donnees/laureats.csv", opendata.laureates_csv, name="laureates_csv"),
    path("donnees/laureats.json", opendata.laureates_json, name="laureates_json"),
    path("donnees/subventions.csv", opendata.grants_csv, name="grants_csv"),
    path("donnees/appels.json", opendata.calls_json, name="calls_json"),
    path("donnees/rectificatifs.csv", opendata.corrections_csv, name="corrections_csv"),
    path("donnees/rectificatifs.json", opendata.corrections_json, name="corrections_json"),
    # Public API, read-only: its operations, OpenAPI description and documentation page.
    path("api/v1/", api.urls),
]

"""Every route of the submissions app: applicants under /dossiers/, their administrations under
/compte/administrations/, staff under /instruction/."""

from django.urls import path

from submissions.demarches import views as demarches
from submissions.views import (
    account,
    administrations,
    applicant,
    documents,
    editing,
    exports,
    staff,
)

app_name = "submissions"

urlpatterns = [
    # Applicants: their administration's dossiers.
    path("dossiers/", applicant.dossier_list, name="dossier_list"),
    path("dossiers/nouveau/<slug:call_slug>/", applicant.dossier_create, name="dossier_create"),
    path("dossiers/<int:pk>/", applicant.dossier_detail, name="dossier_detail"),
    path("dossiers/<int:pk>/modifier/<slug:section>/", editing.dossier_edit, name="dossier_edit"),
    path("dossiers/<int:pk>/pieces/", editing.attachments, name="dossier_attachments"),
    path(
        "dossiers/<int:pk>/pieces/<int:attachment_pk>/",
        editing.attachment_download,
        name="attachment_download",
    ),
    path(
        "dossiers/<int:pk>/pieces/<int:attachment_pk>/supprimer/",
        editing.attachment_delete,
        name="attachment_delete",
    ),
    path("dossiers/<int:pk>/deposer/", applicant.dossier_submit, name="dossier_submit"),
    path(
        "dossiers/<int:pk>/accuse-de-reception/",
        applicant.dossier_acknowledgement,
        name="dossier_acknowledgement",
    ),
    path(
        "dossiers/<int:pk>/documents/accuse-de-reception.pdf",
        documents.acknowledgement_pdf,
        name="acknowledgement_pdf",
    ),
    path("dossiers/<int:pk>/documents/dossier.pdf", documents.dossier_pdf, name="dossier_pdf"),
    path("dossiers/<int:pk>/completer/", applicant.dossier_complete, name="dossier_complete"),
    path("dossiers/<int:pk>/retirer/", applicant.dossier_withdraw, name="dossier_withdraw"),
    # Agents: the administrations they belong to, their requests to join one.
    path("compte/administrations/", account.my_administrations, name="my_administrations"),
    path("compte/administrations/rattachement/", account.join_search, name="join_search"),
    path(
        "compte/administrations/rattachement/<int:pk>/",
        account.join_request,
        name="join_request",
    ),
    path(
        "compte/administrations/demandes/<int:pk>/annuler/",
        account.join_cancel,
        name="join_cancel",
    ),
    path("compte/administrations/<int:pk>/quitter/", account.leave, name="leave_administration"),
    path(
        "dossiers/<int:pk>/redeposer/<slug:call_slug>/",
        applicant.dossier_resubmit,
        name="dossier_resubmit",
    ),
    # Staff: instruction of a call's dossiers, preselection and its publication.
    path("instruction/", staff.call_list, name="instruction_home"),
    path("instruction/appels/<slug:call_slug>/", staff.call_dossiers, name="instruction_call"),
    path(
        "instruction/appels/<slug:call_slug>/demarches-simplifiees/",
        demarches.settings_page,
        name="instruction_ds",
    ),
    path(
        "instruction/imports-demarches-simplifiees/<uuid:pk>/",
        demarches.import_status,
        name="instruction_ds_import",
    ),
    path(
        "instruction/appels/<slug:call_slug>/decisions/",
        staff.bulk_decision,
        name="instruction_bulk_decision",
    ),
    path(
        "instruction/appels/<slug:call_slug>/dossier-hors-plateforme/",
        staff.register_outside,
        name="instruction_register_outside",
    ),
    path("instruction/appels/<slug:call_slug>/publier/", staff.publish, name="instruction_publish"),
    path(
        "instruction/appels/<slug:call_slug>/export.<str:fmt>",
        exports.export,
        name="instruction_export",
    ),
    path(
        "instruction/exports/<uuid:pk>/",
        exports.export_status,
        name="instruction_export_status",
    ),
    path(
        "instruction/exports/<uuid:pk>/telecharger/",
        exports.export_download,
        name="instruction_export_download",
    ),
    path("instruction/dossiers/<int:pk>/", staff.dossier_detail, name="instruction_dossier"),
    path(
        "instruction/dossiers/<int:pk>/complements/",
        staff.request_additions,
        name="instruction_request_additions",
    ),
    path("instruction/dossiers/<int:pk>/message/", staff.send_message, name="instruction_message"),
    path("instruction/dossiers/<int:pk>/note/", staff.add_note, name="instruction_note"),
    path(
        "instruction/dossiers/<int:pk>/decision/",
        staff.record_decision,
        name="instruction_decision",
    ),
    path(
        "instruction/dossiers/<int:pk>/decision/effacer/",
        staff.clear_decision,
        name="instruction_clear_decision",
    ),
    path(
        "instruction/dossiers/<int:pk>/instructeur/",
        staff.assign_instructor,
        name="instruction_assign_instructor",
    ),
    path(
        "instruction/dossiers/<int:pk>/echeance/",
        staff.set_due_date,
        name="instruction_due_date",
    ),
    path(
        "instruction/dossiers/<int:pk>/proposition/",
        staff.record_proposal,
        name="instruction_proposal",
    ),
    # Staff: the directory of ministries and administrations, members, requests to join.
    path(
        "instruction/administrations/",
        administrations.administration_list,
        name="administration_list",
    ),
    path(
        "instruction/administrations/nouvelle/",
        administrations.administration_create,
        name="administration_create",
    ),
    path(
        "instruction/administrations/<int:pk>/",
        administrations.administration_detail,
        name="administration_detail",
    ),
    path(
        "instruction/administrations/<int:pk>/modifier/",
        administrations.administration_edit,
        name="administration_edit",
    ),
    path(
        "instruction/administrations/<int:pk>/membres/<int:membership_pk>/retirer/",
        administrations.member_remove,
        name="administration_member_remove",
    ),
    path(
        "instruction/administrations/ministeres/",
        administrations.ministry_list,
        name="ministry_list",
    ),
    path(
        "instruction/administrations/ministeres/nouveau/",
        administrations.ministry_create,
        name="ministry_create",
    ),
    path(
        "instruction/administrations/ministeres/<int:pk>/modifier/",
        administrations.ministry_edit,
        name="ministry_edit",
    ),
    path(
        "instruction/rattachements/",
        administrations.request_list,
        name="membership_requests",
    ),
    path(
        "instruction/rattachements/<int:pk>/",
        administrations.request_detail,
        name="membership_request",
    ),
    path(
        "instruction/rattachements/<int:pk>/accepter/",
        administrations.request_approve,
        name="membership_request_approve",
    ),
    path(
        "instruction/rattachements/<int:pk>/administration/",
        administrations.request_assign,
        name="membership_request_assign",
    ),
    path(
        "instruction/rattachements/<int:pk>/refuser/",
        administrations.request_refuse,
        name="membership_request_refuse",
    ),
]

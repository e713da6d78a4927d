"""Writing and reading the audit log, and the one vocabulary of its actions."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.models import AuditEntry


class AuditAction(models.TextChoices):
    """Every action the audit log records, with the label staff read in the histories.

    Dossier transitions are recorded under the transition's name (``submit``,
    ``preselect``…), which is why those names are members here too.
    """

    # Dossiers, by their applicants.
    CREATE = "create", _("Création du brouillon")
    EDIT = "edit", _("Modification du brouillon")
    AMEND = "amend", _("Modification après dépôt")
    ATTACH = "attach", _("Ajout d’une pièce jointe")
    DETACH = "detach", _("Suppression d’une pièce jointe")
    RESUBMIT = "resubmit", _("Redépôt d’un dossier d’un appel précédent")
    RESUBMITTED = "resubmitted", _("Redéposé dans un appel suivant")
    # Dossiers, by the periodic jobs (no actor).
    DELETE_STALE_DRAFT = (
        "delete_stale_draft",
        _("Brouillon jamais déposé supprimé (durée de conservation écoulée)"),
    )
    # Dossier transitions (see submissions.workflow.TRANSITIONS).
    SUBMIT = "submit", _("Dépôt")
    REQUEST_ADDITIONS = "request_additions", _("Demande de compléments")
    COMPLETE = "complete", _("Dossier complété")
    WITHDRAW = "withdraw", _("Retrait")
    PRESELECT = "preselect", _("Présélection publiée")
    NOT_PRESELECT = "not_preselect", _("Non-présélection publiée")
    SELECT = "select", _("Retenu comme lauréat")
    NOT_SELECT = "not_select", _("Non retenu")
    COMMITTEE_ACCEPT = "committee_accept", _("Accordé par le comité")
    COMMITTEE_REFUSE = "committee_refuse", _("Refusé par le comité")
    AMEND_ADD_LAUREATE = "amend_add_laureate", _("Ajouté aux lauréats")
    AMEND_REMOVE_LAUREATE = "amend_remove_laureate", _("Retiré des lauréats")
    # Instruction.
    REGISTER_OUTSIDE = "register_outside", _("Enregistrement d’un dossier reçu hors plateforme")
    DS_CONNECT = "ds_connect", _("Connexion à une démarche Démarches Simplifiées")
    DS_MAPPING = "ds_mapping", _("Correspondance des champs Démarches Simplifiées")
    DS_IMPORT = "ds_import", _("Import depuis Démarches Simplifiées")
    DS_UPDATE = "ds_update", _("Mise à jour depuis Démarches Simplifiées")
    MESSAGE = "message", _("Message à l’administration")
    NOTE = "note", _("Note interne ajoutée")
    RECORD_DECISION = "record_decision", _("Décision de présélection enregistrée")
    CLEAR_DECISION = "clear_decision", _("Décision de présélection effacée")
    PUBLISH_PRESELECTION = "publish_preselection", _("Présélection publiée")
    # The directory of ministries and administrations, and who belongs to which.
    MINISTRY_CREATE = "ministry_create", _("Ministère créé")
    MINISTRY_UPDATE = "ministry_update", _("Ministère modifié")
    ADMINISTRATION_CREATE = "administration_create", _("Administration créée")
    ADMINISTRATION_UPDATE = "administration_update", _("Administration modifiée")
    MEMBERSHIP_REQUEST = "membership_request", _("Demande de rattachement")
    MEMBERSHIP_REQUEST_CANCEL = "membership_request_cancel", _("Demande de rattachement annulée")
    MEMBERSHIP_APPROVE = "membership_approve", _("Rattachement accepté")
    MEMBERSHIP_REFUSE = "membership_refuse", _("Rattachement refusé")
    MEMBERSHIP_LEAVE = "membership_leave", _("Départ d’un agent")
    MEMBERSHIP_REMOVE = "membership_remove", _("Agent retiré de l’administration")
    MEMBERSHIP_PROCONNECT = (
        "membership_proconnect",
        _("Rattachement automatique à la connexion ProConnect"),
    )
    MEMBERSHIP_REQUEST_ASSIGN = (
        "membership_request_assign",
        _("Administration choisie pour une demande de rattachement"),
    )
    # Jury composition and conflicts of interest.
    JURY_CREATE = "jury_create", _("Jury créé")
    JURY_PUBLISH_COMPOSITION = "jury_publish_composition", _("Composition du jury publiée")
    JURY_UNPUBLISH_COMPOSITION = "jury_unpublish_composition", _("Composition du jury retirée")
    JURY_ADD_MEMBER = "jury_add_member", _("Membre du jury ajouté")
    JURY_UPDATE_MEMBER = "jury_update_member", _("Membre du jury modifié")
    JURY_REMOVE_MEMBER = "jury_remove_member", _("Membre du jury retiré")
    JURY_DECLARE_CONFLICT = "jury_declare_conflict", _("Conflit d’intérêts déclaré")
    JURY_LIFT_CONFLICT = "jury_lift_conflict", _("Conflit d’intérêts levé")
    JURY_SUGGEST_CONFLICT = "jury_suggest_conflict", _("Conflit d’intérêts apparent suggéré")
    JURY_CONFIRM_CONFLICT = "jury_confirm_conflict", _("Conflit d’intérêts suggéré confirmé")
    # Scoring.
    JURY_SAVE_EVALUATION = "jury_save_evaluation", _("Évaluation enregistrée")
    JURY_SUBMIT_EVALUATION = "jury_submit_evaluation", _("Évaluation transmise")
    JURY_EDIT_SUBMITTED_EVALUATION = (
        "jury_edit_submitted_evaluation",
        _("Évaluation transmise modifiée"),
    )
    # Review phases and rapporteurs.
    JURY_CONFIGURE_REVIEW = "jury_configure_review", _("Phases d’examen configurées")
    JURY_SET_PHASE = "jury_set_phase", _("Phase d’examen changée")
    JURY_BID = "jury_bid", _("Souhait de rapporteur exprimé")
    JURY_ASSIGN_RAPPORTEUR = "jury_assign_rapporteur", _("Rapporteur désigné")
    JURY_UNASSIGN_RAPPORTEUR = "jury_unassign_rapporteur", _("Rapporteur retiré")
    JURY_APPLY_SUGGESTION = "jury_apply_suggestion", _("Attribution suggérée appliquée")
    # The jury's opinion for the applicant (see jury.review.opinions).
    JURY_SAVE_OPINION = "jury_save_opinion", _("Avis du jury enregistré")
    JURY_APPROVE_OPINION = "jury_approve_opinion", _("Avis du jury approuvé")
    # Hearings.
    HEARING_SESSION_CREATE = "hearing_session_create", _("Journée d’auditions créée")
    HEARING_SESSION_UPDATE = "hearing_session_update", _("Journée d’auditions modifiée")
    HEARING_GENERATE = "hearing_generate", _("Planning des auditions généré")
    HEARING_MOVE_SLOT = "hearing_move_slot", _("Créneau d’audition déplacé")
    HEARING_PUBLISH = "hearing_publish", _("Planning des auditions publié")
    HEARING_ABSENT = "hearing_absent", _("Absent à l’audition")
    HEARING_PRESENT = "hearing_present", _("Présent à l’audition")
    # Deliberation and results.
    UPDATE_MINUTES = "update_minutes", _("Procès-verbal modifié")
    CLOSE_DELIBERATION = "close_deliberation", _("Délibération close")
    REOPEN_DELIBERATION = "reopen_deliberation", _("Délibération rouverte")
    RECORD_AWARD = "record_award", _("Décision du jury enregistrée")
    CLEAR_AWARD = "clear_award", _("Décision du jury effacée")
    UPDATE_GRANT_DETAILS = "update_grant_details", _("Modalités de la subvention modifiées")
    PUBLISH_RESULTS = "publish_results", _("Résultats publiés")
    AMEND_RESULTS_ADD_LAUREATE = (
        "amend_results_add_laureate",
        _("Résultats modifiés : ajout d’un lauréat"),
    )
    AMEND_RESULTS_REMOVE_LAUREATE = (
        "amend_results_remove_laureate",
        _("Résultats modifiés : retrait d’un lauréat"),
    )
    AMEND_RESULTS_CORRECT_TITLE = (
        "amend_results_correct_title",
        _("Résultats modifiés : titre ou sous-titre"),
    )
    AMEND_RESULTS_CHANGE_ADMINISTRATION = (
        "amend_results_change_administration",
        _("Résultats modifiés : changement d’administration"),
    )
    AMEND_RESULTS_CHANGE_AMOUNT = (
        "amend_results_change_amount",
        _("Résultats modifiés : montant accordé"),
    )
    AMEND_RESULTS_MOVE_CATEGORY = (
        "amend_results_move_category",
        _("Résultats modifiés : changement de catégorie"),
    )
    CORRECTION_CREATE = "correction_create", _("Rectificatif des résultats préparé")
    CORRECTION_EDIT = "correction_edit", _("Rectificatif des résultats modifié")
    CORRECTION_PUBLISH = "correction_publish", _("Rectificatif des résultats publié")
    # Instruction of a continuous window's dossiers (see submissions.instruction).
    ASSIGN_INSTRUCTOR = "assign_instructor", _("Instructeur désigné")
    SET_INSTRUCTION_DUE_DATE = "set_instruction_due_date", _("Échéance d’instruction modifiée")
    RECORD_PROPOSAL = "record_proposal", _("Proposition au comité enregistrée")
    # Committee sessions of a continuous window (see jury.committee).
    COMMITTEE_SESSION_CREATE = "committee_session_create", _("Séance du comité créée")
    COMMITTEE_SESSION_UPDATE = "committee_session_update", _("Séance du comité modifiée")
    COMMITTEE_SESSION_DELETE = "committee_session_delete", _("Séance du comité supprimée")
    AGENDA_ADD = "agenda_add", _("Inscrit à l’ordre du jour du comité")
    AGENDA_REMOVE = "agenda_remove", _("Retiré de l’ordre du jour du comité")
    COMMITTEE_DECISION = "committee_decision", _("Décision du comité enregistrée")
    COMMITTEE_HEARING = "committee_hearing", _("Audition devant le comité demandée")
    COMMITTEE_HEARING_CANCEL = "committee_hearing_cancel", _("Audition devant le comité annulée")
    COMMITTEE_PUBLISH = "committee_publish", _("Décisions du comité publiées")
    # Programme teams (see calls.team).
    PROGRAMME_GRANT_ROLE = "programme_grant_role", _("Rôle attribué dans le programme")
    PROGRAMME_CHANGE_ROLE = "programme_change_role", _("Rôle modifié dans le programme")
    PROGRAMME_REVOKE_ROLE = "programme_revoke_role", _("Rôle retiré dans le programme")
    # Programme calls, by its managers (see calls.editor).
    CALL_CREATE = "call_create", _("Appel créé (brouillon)")
    CALL_UPDATE = "call_update", _("Appel modifié")
    CALL_DUPLICATE = "call_duplicate", _("Appel dupliqué (brouillon)")
    CALL_PUBLISH = "call_publish", _("Appel publié")
    CALL_EXTEND_CLOSING = "call_extend_closing", _("Clôture de l’appel prolongée")
    PROGRAMME_OPEN_DATA = "programme_open_data", _("Données ouvertes du programme modifiées")
    CALL_UPDATE_REMINDERS = "call_update_reminders", _("Relances automatiques modifiées")
    # Accounts (see relance.accounts, relance.auth, relance.proconnect).
    EMAIL_CONFIRM = "email_confirm", _("Adresse électronique confirmée")
    ACCOUNT_UNLOCK = "account_unlock", _("Connexions débloquées")
    PROCONNECT_ACCOUNT_CREATE = "proconnect_account_create", _("Compte créé par ProConnect")
    # Django admin (see relance.admin.AuditedAdminMixin).
    ADMIN_CREATE = "admin_create", _("Création dans l’administration du site")
    ADMIN_EDIT = "admin_edit", _("Modification dans l’administration du site")
    ADMIN_DELETE = "admin_delete", _("Suppression dans l’administration du site")
    ADMIN_IMPORT = "admin_import", _("Import de fichier dans l’administration du site")
    ADMIN_RESEND_EMAIL = "admin_resend_email", _("Courriel renvoyé depuis l’administration du site")


def label(action: str) -> str:
    """The French label of ``action``, or the raw value for an action no longer in use."""
    try:
        return AuditAction(action).label
    except ValueError:
        return action


def record(actor, action, target, *, from_state="", to_state="", reason="", data=None, at=None):
    """Append an audit entry about ``target``. Call it inside the workflow's transaction.

    ``at`` is the workflow's ``now`` (the time its checks used); by default, the current time.
    """
    # Refuse unknown actions so the vocabulary stays the one list of what is logged.
    action = AuditAction(action)
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        target_id=str(target.pk),
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=data or {},
        **({"at": at} if at is not None else {}),
    )


def history(target):
    """Audit entries about ``target``, newest first, with their actor."""
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        target_id=str(target.pk),
    ).select_related("actor")

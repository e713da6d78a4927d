"""The roles every app shares, as ``rules`` predicates, and how views and workflows ask.

Each app declares its own permissions (``rules.add_perm``) in its ``permissions`` module,
composed from predicates; views name the permission they need (:func:`permission_required`,
or an app's ``get_…_or_404`` that takes a permission name) and workflow functions check it
again (:func:`require`). A view refused to a signed-in user answers 404, so that the
existence of what it guards does not leak; an anonymous visitor is sent to the login page.
"""

from __future__ import annotations

from functools import wraps

import rules
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.utils.translation import gettext as _

from relance.workflow import WorkflowError


def is_active_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def is_instructor(user):
    """DINUM/DITP staff: every instruction and jury screen."""
    return is_active_user(user) and user.is_staff


rules.add_perm("relance.instruct", is_instructor)


def has_perm(user, perm: str, obj=None) -> bool:
    """Whether ``user`` has ``perm`` on ``obj``, by the app's predicates alone.

    Asked of ``rules`` directly, not of Django's backends, so that being a superuser grants
    nothing the predicates do not: the workflows' guards hold in the admin too.
    """
    return user is not None and rules.has_perm(perm, user, obj)


def require(user, perm: str, obj=None, message=None):
    """Refuse the action (``WorkflowError``) unless ``user`` has ``perm`` on ``obj``."""
    if not has_perm(user, perm, obj):
        raise WorkflowError(message or _("Vous n’avez pas le droit de faire cette action."))


def require_staff(user):
    """The guard of every staff-only workflow function."""
    require(user, "relance.instruct", message=_("Action réservée aux instructeurs."))


def permission_required(perm: str):
    """View decorator: anonymous → login page; without ``perm`` → 404."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_perm(request.user, perm):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = permission_required("relance.instruct")

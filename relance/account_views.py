"""Account screens beside Django's: confirming the email address, and the password reset that
also confirms it and lifts a lockout."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance import accounts, auth
from relance.workflow import WorkflowError


def confirm_email(request, uidb64, token):
    """The link of the confirmation email: valid once, for a limited time."""
    user = accounts.user_for_token(uidb64, token)
    if user is None:
        return render(request, "registration/email_confirm.html", {"valid": False})
    accounts.confirm_email(user, via="link")
    return render(request, "registration/email_confirm.html", {"valid": True, "account": user})


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("home")


@login_required
@require_POST
def resend_confirmation(request):
    """« Renvoyer le lien »: a new confirmation email to the signed-in account."""
    try:
        sent = accounts.send_confirmation(request.user)
    except WorkflowError as exc:
        messages.warning(request, exc.message)
    else:
        if sent:
            messages.success(
                request,
                _(
                    "Un nouveau lien de confirmation a été envoyé à %(email)s. Il est valable "
                    "trois jours."
                )
                % {"email": request.user.email},
            )
        else:
            messages.info(request, _("Votre adresse électronique est déjà confirmée."))
    return _back(request)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a password through the emailed link proves the address, and is the way out of
    a lockout: the account's failed logins are forgotten."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        accounts.confirm_email(user, via="password_link")
        auth.unlock(user.email)
        return response

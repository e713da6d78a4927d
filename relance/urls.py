"""Composition root: the only URL module that includes every app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from relance import account_views, health, proconnect, views
from relance.forms import LoginForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm

auth_patterns = [
    path("connexion/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("deconnexion/", proconnect.LogoutView.as_view(), name="logout"),
    # ProConnect: the sign-in, the provider's answer, the return from its sign-out.
    path(
        "proconnect/connexion/",
        proconnect.AuthenticateView.as_view(),
        name="oidc_authentication_init",
    ),
    path(
        "proconnect/retour/",
        proconnect.CallbackView.as_view(),
        name="oidc_authentication_callback",
    ),
    path("proconnect/deconnecte/", proconnect.logged_out, name="proconnect_logged_out"),
    # Confirming the account's email address.
    path(
        "adresse/confirmer/<uidb64>/<token>/",
        account_views.confirm_email,
        name="email_confirm",
    ),
    path(
        "adresse/renvoyer-le-lien/",
        account_views.resend_confirmation,
        name="email_confirmation_resend",
    ),
    path(
        "mot-de-passe/oubli/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(form_class=SetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "mot-de-passe/changer/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path(
        "mot-de-passe/changer/termine/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    # Each app's own map; no route of one app shadows another's (see each urls.py).
    path("", include("calls.urls")),
    path("", include("submissions.urls")),
    path("", include("jury.urls")),
    path("compte/", include(auth_patterns)),
    path("accessibilite/", views.static_page, {"page": "accessibility"}, name="accessibility"),
    path("mentions-legales/", views.static_page, {"page": "legal"}, name="legal"),
    path("donnees-personnelles/", views.static_page, {"page": "privacy"}, name="privacy"),
    # Django's language switch, without a token for anonymous visitors (views.set_language).
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("sante/", health.health, name="health"),
]

# Error pages in French with the service's layout (templates/400.html, 403.html, 404.html).
handler500 = "relance.views.server_error"

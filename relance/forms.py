"""Shared form pieces, and how every form of Relance renders in DSFR.

Rendering
    Forms go through django-crispy-forms with the project's ``dsfr`` template pack
    (``templates/dsfr/``): ``{% crispy form %}`` (with the form's ``helper``) or
    ``{{ form|crispy }}`` / ``{{ form.field|as_crispy_field }}`` when the template writes the
    ``<form>`` itself. Never write a field's markup by hand: labels, hints, required markers,
    error states and ``aria-*`` attributes then stay the same everywhere.

What the pack renders
    - text, email, number, URL, password, textarea: ``fr-input-group`` / ``fr-input``;
      ``DateInput``, ``DateTimeInput`` and ``TimeInput`` become native pickers
      (``type="date"``, ``datetime-local``, ``time``) with ISO values, nothing to configure;
    - ``Select`` / ``SelectMultiple``: ``fr-select-group`` / ``fr-select``;
    - ``CheckboxInput``: ``fr-checkbox-group``; ``RadioSelect`` and
      ``CheckboxSelectMultiple``: a ``fr-fieldset`` whose legend is the label (crispy's
      ``InlineRadios`` / ``InlineCheckboxes`` put the options side by side);
    - ``FileInput`` / ``ClearableFileInput``: ``fr-upload-group``; put the accepted formats
      and the maximum size in ``help_text``; a stored file is named, with a « Supprimer le
      fichier actuel » checkbox when the field is optional;
    - a ``MultiWidget`` (e.g. ``SplitDateTimeWidget``): a ``fr-fieldset`` with a legend;
    - crispy ``Fieldset("Légende", ...)``: ``<fieldset class="fr-fieldset">`` with a
      ``fr-fieldset__legend``; ``Row`` / ``Column``: the DSFR grid (``fr-grid-row``,
      ``fr-col-12 fr-col-md`` unless ``css_class`` names a ``fr-col-*``).
    ``help_text`` is the DSFR hint (``<span class="fr-hint-text" id="<id>_helptext">`` inside
    the label); errors follow the control as ``<p class="fr-error-text">`` inside
    ``<div id="<id>_error">``, the ids Django itself puts in the control's
    ``aria-describedby``; the control gets ``aria-invalid="true"``. A bound form also shows a
    ``fr-alert fr-alert--error`` summary at its top: non-field errors, then one link per field
    in error.

Required fields
    Required fields are marked with a visible `` *`` after the label (``<span
    class="relance-required">``) and the ``required`` attribute. When crispy writes the
    ``<form>`` (``helper.form_tag``, the default) it also writes the sentence « Les champs
    marqués d’un astérisque (*) sont obligatoires. » before the fields; a template that writes
    its own ``<form>`` includes ``dsfr/required_notice.html`` (needs ``form`` in context) once
    before the fields. ``helper.show_required_notice = False`` removes the sentence.

Buttons
    ``DsfrFormHelper(form, submit_label=_("Enregistrer"), cancel_url=...)`` adds a primary
    submit button and a secondary « Annuler » link, in a ``fr-btns-group``. In a layout, use
    ``ButtonGroup(DsfrSubmit(...), CancelLink(url))``. crispy's own ``Submit`` / ``Button``
    also render as ``fr-btn`` (``Button`` and ``Reset`` as ``fr-btn--secondary``).

Browser validation
    Forms rendered with their ``<form>`` by crispy carry ``novalidate``, so that every error is
    the server's, in DSFR style; ``helper.browser_validation = True`` keeps the browser's.
    Values already typed are redisplayed with the errors (files excepted: browsers cannot
    refill a file input, so say so in the error if it matters).

Example::

    class ContactForm(forms.Form):
        email = forms.EmailField(label=_("Adresse électronique"))
        message = forms.CharField(label=_("Message"), widget=forms.Textarea,
                                  help_text=_("Mille caractères au plus."))

        def __init__(self, *args, cancel_url, **kwargs):
            super().__init__(*args, **kwargs)
            self.helper = DsfrFormHelper(self, submit_label=_("Envoyer"), cancel_url=cancel_url)
"""

from __future__ import annotations

from contextlib import contextmanager

from crispy_forms.helper import FormHelper
from crispy_forms.layout import BaseInput, LayoutObject
from crispy_forms.utils import TEMPLATE_PACK, render_field
from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.forms.renderers import DjangoTemplates
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.translation import gettext_lazy as _

from relance.workflow import WorkflowError

# The largest values of PostgreSQL's integer and bigint columns, for the bounds of hidden
# number fields (versions, row ids).
INTEGER_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1


def bounded_formfield(db_field, **kwargs):
    """A ``formfield_callback`` giving integer fields the bounds of their model validators.

    Django keeps ``MinValueValidator``/``MaxValueValidator`` on the model only; the form
    field then lacks ``min``/``max`` (browser hints, and the bounds test of every form).
    """
    if isinstance(db_field, models.IntegerField):
        for validator in db_field.validators:
            if isinstance(validator, MinValueValidator):
                kwargs.setdefault("min_value", validator.limit_value)
            elif isinstance(validator, MaxValueValidator):
                kwargs.setdefault("max_value", validator.limit_value)
    return db_field.formfield(**kwargs)


class DsfrSubmit(BaseInput):
    """The primary button of a form: ``<button type="submit" class="fr-btn">``."""

    input_type = "submit"
    field_classes = "fr-btn"


class DsfrButton(BaseInput):
    """A secondary submit button, e.g. « Enregistrer le brouillon » next to « Déposer »."""

    input_type = "submit"
    field_classes = "fr-btn fr-btn--secondary"


class CancelLink(BaseInput):
    """A link styled as a secondary button, to leave the form without saving."""

    input_type = "link"
    field_classes = "fr-btn fr-btn--secondary"

    def __init__(self, url, label=None, **kwargs):
        kwargs.setdefault("css_id", "cancel-link")
        super().__init__("cancel", label or _("Annuler"), **kwargs)
        self.href = url


class ButtonGroup(LayoutObject):
    """Buttons side by side in a DSFR ``fr-btns-group`` (a list, one item per button)."""

    template = "%s/layout/button_group.html"

    def __init__(self, *fields, css_id=None, css_class=None, template=None):
        self.fields = list(fields)
        self.css_id = css_id
        self.css_class = css_class
        self.template = template or self.template

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        buttons = [
            render_field(field, form, context, template_pack=template_pack, **kwargs)
            for field in self.fields
        ]
        return render_to_string(
            self.get_template_name(template_pack), {"group": self, "buttons": buttons}
        )


class DsfrFormHelper(FormHelper):
    """A crispy helper with the DSFR buttons: a submit button and, optionally, a cancel link."""

    def __init__(
        self, form=None, *, submit_label=None, cancel_url=None, cancel_label=None, submit_name=""
    ):
        super().__init__(form)
        if submit_label:
            attrs = {}
            if form is not None and form.prefix:
                # Several such forms on one page: one button id each.
                attrs["css_id"] = f"submit-id-{form.prefix}"
            if submit_name:
                # Buttons with the same text on one page: the accessible name tells them
                # apart, beginning with the visible text so that voice control finds it.
                attrs["aria_label"] = f"{submit_label} — {submit_name}"
            self.add_input(DsfrSubmit("submit", submit_label, **attrs))
        if cancel_url:
            self.add_input(CancelLink(cancel_url, cancel_label))


def inline_helper() -> FormHelper:
    """A helper for a form whose template writes the ``<form>`` tag, the CSRF token and the
    buttons, so that several forms (or a form and a formset) can share one ``<form>``."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class PrefixedForm(forms.Form):
    """One of several forms on a page, rendered with :func:`inline_helper`.

    Its ``form_prefix`` prefixes its fields, so that a bound form with errors is shown again
    in place of the blank one, keeping what was typed.
    """

    form_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.form_prefix)
        super().__init__(*args, **kwargs)
        self.helper = inline_helper()


class LoginForm(auth_forms.AuthenticationForm):
    """Sign in with an email address (any case) and a password."""

    username = forms.EmailField(
        label=_("Adresse électronique"),
        help_text=_("Format attendu : nom@domaine.gouv.fr"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        "invalid_login": _(
            "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie ou "
            "réinitialisez votre mot de passe."
        ),
        "inactive": _("Ce compte est désactivé."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["password"].label = _("Mot de passe")


class PasswordResetForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label=_("Adresse électronique"),
        help_text=_("L’adresse de votre compte. Format attendu : nom@domaine.gouv.fr"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class _PasswordRulesMixin:
    """The password rules as a plain sentence: the DSFR hint sits in the label (no list)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rules = " ".join(str(text) for text in password_validation.password_validators_help_texts())
        self.fields["new_password1"].label = _("Nouveau mot de passe")
        self.fields["new_password1"].help_text = rules
        self.fields["new_password2"].label = _("Confirmation du nouveau mot de passe")
        self.fields["new_password2"].help_text = _("Saisissez le même mot de passe.")


class SetPasswordForm(_PasswordRulesMixin, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(_PasswordRulesMixin, auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Mot de passe actuel")


@contextmanager
def refusal_shown_on(form):
    """Run a workflow action for a valid form; a refusal (``WorkflowError``) becomes the
    error at the top of the form, which is shown again with what was typed (nothing saved)::

        with refusal_shown_on(form):
            dossier = workflow.create_dossier(...)
            return redirect(dossier)  # reached only when the workflow accepted
        return render(...)  # the form, with the refusal when there was one
    """
    try:
        yield
    except WorkflowError as exc:
        form.add_error(None, exc.message)


SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs_html(attrs) -> str:
    # django/forms/widgets/attrs.html: False leaves the attribute out, True writes its name.
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _select_html(widget) -> str:
    """Django's ``select.html`` and ``select_option.html``, written in Python, byte for byte."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            parts.append(
                f'\n  <option value="{conditional_escape(option["value"])}"'
                f"{_attrs_html(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")  # the renderer strips what the template ends with
    return "".join(parts)


class FormRenderer(DjangoTemplates):
    """Django's form renderer, with ``<select>`` written in Python: a filter form holds several
    selects of dozens of options, and each option would otherwise be an included template
    (a tenth of a public list page's time). Any other widget, or a select whose options use
    another template, goes through the templates as usual."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            widget = context["widget"]
            # A label the templates would localise (a number, a date) stays theirs.
            if all(
                option["template_name"] == OPTION_TEMPLATE
                and isinstance(option["label"], str | Promise)
                for _name, choices, _index in widget["optgroups"]
                for option in choices
            ):
                return _select_html(widget)
        return super().render(template_name, context, request)

"""Template helpers of the crispy ``dsfr`` template pack (``templates/dsfr/``).

They decide which DSFR component renders a field (``dsfr_kind``), render its widget with the
DSFR classes merged into the classes already set on it (``dsfr_widget``), and turn crispy's
button objects into DSFR buttons (``dsfr_button_class``).
"""

from __future__ import annotations

import copy
from pathlib import PurePath

from django import forms, template

register = template.Library()

# Native pickers: the browser shows a date picker and posts ISO values, which Django's date
# fields always accept whatever the active language.
NATIVE_TEMPORAL_INPUTS = (
    (forms.DateInput, "date", "%Y-%m-%d"),
    (forms.DateTimeInput, "datetime-local", "%Y-%m-%dT%H:%M"),
    (forms.TimeInput, "time", "%H:%M"),
)


@register.filter
def dsfr_kind(bound_field) -> str:
    """The DSFR component for a field.

    One of: hidden, checkboxes, radios, checkbox, file, select, multi (several inputs under
    one legend, e.g. ``SplitDateTimeWidget``) and input.
    """
    widget = bound_field.field.widget
    if widget.is_hidden:
        return "hidden"
    # CheckboxSelectMultiple is a RadioSelect subclass: test it first.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.MultiWidget):
        return "multi"
    if isinstance(widget, forms.FileInput):
        return "file"
    if isinstance(widget, forms.Select):
        return "select"
    return "input"


def _merge_classes(*values) -> str:
    tokens: dict[str, None] = {}
    for value in values:
        for token in str(value or "").split():
            tokens[token] = None
    return " ".join(tokens)


def _widget_for_rendering(widget):
    """A copy of the widget adjusted for DSFR, or the widget itself when nothing changes."""
    for widget_class, input_type, iso_format in NATIVE_TEMPORAL_INPUTS:
        if isinstance(widget, widget_class) and widget.input_type in ("text", input_type):
            native = copy.copy(widget)
            native.input_type = input_type
            native.format = iso_format
            return native
    if isinstance(widget, forms.ClearableFileInput):
        # The current file and the « remove » checkbox are rendered by the pack itself.
        plain = forms.FileInput(attrs=widget.attrs)
        plain.allow_multiple_selected = widget.allow_multiple_selected
        plain.is_required = widget.is_required
        plain.is_localized = widget.is_localized
        return plain
    return widget


@register.simple_tag
def dsfr_widget(bound_field, css_class="", error_class=""):
    """Render the field's widget with ``css_class`` (and ``error_class`` when in error).

    Classes already on the widget (set by the form or by a crispy ``Field``) are kept. Django
    adds ``required``, ``aria-invalid`` and ``aria-describedby`` (``<id>_helptext``,
    ``<id>_error``), which the pack's templates use as the ids of the hint and the errors.
    """
    widget = bound_field.field.widget
    classes = _merge_classes(
        css_class, widget.attrs.get("class"), error_class if bound_field.errors else ""
    )
    attrs = {"class": classes} if classes else {}
    return bound_field.as_widget(widget=_widget_for_rendering(widget), attrs=attrs)


@register.filter
def dsfr_current_file(bound_field):
    """The file already stored for a file field (a ``FieldFile``), or ``None``."""
    value = bound_field.value()
    if value and getattr(value, "name", None) and hasattr(value, "storage"):
        return value
    return None


@register.filter
def dsfr_basename(name) -> str:
    return PurePath(str(name)).name


@register.filter
def dsfr_clear_checkbox(bound_field):
    """Name and id of the « remove the current file » checkbox, when the field allows it."""
    widget = bound_field.field.widget
    if not isinstance(widget, forms.ClearableFileInput) or bound_field.field.required:
        return None
    return {
        "name": widget.clear_checkbox_name(bound_field.html_name),
        "id": widget.clear_checkbox_id(widget.clear_checkbox_name(bound_field.html_name)),
    }


@register.filter
def dsfr_has_required_fields(form) -> bool:
    return any(field.field.required for field in form.visible_fields())


@register.filter
def dsfr_field_errors(form):
    """``(bound_field, errors)`` of every field in error, in the form's order."""
    return [(form[name], form.errors[name]) for name in form.fields if name in form.errors]


@register.filter
def dsfr_anchor(bound_field) -> str:
    """The id of the element that a link to the field should focus (first option of a list)."""
    if dsfr_kind(bound_field) in ("radios", "checkboxes"):
        options = bound_field.subwidgets
        return options[0].id_for_label if options else bound_field.auto_id
    return bound_field.id_for_label or bound_field.auto_id


@register.filter
def dsfr_button_class(button) -> str:
    """DSFR classes for a crispy input: bootstrap ``btn*`` classes dropped, ``fr-btn`` added.

    Buttons that do not submit (``Button``, ``Reset``, links) are secondary unless they say
    otherwise.
    """
    tokens = [
        name
        for name in str(getattr(button, "field_classes", "")).split()
        if name != "btn" and not name.startswith("btn-")
    ]
    if "fr-btn" not in tokens:
        tokens.insert(0, "fr-btn")
    secondary = getattr(button, "input_type", "submit") in ("button", "reset", "link")
    if secondary and not any(token.startswith("fr-btn--") for token in tokens):
        tokens.append("fr-btn--secondary")
    return _merge_classes(*tokens)


@register.filter
def dsfr_hidden_inputs(inputs):
    return [item for item in inputs if getattr(item, "input_type", "") == "hidden"]


@register.filter
def dsfr_visible_inputs(inputs):
    return [item for item in inputs if getattr(item, "input_type", "") != "hidden"]

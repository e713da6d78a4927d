"""Hearing days: a session (day, hours, slot length, breaks, place or video link), its
schedule generated from the preselected dossiers and adjusted by hand, the absent flag, and
its publication to each administration and juror (``publication``); print and CSV views."""

"""Scoring: each juror's evaluation (a score per criterion, comment, recommendation) saved
as a draft then submitted; the juror's screens; per-dossier aggregates computed in SQL and
the staff ranking with optional per-juror normalisation and its exports."""

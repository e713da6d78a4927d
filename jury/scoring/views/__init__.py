"""Juror and staff screens of scoring: the jurors dossiers and evaluations, the ranking."""

"""Applicant screens (agents of administrations)."""

urlpatterns = []

"""Staff screens (instruction and preselection)."""

urlpatterns = []

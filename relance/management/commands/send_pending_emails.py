from django.core.management.base import BaseCommand

from relance.notifications import send_pending


class Command(BaseCommand):
    help = "Envoie les courriels en attente ou en échec."

    def handle(self, *args, **options):
        sent, failed = send_pending()
        self.stdout.write(f"{sent} courriel(s) envoyé(s), {failed} en échec.")

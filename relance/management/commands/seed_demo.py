from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from relance.demo import format_logins, load_all


class Command(BaseCommand):
    help = (
        "Charge les données de démonstration de chaque application (idempotent : "
        "relancer la commande ne crée pas de doublons) et affiche les comptes de démonstration."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Charger même quand DEBUG est désactivé (les mots de passe de démo sont publics).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG est désactivé : les comptes de démonstration ont des mots de passe "
                "publics. Utilisez --force pour les créer quand même."
            )
        logins = load_all(self.stdout)
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        if logins:
            self.stdout.write(
                "\nComptes de démonstration (mots de passe publics, pour essayer le service "
                "uniquement) :\n"
            )
            self.stdout.write(format_logins(logins))
            self.stdout.write("")

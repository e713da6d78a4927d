from django.core.management.base import BaseCommand, CommandError

from calls.models import Call, Programme
from jury.review.generate import generate_call


class Command(BaseCommand):
    help = (
        "Génère un appel à grande échelle (par défaut 300 dossiers présélectionnés et un jury de "
        "20 membres, avec conflits d’intérêts et souhaits), en phase d’attribution des "
        "rapporteurs, pour essayer l’attribution suggérée."
    )

    def add_arguments(self, parser):
        parser.add_argument("--programme", default=None, help="identifiant du programme")
        parser.add_argument("--slug", default="appel-grande-echelle")
        parser.add_argument("--dossiers", type=int, default=300)
        parser.add_argument("--jurors", type=int, default=20)
        parser.add_argument("--rapporteurs", type=int, default=2)

    def handle(self, *args, **options):
        programmes = Programme.objects.order_by("pk")
        if options["programme"]:
            programmes = programmes.filter(slug=options["programme"])
        programme = programmes.first()
        if programme is None:
            raise CommandError("Aucun programme : chargez d’abord les données de démonstration.")
        if Call.objects.filter(slug=options["slug"]).exists():
            raise CommandError(f"L’appel « {options['slug']} » existe déjà.")
        if options["dossiers"] < 1 or options["jurors"] < 1:
            raise CommandError("Il faut au moins un dossier et un membre du jury.")
        jury = generate_call(
            programme,
            slug=options["slug"],
            dossiers=options["dossiers"],
            jurors=options["jurors"],
            per_dossier=options["rapporteurs"],
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Appel « {jury.call.title} » créé ({options['dossiers']} dossiers, "
                f"{options['jurors']} membres du jury) : /instruction/appels/{jury.call.slug}"
                "/jury/examen/"
            )
        )

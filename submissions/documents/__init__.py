"""PDF documents of a dossier: its acknowledgement of submission and the whole dossier as
submitted, rendered from HTML templates in the DSFR print style (``render``)."""

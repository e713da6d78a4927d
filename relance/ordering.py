"""Alphabetical order as a French reader expects it: « Émilie » beside « Emma », not after « Zoé ».

The databases run with the C locale (the embedded server, built without ICU, and Debian's
default both), where accented letters sort after « z ». Rather than depend on a collation
that one server lacks, names are ordered by a key that folds French accents and case in
plain SQL (``translate`` then ``lower`` of ASCII only, the same in every locale), then by the
name itself so that the order stays total.
"""

from django.db.models import F, Func, Value
from django.db.models.functions import Lower

ACCENTED = "ÀÂÄÁÃÉÈÊËÎÏÍÌÔÖÓÒÕÙÛÜÚŸÇÑàâäáãéèêëîïíìôöóòõùûüúÿçñ"
PLAIN = "AAAAAEEEEIIIIOOOOOUUUUYCNaaaaaeeeeiiiiooooouuuuycn"


class Translate(Func):
    function = "TRANSLATE"
    arity = 3


def folded(field: str):
    """``field`` with its accents and case folded: the key of a French alphabetical order."""
    return Lower(Translate(F(field), Value(ACCENTED), Value(PLAIN)))


def french(field: str, *, descending: bool = False) -> list:
    """``order_by`` terms sorting ``field`` (a text column or a lookup path) in French."""
    key, exact = folded(field), F(field)
    if descending:
        return [key.desc(), exact.desc()]
    return [key.asc(), exact.asc()]

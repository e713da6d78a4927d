"""A call's jury: its members (invited by email, president or member, public title and
affiliation), the publication of its composition, and conflicts of interest (declared by a
member or added and lifted by staff). The lowest stage: every other one reads the jury and
its conflicts, none is read from here."""

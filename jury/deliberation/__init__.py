"""The deliberation: the jury's decision on each heard dossier (laureate with a granted
amount, or not selected with a reason), minutes, close and reopen, the one-step publication
of results through the dossier workflow, and amendments of published results
(``amendments``), each kept with before/after, reason, author and date."""

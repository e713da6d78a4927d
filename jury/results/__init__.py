"""Everything the public reads of the jury's work once published: the published querysets,
caching keyed on the results version, the laureates list and pages, the results section of
a call's page (``calls.extensions``), statistics and their charts, and the open datasets.
It sits above the other jury stages and is never imported by them."""

"""Public screens: laureates, statistics, open data."""

"""Small utilities with one job each: atomic writes, number formatting, output safety."""

"""Small utilities with one job each: atomic writes (`atomic`), number formatting
(`formatting`), output safety (`safety`: HTML escaping, URL allow-list, formula
neutralisation, terminal text), input limits (`limits`) and bounded file reading
(`inputfiles`), YAML with line numbers and bounded aliases (`yamlio`), a streaming xlsx reader
that trusts no stored dimension (`xlsx`), and finding a headless browser (`browser`)."""

"""Italy's regions and the usual macro-areas calls group them into (Nord, Centro, Sud e Isole)."""

REGIONS: tuple[str, ...] = (
    "Piemonte", "Valle d'Aosta", "Lombardia", "Trentino-Alto Adige", "Veneto", "Friuli-Venezia Giulia",
    "Liguria", "Emilia-Romagna", "Toscana", "Umbria", "Marche", "Lazio", "Abruzzo", "Molise",
    "Campania", "Puglia", "Basilicata", "Calabria", "Sicilia", "Sardegna",
)

DEFAULT_AREAS: dict[str, tuple[str, ...]] = {
    "NORD": REGIONS[:8],
    "CENTRO": REGIONS[8:12],
    "SUD": REGIONS[12:],
}


def area_for_region(region: str, areas: dict[str, list[str]]) -> str | None:
    """The code of the area whose regions include `region`, if any."""
    return next((code for code, regions in areas.items() if region in regions), None)

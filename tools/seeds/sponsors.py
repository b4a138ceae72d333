"""Italian for the sponsor portal, sponsor reports, report mail and the edition's plugins page."""

IT = {
    "There is no outside plugin of that name.": "Non c'è un plugin esterno con questo nome.",
    "This plugin is disabled because it failed: {error}": "Questo plugin è disattivato perché ha dato errore: {error}",
    "Rounds {rounds} use a rubric of this plugin: choose another rubric for them first.":
        "Le fasi {rounds} usano una griglia di questo plugin: scegli prima un'altra griglia per loro.",
    "Choose one of the rubrics offered by the edition's enabled plugins.":
        "Scegli una delle griglie offerte dai plugin attivi per l'edizione.",
    "Scoring has started in this round: its rubric can no longer change.":
        "In questa fase la valutazione è iniziata: la griglia non può più cambiare.",
    "track {name}": "ambito {name}",
    "area {name}": "area {name}",
    "the first placed": "la prima classificata",
    "the first {places} placed": "le prime {places} classificate",
    "every winner": "tutte le vincitrici",
    "the finalists": "le finaliste",
    "{report}: {edition}": "{report}: {edition}",
    "The organisers of {edition} send {organisation} this report at the end of a phase: {phase}.":
        "Gli organizzatori di {edition} inviano a {organisation} questo rapporto alla fine di una fase: {phase}.",
    "The organisers of {edition} send {organisation} this report.":
        "Gli organizzatori di {edition} inviano a {organisation} questo rapporto.",
    "You will find it attached as a PDF. The same report, always up to date and also as a spreadsheet, is in "
    "your sponsor area:":
        "Lo trovi allegato in PDF. Lo stesso rapporto, sempre aggiornato e anche come foglio di calcolo, è "
        "nella tua area sponsor:",
    "The report is on its way.": "Il rapporto è in partenza.",
    "Plugins updated.": "Plugin aggiornati.",
    "Rubric chosen.": "Griglia scelta.",
    "Choose a sponsor.": "Scegli uno sponsor.",
    "Choose a sponsor and a report.": "Scegli uno sponsor e un rapporto.",
    "This sponsor has no users in the edition yet: invite someone first.":
        "Questo sponsor non ha ancora utenti nell'edizione: invita prima qualcuno.",
    "Sponsors": "Sponsor",
    "This is the report exactly as the sponsor's users see it.":
        "Questo è il rapporto esattamente come lo vedono gli utenti dello sponsor.",
    "Sponsors, reports and plugins": "Sponsor, rapporti e plugin",
    "Organisation": "Organizzazione",
    "Sponsor users": "Utenti dello sponsor",
    "Reports": "Rapporti",
    "Send a report to a sponsor": "Invia un rapporto a uno sponsor",
    "At the end of a phase, mail a sponsor's users their report as a PDF.":
        "Alla fine di una fase, invia per email agli utenti di uno sponsor il loro rapporto in PDF.",
    "Sponsor": "Sponsor",
    "Report": "Rapporto",
    "Phase that ended (shown in the mail)": "Fase conclusa (indicata nell'email)",
    "Send the report": "Invia il rapporto",
    "Plugins of this edition": "Plugin di questa edizione",
    "Built-in plugins are always on. Outside plugins (installed packages or the plugins directory) work in "
    "this edition only once enabled here.":
        "I plugin integrati sono sempre attivi. I plugin esterni (pacchetti installati o la cartella dei plugin) "
        "funzionano in questa edizione solo dopo averli attivati qui.",
    "Plugin": "Plugin",
    "Origin": "Provenienza",
    "Offers": "Offre",
    "Action": "Azione",
    "built in": "integrato",
    "rubric": "griglia",
    "report": "rapporto",
    "Disabled after a failure:": "Disattivato dopo un errore:",
    "enabled": "attivo",
    "installed, not enabled": "installato, non attivo",
    "Disable": "Disattiva",
    "Enable": "Attiva",
    "Rubric of each round": "Griglia di ogni fase",
    "A round's rubric can change until scoring starts; then it is fixed.":
        "La griglia di una fase si può cambiare finché non inizia la valutazione; poi resta fissa.",
    "(none yet)": "(nessuna per ora)",
    "Scoring has started: the rubric is fixed.": "La valutazione è iniziata: la griglia è fissa.",
    "Use this rubric": "Usa questa griglia",
    "Download:": "Scarica:",
    "hidden": "nascosto",
    "Nothing to show yet.": "Ancora niente da mostrare.",
    "Sponsor area": "Area sponsor",
    "Your account does not speak for a sponsor in any edition yet.":
        "Il tuo account non rappresenta ancora uno sponsor in nessuna edizione.",
    "You see this edition as {organisation}.": "Vedi questa edizione come {organisation}.",
    "Edition status:": "Stato dell'edizione:",
    "Your prizes": "I tuoi premi",
    "Amount": "Importo",
    "Who can win it": "Chi può vincerlo",
    "Your organisation has no prizes in this edition.": "La tua organizzazione non ha premi in questa edizione.",
    "Your reports": "I tuoi rapporti",
    "The entries competing for your prizes appear once the organisers publish the results of the round that "
    "selected them; contacts only where applicants agreed to share them with sponsors.":
        "Le candidature in gara per i tuoi premi compaiono quando gli organizzatori pubblicano gli esiti della "
        "fase che le ha selezionate; i contatti solo se i candidati hanno acconsentito a condividerli con gli "
        "sponsor.",
    "Report not available": "Rapporto non disponibile",
    "The plugin that builds this report failed and has been disabled; the organisers can see why on their "
    "sponsors page.":
        "Il plugin che costruisce questo rapporto ha dato errore ed è stato disattivato; gli organizzatori ne "
        "vedono il motivo nella loro pagina degli sponsor.",
    "Back": "Indietro",
}

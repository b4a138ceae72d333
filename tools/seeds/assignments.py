IT = {
    "The jurors cannot take all the places: raise the maximum load, add jurors or ask for fewer jurors per entry.":
        "I giurati non bastano a coprire tutti i posti: alza il carico massimo, aggiungi giurati o chiedi meno "
        "giurati per candidatura.",
    "The jurors' minimum loads cannot all be met: lower them or add entries.":
        "I carichi minimi dei giurati non si possono rispettare tutti: abbassali o aggiungi candidature.",
    "Some entries have fewer jurors free of conflicts than the places to fill.":
        "Alcune candidature hanno meno giurati senza conflitti dei posti da coprire.",
    "Some entries cannot get a juror expert in their track.":
        "Alcune candidature non possono avere un giurato esperto del loro ambito.",
    "The assignments already made do not fit the new limits.":
        "Le assegnazioni già fatte non rientrano nei nuovi limiti.",
    "The cap on jurors of one organisation per entry cannot be met.":
        "Il limite di giurati della stessa organizzazione per candidatura non si può rispettare.",
    "The options contradict each other.": "Le opzioni si contraddicono.",
    "No assignment meets every rule together.": "Nessuna assegnazione rispetta tutte le regole insieme.",
    "At least one juror per entry.": "Almeno un giurato per candidatura.",
    "Enter zero or more.": "Inserisci zero o più.",
    "The maximum load must be at least 1 and not below the minimum.":
        "Il carico massimo deve essere almeno 1 e non inferiore al minimo.",
    "Enter 1 or more, or leave it empty.": "Inserisci 1 o più, oppure lascia vuoto.",
    "This entry is not in play in this round.": "Questa candidatura non è in gara in questa fase.",
    "This person is not a juror of the edition.": "Questa persona non è un giurato dell'edizione.",
    "This juror is already assigned to this entry.": "Questo giurato è già assegnato a questa candidatura.",
    "This juror has a conflict with this entry: {rules}.":
        "Questo giurato ha un conflitto con questa candidatura: {rules}.",
    "This assignment no longer exists.": "Questa assegnazione non esiste più.",
    "The juror has already written a review of this entry, so it stays on record.":
        "Il giurato ha già scritto una valutazione di questa candidatura, che quindi resta agli atti.",
    "same organisation": "stessa organizzazione",
    "same email domain": "stesso dominio email",
    "works for the sponsor of a prize the entry competes for":
        "lavora per lo sponsor di un premio a cui la candidatura concorre",
    "mentor of the entry": "mentore della candidatura",
    "declared by the juror": "dichiarato dal giurato",
    "released the entry earlier": "ha già lasciato la candidatura",
    "A track expert on every entry": "Un esperto dell'ambito su ogni candidatura",
    "Jurors of one organisation per entry": "Giurati della stessa organizzazione per candidatura",
    "Entries any two jurors share": "Candidature in comune tra due giurati",
    "engine": "motore",
    "by hand": "a mano",
    "Enter a whole number.": "Inserisci un numero intero.",
    "Choose one.": "Scegline uno.",
    "Jurors per entry": "Giurati per candidatura",
    "Entries in play": "Candidature in gara",
    "Jurors": "Giurati",
    "The assignment was saved. Jurors see their entries now.":
        "L'assegnazione è stata salvata. I giurati vedono ora le loro candidature.",
    "The juror was added to the entry.": "Il giurato è stato aggiunto alla candidatura.",
    "The juror was taken off the entry.": "Il giurato è stato tolto dalla candidatura.",
    "Refill done: {count} new assignments; nothing else moved.":
        "Reintegro fatto: {count} nuove assegnazioni; nient'altro è cambiato.",
    "The round changed since this proposal was computed (a recusal, a change by hand, new jurors or entries). "
    "Nothing was saved: propose again.":
        "La fase è cambiata da quando la proposta è stata calcolata (un'astensione, una modifica a mano, nuovi "
        "giurati o candidature). Non è stato salvato nulla: calcola una nuova proposta.",
    "No assignment is possible with these options": "Nessuna assegnazione è possibile con queste opzioni",
    "Entries": "Candidature",
    "Engine's detail": "Dettaglio del motore",
    "Proposed assignment": "Assegnazione proposta",
    "Entries and jurors": "Candidature e giurati",
    "New, kept and removed assignments": "Assegnazioni nuove, mantenute e tolte",
    "Total affinity (objective)": "Affinità totale (obiettivo)",
    "Best possible (bound) and gap": "Migliore possibile (limite) e scarto",
    "proven optimal": "ottimo dimostrato",
    "Entries per juror: least, median, most": "Candidature per giurato: minimo, mediana, massimo",
    "Track experts per entry": "Esperti dell'ambito per candidatura",
    "{entries} entries with {experts}": "{entries} candidature con {experts}",
    "Conflicts avoided": "Conflitti evitati",
    "none found": "nessuno trovato",
    "met": "rispettato",
    "not met": "non rispettato",
    "Assignments that cannot stay": "Assegnazioni che non possono restare",
    "Every proposed pair": "Tutte le coppie proposte",
    "Affinity": "Affinità",
    "Track expert": "Esperto dell'ambito",
    "Already assigned": "Già assegnato",
    "Accept this assignment": "Accetta questa assegnazione",
    "Propose an assignment": "Proponi un'assegnazione",
    "The engine gives every entry exactly the jurors asked for, keeps loads within bounds, never puts a juror on "
    "an entry they have a conflict with, and prefers jurors expert in the entry's track. Assignments already made "
    "stay.":
        "Il motore dà a ogni candidatura esattamente i giurati richiesti, tiene i carichi nei limiti, non assegna "
        "mai un giurato a una candidatura con cui ha un conflitto e preferisce i giurati esperti dell'ambito della "
        "candidatura. Le assegnazioni già fatte restano.",
    "Check the options marked below.": "Controlla le opzioni segnalate qui sotto.",
    "Minimum entries per juror": "Numero minimo di candidature per giurato",
    "Maximum entries per juror (empty: an even spread plus one)":
        "Numero massimo di candidature per giurato (vuoto: una ripartizione uniforme più una)",
    "At least one track expert on every entry": "Almeno un esperto dell'ambito su ogni candidatura",
    "At most this many jurors of one organisation on an entry (empty: no cap)":
        "Al massimo questi giurati della stessa organizzazione su una candidatura (vuoto: nessun limite)",
    "At most this many entries shared by any two jurors (empty: no cap)":
        "Al massimo queste candidature in comune tra due giurati (vuoto: nessun limite)",
    "Also move engine assignments no juror has opened yet":
        "Sposta anche le assegnazioni del motore che nessun giurato ha ancora aperto",
    "Compute a proposal": "Calcola una proposta",
    "Entries needing refill": "Candidature da reintegrare",
    "Jurors assigned": "Giurati assegnati",
    "Missing": "Mancanti",
    "Released by": "Lasciata da",
    "Refill these entries": "Reintegra queste candidature",
    "Every entry has its jurors.": "Ogni candidatura ha i suoi giurati.",
    "Current assignments": "Assegnazioni attuali",
    "Made by": "Fatta da",
    "Actions": "Azioni",
    "Remove": "Togli",
    "No assignments yet.": "Ancora nessuna assegnazione.",
    "Add a juror to an entry by hand": "Aggiungi a mano un giurato a una candidatura",
    "Add": "Aggiungi",
    "Organisation": "Organizzazione",
    "Tracks of expertise": "Ambiti di competenza",
    "Entries assigned": "Candidature assegnate",
    "Own load limits": "Limiti di carico personali",
    "No jurors in this edition yet.": "Ancora nessun giurato in questa edizione.",
}

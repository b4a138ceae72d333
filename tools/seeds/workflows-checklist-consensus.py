IT = {
    "Say why this item fails.": "Indica perché questa voce non è superata.",
    "Mark this item as passed or failed.": "Segna questa voce come superata o non superata.",
    "Choose the outcome of the check.": "Scegli l'esito della verifica.",
    "An item failed: choose not admissible, or ask for a second look.":
        "Una voce non è superata: scegli «non ammissibile» oppure chiedi un secondo controllo.",
    "Mark the item that fails, with its reason, to declare the entry not admissible.":
        "Per dichiarare la proposta non ammissibile, segna la voce non superata con la sua motivazione.",
    "Enter the consensus score as a number.": "Inserisci il punteggio di consenso come numero.",
    "Write the reason for the consensus score; it goes in the record.":
        "Scrivi la motivazione del punteggio di consenso; resta agli atti.",
    "Panel chair": "Presidente di giuria",
    "A former member of the panel": "Un ex componente della giuria",
    "The check for this round is closed.": "La verifica di questa fase è chiusa.",
    "Write a message first.": "Scrivi prima un messaggio.",
    "A message can have at most {count} characters.": "Un messaggio può avere al massimo {count} caratteri.",
    "you": "tu",
    "No messages yet.": "Ancora nessun messaggio.",
    "The check closes on": "La verifica si chiude il",
    "Checklist submitted. You can change it until the round closes.":
        "Checklist inviata. Puoi modificarla fino alla chiusura della fase.",
    "Admissibility checklist": "Checklist di ammissibilità",
    "Nothing was saved": "Non è stato salvato nulla",
    "This checklist was changed in another tab or device. Your answers are below; reload the page to see the "
    "saved ones, then enter your changes again.":
        "Questa checklist è stata modificata in un'altra scheda o su un altro dispositivo. Le tue risposte sono "
        "qui sotto; ricarica la pagina per vedere quelle salvate, poi inserisci di nuovo le modifiche.",
    "Outcome": "Esito",
    "Mark every item. A failed item needs its reason: the organisers use it to write to the applicant.":
        "Segna ogni voce. Una voce non superata richiede la motivazione: gli organizzatori la usano per "
        "scrivere al candidato.",
    "Passed": "Superata",
    "Failed": "Non superata",
    "Reason (required when the item fails)": "Motivazione (obbligatoria se la voce non è superata)",
    "Needs a second look": "Serve un secondo controllo",
    "Note for the organisers (optional)": "Nota per gli organizzatori (facoltativa)",
    "Submit the checklist": "Invia la checklist",
    "The check is closed for this round.": "La verifica è chiusa per questa fase.",
    "Entries to discuss": "Proposte da discutere",
    "Consensus score recorded.": "Punteggio di consenso registrato.",
    "Message posted.": "Messaggio pubblicato.",
    "Discussion opened: the entry's jurors who submitted can now read and post.":
        "Discussione aperta: i giurati della proposta che hanno inviato la valutazione ora possono leggere e "
        "scrivere.",
    "Spread of the totals: {spread} points (threshold {threshold}).":
        "Distanza tra i totali: {spread} punti (soglia {threshold}).",
    "No submitted review.": "Nessuna valutazione inviata.",
    "Panel discussion": "Discussione della giuria",
    "The discussion is not open yet. Once open, the entry's jurors who submitted their review can read it and post.":
        "La discussione non è ancora aperta. Una volta aperta, i giurati della proposta che hanno inviato la "
        "valutazione potranno leggerla e scrivere.",
    "Open the discussion": "Apri la discussione",
    "Your message to the panel": "Il tuo messaggio alla giuria",
    "Post the message": "Pubblica il messaggio",
    "Consensus score": "Punteggio di consenso",
    "Current consensus score: {score}.": "Punteggio di consenso attuale: {score}.",
    "Reason:": "Motivazione:",
    "The consensus score replaces the calibrated score of this entry in the round's results; the jurors' reviews "
    "stay as they are. The change is recorded with your reason.":
        "Il punteggio di consenso sostituisce il punteggio calibrato di questa proposta nei risultati della fase; "
        "le valutazioni dei giurati restano come sono. La modifica resta agli atti con la tua motivazione.",
    "Reason (required; kept in the record)": "Motivazione (obbligatoria; resta agli atti)",
    "Record the consensus score": "Registra il punteggio di consenso",
    "As panel chair you see the entries whose submitted totals differ by more than {threshold} points (the totals "
    "run from {low} to {high}). Open a discussion for the entry's jurors, and set a consensus score when the panel "
    "agrees; the original reviews are kept.":
        "Come presidente di giuria vedi le proposte i cui totali inviati distano più di {threshold} punti (i totali "
        "vanno da {low} a {high}). Apri una discussione per i giurati della proposta e fissa un punteggio di "
        "consenso quando la giuria è d'accordo; le valutazioni originali restano.",
    "Submitted totals": "Totali inviati",
    "Spread": "Distanza",
    "Discussion": "Discussione",
    "open": "aperta",
    "not opened": "non aperta",
    "No entry needs discussing: the submitted totals agree within the threshold.":
        "Nessuna proposta da discutere: i totali inviati concordano entro la soglia.",
    "Entries to discuss (panel chair)": "Proposte da discutere (presidente di giuria)",
    "The panel chair opened a discussion of this entry because the panel's scores differ. Your review stays as you "
    "submitted it.":
        "Il presidente di giuria ha aperto una discussione su questa proposta perché i punteggi della giuria "
        "divergono. La tua valutazione resta come l'hai inviata.",
    "Consensus score set by the panel chair: {score}.":
        "Punteggio di consenso fissato dal presidente di giuria: {score}.",
}

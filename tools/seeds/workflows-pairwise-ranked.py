"""Italian for the pairwise and ranked-vote juror pages (branch workflows-pairwise-ranked)."""

IT = {
    "Judging for this round is closed.": "La valutazione di questa fase è chiusa.",
    "Give this entry a position.": "Assegna una posizione a questa proposta.",
    "Choose a position from 1 to {count}.": "Scegli una posizione da 1 a {count}.",
    "Position {position} is given to more than one entry.":
        "La posizione {position} è assegnata a più di una proposta.",
    "Voting for this round is closed.": "La votazione di questa fase è chiusa.",
    "Your ranking was changed in another tab or device; check it and save again.":
        "La tua classifica è stata modificata in un'altra scheda o su un altro dispositivo; "
        "controllala e salva di nuovo.",
    "Choose one of the two entries.": "Scegli una delle due proposte.",
    "Comparisons made: {count}.": "Confronti fatti: {count}.",
    "Choice saved. Here is the next pair.": "Scelta salvata. Ecco la coppia successiva.",
    "You had already compared those two entries; here is the next pair.":
        "Avevi già confrontato quelle due proposte; ecco la coppia successiva.",
    "The conflict was recorded; that entry will not be shown to you again.":
        "Il conflitto è stato registrato; quella proposta non ti sarà più mostrata.",
    "Read both entries and choose the better one. Choosing also confirms that you have no conflict of interest "
    "with either; if you have one, declare it under that entry instead.":
        "Leggi entrambe le proposte e scegli la migliore. Scegliendo confermi anche di non avere conflitti di "
        "interesse con nessuna delle due; se ne hai uno, dichiaralo sotto quella proposta.",
    "{entry} is better": "{entry} è migliore",
    "I have a conflict of interest with {entry}": "Ho un conflitto di interesse con {entry}",
    "Kind of conflict": "Tipo di conflitto",
    "Declare the conflict and stop seeing this entry": "Dichiara il conflitto e non vedere più questa proposta",
    "Judging is closed for this round.": "La valutazione di questa fase è chiusa.",
    "There are not enough entries for you to compare in this round.":
        "In questa fase non ci sono abbastanza proposte da confrontare per te.",
    "You have compared every pair of entries open to you. Thank you.":
        "Hai confrontato tutte le coppie di proposte a te disponibili. Grazie.",
    "Voting closes on": "La votazione si chiude il",
    "Ranking submitted. You can change it until the round closes.":
        "Classifica inviata. Puoi modificarla fino alla chiusura della fase.",
    "The ranking was not saved": "La classifica non è stata salvata",
    "Give each finalist a position, 1 for the best; every position is used once.":
        "Assegna a ogni finalista una posizione, 1 per la migliore; ogni posizione si usa una sola volta.",
    "Position": "Posizione",
    "Submit the ranking": "Invia la classifica",
    "Voting is closed for this round.": "La votazione di questa fase è chiusa.",
    "There are no finalists for you to rank in this round.":
        "In questa fase non ci sono finaliste da classificare per te.",
}

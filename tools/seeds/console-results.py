IT = {
    "ID": "ID",
    "Receipt": "Ricevuta",
    "Area": "Area",
    "Region": "Regione",
    "Legal form": "Forma giuridica",
    "Tax code": "Codice fiscale",
    "Submitted at": "Inviata il",
    "Applicant email": "Email del candidato",
    "Scores": "Punteggi",
    "Application ID": "ID candidatura",
    "Criterion": "Criterio",
    "Review total": "Totale della valutazione",
    "Scores by juror": "Punteggi per giurato",
    "Ranking": "Graduatoria",
    "Rank": "Posizione",
    "Score": "Punteggio",
    "Interval low": "Estremo inferiore",
    "Interval high": "Estremo superiore",
    "Best rank": "Posizione migliore",
    "Worst rank": "Posizione peggiore",
    "P(top N)": "P(primi N)",
    "Reviews": "Valutazioni",
    "Flags": "Segnalazioni",
    "Method": "Metodo",
    "Decisions": "Decisioni",
    "Outcome": "Esito",
    "Reason": "Motivazione",
    "Decided by": "Deciso da",
    "Staged at": "Predisposto il",
    "Published at": "Pubblicato il",
    "Calibrated scores with their intervals": "Punteggi calibrati con i loro intervalli",
    "Jurors who submitted reviews: {jurors}. Entries ranked: {entries}. Reviews counted: {reviews}.":
        "Giurati che hanno inviato valutazioni: {jurors}. Candidature in graduatoria: {entries}. "
        "Valutazioni considerate: {reviews}.",
    "Calibration method: {method}.": "Metodo di calibrazione: {method}.",
    "The intervals are {level} bootstrap intervals from {replicates} replicates of the review noise, with the "
    "assignment of jurors kept as it was. P(top N) is the share of replicates in which the entry is among the "
    "first {top}. Entries whose place at the cut is uncertain: {uncertain}.":
        "Gli intervalli sono intervalli bootstrap al {level} ottenuti da {replicates} repliche del rumore delle "
        "valutazioni, mantenendo l'assegnazione dei giurati com'era. P(primi N) è la quota di repliche in cui la "
        "candidatura è tra le prime {top}. Candidature con posizione incerta rispetto alla soglia: {uncertain}.",
    "Intervals were not computed for this record (the round's bootstrap has not run).":
        "Per questo verbale gli intervalli non sono stati calcolati (il bootstrap della fase non è stato eseguito).",
    "Agreement among jurors (ICC of the mean of {k} reviews): {icc}.":
        "Accordo tra i giurati (ICC della media di {k} valutazioni): {icc}.",
    "Decisions published on {date}.": "Decisioni pubblicate il {date}.",
    "Decisions staged, not yet published.": "Decisioni predisposte, non ancora pubblicate.",
    "No decisions recorded yet.": "Nessuna decisione ancora registrata.",
    "Interval": "Intervallo",
    "Ranks": "Posizioni",
    "Deliberation record: {round}": "Verbale di valutazione: {round}",
    "{edition} · drawn up on {date}": "{edition} · redatto il {date}",
    "Uncertainty": "Incertezza",
    "Plain mean": "Media semplice",
    "Standardised per juror": "Standardizzazione per giurato",
    "Percentiles per juror": "Percentili per giurato",
    "Model of juror leniency": "Modello dell'indulgenza dei giurati",
    "Model of juror leniency and scale": "Modello dell'indulgenza e dell'uso della scala dei giurati",
    "Each entry's score is the plain mean of its review totals, with no correction for how lenient or severe its "
    "jurors were.":
        "Il punteggio di ogni candidatura è la media semplice dei totali delle sue valutazioni, senza correggere "
        "l'indulgenza o la severità dei suoi giurati.",
    "Each juror's totals were standardised by that juror's own mean and spread, averaged per entry and put back on "
    "the rubric's scale, so that lenient and severe jurors weigh the same.":
        "I totali di ogni giurato sono stati standardizzati con la media e la dispersione di quel giurato, mediati "
        "per candidatura e riportati sulla scala della griglia, così che giurati indulgenti e severi pesino allo "
        "stesso modo.",
    "Each total was replaced by its percentile among the same juror's totals and mapped back to the rubric's scale "
    "through the distribution of all totals.":
        "Ogni totale è stato sostituito dal suo percentile tra i totali dello stesso giurato e riportato sulla "
        "scala della griglia attraverso la distribuzione di tutti i totali.",
    "Scores come from a model in which every review total is the entry's quality plus the juror's leniency plus "
    "noise; fitted over all reviews at once, with jurors of few reviews corrected cautiously, it removes each "
    "juror's leniency from the entries they reviewed.":
        "I punteggi vengono da un modello in cui ogni totale è la qualità della candidatura più l'indulgenza del "
        "giurato più un errore casuale; stimato su tutte le valutazioni insieme, correggendo con prudenza i giurati "
        "con poche valutazioni, toglie l'indulgenza di ogni giurato dalle candidature che ha valutato.",
    "Scores come from a model in which every juror has a leniency and a way of using the scale (narrow or wide); "
    "both are estimated from all reviews at once, cautiously for jurors with few reviews, and removed from the "
    "entries' scores.":
        "I punteggi vengono da un modello in cui ogni giurato ha un'indulgenza e un modo di usare la scala (stretto "
        "o ampio); entrambi sono stimati su tutte le valutazioni insieme, con prudenza per i giurati con poche "
        "valutazioni, e tolti dai punteggi delle candidature.",
    "{edition}: your application goes on to the next round":
        "{edition}: la tua candidatura passa alla fase successiva",
    "Good news: after {round}, your application to {edition} goes on to the next round. We will write again with "
    "the next steps.":
        "Buone notizie: dopo la fase «{round}», la tua candidatura a {edition} passa alla fase successiva. Ti "
        "scriveremo di nuovo con i prossimi passi.",
    "The organisers' note: {reason}": "La nota degli organizzatori: {reason}",
    "You can see where your application stands here:": "Puoi vedere a che punto è la tua candidatura qui:",
    "{edition}: you are among the finalists": "{edition}: sei tra i finalisti",
    "Congratulations: after {round}, your application to {edition} is among the finalists. We will write again "
    "with the next steps.":
        "Congratulazioni: dopo la fase «{round}», la tua candidatura a {edition} è tra le finaliste. Ti scriveremo "
        "di nuovo con i prossimi passi.",
    "{edition}: the outcome of {round}": "{edition}: l'esito della fase «{round}»",
    "Thank you for taking part in {edition}. After {round}, your application does not go on to the next round.":
        "Grazie per aver partecipato a {edition}. Dopo la fase «{round}», la tua candidatura non passa alla fase "
        "successiva.",
    "Thank you for taking part in {edition} up to the end. After {round}, your application is not among the "
    "winners.":
        "Grazie per aver partecipato a {edition} fino alla fine. Dopo la fase «{round}», la tua candidatura non è "
        "tra le vincitrici.",
    "{edition}: you are among the winners": "{edition}: sei tra i vincitori",
    "Congratulations: after {round}, your application is among the winners of {edition}.":
        "Congratulazioni: dopo la fase «{round}», la tua candidatura è tra le vincitrici di {edition}.",
    "uncertain at the cut": "incerta rispetto alla soglia",
    "one review only": "una sola valutazione",
    "excluded by a threshold": "esclusa da una soglia",
    "no reviews yet": "ancora nessuna valutazione",
    "below the threshold of {criterion}": "sotto la soglia di {criterion}",
    "jurors not linked to the others": "giurati non collegati agli altri",
    "by rank": "per posizione",
    "track minimum": "minimo per ambito",
    "area minimum": "minimo per area",
    "below the cut": "sotto la soglia",
    "below a criterion threshold": "sotto la soglia di un criterio",
    "below the minimum score": "sotto il punteggio minimo",
    "not ranked": "non in graduatoria",
    "All entries": "Tutte le candidature",
    "By track": "Per ambito",
    "By area": "Per area",
    "waiting": "in attesa",
    "running": "in corso",
    "done": "completato",
    "Scores, one row per review and criterion": "Punteggi, una riga per valutazione e criterio",
    "Scores, one row per entry and a column per juror and criterion":
        "Punteggi, una riga per candidatura e una colonna per giurato e criterio",
    "Deliberation record (verbale)": "Verbale di valutazione",
    "Leniency per juror": "Indulgenza per giurato",
    "Leniency": "Indulgenza",
    "Points above the other jurors of the same entries": "Punti sopra gli altri giurati delle stesse candidature",
    "Spread per juror": "Dispersione per giurato",
    "Spread": "Dispersione",
    "Spread compared with the other jurors (1 = the same)": "Dispersione rispetto agli altri giurati (1 = uguale)",
    "Give a reason for changing the proposal.": "Indica una motivazione per modificare la proposta.",
    "Choose one of the outcomes offered.": "Scegli uno degli esiti proposti.",
    "Decisions staged. Applicants see nothing until you publish them.":
        "Decisioni predisposte. I candidati non vedono nulla finché non le pubblichi.",
    "Decisions published; notices are on their way.": "Decisioni pubblicate; le comunicazioni sono in partenza.",
    "These decisions are already published and can no longer be changed.":
        "Queste decisioni sono già pubblicate e non possono più essere modificate.",
    "Stage the decisions first.": "Prima predisponi le decisioni.",
    "uncertain": "incerta",
    "(one missing)": ("(ne manca una)", "(ne mancano {count})"),
    "jurors disagree": "giurati in disaccordo",
    "State:": "Stato:",
    "Download {name}": "Scarica {name}",
    "Done.": "Fatto.",
    "This job failed: {error}": "Questa operazione non è riuscita: {error}",
    "Advancement": "Passaggio di fase",
    "Leaderboard": "Classifica",
    "One change needs attention; nothing was staged.": (
        "Una modifica richiede attenzione; non è stato predisposto nulla.",
        "{count} modifiche richiedono attenzione; non è stato predisposto nulla."),
    "The rule": "La regola",
    "Places: {n}": "Posti: {n}",
    "At least per track: {n}": "Almeno per ambito: {n}",
    "At least per area: {n}": "Almeno per area: {n}",
    "Minimum score: {score}": "Punteggio minimo: {score}",
    "Entries below a criterion's threshold do not advance.":
        "Le candidature sotto la soglia di un criterio non passano.",
    "Advancing: {n}. Uncertain at the cut: {u}.": "Passano: {n}. Incerte rispetto alla soglia: {u}.",
    "The intervals of this large round are not computed yet: compute them from the leaderboard to see which places "
    "are uncertain.":
        "Gli intervalli di questa fase, che è grande, non sono ancora calcolati: calcolali dalla classifica per "
        "vedere quali posizioni sono incerte.",
    "Published on {moment}.": "Pubblicate il {moment}.",
    "Staged: applicants see nothing until you publish.":
        "Predisposte: i candidati non vedono nulla finché non pubblichi.",
    "Proposal": "Proposta",
    "Decision": "Decisione",
    "Reason (required for a change)": "Motivazione (obbligatoria per una modifica)",
    "No entries in this round yet.": "Ancora nessuna candidatura in questa fase.",
    "A reason is recorded in the verbale and shown to the applicant with the outcome.":
        "La motivazione è riportata nel verbale e mostrata al candidato insieme all'esito.",
    "Stage the decisions": "Predisponi le decisioni",
    "Publishing changes every applicant's status at once and sends each a notice in their language. It cannot be "
    "undone here.":
        "La pubblicazione cambia lo stato di tutti i candidati insieme e invia a ciascuno una comunicazione nella "
        "sua lingua. Qui non si può annullare.",
    "Publish the decisions": "Pubblica le decisioni",
    "Prepare {format}": "Prepara {format}",
    "This edition is large: files are prepared in the background and you download them when they are ready.":
        "Questa edizione è grande: i file vengono preparati in background e li scarichi quando sono pronti.",
    "The whole edition": "L'intera edizione",
    "Export": "Esportazione",
    "Files": "File",
    "Files prepared in the background": "File preparati in background",
    "Background job": "Operazione in background",
    "You can leave this page: the work goes on, and the result stays here.":
        "Puoi lasciare questa pagina: il lavoro continua e il risultato resta qui.",
    "Leaderboard of round {round}": "Classifica della fase {round}",
    "Back to the exports": "Torna alle esportazioni",
    "This round's workflow computes no ranking.": "Il flusso di questa fase non produce una graduatoria.",
    "Back to the rounds": "Torna alle fasi",
    "View": "Vista",
    "Calibration method": "Metodo di calibrazione",
    "the round's method": "il metodo della fase",
    "Entries": "Candidature",
    "Places at the cut (N)": "Posti alla soglia (N)",
    "Show": "Mostra",
    "Compared with the round's method, one entry changes place.": (
        "Rispetto al metodo della fase, una candidatura cambia posizione.",
        "Rispetto al metodo della fase, {count} candidature cambiano posizione."),
    "Submitted reviews: {reviews}. Reviews expected per entry: {k}.":
        "Valutazioni inviate: {reviews}. Valutazioni previste per candidatura: {k}.",
    "Intervals": "Intervalli",
    "This round is large: its intervals and P(top N) are computed in the background. The ranking below is already "
    "final; the uncertainty is added when the computation ends.":
        "Questa fase è grande: i suoi intervalli e P(primi N) vengono calcolati in background. La graduatoria qui "
        "sotto è già definitiva; l'incertezza si aggiunge quando il calcolo finisce.",
    "Compute the intervals": "Calcola gli intervalli",
    "Calibrated scores with their intervals; the same figures are in the table below.":
        "Punteggi calibrati con i loro intervalli; gli stessi valori sono nella tabella qui sotto.",
    "No group": "Nessun gruppo",
    "Moved": "Spostamento",
    "Reviews far from the others": "Valutazioni lontane dalle altre",
    "Others' mean": "Media degli altri",
    "Gap": "Scarto",
    "Jurors": "Giurati",
    "Reliability of the round:": "Affidabilità della fase:",
    "ICC of the mean of {k} reviews {icc} ({level} interval {low} to {high})":
        "ICC della media di {k} valutazioni {icc} (intervallo al {level} da {low} a {high})",
    "Krippendorff's alpha {alpha}": "alfa di Krippendorff {alpha}",
    "not enough shared reviews yet": "ancora troppe poche valutazioni condivise",
    "Leniency per juror; the same figures are in the table below.":
        "Indulgenza per giurato; gli stessi valori sono nella tabella qui sotto.",
    "Spread per juror; the same figures are in the table below.":
        "Dispersione per giurato; gli stessi valori sono nella tabella qui sotto.",
    "Shared reviews": "Valutazioni condivise",
    "Agreement": "Accordo",
    "(clear)": "(netta)",
    "No juror shares an entry with another yet.": "Ancora nessun giurato condivide una candidatura con un altro.",
    "Leniency: points a juror gives above (or below) the other jurors of the same entries. Spread: how much of the "
    "scale the juror uses compared with them (1 is the same). Clear: more than two standard errors from zero.":
        "Indulgenza: punti che un giurato dà in più (o in meno) rispetto agli altri giurati delle stesse "
        "candidature. Dispersione: quanta parte della scala usa rispetto a loro (1 è uguale). Netta: oltre due "
        "errori standard da zero.",
}
IT["Show the leaderboard with its intervals"] = "Mostra la classifica con i suoi intervalli"

IT = {
    "Enter at least one email address.": "Inserisci almeno un indirizzo email.",
    "These are not valid email addresses: {addresses}": "Questi indirizzi email non sono validi: {addresses}",
    "At most {count} addresses at a time.": "Al massimo {count} indirizzi per volta.",
    "Choose a role.": "Scegli un ruolo.",
    "Choose the language of the invitation.": "Scegli la lingua dell'invito.",
    "Choose a round of this edition.": "Scegli una fase di questa edizione.",
    "Choose a partner of this edition.": "Scegli un partner di questa edizione.",
    "A sponsor user belongs to a partner: choose which.": "Un utente sponsor appartiene a un partner: scegli quale.",
    "You cannot remove your own organiser role; ask another organiser.":
        "Non puoi togliere a te stesso il ruolo di organizzatore; chiedilo a un altro organizzatore.",
    "This round is closed: there is nothing left to remind jurors of.":
        "Questa fase è chiusa: non c'è più nulla da ricordare ai giurati.",
    "Reminder: {remaining} review to complete for {round}": (
        "Promemoria: {remaining} valutazione da completare per {round}",
        "Promemoria: {remaining} valutazioni da completare per {round}"),
    "A reminder from the organisers of {edition} about the round {round}.":
        "Un promemoria dagli organizzatori di {edition} sulla fase {round}.",
    "Entries assigned to you: {assigned}": "Proposte assegnate a te: {assigned}",
    "Reviews submitted: {submitted}": "Valutazioni inviate: {submitted}",
    "Drafts in progress: {started}": "Bozze in corso: {started}",
    "Still to complete: {remaining}": "Ancora da completare: {remaining}",
    "Scoring closes on {deadline}.": "La valutazione si chiude il {deadline}.",
    "Your entries and drafts are here:": "Le tue proposte e le tue bozze sono qui:",
    "Thank you for the time you give to the call.": "Grazie per il tempo che dedichi al bando.",
    "Invitation to the jury of {edition}": "Invito a far parte della giuria di {edition}",
    "Invitation to mentor in {edition}": "Invito a fare da mentor in {edition}",
    "Your sponsor access to {edition}": "Il tuo accesso come sponsor a {edition}",
    "Invitation to organise {edition}": "Invito a organizzare {edition}",
    "{inviter} invites you to join the jury of {edition}.":
        "{inviter} ti invita a far parte della giuria di {edition}.",
    "You are invited for this round: {round}.": "Sei invitato per questa fase: {round}.",
    "Jurors see only the entries assigned to them, declare any conflict of interest before opening one, and score "
    "each on the call's criteria.":
        "I giurati vedono solo le proposte assegnate, dichiarano eventuali conflitti di interesse prima di aprirne "
        "una e le valutano secondo i criteri del bando.",
    "{inviter} invites you to mentor finalists of {edition}.":
        "{inviter} ti invita ad accompagnare come mentor le finaliste di {edition}.",
    "{inviter} gives you access to {edition} on behalf of {organisation}: its tracks, prizes and report.":
        "{inviter} ti dà accesso a {edition} per conto di {organisation}: i suoi ambiti, i premi e il report.",
    "{inviter} invites you to organise {edition} with them.": "{inviter} ti invita a organizzare {edition} insieme.",
    "To accept, open this link. If you have no Giuria account yet, you will choose a password there; if you have "
    "one, sign in with it.":
        "Per accettare apri questo link. Se non hai ancora un account Giuria sceglierai lì una password; se ce l'hai, "
        "accedi con quello.",
    "The link works once, until {date}.": "Il link funziona una sola volta, fino al {date}.",
    "If you did not expect this invitation, you can ignore this message.":
        "Se non aspettavi questo invito puoi ignorare questo messaggio.",
    "The invitation was sent again; the earlier link no longer works.":
        "L'invito è stato inviato di nuovo; il link precedente non funziona più.",
    "The invitation was revoked; its link no longer works.": "L'invito è stato revocato; il suo link non funziona più.",
    "The role was removed.": "Il ruolo è stato tolto.",
    "This invitation has expired, was revoked or replaced by a newer one, or was already accepted. Ask the "
    "organisers to send it again.":
        "Questo invito è scaduto, è stato revocato o sostituito da uno più recente, oppure è già stato accettato. "
        "Chiedi agli organizzatori di inviarlo di nuovo.",
    "Choose at least one juror, or everyone behind schedule.":
        "Scegli almeno un giurato, oppure tutti quelli in ritardo.",
    "Your invitation": "Il tuo invito",
    "You are invited to {edition} as {role}.": "Sei invitato a {edition} come {role}.",
    "Round: {round}.": "Fase: {round}.",
    "On behalf of {organisation}.": "Per conto di {organisation}.",
    "Invited address: {email}": "Indirizzo invitato: {email}",
    "Accept the invitation": "Accetta l'invito",
    "You are signed in as {current}, but the invitation is for {email}. Sign out, then open the link again and sign "
    "in as {email}.":
        "Hai effettuato l'accesso come {current}, ma l'invito è per {email}. Esci, poi apri di nuovo il link e accedi "
        "come {email}.",
    "This address already has a Giuria account. Sign in with it to accept.":
        "Questo indirizzo ha già un account Giuria. Accedi con quello per accettare.",
    "Sign in to accept": "Accedi per accettare",
    "You are signed in as {current}, but the invitation is for {email}. Sign out, then open the link again to "
    "create the account for {email}.":
        "Hai effettuato l'accesso come {current}, ma l'invito è per {email}. Esci, poi apri di nuovo il link per "
        "creare l'account di {email}.",
    "Choose a password": "Scegli una password",
    "Create my account and accept": "Crea il mio account e accetta",
    "Scoring opens on": "La valutazione si apre il",
    "Scoring closed on": "La valutazione si è chiusa il",
    "pending": "in attesa",
    "accepted": "accettato",
    "expired": "scaduto",
    "revoked": "revocato",
    "Invitations sent: {invited}. Sent again with a new link: {renewed}. Already holding the role: {already}.":
        "Inviti inviati: {invited}. Inviati di nuovo con un nuovo link: {renewed}. Avevano già il ruolo: {already}.",
    "Invite people": "Invita persone",
    "Nothing was sent: please correct the form": "Non è stato inviato nulla: correggi il modulo",
    "Email addresses, one per line": "Indirizzi email, uno per riga",
    "Role": "Ruolo",
    "Round (jurors only, optional)": "Fase (solo per i giurati, facoltativa)",
    "Any round": "Qualsiasi fase",
    "Partner organisation (required for sponsor users)": "Organizzazione partner (obbligatoria per gli utenti sponsor)",
    "No partner": "Nessun partner",
    "Language of the invitation (people with an account get theirs)":
        "Lingua dell'invito (chi ha già un account riceve la propria)",
    "Send the invitations": "Invia gli inviti",
    "Invitations": "Inviti",
    "Link valid until": "Link valido fino al",
    "Actions": "Azioni",
    "Send again to {email}": "Invia di nuovo a {email}",
    "Send again": "Invia di nuovo",
    "Revoke the invitation of {email}": "Revoca l'invito di {email}",
    "Revoke": "Revoca",
    "No invitations yet.": "Ancora nessun invito.",
    "People with a role in this edition": "Persone con un ruolo in questa edizione",
    "Name": "Nome",
    "Organisation": "Organizzazione",
    "Remove the role {role} from {email}": "Togli il ruolo {role} a {email}",
    "Remove the role": "Togli il ruolo",
    "Nobody holds a role in this edition yet.": "Nessuno ha ancora un ruolo in questa edizione.",
    "Jurors": "Giurati",
    "Assigned reviews": "Valutazioni assegnate",
    "Drafts": "Bozze",
    "Released for a conflict": "Rilasciate per conflitto",
    "Entries": "Proposte",
    "Entries missing reviews": "Proposte con valutazioni mancanti",
    "This edition has no rounds yet.": "Questa edizione non ha ancora fasi di valutazione.",
    "{submitted} of {assigned} reviews submitted.": "{submitted} valutazioni inviate su {assigned}.",
    "Reviews needed per entry: {count}.": "Valutazioni richieste per proposta: {count}.",
    "Reminder sent to: {names}.": "Promemoria inviato a: {names}.",
    "Skipped, reminded within the last {hours} hours:": "Saltati, perché già sollecitati nelle ultime {hours} ore:",
    "last reminder": "ultimo promemoria",
    "Skipped, nothing left to review: {names}.": "Saltati, nulla da valutare: {names}.",
    "Nobody is behind schedule: no reminder was sent.": "Nessuno è in ritardo: nessun promemoria inviato.",
    "Remind": "Sollecita",
    "Assigned": "Assegnate",
    "Conflict check done": "Verifica conflitti fatta",
    "Last activity": "Ultima attività",
    "Last reminder": "Ultimo promemoria",
    "Pace": "Ritmo",
    "Remind {name}": "Sollecita {name}",
    "done": "finito",
    "behind schedule": "in ritardo",
    "{expected} expected by now": "{expected} attese a oggi",
    "on schedule": "in linea",
    "A reminder mails each juror their own counts, the deadline and a link to their entries. A juror gets at most "
    "one reminder for this round every {hours} hours.":
        "Il promemoria manda a ogni giurato i suoi numeri, la scadenza e un link alle sue proposte. Un giurato "
        "riceve al massimo un promemoria per questa fase ogni {hours} ore.",
    "Remind the selected jurors": "Sollecita i giurati selezionati",
    "Remind everyone behind schedule ({count})": "Sollecita tutti quelli in ritardo ({count})",
    "Nobody is assigned in this round yet.": "Nessuno è ancora assegnato in questa fase.",
    "Reviews needed": "Valutazioni richieste",
    "Reviews submitted": "Valutazioni inviate",
    "No track": "Nessun ambito",
    "No entries in this round yet.": "Ancora nessuna proposta in questa fase.",
}

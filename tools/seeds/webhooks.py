IT = {
    "An application is submitted": "Una candidatura viene inviata",
    "An application is withdrawn": "Una candidatura viene ritirata",
    "Enter the URL that receives the events.": "Inserisci l'URL che riceve gli eventi.",
    "The URL is too long.": "L'URL è troppo lungo.",
    "Enter a full URL such as https://example.org/giuria-events.":
        "Inserisci un URL completo, per esempio https://example.org/giuria-events.",
    "The URL must start with https://.": "L'URL deve iniziare con https://.",
    "The URL must point to a public server.": "L'URL deve indicare un server pubblico.",
    "Choose a partner organisation of this edition.": "Scegli un'organizzazione partner di questa edizione.",
    "Choose events from the list.": "Scegli gli eventi dall'elenco.",
    "waiting": "in attesa",
    "delivered": "consegnata",
    "The webhook is deactivated.": "Il webhook è disattivato.",
    "Choose a partner organisation.": "Scegli un'organizzazione partner.",
    "Webhook added.": "Webhook aggiunto.",
    "Webhooks": "Webhook",
    "A partner's server can receive this edition's events as signed JSON posts. They carry identifiers and "
    "statuses only, never personal data.":
        "Il server di un partner può ricevere gli eventi di questa edizione come richieste JSON firmate. "
        "Contengono solo identificativi e stati, mai dati personali.",
    "Signing secret of the new webhook (shown only now: copy it for the partner):":
        "Segreto di firma del nuovo webhook (mostrato solo ora: copialo per il partner):",
    "Each post carries X-Giuria-Signature: sha256= followed by the HMAC-SHA256 of the X-Giuria-Timestamp header, "
    "a dot and the body, keyed with this secret.":
        "Ogni richiesta porta X-Giuria-Signature: sha256= seguito dall'HMAC-SHA256 dell'intestazione "
        "X-Giuria-Timestamp, un punto e il corpo, calcolato con questo segreto.",
    "URL": "URL",
    "all events": "tutti gli eventi",
    "active": "attivo",
    "deactivated": "disattivato",
    "Deactivate": "Disattiva",
    "No webhooks yet.": "Ancora nessun webhook.",
    "Add a webhook": "Aggiungi un webhook",
    "Partner organisation": "Organizzazione partner",
    "URL that receives the events": "URL che riceve gli eventi",
    "Events (none chosen: all of them)": "Eventi (se non ne scegli nessuno: tutti)",
    "Add the webhook": "Aggiungi il webhook",
    "Recent deliveries": "Consegne recenti",
    "Delivery": "Consegna",
    "Event": "Evento",
    "Last answer": "Ultima risposta",
    "Queued at": "In coda dal",
    "next attempt": "prossimo tentativo",
    "No deliveries yet.": "Ancora nessuna consegna.",
    "failed": "non recapitata",
    "cancelled": "annullata",
    "Status": "Stato",
    "Attempts": "Tentativi",
}

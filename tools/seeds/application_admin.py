IT = {
    "Say why the application is reopened; the applicant reads it.":
        "Indica perché la candidatura viene riaperta: il candidato leggerà la motivazione.",
    "Only a submitted application that no jury is judging can be reopened.":
        "Si può riaprire solo una candidatura inviata che nessuna giuria sta valutando.",
    "The deadline has passed: give the applicant a date until which to submit.":
        "La scadenza è passata: indica fino a quando il candidato potrà inviare.",
    "Enter the date and time until which this applicant may submit.":
        "Inserisci data e ora fino a cui questo candidato può inviare.",
    "Your application to {edition} has been reopened": "La tua candidatura a {edition} è stata riaperta",
    "The organisers have reopened your application to {edition}, so that you can correct it.":
        "Gli organizzatori hanno riaperto la tua candidatura a {edition}, perché tu possa correggerla.",
    "Their reason:": "La motivazione:",
    "Submit it again by {moment}: until then it is a draft and does not count as submitted.":
        "Inviala di nuovo entro {moment}: fino ad allora è una bozza e non risulta inviata.",
    "Untitled application": "Candidatura senza titolo",
    "The extension was saved.": "La proroga è stata salvata.",
    "The application is a draft again; the applicant has been told why.":
        "La candidatura è di nuovo una bozza; il candidato è stato informato del motivo.",
    "More time for this applicant": "Più tempo per questo candidato",
    "May submit until (time in {zone})": "Può inviare fino a (ora di {zone})",
    "Save the extension": "Salva la proroga",
    "Reopen for corrections": "Riapri per correzioni",
    "Reason (the applicant reads it)": "Motivazione (il candidato la leggerà)",
    "May submit until, if the deadline has passed (time in {zone})":
        "Può inviare fino a, se la scadenza è passata (ora di {zone})",
    "Reopen the application": "Riapri la candidatura",
    "Answers": "Risposte",
}

"""Translations to nl to complete, then: python scripts/i18n.py fill THIS_FILE nl"""

NL = {
    # fr: Aucun stage ni emploi pour l'instant.
    'No placement yet.': '',
    # fr: Pas d'heures de pratique demandées.
    'No practice hours required.': '',
    # fr: Aucun programme chargé pour l'instant : lancez `tremplin programmes load --shipped`.
    'No programme loaded yet: run `tremplin programmes load --shipped`.': '',
    # fr: Aucune séance comptée pour l'instant.
    'No session counted yet.': '',
    # fr: Aucune séance n'a encore eu lieu.
    'No session held yet.': '',
    # fr: Aucune séance prévue.
    'No session planned.': '',
    # fr: Aucune séance pour l'instant.
    'No session yet.': '',
    # fr: Aucun jeton pour l'instant.
    'No token yet.': '',
    # fr: Pas encore de stagiaire dans cette promotion.
    'No trainee in this cohort yet.': '',
    # fr: Pas encore de stagiaire.
    'No trainee yet.': '',
    # fr: Aucun·e stagiaire pour l'instant : importez la liste depuis un tableau.
    'No trainee yet: import them from a spreadsheet.': '',
    # fr: Aucun·e formateur·rice pour l'instant (tremplin cohorts add-trainer).
    'No trainer assigned yet (tremplin cohorts add-trainer).': '',
    # fr: Personne dans cette promotion n'a encore le badge de la formation.
    'Nobody in this cohort has the programme badge yet.': '',
    # fr: Aujourd'hui, personne ne risque de passer sous le seuil de présence.
    'Nobody is at risk of missing the attendance threshold today.': '',
    # fr: Personne ne correspond à cette recherche.
    'Nobody matches this search.': '',
    # fr: Aucun·e
    'None': '',
    # fr: Pas encore évalué
    'Not assessed yet': '',
    # fr: Non vérifié, car la signature du badge n'a pas pu être vérifiée.
    "Not checked, because the badge's signature could not be checked.": '',
    # fr: Non vérifié, car la signature du badge n'a pas pu être vérifiée.
    "Not checked, because the badge's signature could not be verified.": '',
    # fr: Non vérifié, car la clé de signature n'a pas pu être rattachée à l'émetteur.
    'Not checked, because the signing key could not be tied to the issuer.': '',
    # fr: Non vérifié : le serveur de l'émetteur ne sert plus ce badge.
    "Not checked: the issuer's server no longer serves this badge.": '',
    # fr: Non vérifié : le schéma officiel Open Badges 3.0 décrit le format de badge plus récent (VC 2.0), pas celui-ci.
    'Not checked: the official Open Badges 3.0 schema describes the newer credential format (VC 2.0), not this one.': '',
    # fr: Non confirmé
    'Not confirmed': '',
    # fr: Non comptées
    'Not counted': '',
    # fr: Non comptée (%(reason)s)
    'Not counted (%(reason)s)': '',
    # fr: Pas émis pour cette adresse
    'Not issued to this address': '',
    # fr: Pas encore créée
    'Not made yet': '',
    # fr: Non relevé
    'Not marked': '',
    # fr: Non réussi
    'Not passed': '',
    # fr: Pas possible ici
    'Not possible here': '',
    # fr: Non enregistrée
    'Not recorded': '',
    # fr: Non envoyé
    'Not sent': '',
    # fr: Pas encore envoyé : nouvel essai bientôt
    'Not sent yet: will try again': '',
    # fr: Pas envoyé : pas de serveur de courrier, à transmettre vous-même
    'Not sent: no mail server, pass it on by hand': '',
    # fr: Non affiché : la personne titulaire garde ce badge privé.
    'Not shown: the holder keeps this badge private.': '',
    # fr: Non valide
    'Not valid': '',
    # fr: Non valide : ne vous fiez pas à ce badge.
    'Not valid: do not rely on this badge.': '',
    # fr: Non valide : la signature ne correspond pas
    'Not valid: the signature does not match': '',
    # fr: Notes des heures de stage effacées
    'Notes of placement hours cleared': '',
    # fr: Rien d'enregistré pour l'instant.
    'Nothing recorded yet.': '',
    # fr: Rien à confirmer pour le moment.
    'Nothing to confirm right now.': '',
    # fr: Rien à afficher.
    'Nothing to show.': '',
    # fr: Rien en attente : toutes les tâches sont faites.
    'Nothing waiting: every task is done.': '',
    # fr: Rien n'a été importé : %(num)d problème à corriger.
    # fr: Rien n'a été importé : %(num)d problèmes à corriger.
    ('Nothing was imported: %(num)d problem to fix.', 'Nothing was imported: %(num)d problems to fix.'): ('', ''),
    # fr: Rien n'a été fourni.
    'Nothing was provided.': '',
    # fr: Rien n'a été enregistré. Réessayez dans quelques minutes.
    'Nothing was saved. Please try again in a few minutes.': '',
    # fr: Rien n'a été enregistré. Réessayez dans un instant ; si cela se reproduit, prévenez votre coordination.
    'Nothing was saved. Please try again in a moment; if it happens again, tell your coordinator.': '',
    # fr: Rien de ce que vous envoyez ici n'est conservé.
    'Nothing you send here is stored.': '',
    # fr: Nombre de stagiaires dans chaque tranche de taux de présence. %(below)d sur %(total)d sont sous le seuil de %(threshold)s %% (tranches hachurées).
    'Number of trainees in each band of attendance rate. %(below)d of %(total)d are below the %(threshold)s%% threshold (hatched bands).': '',
    # fr: Au %(date)s.
    'On %(date)s.': '',
    # fr: Sur quoi
    'On what': '',
    # fr: Une colonne par séance ; une case vide : personne non attendue (avant l'inscription, pendant une pause, après un départ).
    'One column per session; an empty cell: not expected (before enrolment, on a pause, after leaving).': '',
    # fr: Une séance (heures)
    'One session (hours)': '',
    # fr: Un seul mot, par exemple DEMO-2026-27. Il apparaît dans les exports et les commandes.
    'One word, e.g. DEMO-2026-27. It appears in exports and commands.': '',
    # fr: Seuls les fichiers PDF, PNG ou JPEG peuvent être joints.
    'Only PDF, PNG or JPEG files can be attached.': '',
    # fr: Seul·es les formateur·rices et la coordination valident les compétences.
    'Only trainers and coordinators validate competencies.': '',
    # fr: Open Badge émis par %(issuer)s
    'Open Badge issued by %(issuer)s': '',
    # fr: Assertion Open Badges 2.0
    'Open Badges 2.0 assertion': '',
    # fr: Les badges Open Badges 2.0 n'ont pas de schéma officiel à vérifier.
    'Open Badges 2.0 badges have no official schema to check.': '',
    # fr: Open Badges 2.0 : un lien vers une assertion hébergée, une assertion signée (JWS), ou une image de badge PNG ou SVG.
    'Open Badges 2.0: a link to a hosted assertion, a signed assertion (JWS), or a PNG or SVG badge image.': '',
    # fr: Open Badges 3.0 (attestations vérifiables W3C) : l'attestation en JSON, en JWT (VC-JWT), ou dans une image de badge PNG ou SVG.
    'Open Badges 3.0 (W3C Verifiable Credentials): the credential as JSON, as a JWT (VC-JWT), or inside a PNG or SVG badge image.': '',
    # fr: Les Open Badges que %(name)s a choisi de rendre publics.
    'Open Badges that %(name)s chose to make public.': '',
    # fr: Ouvrir le rapport pour les financeurs
    'Open the funder report': '',
    # fr: Ouvrir la boîte d'envoi
    'Open the outbox': '',
    # fr: Ou choisissez l'image du badge
    "Or choose the badge's image": '',
    # fr: Autres e-mails nettoyés du nom
    'Other e-mails cleaned of the name': '',
    # fr: Autre raison
    'Other reason': '',
    # fr: Boîte d'envoi
    'Outbox': '',
    # fr: Hors module
    'Outside modules': '',
    # fr: PDF en néerlandais
    'PDF in Dutch': '',
    # fr: PDF en anglais
    'PDF in English': '',
    # fr: PDF en français
    'PDF in French': '',
    # fr: Page %(n)d sur %(total)d
    'Page %(n)d of %(total)d': '',
    # fr: Page introuvable
    'Page not found': '',
    # fr: Pages
    'Pages': '',
    # fr: Réussi
    'Passed': '',
    # fr: Mot de passe
    'Password': '',
    # fr: Collez un lien ou une attestation, ou choisissez un fichier.
    'Paste a link or a credential, or choose a file.': '',
    # fr: Collez le lien du badge, ou le texte du badge
    "Paste the badge's link, or the badge's text": '',
    # fr: Pause
    'Pause': '',
    # fr: Pause enregistrée. Les séances pendant la pause ne comptent pas.
    'Pause recorded. The sessions during the pause do not count.': '',
    # fr: Pause supprimée.
    'Pause removed.': '',
    # fr: Pauses
    'Pauses': '',
    # fr: Pauses (email, from, to)
    'Pauses (email, from, to)': '',
    # fr: Personnes
    'People': '',
    # fr: Permissions
    'Permissions': '',
    # fr: Personne
    'Person': '',
    # fr: Données personnelles
    'Personal data': '',
    # fr: Données personnelles de %(name)s
    'Personal data of %(name)s': '',
    # fr: Données personnelles : télécharger ou effacer (à la demande de la personne)
    "Personal data: download or erase (on the person's request)": '',
    # fr: Lieu (facultatif)
    'Place (optional)': '',
    # fr: Stage
    'Placement (stage)': '',
    # fr: Stage ou emploi ajouté.
    'Placement added.': '',
    # fr: Heures de pratique (email, date, minutes, state)
    'Placement hours (email, date, minutes, state)': '',
    # fr: Référent·e de stage
    'Placement referent': '',
    # fr: Référent·e de stage ayant un compte
    'Placement referent with an account': '',
    # fr: Stages et emplois
    'Placements': '',
    # fr: Stages dont les liens envoyés au ou à la référent·e ne marchent plus
    'Placements whose links to the referent stopped working': '',
    # fr: Merci de vérifier le formulaire
    'Please check the form': '',
    # fr: Merci de vérifier le formulaire :
    'Please check the form:': '',
    # fr: Choisissez un mot de passe.
    'Please choose a password.': '',
    # fr: Indiquez un nom.
    'Please enter a name.': '',
    # fr: Indiquez une adresse e-mail.
    'Please enter an e-mail address.': '',
    # fr: Indiquez le nom de la structure d'accueil.
    'Please enter the name of the host organisation.': '',
    # fr: Indiquez le nom.
    'Please enter the name.': '',
    # fr: Indiquez votre mot de passe actuel.
    'Please enter your current password.': '',
    # fr: Indiquez votre adresse e-mail.
    'Please enter your e-mail address.': '',
    # fr: Indiquez votre mot de passe.
    'Please enter your password.': '',
    # fr: Indiquez un code.
    'Please give a code.': '',
    # fr: Indiquez une date.
    'Please give a date.': '',
    # fr: Indiquez une heure.
    'Please give a time.': '',
    # fr: Indiquez les heures.
    'Please give the hours.': '',
    # fr: Connectez-vous
    'Please log in': '',
    # fr: Connectez-vous pour voir cette page.
    'Please log in to see this page.': '',
    # fr: Dites en quelques mots pourquoi ces heures ne sont pas confirmées.
    'Please say in a few words why these hours are not confirmed.': '',
    # fr: Retapez le mot de passe.
    'Please type the password again.': '',
    # fr: Heures de pratique
    'Practice hours': '',
    # fr: Heures de pratique (stage ou emploi)
    'Practice hours (placement or job)': '',
    # fr: Heures de pratique confirmées
    'Practice hours confirmed': '',
    # fr: Heures de pratique confirmées par rapport à l'objectif
    'Practice hours confirmed against the target': '',
    # fr: Heures de pratique de %(name)s
    'Practice hours of %(name)s': '',
    # fr: Objectif d'heures de pratique
    'Practice hours target': '',
    # fr: Heures de pratique à confirmer
    'Practice hours to confirm': '',
    # fr: Heures de pratique : %(done)s confirmées sur %(target)s.
    'Practice hours: %(done)s confirmed out of %(target)s.': '',
    # fr: Heures de pratique : %(done)s confirmées, objectif atteint.
    'Practice hours: %(done)s confirmed, target reached.': '',
    # fr: Heures de pratique : encore %(left)s à faire confirmer pour atteindre l'objectif.
    'Practice hours: %(left)s still to confirm to reach the target.': '',
    # fr: Heures de pratique : objectif atteint.
    'Practice hours: target reached.': '',
    # fr: Pratique : %(h)d heures confirmées par la personne référente.
    'Practice: %(h)d hours confirmed by the referent.': '',
    # fr: Préparer un ZIP des %(num)d attestations
    'Prepare a ZIP of the %(num)d certificates': '',
    # fr: Préparer l'export
    'Prepare the export': '',
    # fr: Préparés récemment
    'Prepared recently': '',
    # fr: Présent·e
    'Present': '',
    # fr: Précédente
    'Previous': '',
    # fr: Confidentialité
    'Privacy': '',
    # fr: Privé, c'est le choix par défaut : le badge ne montre pas votre nom, et personne ne le trouve si vous ne donnez pas le lien ou le fichier.
    'Private is the default: the badge does not show your name, and nobody finds it unless you give them the link or the file.': '',
    # fr: Privé : seulement les personnes à qui j'envoie le lien ou le fichier (sans mon nom)
    'Private: only the people I send the link or the file to (no name shown)': '',
    # fr: Programme
    'Programme': '',
    # fr: Programmes
    'Programmes': '',
    # fr: Les programmes sont décrits sous forme de données (fichiers YAML) : modules, compétences et conditions de réussite.
    'Programmes are defined as data (YAML files): modules, competencies and completion rules.': '',
    # fr: Avancement
    'Progress': '',
    # fr: Avancement de chaque stagiaire au %(date)s
    'Progress of each trainee on %(date)s': '',
    # fr: Public : sur ma page publique, avec mon nom
    'Public: on my public page, with my name': '',
    # fr: QR code menant à la page de vérification : %(url)s
    'QR code leading to the verification page: %(url)s': '',
    # fr: Taux
    'Rate': '',
    # fr: Réémettre
    'Re-issue': '',
    # fr: Lire (tout ce que votre rôle permet de voir dans l'API)
    'Read (every page of the API your role allows)': '',
    # fr: Lire comment la plateforme protège vos données
    'Read how the platform protects your data': '',
    # fr: Prêt
    'Ready': '',
    # fr: Prêt, mais incomplet
    'Ready, but not complete': '',
    # fr: Motif
    'Reason': '',
    # fr: Raison (montrée à quiconque vérifie le badge)
    'Reason (shown to whoever verifies the badge)': '',
    # fr: Raison : %(reason)s.
    'Reason: %(reason)s.': '',
    # fr: Reçu le %(date)s
    'Received on %(date)s': '',
    # fr: Relever les présences (listes des séances)
    'Record attendance (session rosters)': '',
    # fr: Enregistrer le résultat du jury
    "Record the jury's result": '',
    # fr: Choix enregistrés nettoyés du nom
    'Recorded choices cleaned of the name': '',
    # fr: Coordonnées de référent·e effacées
    'Referent contact details cleared': '',
    # fr: Actualiser
    'Refresh': '',
    # fr: Refusée
    'Refused': '',
    # fr: Tentatives de connexion refusées supprimées
    'Refused login attempts deleted': '',
}

"""Translations to nl to complete, then: python scripts/i18n.py fill THIS_FILE nl"""

NL = {
    # fr: Travail de fin de formation (email, result)
    'Final work (email, result)': '',
    # fr: Travail de fin de formation (jury)
    'Final work (jury)': '',
    # fr: Travail de fin de formation : %(state)s.
    'Final work: %(state)s.': '',
    # fr: Exports terminés supprimés
    'Finished exports deleted': '',
    # fr: Premier jour
    'First day': '',
    # fr: Pour une arrivée en retard ou un départ plus tôt, indiquez les minutes de présence (de 0 à %(total)d).
    'For a late arrival or an early departure, give the minutes attended (0 to %(total)d).': '',
    # fr: Pour le compte %(email)s.
    'For the account %(email)s.': '',
    # fr: Pour votre sécurité, attendez quelques minutes avant de réessayer.
    'For your security, please wait a few minutes before trying again.': '',
    # fr: Mot de passe oublié
    'Forgot your password': '',
    # fr: Mot de passe oublié, ou jamais reçu ?
    'Forgot your password, or never received it?': '',
    # fr: Format
    'Format': '',
    # fr: Du
    'From': '',
    # fr: Financeur
    'Funder': '',
    # fr: Rapport pour les financeurs
    'Funder report': '',
    # fr: Rapport pour les financeurs (totaux)
    'Funder report (aggregates)': '',
    # fr: Obtenir une nouvelle adresse privée
    'Get a new private address': '',
    # fr: Obtenez une adresse privée à ajouter dans l'agenda de votre téléphone ou de votre ordinateur. Gardez-la pour vous : toute personne qui l'a peut voir vos séances.
    "Get a private address to subscribe to in your phone's or computer's calendar. Keep it for yourself: anyone with it sees your sessions.": '',
    # fr: Indiquez une durée entre quelques minutes et 24 heures.
    'Give a duration between a few minutes and 24 hours.': '',
    # fr: Donnez une raison : elle est montrée à quiconque vérifie le badge.
    'Give a reason: it is shown to whoever verifies the badge.': '',
    # fr: Donnez au jeton un nom court (à quoi il sert).
    'Give the token a short name (what it is for).': '',
    # fr: Donnez ce lien à un employeur : il voit tout de suite que le badge est authentique et ce qu'il atteste.
    'Give this link to an employer: they see at once that the badge is real and what it attests.': '',
    # fr: Demi-journées de formation
    'Half-day sessions': '',
    # fr: Bonjour %(name)s
    'Hello %(name)s': '',
    # fr: Bonjour %(name)s,
    # fr: 
    # fr: Un compte a été créé pour vous sur Tremplin, la plateforme de la formation.
    # fr: Pour choisir votre mot de passe, ouvrez ce lien (valable %(days)d jours, une seule fois) :
    # fr: 
    # fr: %(link)s
    # fr: 
    # fr: Si vous n'attendiez pas ce message, vous pouvez l'ignorer.
    'Hello %(name)s,\n\nAn account has been created for you on Tremplin, the training platform.\nTo choose your password, open this link (valid %(days)d days, usable once):\n\n%(link)s\n\nIf you were not expecting this message, you can ignore it.\n': '',
    # fr: Bonjour %(name)s,
    # fr: 
    # fr: Quelqu'un a demandé à changer le mot de passe de votre compte Tremplin.
    # fr: Pour en choisir un nouveau, ouvrez ce lien (valable %(minutes)d minutes, une seule fois) :
    # fr: 
    # fr: %(link)s
    # fr: 
    # fr: Si ce n'était pas vous, ignorez ce message : votre mot de passe reste le même.
    'Hello %(name)s,\n\nSomeone asked to change the password of your Tremplin account.\nTo choose a new one, open this link (valid %(minutes)d minutes, usable once):\n\n%(link)s\n\nIf it was not you, ignore this message: your password stays the same.\n': '',
    # fr: Bonjour %(person)s,
    # fr: 
    # fr: Bravo : vous avez obtenu le badge « %(name)s ».
    # fr: 
    # fr: Il est à vous. Il reste privé tant que vous n'en décidez pas autrement : personne ne le voit si vous ne le partagez pas. Vous choisissez quoi en faire sur cette page :
    # fr: 
    # fr: %(link)s
    # fr: 
    # fr: Vous pouvez le partager avec un employeur, le rendre public avec votre nom, ou le refuser.
    'Hello %(person)s,\n\nCongratulations: you have earned the badge “%(name)s”.\n\nIt is yours. It stays private until you decide otherwise: nobody sees it unless you share it. You choose what to do with it on this page:\n\n%(link)s\n\nYou can share it with an employer, make it public with your name, or decline it.\n': '',
    # fr: Bonjour,
    # fr: 
    # fr: %(name)s note ses heures de pratique chez %(host)s sur Tremplin. En tant que référent·e, vous pouvez les confirmer ici, sans créer de compte (lien valable 45 jours) :
    # fr: 
    # fr: %(link)s
    # fr: 
    # fr: Merci !
    'Hello,\n\n%(name)s logs their practice hours at %(host)s on Tremplin. As their referent, you can confirm them here, without an account (link valid 45 days):\n\n%(link)s\n\nThank you!\n': '',
    # fr: Voici votre adresse d'agenda privée. L'ancienne adresse, s'il y en avait une, ne fonctionne plus.
    'Here is your private calendar address. Any previous one no longer works.': '',
    # fr: Historique de ce badge pour cette personne
    'History of this badge for this person': '',
    # fr: Titulaire
    'Holder': '',
    # fr: Adresse de la personne titulaire
    "Holder's address": '',
    # fr: Accueil
    'Home': '',
    # fr: Structure d'accueil
    'Host organisation': '',
    # fr: Heures
    'Hours': '',
    # fr: Les heures se notent une fois faites : le %(date)s n'est pas encore passé.
    'Hours are logged once done: %(date)s is in the future.': '',
    # fr: Les heures se notent une fois faites : cette date n'est pas encore passée.
    'Hours are logged once done: this date is in the future.': '',
    # fr: Heures suivies
    'Hours attended': '',
    # fr: Heures comptées
    'Hours counted': '',
    # fr: Heures du %(date)s
    'Hours of %(date)s': '',
    # fr: Heures de formation suivies
    'Hours of training attended': '',
    # fr: Heures enregistrées. Votre référent·e les confirmera.
    'Hours saved. Your referent will confirm them.': '',
    # fr: Heures à confirmer
    'Hours to confirm': '',
    # fr: Comment la plateforme m'appelle
    'How the platform names me': '',
    # fr: Comment la plateforme protège vos données
    'How the platform protects your data': '',
    # fr: Je refuse ce badge. Il est caché partout, sauf dans le registre de l'organisme de formation. Je peux changer d'avis à tout moment.
    "I decline this badge. It is hidden everywhere, except in the training body's register. I can change my mind at any time.": '',
    # fr: Je refuse ce badge : le masquer
    'I decline this badge: hide it': '',
    # fr: Je garde ce badge privé. Il ne montre pas mon nom et n'est affiché nulle part : seules les personnes à qui j'envoie le lien ou le fichier peuvent le voir.
    'I keep this badge private. It does not show my name and it is not listed anywhere: only the people I send the link or the file to can see it.': '',
    # fr: Je rends ce badge public. Il montre mon nom, « %(name)s », et il est affiché sur ma page publique : toute personne qui a le lien peut le voir. Je peux le rendre privé à nouveau à tout moment ; les copies avec mon nom indiqueront alors qu'elles ont été remplacées.
    'I make this badge public. It shows my name, “%(name)s”, and it is listed on my public page: anyone who has the link can see it. I can make it private again at any time; the copies with my name then say that they were replaced.': '',
    # fr: Si un compte existe pour cette adresse, un message avec un lien vient d'y être envoyé. Pas de message ? Demandez à votre coordination : elle peut vous donner le lien.
    'If an account exists for this address, a message with a link has been sent to it. No message? Ask your coordinator: they can give you the link.': '',
    # fr: Importer
    'Import': '',
    # fr: Importer un tableau
    'Import a spreadsheet': '',
    # fr: Importer un tableau dans %(code)s
    'Import a spreadsheet into %(code)s': '',
    # fr: Import terminé : %(rows)d lignes lues, %(created)d ajoutées, %(updated)d modifiées, %(same)d déjà présentes.
    'Import done: %(rows)d rows read, %(created)d added, %(updated)d changed, %(same)d already there.': '',
    # fr: En néerlandais
    'In Dutch': '',
    # fr: En anglais
    'In English': '',
    # fr: En français
    'In French': '',
    # fr: Dans l'agenda de mon téléphone
    "In my phone's calendar": '',
    # fr: En cours
    'In progress': '',
    # fr: Inviter
    'Invite': '',
    # fr: Inviter une personne
    'Invite someone': '',
    # fr: Invité·e
    'Invited': '',
    # fr: Invité·e : n'a pas encore choisi de mot de passe
    'Invited: has not chosen a password yet': '',
    # fr: Délivrances et révocations
    'Issuances and revocations': '',
    # fr: Émis par %(issuer)s le %(date)s
    'Issued by %(issuer)s on %(date)s': '',
    # fr: Fait à %(place)s, le %(date)s
    'Issued in %(place)s on %(date)s': '',
    # fr: Émis par erreur
    'Issued in error': '',
    # fr: Émis le
    'Issued on': '',
    # fr: Émis sur cette plateforme
    'Issued on this platform': '',
    # fr: Clé de l'émetteur
    'Issuer key': '',
    # fr: Émetteur : le badge a été signé avec une clé de %(issuer)s.
    'Issuer: the badge was signed with a key of %(issuer)s.': '',
    # fr: Émetteur : la signature n'est pas celle de %(issuer)s.
    'Issuer: the signature is not from %(issuer)s.': '',
    # fr: Délivre des badges
    'Issues badges': '',
    # fr: Cela n'a pas marché
    'It did not work': '',
    # fr: Cela arrive à tout le monde. Indiquez votre adresse e-mail : nous vous enverrons un lien pour choisir un nouveau mot de passe.
    'It happens to everyone. Enter your e-mail address: we will send you a link to choose a new password.': '',
    # fr: Il est préparé en arrière-plan : vous pouvez quitter la page et revenir le télécharger.
    'It is prepared in the background: you can leave the page and come back to download it.': '',
    # fr: Emploi
    'Job (emploi)': '',
    # fr: Le commentaire doit faire moins de 1000 caractères.
    'Keep the comment under 1000 characters.': '',
    # fr: Gardez une note courte (300 caractères au maximum).
    'Keep the note short (300 characters at most).': '',
    # fr: Type
    'Kind': '',
    # fr: Langue
    'Language': '',
    # fr: Langue des attestations
    'Language of the certificates': '',
    # fr: Dernier jour
    'Last day': '',
    # fr: Dernière erreur
    'Last error': '',
    # fr: Dernière erreur :
    'Last error:': '',
    # fr: Dernière connexion
    'Last login': '',
    # fr: Dernière utilisation :
    'Last used:': '',
    # fr: En retard
    'Late': '',
    # fr: Arrivée tardive
    'Late arrival': '',
    # fr: Arrivée tardive ou départ anticipé
    'Late arrival or early departure': '',
    # fr: Laissez les minutes vides quand le statut est %(status)s : les minutes servent seulement pour late et left_early.
    'Leave the minutes empty when the status is %(status)s: minutes are only used for late and left_early.': '',
    # fr: Départ de la formation
    'Leaving the training': '',
    # fr: Parti·e plus tôt
    'Left early': '',
    # fr: A quitté la formation
    'Left the training': '',
    # fr: A quitté la formation.
    'Left the training.': '',
    # fr: Nom officiel
    'Legal name': '',
    # fr: Nom officiel (utilisé sur les attestations) : %(name)s. Pour le corriger, demandez à votre coordination.
    'Legal name (used on certificates): %(name)s. To correct it, ask your coordinator.': '',
    # fr: Lien à envoyer
    'Link to send': '',
    # fr: Sont listées les personnes dont le seuil de présence n'est plus atteignable, qui sont sous le seuil aujourd'hui, ou qui peuvent manquer moins d'une séance de plus.
    'Listed: attendance threshold out of reach, below the threshold today, or able to miss less than one more session.': '',
    # fr: Noter une journée
    'Log a day': '',
    # fr: Déclarer et confirmer des heures de pratique
    'Log and confirm practice hours': '',
    # fr: Se connecter
    'Log in': '',
    # fr: Noter mes heures
    'Log my hours': '',
    # fr: Se déconnecter
    'Log out': '',
    # fr: Logo de %(issuer)s
    'Logo of %(issuer)s': '',
    # fr: Menu principal
    'Main menu': '',
    # fr: Présence
    'Mark': '',
    # fr: Messages
    'Messages': '',
    # fr: Messages envoyés à cette personne
    'Messages sent to this person': '',
    # fr: Minutes
    'Minutes': '',
    # fr: Minutes de présence
    'Minutes attended': '',
    # fr: Colonne(s) manquante(s) : %(columns)s. Les colonnes attendues sont : %(expected)s.
    'Missing column(s): %(columns)s. The expected columns are: %(expected)s.': '',
    # fr: Module
    'Module': '',
    # fr: Modules
    'Modules': '',
    # fr: Modules suivis
    'Modules completed': '',
    # fr: Déplacer, modifier ou annuler
    'Move, change or cancel': '',
    # fr: Mon compte
    'My account': '',
    # fr: Mes présences
    'My attendance': '',
    # fr: Mes badges
    'My badges': '',
    # fr: Mon agenda
    'My calendar': '',
    # fr: Mon attestation
    'My certificate': '',
    # fr: Mes choix pour ce badge
    'My choices for this badge': '',
    # fr: Mes compétences
    'My competencies': '',
    # fr: Mes données
    'My data': '',
    # fr: Mes données : voir et télécharger tout ce que la plateforme garde sur moi
    'My data: see and download everything the platform keeps about me': '',
    # fr: Mes exports
    'My exports': '',
    # fr: Mes heures
    'My hours': '',
    # fr: Mes prochaines séances
    'My next sessions': '',
    # fr: Mes heures de pratique
    'My practice hours': '',
    # fr: Ma page publique
    'My public page': '',
    # fr: Mes séances
    'My sessions': '',
    # fr: Mes jetons
    'My tokens': '',
    # fr: Ma formation
    'My training': '',
    # fr: Nom
    'Name': '',
    # fr: Nom (facultatif)
    'Name (optional)': '',
    # fr: Nom affiché
    'Name shown': '',
    # fr: Nom affiché dans la plateforme (facultatif)
    'Name shown in the platform (optional)': '',
    # fr: Neutre et centré sur la pratique observée ; le ou la stagiaire peut le lire.
    'Neutral and about the practice observed; the trainee can read it.': '',
    # fr: Des mots neutres seulement : la raison est publique. Jamais rien sur la personne.
    'Neutral words only: the reason is public. Never anything about the person.': '',
    # fr: Nouvelle promotion
    'New cohort': '',
    # fr: Nouveau mot de passe
    'New password': '',
    # fr: Nouveau jeton
    'New token': '',
    # fr: Suivante
    'Next': '',
    # fr: Prochaines séances
    'Next sessions': '',
    # fr: Aucune présence comptée pour l'instant.
    'No attendance counted yet.': '',
    # fr: Aucun badge n'a encore été délivré ni révoqué pour cette promotion.
    'No badge has been issued or revoked for this cohort yet.': '',
    # fr: Aucun badge émis pour l'instant.
    'No badge issued yet.': '',
    # fr: Pas encore de badge. Les badges arrivent au fil de la formation : quand un module est terminé et ses compétences validées, vous recevez son badge ici.
    'No badge yet. Badges come as your training goes on: when a module is finished and its skills are validated, you get its badge here.': '',
    # fr: Aucune attestation ne porte ce code.
    'No certificate has this code.': '',
    # fr: Aucune promotion en cours.
    'No cohort running.': '',
    # fr: Aucune promotion pour l'instant.
    'No cohort yet.': '',
    # fr: Pas d'adresse e-mail, ou pas d'accès à celle-ci ? Votre coordination peut vous donner le lien directement.
    'No e-mail address, or no access to it? Your coordinator can give you the link directly.': '',
    # fr: Sans date de fin
    'No end date': '',
    # fr: Aucun export pour l'instant.
    'No export yet.': '',
    # fr: Pas de travail de fin de formation.
    'No final work.': '',
    # fr: Aucune heure notée pour l'instant.
    'No hours logged yet.': '',
    # fr: Aucun serveur de courrier n'est configuré : les messages sont gardés ici. Ouvrez-en un pour copier son lien et le transmettre vous-même.
    'No mail server is configured: messages are kept here. Open one to copy its link and pass it on by hand.': '',
    # fr: Aucun serveur de courrier n'est configuré : les messages attendent dans la boîte d'envoi, où vous pouvez copier les liens.
    'No mail server is configured: messages wait in the outbox, where you can copy the links.': '',
    # fr: Aucun message pour l'instant.
    'No message yet.': '',
    # fr: Aucun module
    'No module': '',
    # fr: Aucune pause.
    'No pause.': '',
}

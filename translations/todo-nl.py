"""Translations to nl to complete, then: python scripts/i18n.py fill THIS_FILE nl"""

NL = {
    # fr: La clé qui a signé le badge n'a pas pu être obtenue auprès de son émetteur (%(url)s).
    'The key that signed the badge could not be fetched from its issuer (%(url)s).': '',
    # fr: La clé qui a signé le badge est introuvable.
    'The key that signed the badge could not be found.': '',
    # fr: Le lien a expiré ou a déjà servi.
    'The link has expired or was already used.': '',
    # fr: Le lien a expiré, a déjà servi, ou a été copié en partie. Ce n'est pas de votre faute et rien n'est perdu.
    'The link has expired, was already used, or was copied incompletely. This is not your fault and nothing is lost.': '',
    # fr: Le lien est dans la boîte d'envoi, prêt à partir.
    'The link is in the outbox, ready to be sent.': '',
    # fr: Le lien est peut-être mal recopié, ou le badge n'est pas partagé par sa personne titulaire. Demandez-lui un nouveau lien ou le fichier du badge.
    'The link may be mistyped, or the badge is not shared by its holder. Ask the holder for a new link or for the badge file.': '',
    # fr: Le lien que l'on vous a donné (il commence par https://), ou le code de vérification imprimé sur une attestation.
    'The link you were given (it starts with https://), or the verification code printed on a certificate.': '',
    # fr: Le schéma officiel Open Badges 3.0 n'a pas pu être chargé.
    'The official Open Badges 3.0 schema could not be loaded.': '',
    # fr: La page n'a pas compris ce qui a été envoyé. Revenez en arrière, rechargez la page et réessayez.
    'The page could not understand what was sent. Go back, reload the page and try again.': '',
    # fr: La pause se termine (%(to)s) avant de commencer (%(from)s).
    'The pause ends (%(to)s) before it starts (%(from)s).': '',
    # fr: La personne reçoit un lien pour choisir son mot de passe. Sans serveur de courrier, copiez le lien depuis la boîte d'envoi.
    'The person receives a link to choose their password. Without a mail server, copy the link from the outbox.': '',
    # fr: Les données personnelles sont effacées. Le compte porte maintenant le pseudonyme %(pseudonym)s.
    'The personal data is erased. The account now carries the pseudonym %(pseudonym)s.': '',
    # fr: Le stage ou emploi est terminé ; les heures confirmées sont conservées.
    'The placement is ended; confirmed hours are kept.': '',
    # fr: La plateforme est momentanément indisponible
    'The platform is briefly unavailable': '',
    # fr: Le badge de la formation est valide : l'attestation peut être téléchargée.
    'The programme badge is valid: the certificate can be downloaded.': '',
    # fr: Le taux rapporte le temps de formation suivi au temps des séances tenues pendant l'inscription (les pauses et les séances annulées ne sont pas comptées).
    'The rate is the training time attended out of the time of the sessions held while enrolled (pauses and cancelled sessions are not counted).': '',
    # fr: La raison est publique : restez neutre (par exemple « Émis par erreur »), jamais sur la personne.
    'The reason is public: keep it neutral (for example “Issued in error”), never about the person.': '',
    # fr: La raison est trop longue (200 caractères au plus).
    'The reason is too long (200 characters at most).': '',
    # fr: Le statut de révocation n'a pas pu être vérifié : la liste de l'émetteur n'a pas pu être récupérée.
    "The revocation status could not be checked: the issuer's list could not be fetched.": '',
    # fr: Le statut de révocation n'a pas pu être vérifié : la liste de l'émetteur n'est pas valide.
    "The revocation status could not be checked: the issuer's list is not valid.": '',
    # fr: Le statut de révocation n'a pas pu être vérifié : la liste n'est pas signée par l'émetteur.
    'The revocation status could not be checked: the list is not signed by the issuer.': '',
    # fr: Le statut de révocation n'a pas pu être vérifié : méthode non prise en charge (%(type)s).
    'The revocation status could not be checked: unsupported method (%(type)s).': '',
    # fr: Le même mot de passe, une deuxième fois
    'The same password again': '',
    # fr: Le disque du serveur est plein : le ZIP n'a pas pu être enregistré. Prévenez l'administrateur de la plateforme.
    "The server's disk is full: the ZIP could not be saved. Tell the platform's administrator.": '',
    # fr: La séance doit finir après son début.
    'The session must end after it starts.': '',
    # fr: La séance du %(date)s a été annulée.
    'The session of %(date)s was cancelled.': '',
    # fr: La signature ne correspond pas : le badge a été modifié après sa signature, ou n'a pas été signé avec cette clé.
    'The signature does not match: the badge was changed after it was signed, or was not signed with this key.': '',
    # fr: La signature correspond au contenu.
    'The signature matches the content.': '',
    # fr: Le badge signé (JWT) est illisible.
    'The signed badge (JWT) cannot be read.': '',
    # fr: Le badge signé n'indique pas quelle clé l'a signé.
    'The signed badge does not say which key signed it.': '',
    # fr: Les informations d'en-tête du badge signé contredisent son contenu.
    "The signed badge's registered claims contradict its content.": '',
    # fr: La clé de signature appartient à l'émetteur (%(issuer)s).
    'The signing key belongs to the issuer (%(issuer)s).': '',
    # fr: La clé de signature n'appartient pas à l'émetteur (%(issuer)s).
    'The signing key does not belong to the issuer (%(issuer)s).': '',
    # fr: La clé de signature n'est pas publiée par l'émetteur (%(issuer)s).
    'The signing key is not published by the issuer (%(issuer)s).': '',
    # fr: La clé de signature est publiée par l'émetteur (%(issuer)s).
    'The signing key is published by the issuer (%(issuer)s).': '',
    # fr: La liste de statut de cette clé est pleine : renouvelez la clé Ed25519.
    'The status list of this key is full: rotate the Ed25519 key.': '',
    # fr: Le badge signé %(uuid)s enregistré ne se vérifie pas : rien n’a été modifié.
    'The stored signed badge %(uuid)s does not verify: nothing was changed.': '',
    # fr: La tâche va être relancée dans un instant.
    'The task will be tried again in a moment.': '',
    # fr: Le jeton %(name)s est révoqué : il ne fonctionne plus.
    'The token %(name)s is revoked: it no longer works.': '',
    # fr: L'organisme de formation qui délivre les badges de cette plateforme.
    'The training body that issues the badges of this platform.': '',
    # fr: L'organisme de formation qui délivre ces Open Badges.
    'The training body that issues these Open Badges.': '',
    # fr: Les deux mots de passe ne sont pas identiques.
    'The two passwords are not the same.': '',
    # fr: La date de validation ne peut pas être dans le futur.
    'The validation date cannot be in the future.': '',
    # fr: La validation est retirée (elle reste dans l'historique).
    'The validation is withdrawn (it stays in the history).': '',
    # fr: L'adresse web n'a pas répondu (%(url)s).
    'The web address did not answer (%(url)s).': '',
    # fr: L'adresse web ne mène pas à un Open Badge.
    'The web address does not lead to an Open Badge.': '',
    # fr: La date de départ (%(withdrawn_on)s) est avant la date d'inscription (%(enrolled_on)s).
    'The withdrawal date (%(withdrawn_on)s) is before the enrolment date (%(enrolled_on)s).': '',
    # fr: La date de départ doit venir après la date d'inscription.
    'The withdrawal date must come after the enrolment date.': '',
    # fr: L'année de %(value)s semble incorrecte : elle doit être entre %(min)d et %(max)d.
    'The year of %(value)s looks wrong: it should be between %(min)d and %(max)d.': '',
    # fr: Il y a déjà une séance à cette date et à cette heure.
    'There is already a session at this date and time.': '',
    # fr: Il n'y a pas de compétence %(code)s dans ce programme.
    'There is no competency %(code)s in this programme.': '',
    # fr: Il n'y a pas de module %(code)s dans ce programme.
    'There is no module %(code)s in this programme.': '',
    # fr: Il n'y a pas de séance le %(date)s à %(start)s dans cette promotion.
    'There is no session on %(date)s at %(start)s in this cohort.': '',
    # fr: Ces heures ont déjà reçu une réponse.
    'These hours have already been reviewed.': '',
    # fr: Ce badge Open Badges 2.0 n'indique pas comment le vérifier.
    'This Open Badges 2.0 badge does not say how to verify it.': '',
    # fr: Ce badge Open Badges 2.0 est signé : vérifiez le badge signé lui-même (son image ou son JWS), pas son JSON.
    'This Open Badges 2.0 badge is signed: check the signed badge itself (its image or its JWS), not its JSON.': '',
    # fr: Cette action n'est pas possible sur cette page.
    'This action is not possible on this page.': '',
    # fr: Ce badge ne peut pas être vérifié ici.
    'This badge cannot be verified here.': '',
    # fr: Ce badge a expiré.
    'This badge has expired.': '',
    # fr: Ce badge n'a plus de personne titulaire.
    'This badge has no holder any more.': '',
    # fr: Ce badge est déjà révoqué.
    'This badge is already revoked.': '',
    # fr: Ce badge n'est plus émis.
    'This badge is no longer issued.': '',
    # fr: Ce badge est révoqué : il ne peut pas être réémis.
    'This badge is revoked: it cannot be re-issued.': '',
    # fr: Ce badge est révoqué : sa visibilité ne peut plus changer.
    'This badge is revoked: its visibility cannot change.': '',
    # fr: Ce badge était valide jusqu'au %(date)s.
    'This badge was valid until %(date)s.': '',
    # fr: Ce badge a été retiré par l'organisme de formation le %(date)s. Contactez l'équipe de coordination si vous avez une question.
    'This badge was withdrawn by the training body on %(date)s. Contact the coordination team if you have a question.': '',
    # fr: Le contenu de ce badge ne correspond pas à sa signature. Ne vous y fiez pas.
    "This badge's content does not match its signature. Do not rely on it.": '',
    # fr: Cette cellule contient un retour à la ligne ou un autre caractère invisible. Gardez le texte sur une seule ligne (et vérifiez qu'il n'y a pas de guillemet (") non fermé).
    'This cell contains a line break or another invisible character. Keep the text on one line (and check for a quote mark (") that is not closed).': '',
    # fr: Cette cellule ne doit pas être vide.
    'This cell must not be empty.': '',
    # fr: Cette attestation (code %(code)s) a expiré avec son badge.
    'This certificate (code %(code)s) has expired with its badge.': '',
    # fr: Cette attestation (code %(code)s) n'est plus valide : le badge qu'elle accompagne a été révoqué.
    'This certificate (code %(code)s) is no longer valid: the badge it goes with was revoked.': '',
    # fr: Cette attestation accompagne l'open badge « %(badge)s » délivré par %(issuer)s. Le badge signé (Open Badges 3.0) est joint à ce fichier PDF.
    'This certificate goes with the Open Badge “%(badge)s” issued by %(issuer)s. The signed badge (Open Badges 3.0) is attached to this PDF file.': '',
    # fr: Cette attestation a été remplacée par une plus récente (le code %(code)s n'est plus en vigueur). Demandez l'attestation à jour à la personne titulaire.
    'This certificate was replaced by a newer one (code %(code)s is no longer current). Ask the holder for the current certificate.': '',
    # fr: Cette promotion n’existe plus.
    'This cohort no longer exists.': '',
    # fr: Cette compétence ne fait pas partie de ce programme.
    'This competency is not part of this programme.': '',
    # fr: Cet exemplaire émis le
    'This copy issued on': '',
    # fr: Cette copie a été remplacée le %(date)s par une nouvelle émission du même badge (par exemple pour ajouter ou retirer le nom de la personne titulaire). Demandez-lui le lien actuel.
    "This copy was replaced on %(date)s by a new issue of the same badge (for example to add or remove the holder's name). Ask the holder for the current link.": '',
    # fr: Cette date n'existe pas : %(value)s.
    'This date does not exist: %(value)s.': '',
    # fr: Ce jour est après la fin du stage (%(day)s) : les heures comptent jusqu'à son dernier jour.
    'This day is after the end of the placement (%(day)s): hours count until its last day.': '',
    # fr: Ce jour est avant le début du stage (%(day)s) : les heures comptent à partir de son premier jour.
    'This day is before the start of the placement (%(day)s): hours count from its first day.': '',
    # fr: Ce document n'est pas un Open Badge.
    'This document is not an Open Badge.': '',
    # fr: Cette adresse e-mail n'est pas valide.
    'This e-mail address is not valid.': '',
    # fr: Cette image ne contient pas de badge.
    'This image carries no badge.': '',
    # fr: Cette image est abîmée, ou n'est pas une image PNG ou SVG.
    'This image is damaged, or is not a PNG or SVG image.': '',
    # fr: C'est une attestation vérifiable, mais pas un Open Badge.
    'This is a verifiable credential, but not an Open Badge.': '',
    # fr: C'est un classeur Excel, pas un fichier CSV : dans Excel, choisissez “CSV UTF-8” au moment de l'enregistrer.
    'This is an Excel workbook, not a CSV file: in Excel, choose “CSV UTF-8” when saving it.': '',
    # fr: Ce n'est ni une image de badge (PNG ou SVG), ni un fichier de badge (JSON), ni un badge signé (JWT), ni une adresse web.
    'This is neither a badge image (PNG or SVG), a badge file (JSON), a signed badge (JWT) nor a web address.': '',
    # fr: Ce n'est pas l'adresse de cette personne : rien n'a été effacé.
    "This is not the person's address: nothing was erased.": '',
    # fr: Ce n'est pas votre mot de passe actuel.
    'This is not your current password.': '',
    # fr: Nous attestons que
    'This is to certify that': '',
    # fr: Ce lien ne fonctionne plus
    'This link no longer works': '',
    # fr: Ce nom est trop long (200 caractères au maximum).
    'This name is too long (200 characters at most).': '',
    # fr: Ce nom, ce site et cette adresse sont écrits dans le badge par celui qui l'a signé : ce site ne s'en porte pas garant. En cas de doute, contactez l'organisme par un moyen que vous connaissez déjà.
    'This name, site and address are written in the badge by whoever signed it: this site does not vouch for them. If in doubt, contact the organisation through a way you already know.': '',
    # fr: Cette page n'existe pas ou a été déplacée. Vérifiez l'adresse, ou revenez à votre accueil.
    'This page does not exist or has moved. Check the address, or go back to your home page.': '',
    # fr: Cette page ne vous est pas ouverte
    'This page is not open to you': '',
    # fr: Cette page s'actualise toute seule. Vous pouvez aussi la quitter et revenir plus tard : l'export continue.
    'This page refreshes by itself. You can also leave it and come back later: the export goes on.': '',
    # fr: Ce mot de passe est trop long.
    'This password is too long.': '',
    # fr: Cette pause de %(email)s chevauche la pause de la ligne %(other)d.
    'This pause of %(email)s overlaps the pause on row %(other)d.': '',
    # fr: Cette pause chevauche une autre pause.
    'This pause overlaps another one.': '',
    # fr: Cette personne a déjà choisi un mot de passe.
    'This person has already chosen a password.': '',
    # fr: Cette personne n'est pas dans cette promotion.
    'This person is not in this cohort.': '',
    # fr: Les données de cette personne ont été effacées le %(date)s. Le compte porte le pseudonyme %(pseudonym)s ; il est fermé.
    "This person's data was erased on %(date)s. The account carries the pseudonym %(pseudonym)s; it is closed.": '',
    # fr: Ce stage ou emploi n'a pas d'adresse e-mail de référent·e.
    'This placement has no referent e-mail address.': '',
    # fr: Ce stage n'est pas le vôtre.
    'This placement is not yours.': '',
    # fr: Cette ligne ne peut pas être lue : une cellule est beaucoup trop longue, ou un guillemet (") n'est pas fermé. Vérifiez cette ligne.
    'This row cannot be read: a cell is far too long, or a quote mark (") is not closed. Check this row.': '',
    # fr: Cette séance est annulée.
    'This session is cancelled.': '',
    # fr: Cette séance est annulée : pas de présences à saisir.
    'This session is cancelled: no attendance to take.': '',
    # fr: Ce site a vérifié le badge dans ses propres registres.
    'This site checked the badge against its own records.': '',
    # fr: Cette tâche n’est pas arrêtée : rien à relancer.
    'This task is not stopped: there is nothing to retry.': '',
    # fr: Ce texte est trop long : %(length)d caractères, pour %(max)d au maximum.
    'This text is too long: %(length)d characters, at most %(max)d.': '',
    # fr: Cette heure n'existe pas : %(value)s. Écrivez l'heure sous la forme HH:MM, par exemple 09:30.
    'This time does not exist: %(value)s. Write the time as HH:MM, for example 09:30.': '',
    # fr: Cette validation a déjà été retirée.
    'This validation was already withdrawn.': '',
    # fr: Horaire
    'Time': '',
    # fr: Temps suivi
    'Time attended': '',
    # fr: Intitulé
    'Title': '',
    # fr: À
    'To': '',
    # fr: Au (inclus)
    'To (included)': '',
    # fr: Au (facultatif)
    'To (optional)': '',
    # fr: Pour vérifier que le badge a été émis pour cette adresse. Elle n'est pas conservée.
    'To check that the badge was issued to this address. It is not stored.': '',
    # fr: Pour confirmer, tapez l'adresse e-mail de la personne
    "To confirm, type the person's e-mail address": '',
    # fr: À suivre de près
    'To follow closely': '',
    # fr: À saisir
    'To take': '',
    # fr: À valider
    'To validate': '',
    # fr: Jeton
    'Token': '',
    # fr: Trop de tentatives
    'Too many attempts': '',
    # fr: Trop de tentatives. Pour votre sécurité, attendez %(minutes)d minutes avant de réessayer.
    'Too many attempts. For your security, please wait %(minutes)d minutes and try again.': '',
    # fr: Totaux
    'Totals': '',
    # fr: Stagiaire
    'Trainee': '',
    # fr: Stagiaires
    'Trainees': '',
    # fr: Stagiaires (email, legal name, chosen name, enrolled on, withdrawn on)
    'Trainees (email, legal name, chosen name, enrolled on, withdrawn on)': '',
    # fr: Stagiaires que je suis
    'Trainees I follow': '',
    # fr: Stagiaires comptés
    'Trainees counted': '',
    # fr: Stagiaires inscrit·es
    'Trainees enrolled': '',
    # fr: Stagiaires à suivre de près
    'Trainees to follow closely': '',
    # fr: Stagiaires qui peuvent en recevoir une
    'Trainees who can get one': '',
    # fr: Formateur·rice
    'Trainer': '',
    # fr: Signature formateur·rice
    "Trainer's signature": '',
    # fr: Formateur·rices
    'Trainers': '',
    # fr: Formation
    'Training': '',
    # fr: Heures de formation suivies
    'Training hours attended': '',
    # fr: Tremplin : heures de pratique de %(name)s à confirmer
    'Tremplin: practice hours of %(name)s to confirm': '',
    # fr: Essais
    'Tries': '',
    # fr: Tapez l'adresse pour confirmer.
    'Type the address to confirm.': '',
    # fr: UTF-8, séparé par des virgules ou des points-virgules, avec une ligne d'en-tête.
    'UTF-8, separated by commas or semicolons, with a header row.': '',
    # fr: Statut de présence inconnu.
    'Unknown attendance status.': '',
    # fr: Type de badge inconnu : %(kind)s.
    'Unknown badge kind: %(kind)s.': '',
    # fr: Colonne(s) inconnue(s) : %(columns)s. Les colonnes attendues sont : %(expected)s.
    'Unknown column(s): %(columns)s. The expected columns are: %(expected)s.': '',
    # fr: Langue inconnue.
    'Unknown language.': '',
    # fr: Module inconnu : %(code)s.
    'Unknown module: %(code)s.': '',
    # fr: Programme inconnu : %(code)s.
    'Unknown programme: %(code)s.': '',
    # fr: Résultat inconnu.
    'Unknown result.': '',
    # fr: Rôle inconnu : %(role)s.
    'Unknown role: %(role)s.': '',
    # fr: Badge valide
    'Valid badge': '',
    # fr: Badge valide.
    'Valid badge.': '',
    # fr: Valable pendant
    'Valid for': '',
    # fr: Valide jusqu'au
    'Valid until': '',
    # fr: Valide jusqu'au %(date)s.
    'Valid until %(date)s.': '',
    # fr: Valider
    'Validate': '',
    # fr: Valider une compétence
    'Validate a competency': '',
    # fr: Validée
    'Validated': '',
}

"""Translations to nl to complete, then: python scripts/i18n.py fill THIS_FILE nl"""

NL = {
    # fr: Supprimer
    'Remove': '',
    # fr: Remplacé par une copie plus récente
    'Replaced by a newer copy': '',
    # fr: Rapport
    'Report': '',
    # fr: Export de rapport
    'Report export': '',
    # fr: Rapports
    'Reports': '',
    # fr: Rapports et exports de cette promotion
    'Reports and exports of this cohort': '',
    # fr: Rapports par promotion
    'Reports by cohort': '',
    # fr: Rapports de cette promotion
    'Reports of this cohort': '',
    # fr: Résultat
    'Result': '',
    # fr: Relancer
    'Retry': '',
    # fr: Révoquer
    'Revoke': '',
    # fr: Révoquer ce badge
    'Revoke this badge': '',
    # fr: Révoqué
    'Revoked': '',
    # fr: Révoqués ou remplacés
    'Revoked or superseded': '',
    # fr: Rôle
    'Role': '',
    # fr: Rôles
    'Roles': '',
    # fr: Ligne %(row)d, colonne %(column)s : %(message)s
    'Row %(row)d, column %(column)s: %(message)s': '',
    # fr: Ligne %(row)d : %(message)s
    'Row %(row)d: %(message)s': '',
    # fr: Enregistrer
    'Save': '',
    # fr: Enregistrer mon choix
    'Save my choice': '',
    # fr: Enregistrer plutôt mes marques
    'Save my marks instead': '',
    # fr: Enregistrer mon mot de passe
    'Save my password': '',
    # fr: Enregistrer les présences
    'Save the attendance': '',
    # fr: Enregistrez votre tableau au format CSV (dans Excel : “CSV UTF-8”). Tout le fichier est importé, ou rien du tout si une ligne pose problème : la liste des problèmes vous indique quelle ligne et quelle colonne corriger.
    'Save your spreadsheet as CSV (in Excel: "CSV UTF-8"). The whole file is imported, or nothing if a line is wrong: the list of problems tells you which line and which column to fix.': '',
    # fr: Enregistré maintenant :
    'Saved now:': '',
    # fr: Scannez le QR code, ou ouvrez cette adresse :
    'Scan the QR code, or open this address:': '',
    # fr: Schéma
    'Schema': '',
    # fr: Chercher par nom ou e-mail
    'Search by name or e-mail': '',
    # fr: Voir tout le monde
    'See everyone': '',
    # fr: Tout voir
    'See everything': '',
    # fr: Voir ma formation
    'See my training': '',
    # fr: Voir la copie actuelle
    'See the current copy': '',
    # fr: Les voir et choisir qui les voit
    'See them and choose who sees them': '',
    # fr: Voir ce que voit un employeur
    'See what an employer sees': '',
    # fr: Envoyer
    'Send': '',
    # fr: Envoyer une nouvelle invitation
    'Send a new invitation': '',
    # fr: Envoyez-le dans l'en-tête : Authorization: Bearer suivi du jeton.
    'Send it in the header: Authorization: Bearer followed by the token.': '',
    # fr: M'envoyer un lien
    'Send me a link': '',
    # fr: Envoyez l'attestation, un lien ou une image de badge.
    'Send the credential, a link or a badge image.': '',
    # fr: Envoyer un lien de confirmation à la personne référente
    'Send the referent a confirmation link': '',
    # fr: Envoi d’un e-mail
    'Sending an e-mail': '',
    # fr: Envoyé
    'Sent': '',
    # fr: Séance
    'Session': '',
    # fr: Séance ajoutée.
    'Session added.': '',
    # fr: Séance par séance
    'Session by session': '',
    # fr: Séance annulée
    'Session cancelled': '',
    # fr: Séances
    'Sessions': '',
    # fr: Séances (module, date, start, end, status)
    'Sessions (module, date, start, end, status)': '',
    # fr: Séances et présences
    'Sessions and attendance': '',
    # fr: Séances tenues
    'Sessions held': '',
    # fr: Séances à venir
    'Sessions to come': '',
    # fr: Le partager
    'Share it': '',
    # fr: Part du temps de formation attendu réellement suivie, pour chaque semaine où des séances ont eu lieu ; la ligne pointillée est le seuil de %(threshold)s %%, les semaines en dessous sont hachurées.
    'Share of the expected training time actually attended, for each week with sessions held; the dashed line is the %(threshold)s%% threshold, weeks below it are hatched.': '',
    # fr: Signature
    'Signature': '',
    # fr: Signature de %(name)s
    'Signature of %(name)s': '',
    # fr: Signature : ne correspond pas.
    'Signature: does not match.': '',
    # fr: Signature : le contenu est exactement ce que l'émetteur a signé.
    'Signature: the content is exactly what the issuer signed.': '',
    # fr: Signée par
    'Signed by': '',
    # fr: Clé de signature : %(key)s
    'Signing key: %(key)s': '',
    # fr: Clés de signature
    'Signing keys': '',
    # fr: Situation
    'Situation': '',
    # fr: Situation au
    'Situation on': '',
    # fr: Aller au contenu
    'Skip to content': '',
    # fr: Certains champs demandent votre attention.
    'Some fields need your attention.': '',
    # fr: Certains éléments n'ont pas pu être créés ; les autres sont dans le fichier :
    'Some items could not be made; the others are in the file:': '',
    # fr: Quelqu'un d'autre a enregistré cette feuille d'émargement pendant que vous la remplissiez. Rien n'a été enregistré : la page montre maintenant ses saisies ; vérifiez-les et enregistrez à nouveau.
    'Someone else saved this attendance sheet while you were filling it in. Nothing was saved: the page now shows their marks; check them and save again.': '',
    # fr: On vous a remis un badge ? Vérifiez ici qu'il est authentique, qui l'a délivré et ce qu'il atteste.
    'Someone gave you a badge? Check here that it is real, who issued it and what it attests.': '',
    # fr: Quelque chose n'a pas pu être vérifié : voyez pourquoi ci-dessous (par exemple, le site de l'émetteur n'a pas répondu). Ce n'est pas un refus : réessayez plus tard, ou renseignez-vous auprès de l'émetteur.
    "Something could not be checked: see why below (for example, the issuer's website did not answer). This is not a refusal: try again later, or ask the issuer.": '',
    # fr: Quelque chose n'allait pas dans la demande
    'Something in the request was not right': '',
    # fr: Un problème est survenu de notre côté
    'Something went wrong on our side': '',
    # fr: Tableur (XLSX), une feuille par tableau
    'Spreadsheet (XLSX), one sheet per table': '',
    # fr: Normes : Open Badges 3.0 (attestation vérifiable W3C, Data Integrity eddsa-rdfc-2022 et VC-JWT) et Open Badges 2.0. Tout vérificateur compatible peut contrôler les fichiers ci-dessous, sans ce site.
    'Standards: Open Badges 3.0 (W3C Verifiable Credential, Data Integrity eddsa-rdfc-2022 and VC-JWT) and Open Badges 2.0. Any compatible verifier can check the files below, without this site.': '',
    # fr: Début
    'Start': '',
    # fr: État
    'State': '',
    # fr: État
    'Status': '',
    # fr: Statut : non révoqué.
    'Status: not revoked.': '',
    # fr: Statut : révoqué.
    'Status: revoked.': '',
    # fr: Rester connecté·e sur cet appareil
    'Stay logged in on this device': '',
    # fr: Encore en formation
    'Still in training': '',
    # fr: Encore à venir
    'Still to come': '',
    # fr: Arrêtée après tous les essais
    'Stopped after every try': '',
    # fr: Objet
    'Subject': '',
    # fr: Thème (facultatif)
    'Subject (optional)': '',
    # fr: Synthèse de tous les stagiaires de toutes les promotions
    'Summary of every trainee of every cohort': '',
    # fr: Remplacé par une nouvelle émission
    'Superseded by a new issue': '',
    # fr: Désactiver mon adresse
    'Switch off my address': '',
    # fr: Tableau (CSV seulement)
    'Table (CSV only)': '',
    # fr: Objectif
    'Target': '',
    # fr: Tâche
    'Task': '',
    # fr: Tâches pas encore faites, les plus récentes d’abord
    'Tasks that are not done, newest first': '',
    # fr: Équipe pédagogique
    'Teaching team': '',
    # fr: Détails techniques (pour les spécialistes)
    'Technical details (for experts)': '',
    # fr: Identifiants techniques (pour les spécialistes)
    'Technical identifiers (for experts)': '',
    # fr: Merci : votre réponse est enregistrée.
    'Thank you: your answer is saved.': '',
    # fr: Cela ferait plus de 24 heures pour la même journée.
    'That would make more than 24 hours on the same day.': '',
    # fr: Le ZIP n'a pas pu être enregistré sur le serveur. Réessayez ; si cela se reproduit, prévenez l'administrateur.
    'The ZIP could not be saved on the server. Try again; if it fails again, tell the administrator.': '',
    # fr: Le badge porte plus de signatures qu'il n'est possible d'en vérifier.
    'The badge carries more signatures than can be checked.': '',
    # fr: Le badge ne porte aucune signature.
    'The badge carries no signature.': '',
    # fr: Le badge contient des données que sa signature ne couvre pas.
    'The badge contains data that its signature does not cover.': '',
    # fr: Le badge n'a pas pu être vérifié à cause d'une erreur inattendue.
    'The badge could not be checked because of an unexpected error.': '',
    # fr: Le badge n'a pas pu être récupéré sur le serveur de son émetteur (%(url)s).
    "The badge could not be fetched from its issuer's server (%(url)s).": '',
    # fr: Le badge ne suit pas le schéma officiel Open Badges 3.0 (%(paths)s).
    'The badge does not follow the official Open Badges 3.0 schema (%(paths)s).': '',
    # fr: Le badge n'identifie pas sa personne titulaire par une adresse e-mail.
    'The badge does not identify its recipient by email address.': '',
    # fr: Le badge a expiré le %(date)s.
    'The badge expired on %(date)s.': '',
    # fr: Le fichier du badge contient des données ambiguës ou dangereuses (clés en double, imbrication trop profonde, texte invalide).
    'The badge file contains ambiguous or unsafe data (duplicate keys, deep nesting, invalid text).': '',
    # fr: Le fichier du badge n'est pas du JSON valide.
    'The badge file is not valid JSON.': '',
    # fr: Le badge suit le schéma officiel Open Badges 3.0.
    'The badge follows the official Open Badges 3.0 schema.': '',
    # fr: Le badge n'a pas de statut de révocation à vérifier.
    'The badge has no revocation status to check.': '',
    # fr: Le badge est construit d'une manière qui ne peut pas être vérifiée en sécurité.
    'The badge is built in a way that cannot be verified safely.': '',
    # fr: Le badge est authentique, mais il n'a pas été émis pour l'adresse e-mail que vous avez donnée.
    'The badge is genuine, but it was not issued to the email address you gave.': '',
    # fr: Le badge n'est pas servi par le site de son émetteur (%(issuer)s).
    "The badge is not served by its issuer's web site (%(issuer)s).": '',
    # fr: Le badge n'est pas valide avant le %(date)s.
    'The badge is not valid before %(date)s.': '',
    # fr: Le badge est révoqué. Sa page de vérification l'indique dès maintenant.
    'The badge is revoked. Its verification page says so from now on.': '',
    # fr: Le badge est servi par le site de son émetteur (%(issuer)s).
    "The badge is served by its issuer's web site (%(issuer)s).": '',
    # fr: Le badge est signé avec une méthode que ce vérificateur ne prend pas en charge (%(type)s).
    'The badge is signed with a method this verifier does not support (%(type)s).': '',
    # fr: Le badge est lié à l'adresse e-mail de la personne titulaire : vous pouvez la vérifier sur la page de vérification.
    "The badge is tied to the holder's email address: you can check it on the verification page.": '',
    # fr: Le badge est valide du %(valid_from)s au %(valid_until)s.
    'The badge is valid from %(valid_from)s until %(valid_until)s.': '',
    # fr: Le badge est valide depuis le %(valid_from)s, sans date de fin.
    'The badge is valid from %(valid_from)s, with no end date.': '',
    # fr: L'image du badge que vous avez reçue, ou le fichier du badge enregistré depuis un e-mail (2 Mo au plus).
    'The badge picture you received, or the badge file saved from an e-mail (2 MB at most).': '',
    # fr: Le badge présenté diffère de celui que sert le serveur de l'émetteur.
    "The badge presented differs from the one its issuer's server serves.": '',
    # fr: Le badge servi à %(url)s porte une autre adresse.
    'The badge served at %(url)s carries another address.': '',
    # fr: Le badge servi par le serveur de l'émetteur n'est pas un badge hébergé.
    "The badge served by the issuer's server is not a hosted badge.": '',
    # fr: Le badge a été émis pour cette adresse e-mail.
    'The badge was issued to this email address.': '',
    # fr: Le badge n'a pas été émis pour cette adresse e-mail.
    'The badge was not issued to this email address.': '',
    # fr: Le badge « %(name)s » ne peut pas être publié : %(where)s mentionne %(label)s (« %(text)s »). Le texte d'un badge atteste seulement des compétences.
    'The badge “%(name)s” cannot be published: %(where)s mentions %(label)s (“%(text)s”). Badge text attests skills only.': '',
    # fr: Les dates du badge sont illisibles.
    "The badge's dates cannot be read.": '',
    # fr: La description du badge (BadgeClass) n'a pas pu être récupérée.
    "The badge's description (BadgeClass) could not be fetched.": '',
    # fr: Le code %(value)s est trop long : %(max)d caractères au maximum.
    'The code %(value)s is too long: at most %(max)d characters.': '',
    # fr: La promotion %(code)s est créée. Étape suivante : importer ses séances et ses stagiaires.
    'The cohort %(code)s is created. Next: import its sessions and trainees.': '',
    # fr: Le code de la promotion doit être un seul mot (lettres, chiffres, tirets).
    'The cohort code must be one word (letters, digits, dashes).': '',
    # fr: La colonne %(column)s apparaît plusieurs fois dans la ligne d'en-tête.
    'The column %(column)s appears more than once in the header row.': '',
    # fr: La compétence %(competency)s de %(email)s figure déjà à la ligne %(other)d.
    'The competency %(competency)s of %(email)s is already listed on row %(other)d.': '',
    # fr: La date de fin doit venir après la date de début.
    'The end date must come after the start date.': '',
    # fr: La fin de la pause doit venir après son début.
    'The end of the pause must come after its start.': '',
    # fr: L'heure de fin (%(end)s) doit venir après l'heure de début (%(start)s).
    'The end time (%(end)s) must be after the start time (%(start)s).': '',
    # fr: L'export n'a pas pu être fait. Rien n'est perdu : réessayez, et si cela échoue encore, prévenez la coordination.
    'The export could not be made. Nothing is lost: try again, and if it fails again tell the coordination.': '',
    # fr: L'export va commencer dans un instant.
    'The export will start in a moment.': '',
    # fr: Les chiffres de ce graphique
    'The figures of this chart': '',
    # fr: Le fichier a une ligne d'en-tête, mais aucune donnée en dessous.
    'The file has a header row but no data below it.': '',
    # fr: Le fichier a plus de %(limit)d lignes. Découpez-le en plusieurs fichiers plus petits.
    'The file has more than %(limit)d rows. Please split it into smaller files.': '',
    # fr: Le fichier contient des informations personnelles : gardez-le en lieu sûr.
    'The file holds personal information: keep it somewhere safe.': '',
    # fr: Le fichier est vide.
    'The file is empty.': '',
    # fr: Le fichier n'est pas du texte UTF-8 : dans Excel, choisissez “CSV UTF-8” au moment de l'enregistrer.
    'The file is not UTF-8 text: in Excel, choose “CSV UTF-8” when saving it.': '',
    # fr: Le fichier est trop gros (2 Mo au plus).
    'The file is too large (2 MB at most).': '',
    # fr: Le fichier est trop volumineux (5 Mo au maximum).
    'The file is too large (5 MB at most).': '',
    # fr: Le fichier est trop gros (plus de %(limit)s Mo).
    'The file is too large (more than %(limit)s MB).': '',
    # fr: Le fichier envoyé est trop volumineux.
    'The file sent is too large.': '',
    # fr: Le formulaire ci-dessous montre les marques enregistrées. Pour garder plutôt les vôtres, pour tout le monde, enregistrez-les ici :
    'The form below shows the saved marks. To keep yours instead, for everyone, save them here:': '',
    # fr: Le formulaire avait expiré ou venait d'ailleurs. Rechargez la page et envoyez-le à nouveau : rien n'a été enregistré.
    'The form had expired or came from elsewhere. Reload the page and send it again: nothing was saved.': '',
    # fr: Le formulaire avait expiré. Envoyez-le à nouveau.
    'The form had expired. Please send it again.': '',
    # fr: L'image contient des données de badge illisibles.
    'The image carries badge data that cannot be read.': '',
    # fr: L'émetteur n'a pas encore de clés de signature : lancez « tremplin keys generate ».
    'The issuer has no signing keys yet: run “tremplin keys generate”.': '',
    # fr: L'émetteur n'a pas révoqué ce badge.
    'The issuer has not revoked this badge.': '',
    # fr: L'émetteur a révoqué ce badge.
    'The issuer has revoked this badge.': '',
    # fr: L'émetteur a suspendu ce badge.
    'The issuer has suspended this badge.': '',
    # fr: L'émetteur ne publie pas de liste de révocation pour ce badge.
    'The issuer publishes no revocation list for this badge.': '',
    # fr: L'émetteur a révoqué ce badge.
    'The issuer revoked this badge.': '',
    # fr: Le profil de l'émetteur n'a pas pu être récupéré.
    "The issuer's profile could not be fetched.": '',
    # fr: Le serveur de l'émetteur sert ce badge, identique à la copie présentée.
    "The issuer's server serves this badge, identical to the copy presented.": '',
    # fr: Le résultat du jury est enregistré.
    "The jury's result is recorded.": '',
}

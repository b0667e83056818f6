"""Translations to nl to complete, then: python scripts/i18n.py fill THIS_FILE nl"""

NL = {
    # fr: %(code)s, du %(start)s au %(end)s
    '%(code)s, from %(start)s to %(end)s': '',
    # fr: %(days)d jours
    '%(days)d days': '',
    # fr: %(done)d sur %(total)d faits.
    '%(done)d of %(total)d done.': '',
    # fr: %(done)s confirmées sur %(target)s.
    '%(done)s confirmed out of %(target)s.': '',
    # fr: %(email)s a déjà une ligne pour la séance du %(date)s à %(start)s, à la ligne %(other)d.
    '%(email)s already has a line for the session of %(date)s at %(start)s on row %(other)d.': '',
    # fr: %(email)s a déjà un résultat à la ligne %(other)d.
    '%(email)s already has a result on row %(other)d.': '',
    # fr: %(email)s correspond à un compte de l'équipe, pas à un·e stagiaire.
    '%(email)s belongs to a staff account, not a trainee.': '',
    # fr: %(email)s figure déjà à la ligne %(other)d.
    '%(email)s is already listed on row %(other)d.': '',
    # fr: %(email)s n'est pas inscrit·e dans cette promotion.
    '%(email)s is not enrolled in this cohort.': '',
    # fr: %(email)s n'est pas attendu·e à cette séance (pas encore inscrit·e, en pause ou parti·e).
    '%(email)s is not expected at this session (not enrolled yet, on a pause or withdrawn).': '',
    # fr: %(holder)s a obtenu ce badge auprès de %(issuer)s le %(date)s.
    '%(holder)s earned this badge from %(issuer)s on %(date)s.': '',
    # fr: %(issuer)s a révoqué ce badge le %(date)s.
    '%(issuer)s revoked this badge on %(date)s.': '',
    # fr: %(low)d à %(high)d %%
    '%(low)d to %(high)d %%': '',
    # fr: %(m)d min
    '%(m)d min': '',
    # fr: %(minutes)d minutes, c'est plus que la durée de la séance (%(total)d).
    '%(minutes)d minutes is more than the session lasts (%(total)d).': '',
    # fr: Invitations placées dans la boîte d'envoi : %(n)d.
    '%(n)d invitations are in the outbox.': '',
    # fr: Séances passées sans présences saisies : %(n)d.
    '%(n)d past sessions without attendance taken.': '',
    # fr: %(name)s est invité·e. L'invitation est dans la boîte d'envoi.
    '%(name)s is invited. The invitation is in the outbox.': '',
    # fr: %(name)s n'est pas référent·e de stage.
    '%(name)s is not a placement referent.': '',
    # fr: %(name)s n'est pas formateur·rice.
    '%(name)s is not a trainer.': '',
    # fr: %(name)s : attestation non incluse, elle n'a pas pu être enregistrée sur le disque du serveur. Refaites le ZIP ; si cela se reproduit, prévenez l'administrateur de la plateforme.
    "%(name)s: certificate not included, it could not be written to the server's disk. Make the ZIP again; if it fails again, tell the platform's administrator.": '',
    # fr: %(name)s : attestation non incluse, le PDF n'a pas pu être créé. Téléchargez-la seule depuis la liste, ou prévenez l'administrateur de la plateforme si cela ne marche pas non plus.
    "%(name)s: certificate not included, the PDF could not be made. Download it alone from the list, or tell the platform's administrator if that fails too.": '',
    # fr: %(name)s : attestation non incluse, le disque du serveur est plein. Prévenez l'administrateur de la plateforme, puis refaites le ZIP.
    "%(name)s: certificate not included, the server's disk is full. Tell the platform's administrator, then make the ZIP again.": '',
    # fr: %(name)s : indiquez les minutes de présence.
    '%(name)s: give the minutes attended.': '',
    # fr: %(num)d compétence reste à valider
    # fr: %(num)d compétences restent à valider
    ('%(num)d competency still to validate', '%(num)d competencies still to validate'): ('', ''),
    # fr: %(num)d compétence à valider.
    # fr: %(num)d compétences à valider.
    ('%(num)d competency to validate.', '%(num)d competencies to validate.'): ('', ''),
    # fr: %(num)d journée de pratique attend la confirmation de votre référent·e.
    # fr: %(num)d journées de pratique attendent la confirmation de votre référent·e.
    ("%(num)d day of practice waits for your referent's confirmation.", "%(num)d days of practice wait for your referent's confirmation."): ('', ''),
    # fr: %(num)d journée à confirmer
    # fr: %(num)d journées à confirmer
    ('%(num)d day to confirm', '%(num)d days to confirm'): ('', ''),
    # fr: %(num)d présence saisie
    # fr: %(num)d présences saisies
    ('%(num)d mark', '%(num)d marks'): ('', ''),
    # fr: %(num)d personne
    # fr: %(num)d personnes
    ('%(num)d person', '%(num)d people'): ('', ''),
    # fr: %(num)d personne attendue
    # fr: %(num)d personnes attendues
    ('%(num)d person expected', '%(num)d people expected'): ('', ''),
    # fr: %(num)d personne n'a pas encore choisi de mot de passe.
    # fr: %(num)d personnes n'ont pas encore choisi de mot de passe.
    ('%(num)d person has not chosen a password yet.', '%(num)d people have not chosen a password yet.'): ('', ''),
    # fr: %(num)d tâche s’est arrêtée après avoir échoué à chaque essai.
    # fr: %(num)d tâches se sont arrêtées après avoir échoué à chaque essai.
    ('%(num)d task stopped after failing on every try.', '%(num)d tasks stopped after failing on every try.'): ('', ''),
    # fr: %(num)d à suivre de près
    # fr: %(num)d à suivre de près
    ('%(num)d to follow closely', '%(num)d to follow closely'): ('', ''),
    # fr: %(num)d stagiaire
    # fr: %(num)d stagiaires
    ('%(num)d trainee', '%(num)d trainees'): ('', ''),
    # fr: %(num)d essai
    # fr: %(num)d essais
    ('%(num)d try', '%(num)d tries'): ('', ''),
    # fr: %(reached)d stagiaires sur %(total)d ont atteint leur objectif d'heures de pratique.
    '%(reached)d of %(total)d trainees have reached their practice hours target.': '',
    # fr: %(time)s déclarées attendent la confirmation du ou de la référent·e.
    "%(time)s logged are waiting for the referent's confirmation.": '',
    # fr: %(value)s n'est pas une date. Écrivez-la sous la forme YYYY-MM-DD ou DD/MM/YYYY, par exemple 2027-09-03.
    '%(value)s is not a date. Write it as YYYY-MM-DD or DD/MM/YYYY, for example 2027-09-03.': '',
    # fr: %(value)s n'est pas une heure. Écrivez l'heure sous la forme HH:MM, par exemple 09:30.
    '%(value)s is not a time. Write the time as HH:MM, for example 09:30.': '',
    # fr: %(value)s n'est pas un code valable : un code ne contient pas d'espace, par exemple %(example)s.
    '%(value)s is not a valid code: a code has no spaces, for example %(example)s.': '',
    # fr: %(value)s n'est pas une adresse e-mail valide.
    '%(value)s is not a valid email address.': '',
    # fr: %(value)s n'est pas une valeur possible ici. Utilisez l'une de celles-ci : %(choices)s.
    '%(value)s is not a valid value here. Use one of: %(choices)s.': '',
    # fr: %(value)s n'est pas un nombre entier de minutes. Écrivez seulement des chiffres, par exemple 90.
    '%(value)s is not a whole number of minutes. Write digits only, for example 90.': '',
    # fr: %(value)s minutes, ce n'est pas possible ici : écrivez un nombre entre %(min)d et %(max)d.
    '%(value)s minutes is not possible here: write a number between %(min)d and %(max)d.': '',
    # fr: (compte supprimé)
    '(account deleted)': '',
    # fr: (effacé)
    '(erased)': '',
    # fr: Un fichier .json ou .jwt peut être choisi à la place d'une image, ou son contenu collé dans la zone de texte.
    'A .json or .jwt file can be chosen instead of an image, or its content pasted in the text box.': '',
    # fr: Un badge atteste seulement des compétences et de la formation. Il ne dit jamais rien de votre vie, de votre santé ou de votre histoire.
    'A badge only attests skills and the training. It never says anything about your life, your health or your story.': '',
    # fr: L'attestation est disponible dès que le badge de la formation a été délivré, et tant qu'il est valide.
    'A certificate is available once the programme badge has been issued, and while it is valid.': '',
    # fr: Chaque stagiaire dont le badge de la formation est valide reçoit une attestation. Elle est créée au premier téléchargement, avec son propre code de vérification ; un badge délivré à nouveau reçoit une nouvelle attestation.
    'A certificate is given to each trainee whose programme badge is valid. It is made the first time someone downloads it, with its own verification code; a re-issued badge gets a new certificate.': '',
    # fr: Une promotion avec ce code existe déjà.
    'A cohort with this code already exists.': '',
    # fr: Quelques mots, par exemple « accueil », « réunion d'équipe ». Jamais le nom des personnes rencontrées.
    "A few words, e.g. 'welcome desk', 'team meeting'. Never the names of the people you met.": '',
    # fr: Un travail de fin de formation, réussi devant le jury.
    'A final work, passed before the jury.': '',
    # fr: Un badge authentique, mais il n'a pas été émis pour cette adresse e-mail.
    'A genuine badge, but it was not issued to this email address.': '',
    # fr: Un nouveau badge a été émis ; le précédent est marqué comme remplacé.
    'A new badge was issued; the previous one is marked as superseded.': '',
    # fr: Une nouvelle invitation est dans la boîte d'envoi.
    'A new invitation is in the outbox.': '',
    # fr: Une pause suspend la formation ; les séances pendant la pause ne comptent pas. Aucun motif n'est demandé ni enregistré.
    'A pause suspends the training; the sessions during it do not count. No reason is asked or recorded.': '',
    # fr: Le type doit être « stage » ou « emploi ».
    "A placement is a 'stage' or an 'emploi'.": '',
    # fr: Une attestation imprimée accompagne ce badge. Pour voir ce qu'elle dit, scannez son QR code ou saisissez son code de vérification : cette page affiche alors son contenu.
    'A printed certificate goes with this badge. To see what it says, scan its QR code or type its verification code: this page then shows its content.': '',
    # fr: Une demande d'effacement
    'A request to erase their data': '',
    # fr: Une demande pour voir ses données
    'A request to see their data': '',
    # fr: Un badge Open Badges 2.0 signé, intégré dans une image %(image)s.
    'A signed Open Badges 2.0 badge, baked in a %(image)s image.': '',
    # fr: Un badge Open Badges 2.0 signé.
    'A signed Open Badges 2.0 badge.': '',
    # fr: Un jeton permet à un script ou à un autre outil d'utiliser l'API de la plateforme en votre nom, avec les permissions que vous choisissez. Gardez-le secret comme un mot de passe ; révoquez-le dès qu'il ne sert plus.
    "A token lets a script or another tool use the platform's API in your name, with the permissions you choose. Keep it secret like a password; revoke it as soon as it is no longer needed.": '',
    # fr: Une adresse web : le badge y est lu.
    'A web address: the badge is read from it.': '',
    # fr: Jetons d'API
    'API tokens': '',
    # fr: Jetons d'API (pour les scripts et autres outils)
    'API tokens (for scripts and other tools)': '',
    # fr: Jetons d'accès supprimés
    'API tokens deleted': '',
    # fr: Absence
    'Absence': '',
    # fr: Absent·e
    'Absent': '',
    # fr: Compte actif
    'Account active': '',
    # fr: Action
    'Action': '',
    # fr: Actions
    'Actions': '',
    # fr: Actif
    'Active': '',
    # fr: Activité
    'Activity': '',
    # fr: Ajouter
    'Add': '',
    # fr: Ajouter une pause
    'Add a pause': '',
    # fr: Ajouter un stage ou un emploi
    'Add a placement': '',
    # fr: Ajouter une séance
    'Add a session': '',
    # fr: Ajouter à un profil LinkedIn
    'Add to a LinkedIn profile': '',
    # fr: Ajouter à mon profil LinkedIn
    'Add to my LinkedIn profile': '',
    # fr: Après un changement de nom ou une correction : un nouveau badge est émis avec les données du jour, et celui-ci est marqué comme remplacé.
    "After a change of name or a correction: a new badge is issued with today's data, and this one is marked as superseded.": '',
    # fr: Des totaux par promotion et par année, sans aucun nom : les petits nombres sont masqués.
    'Aggregates by cohort and by year, without any name: small numbers are hidden.': '',
    # fr: Données agrégées uniquement. Les effectifs de 1 à 4 sont affichés « <5 » et les chiffres calculés à partir d’eux sont masqués, pour que personne ne puisse être reconnu ; un second chiffre l’est aussi partout où le chiffre masqué pourrait se retrouver par soustraction (« <5 » s’il est inférieur à 5, 0 compris). « Terminé » : toutes les conditions du programme remplies le %(date)s.
    'Aggregates only. Counts from 1 to 4 are shown as "<5" and the figures computed from them are hidden, so that nobody can be recognised; so is a second figure wherever the hidden one could be worked out by subtraction ("<5" when it is below 5, 0 included). "Completed": every condition of the programme met on %(date)s.': '',
    # fr: Tous
    'All': '',
    # fr: Tous les badges
    'All badges': '',
    # fr: Toutes les conditions remplies
    'All conditions met': '',
    # fr: Tous les rôles
    'All roles': '',
    # fr: Toutes les attestations de la promotion
    'All the certificates of the cohort': '',
    # fr: Un badge Open Badges 2.0 hébergé par son émetteur, intégré dans une image %(image)s.
    'An Open Badges 2.0 badge hosted by its issuer, baked in a %(image)s image.': '',
    # fr: Un badge Open Badges 2.0 hébergé par son émetteur.
    'An Open Badges 2.0 badge hosted by its issuer.': '',
    # fr: Une attestation Open Badges 3.0 signée en JWT, intégrée dans une image %(image)s.
    'An Open Badges 3.0 credential signed as a JWT, baked in a %(image)s image.': '',
    # fr: Une attestation Open Badges 3.0 signée en JWT.
    'An Open Badges 3.0 credential signed as a JWT.': '',
    # fr: Une attestation Open Badges 3.0 avec sa preuve intégrée, dans une image %(image)s.
    'An Open Badges 3.0 credential with an embedded proof, baked in a %(image)s image.': '',
    # fr: Une attestation Open Badges 3.0 avec sa preuve intégrée.
    'An Open Badges 3.0 credential with an embedded proof.': '',
    # fr: Un compte existe déjà avec cette adresse e-mail.
    'An account already exists with this e-mail address.': '',
    # fr: Une clé %(kind)s active existe déjà : faites-la tourner (rotation) plutôt.
    'An active %(kind)s key exists already: rotate it instead.': '',
    # fr: Une absence excusée compte comme du temps non suivi ; elle reste notée comme excusée.
    'An excused absence counts as time not attended; it stays noted as excused.': '',
    # fr: Un émetteur qui ne donne pas de nom
    'An issuer that gives no name': '',
    # fr: Une autre raison (à écrire ci-dessous)
    'Another reason (type it below)': '',
    # fr: Une autre séance le %(date)s à %(start)s figure déjà à la ligne %(other)d.
    'Another session on %(date)s at %(start)s is already listed on row %(other)d.': '',
    # fr: Arrivée
    'Arrival': '',
    # fr: Tel qu'il doit figurer sur les attestations.
    'As it must appear on certificates.': '',
    # fr: Demander un nouveau lien
    'Ask for a new link': '',
    # fr: Demandé le
    'Asked on': '',
    # fr: Chez %(host)s. Merci de confirmer les journées effectuées : seules les heures confirmées comptent pour la formation.
    'At %(host)s. Thank you for confirming the days done: only confirmed hours count for the training.': '',
    # fr: Au moins %(n)d caractères. Une astuce : trois mots que vous aimez, séparés par des espaces.
    'At least %(n)d characters. A tip: three words you like, separated by spaces.': '',
    # fr: Présences
    'Attendance': '',
    # fr: Présence %(rate)s : au-dessus des %(threshold)s %% demandés.
    'Attendance %(rate)s: above the %(threshold)s%% required.': '',
    # fr: Présence %(rate)s : sous les %(threshold)s %% pour le moment, encore atteignables.
    'Attendance %(rate)s: below the %(threshold)s%% for now, still reachable.': '',
    # fr: Présence %(rate)s : les %(threshold)s %% ne peuvent plus être atteints avec les séances restantes. Parlez-en avec la coordination : des solutions existent.
    'Attendance %(rate)s: the %(threshold)s%% can no longer be reached with the sessions left. Talk with the coordination: solutions exist.': '',
    # fr: Présence (%)
    'Attendance (%)': '',
    # fr: Présences (date, start, email, status, minutes)
    'Attendance (date, start, email, status, minutes)': '',
    # fr: Présence enregistrée
    'Attendance as recorded': '',
    # fr: Présence telle qu'enregistrée par l'équipe de formation. Ce récapitulatif est destiné aux dossiers de la personne en formation : ce n'est pas une attestation de réussite.
    "Attendance as recorded by the training team. This summary is for the trainee's records: it is not a certificate.": '',
    # fr: Présence en dessous du seuil pour l'instant.
    'Attendance below the threshold for now.': '',
    # fr: Présences par module
    'Attendance by module': '',
    # fr: Présence de chaque stagiaire par module (%)
    'Attendance of each trainee by module (%)': '',
    # fr: Taux de présence (%)
    'Attendance rate (%)': '',
    # fr: Taux de présence par rapport au seuil
    'Attendance rates against the threshold': '',
    # fr: Présences enregistrées.
    'Attendance saved.': '',
    # fr: Feuille d'émargement
    'Attendance sheet': '',
    # fr: Feuille d'émargement à imprimer (PDF)
    'Attendance sheet to print (PDF)': '',
    # fr: Feuille d'émargement — %(cohort)s — %(date)s
    'Attendance sheet — %(cohort)s — %(date)s': '',
    # fr: Récapitulatif de présence
    'Attendance summary': '',
    # fr: Récapitulatif de présence (PDF)
    'Attendance summary (PDF)': '',
    # fr: Récapitulatif de présence — %(name)s — %(cohort)s
    'Attendance summary — %(name)s — %(cohort)s': '',
    # fr: Seuil de présence hors d'atteinte
    'Attendance threshold out of reach': '',
    # fr: Seuil de présence atteint.
    'Attendance threshold reached.': '',
    # fr: Présence semaine par semaine
    'Attendance week by week': '',
    # fr: Présences, séance par séance
    'Attendance, session by session': '',
    # fr: Présence : au moins %(p)s %% de la formation, comptée en %(basis)s, %(scope)s.
    'Attendance: at least %(p)s%% of the training, counted in %(basis)s, %(scope)s.': '',
    # fr: Temps de présence
    'Attended': '',
    # fr: Journal des modifications
    'Audit log': '',
    # fr: Entrées du journal nettoyées du nom, de l'adresse ou de l'adresse IP
    'Audit log entries cleaned of the name, address or IP address': '',
    # fr: Le %(date)s
    'Awarded on %(date)s': '',
    # fr: Retour à la connexion
    'Back to log in': '',
    # fr: Retour à mon accueil
    'Back to my home page': '',
    # fr: Tâches en arrière-plan
    'Background tasks': '',
    # fr: Badge
    'Badge': '',
    # fr: Les chiffres des badges apparaîtront ici dès que des badges seront délivrés par la plateforme.
    'Badge figures will appear here once badges are issued from the platform.': '',
    # fr: Image du badge, attestation incluse (PNG)
    'Badge image with the credential inside (PNG)': '',
    # fr: Badge introuvable
    'Badge not found': '',
    # fr: Registre des badges
    'Badge register': '',
    # fr: Badge à vérifier
    'Badge to verify': '',
    # fr: Vérification d'un badge
    'Badge verification': '',
    # fr: Badges
    'Badges': '',
    # fr: Les badges sont signés avec ces clés. Les clés retirées restent publiées pour que chaque badge qu'elles ont signé puisse toujours être vérifié.
    'Badges are signed with these keys. Retired keys stay published so that every badge they signed can still be verified.': '',
    # fr: Badges à remettre
    'Badges due': '',
}

"""Translations to nl to complete, then: python scripts/i18n.py fill THIS_FILE nl"""

NL = {
    # fr: Badges émis
    'Badges issued': '',
    # fr: Les badges d'autres émetteurs sont vérifiés hors ligne quand leur clé est dans le badge (did:key ou clé intégrée).
    'Badges of other issuers are verified offline when their key is inside the badge (did:key or embedded key).': '',
    # fr: Badges révoqués
    'Badges revoked': '',
    # fr: Badges portant le nom révoqués
    'Badges with the name revoked': '',
    # fr: Badges portant le nom signés à nouveau sans lui
    'Badges with the name signed again without it': '',
    # fr: Avant d'effacer, vous pouvez télécharger ses données ci-dessus et les lui envoyer.
    'Before erasing, you may download their data above and send it to them.': '',
    # fr: En cours d’envoi (si cela dure, il est peut-être parti : vérifiez auprès de la personne)
    'Being sent (if this lasts, it may have left: check with the person)': '',
    # fr: Sous le seuil
    'Below the threshold': '',
    # fr: Par
    'By': '',
    # fr: Par promotion
    'By cohort': '',
    # fr: Par année de début de promotion
    'By year of cohort start': '',
    # fr: CSV
    'CSV': '',
    # fr: Fichier CSV
    'CSV file': '',
    # fr: Séparateur CSV
    'CSV separator': '',
    # fr: Agenda
    'Calendar': '',
    # fr: Peut encore manquer
    'Can still miss': '',
    # fr: Peut encore manquer %(time)s.
    'Can still miss %(time)s.': '',
    # fr: Peut encore manquer (heures)
    'Can still miss (hours)': '',
    # fr: Annulée
    'Cancelled': '',
    # fr: Attestation délivrée
    'Certificate issued': '',
    # fr: Attestations
    'Certificates': '',
    # fr: Attestations d'une promotion (ZIP)
    'Certificates of a cohort (ZIP)': '',
    # fr: Attestations de la promotion
    'Certificates of the cohort': '',
    # fr: Attestations révoquées
    'Certificates revoked': '',
    # fr: Changer mon nom, ma langue ou mon mot de passe
    'Change my name, language or password': '',
    # fr: Changer mon mot de passe
    'Change my password': '',
    # fr: Modifier la séance
    'Change the session': '',
    # fr: Modifications, les plus récentes d'abord
    'Changes, newest first': '',
    # fr: Vérifications
    'Checks': '',
    # fr: Vérifications faites à l'instant
    'Checks made just now': '',
    # fr: Choisissez une compétence.
    'Choose a competency.': '',
    # fr: Choisissez un fichier à importer.
    'Choose a file to import.': '',
    # fr: Choisir un nouveau mot de passe Tremplin
    'Choose a new Tremplin password': '',
    # fr: Choisir un nouveau mot de passe
    'Choose a new password': '',
    # fr: Choisissez un mot de passe pour ouvrir votre compte Tremplin (%(email)s).
    'Choose a password to open your Tremplin account (%(email)s).': '',
    # fr: Choisissez un programme.
    'Choose a programme.': '',
    # fr: Choisissez un statut pour chaque personne. « Toutes les autres personnes présentes » marque comme présentes les personnes encore sans statut. Pour une arrivée en retard ou un départ plus tôt, indiquez les minutes de présence (la séance dure %(m)d minutes).
    'Choose a status for each person. "Everyone else present" marks present everyone left without a status. For a late arrival or an early departure, give the minutes attended (the session lasts %(m)d minutes).': '',
    # fr: Choisissez au moins une permission.
    'Choose at least one permission.': '',
    # fr: Choisissez au moins un rôle.
    'Choose at least one role.': '',
    # fr: Choisissez « Confirmer » ou « Ne pas confirmer ».
    'Choose confirm or do not confirm.': '',
    # fr: Choisissez combien de temps le jeton reste valable.
    'Choose how long the token stays valid.': '',
    # fr: Choisissez une option.
    'Choose one option.': '',
    # fr: Choisissez le type d'élément de preuve.
    'Choose the kind of evidence.': '',
    # fr: Nom choisi (facultatif)
    'Chosen name (optional)': '',
    # fr: Code
    'Code': '',
    # fr: Promotion
    'Cohort': '',
    # fr: Promotion %(code)s, du %(start)s au %(end)s
    'Cohort %(code)s, from %(start)s to %(end)s': '',
    # fr: Synthèse de la promotion
    'Cohort summary': '',
    # fr: Promotions
    'Cohorts': '',
    # fr: Promotions en cours
    'Cohorts running': '',
    # fr: La colonne %(letter)s contient une valeur, mais n'a pas de nom dans la ligne d'en-tête.
    'Column %(letter)s has a value but no name in the header row.': '',
    # fr: Colonnes attendues
    'Columns expected': '',
    # fr: À venir
    'Coming': '',
    # fr: Commentaire
    'Comment': '',
    # fr: Commentaire (si non confirmé)
    'Comment (if not confirmed)': '',
    # fr: Commentaire (facultatif)
    'Comment (optional)': '',
    # fr: Commentaire (obligatoire si vous ne confirmez pas)
    'Comment (required if you do not confirm)': '',
    # fr: Commentaires de validation effacés
    'Comments on validations cleared': '',
    # fr: Compétences
    'Competencies': '',
    # fr: Seul·e un·e formateur·rice ou un·e membre de la coordination, avec un compte à son nom, peut importer des compétences.
    'Competencies can only be imported by a named trainer or coordinator.': '',
    # fr: Compétences du référentiel
    'Competencies of the framework': '',
    # fr: Compétences requises
    'Competencies required': '',
    # fr: Compétences validées
    'Competencies validated': '',
    # fr: Compétences validées : %(done)d sur %(total)d.
    'Competencies: %(done)d validated out of %(total)d.': '',
    # fr: Compétence
    'Competency': '',
    # fr: Compétence %(code)s validée.
    'Competency %(code)s validated.': '',
    # fr: Référentiel de compétences de la formation, tel que publié par l'organisme de formation.
    'Competency framework of the programme, as published by the training body.': '',
    # fr: Terminé (toutes les conditions remplies)
    'Completed (all conditions met)': '',
    # fr: Taux de réussite (%)
    'Completion rate (%)': '',
    # fr: Conditions de réussite
    'Completion rules': '',
    # fr: Confirmer
    'Confirm': '',
    # fr: Confirmer les heures
    'Confirm hours': '',
    # fr: Confirmez ou refusez.
    'Confirm or reject.': '',
    # fr: Confirmez les journées effectuées par les stagiaires que vous suivez. Seules les heures confirmées comptent.
    'Confirm the days the trainees you follow have done. Only confirmed hours count.': '',
    # fr: Confirmé
    'Confirmed': '',
    # fr: Félicitations ! Votre %(credential)s est prête. Vous pouvez l'imprimer : son QR code permet à chacun de vérifier qu'elle est authentique.
    'Congratulations! Your %(credential)s is ready. You can print it: its QR code lets anyone check that it is real.': '',
    # fr: Bravo : vous avez un nouveau badge !
    # fr: Bravo : vous avez %(num)d nouveaux badges !
    ('Congratulations: you have a new badge!', 'Congratulations: you have %(num)d new badges!'): ('', ''),
    # fr: Contact
    'Contact': '',
    # fr: Coordination
    'Coordinator': '',
    # fr: Copiez le lien ci-dessous et transmettez-le vous-même.
    'Copy the link below and pass it on by hand.': '',
    # fr: Corriger ou effacer
    'Correct or erase': '',
    # fr: Impossible de réserver une place dans la liste de statut ; réessayez.
    'Could not allocate a status slot; try again.': '',
    # fr: Temps compté
    'Counted': '',
    # fr: Créer la promotion
    'Create the cohort': '',
    # fr: Créer le jeton
    'Create the token': '',
    # fr: Attestation (JSON, Open Badges 3.0)
    'Credential (JSON, Open Badges 3.0)': '',
    # fr: Attestation (JWT, Open Badges 3.0)
    'Credential (JWT, Open Badges 3.0)': '',
    # fr: Certification délivrée : %(name)s.
    'Credential: %(name)s.': '',
    # fr: Critères
    'Criteria': '',
    # fr: Mot de passe actuel
    'Current password': '',
    # fr: Date
    'Date': '',
    # fr: Date et lieu
    'Date and place': '',
    # fr: Dates
    'Dates': '',
    # fr: Dates au format 2026-09-17 ou 17/09/2026 ; heures au format 09:30. Les stagiaires ajouté·es reçoivent une invitation.
    'Dates as 2026-09-17 or 17/09/2026; times as 09:30. New trainees receive an invitation.': '',
    # fr: Dates : expiré.
    'Dates: expired.': '',
    # fr: Dates : dans sa période de validité.
    'Dates: in its validity period.': '',
    # fr: Jour
    'Day': '',
    # fr: Désactivé
    'Deactivated': '',
    # fr: Décision
    'Decision': '',
    # fr: Départ
    'Departure': '',
    # fr: Description
    'Description': '',
    # fr: Description de l'API (OpenAPI) :
    'Description of the API (OpenAPI):': '',
    # fr: Détails
    'Details': '',
    # fr: Ne pas confirmer
    'Do not confirm': '',
    # fr: Ne vous fiez pas à ce badge : voyez les vérifications ci-dessous.
    'Do not rely on this badge: see the checks below.': '',
    # fr: Document
    'Document': '',
    # fr: C'est fait : le badge est masqué. Vous pouvez changer d'avis à tout moment.
    'Done: the badge is hidden. You can change your mind at any time.': '',
    # fr: C'est fait : le badge est privé. Seules les personnes à qui vous le partagez peuvent le voir.
    'Done: the badge is private. Only the people you share it with can see it.': '',
    # fr: C'est fait : le badge est public, avec votre nom. Une nouvelle copie a été faite à votre nom.
    'Done: the badge is public, with your name. A new copy was made with your name on it.': '',
    # fr: Télécharger
    'Download': '',
    # fr: Télécharger %(name)s
    'Download %(name)s': '',
    # fr: Téléchargez tout ce que la plateforme garde sur cette personne (le même fichier que celui de son compte), puis envoyez-le à elle seule.
    'Download everything the platform keeps about this person (the same file they get from their account), then send it to them only.': '',
    # fr: Télécharger pour un portefeuille numérique (JSON)
    'Download for a digital wallet (JSON)': '',
    # fr: Télécharger le récapitulatif de ma présence (PDF)
    'Download my attendance summary (PDF)': '',
    # fr: Télécharger mon attestation (PDF)
    'Download my certificate (PDF)': '',
    # fr: Télécharger mes données
    'Download my data': '',
    # fr: Télécharger mes données (ZIP)
    'Download my data (ZIP)': '',
    # fr: Télécharger ou partager
    'Download or share': '',
    # fr: Télécharger l'image du badge (PNG, preuve incluse)
    'Download the badge image (PNG, with the proof inside)': '',
    # fr: Télécharger ses données (ZIP)
    'Download their data (ZIP)': '',
    # fr: Durée
    'Duration': '',
    # fr: E-mail
    'E-mail': '',
    # fr: Adresse e-mail
    'E-mail address': '',
    # fr: Adresse e-mail ou mot de passe non reconnu.
    'E-mail address or password not recognised.': '',
    # fr: E-mails à la personne supprimés
    'E-mails to the person deleted': '',
    # fr: Chaque badge montre une compétence que vous avez prouvée. Il est à vous : vous décidez qui le voit.
    'Each badge shows a skill you have proven. It is yours: you decide who sees it.': '',
    # fr: Chacune par deux formateur·rices, dont un·e formateur·rice pair·e.
    'Each by two trainers, one of them a peer trainer.': '',
    # fr: Départ anticipé
    'Early departure': '',
    # fr: Obtenu auprès de %(issuer)s le %(date)s.
    'Earned from %(issuer)s on %(date)s.': '',
    # fr: Obtenu le
    'Earned on': '',
    # fr: Adresse e-mail de la personne titulaire (facultatif)
    'Email address of the holder (optional)': '',
    # fr: Fin
    'End': '',
    # fr: Terminer aujourd'hui
    'End today': '',
    # fr: Inscription
    'Enrolled': '',
    # fr: Inscrit·e le %(date)s
    'Enrolled on %(date)s': '',
    # fr: Effacer les données de cette personne
    "Erase this person's data": '',
    # fr: L'effacement est définitif. Il :
    'Erasure cannot be undone. It:': '',
    # fr: Erreur %(code)d
    'Error %(code)d': '',
    # fr: Événement
    'Event': '',
    # fr: Tous les badges émis, avec leur statut. Révoquez ou réémettez un badge depuis sa ligne.
    'Every badge issued, with its status. Revoke or re-issue a badge from its line.': '',
    # fr: Chaque modification faite dans la plateforme : qui, quoi, quand, sur quoi.
    'Every change made in the platform: who, what, when, on what.': '',
    # fr: Chaque message envoyé par la plateforme, et s'il est bien parti.
    'Every message the platform sends, and whether it left.': '',
    # fr: Tous les stagiaires de toutes les promotions : cela peut prendre un moment, l'export est donc préparé en arrière-plan ; vous pouvez suivre son avancement et le télécharger quand il est prêt.
    'Every trainee of every cohort: this can take a while, so it is prepared in the background; you can follow it and download it when it is ready.': '',
    # fr: Toutes les autres personnes présentes, et enregistrer
    'Everyone else present, and save': '',
    # fr: Élément de preuve
    'Evidence': '',
    # fr: Fichiers de preuve supprimés
    'Evidence files deleted': '',
    # fr: Excusé·e
    'Excused': '',
    # fr: Absence excusée
    'Excused absence': '',
    # fr: Les absences excusées ne sont pas comptées.
    'Excused absences are not counted.': '',
    # fr: Les absences excusées comptent comme des absences.
    'Excused absences count as absences.': '',
    # fr: Les absences excusées ne sont pas prises en compte.
    'Excused absences do not count.': '',
    # fr: Attendu·es
    'Expected': '',
    # fr: Expiré
    'Expired': '',
    # fr: Export
    'Export': '',
    # fr: Exporter toute la plateforme
    'Export the whole platform': '',
    # fr: Les exports, les attestations et les e-mails sont préparés en arrière-plan. Une tâche qui a échoué à chaque essai s’arrête ; une fois la cause réglée, vous pouvez la relancer ici.
    'Exports, certificates and e-mails are made by a worker, in the background. A task that failed on every try stops; once its cause is fixed, you can retry it here.': '',
    # fr: Fichier (facultatif : PDF, PNG ou JPEG, 5 Mo au maximum)
    'File (optional: PDF, PNG or JPEG, 5 MB at most)': '',
    # fr: Fichier trop volumineux
    'File too large': '',
    # fr: Filtrer
    'Filter': '',
    # fr: Travail de fin de formation
    'Final work': '',
}

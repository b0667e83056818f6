"""The training domain: programmes, cohorts, sessions, attendance, placements, competencies, eligibility."""

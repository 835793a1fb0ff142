"""What organizers use: the dashboard, ranking, fraud screening, moderation, mail and exports."""

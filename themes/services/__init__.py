"""Write side of themes and findings: one atomic service per user action, each logged in the study history."""

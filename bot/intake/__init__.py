"""Residents' reports: from the first words to a filed ticket, and what a resident can read of
their own tickets (/my)."""

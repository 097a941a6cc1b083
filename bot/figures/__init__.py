"""Figures for managers: the rates by unit and period (/stats), the 30-day chart (/chart) and
the assessment workbook (/export)."""

"""Ticket event subscribers of the automation app."""

"""Ticket event subscribers of the satisfaction surveys app."""

"""Ticket event subscribers of the reports app."""

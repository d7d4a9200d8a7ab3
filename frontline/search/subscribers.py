"""Ticket event subscribers of the search app."""

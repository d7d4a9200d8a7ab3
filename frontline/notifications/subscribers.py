"""Ticket event subscribers of the notifications app."""

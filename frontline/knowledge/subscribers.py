"""Ticket event subscribers of the knowledge base app."""

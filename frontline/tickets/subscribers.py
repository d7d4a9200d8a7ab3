"""Ticket-side event subscribers.

Notification, SLA, automation, webhook and reporting subscribers live in their own apps and
are imported by ``frontline.core.subscribers``. Nothing in the foundation reacts to events
yet besides the dispatcher itself; this module is where ticket-local reactions will go.
"""

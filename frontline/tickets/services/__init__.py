"""Ticket services: every write to a ticket goes through one of these.

Each takes the acting user (``actor``), checks the policy, runs in one transaction, and
records what happened as TicketEvents. Failures raise the domain errors of
``frontline.core.errors``; a failed call changes nothing.
"""

from frontline.tickets.services.attachments import attachment_upload, bind_attachments
from frontline.tickets.services.conversation import system_message, ticket_note, ticket_reply
from frontline.tickets.services.create import ticket_create, ticket_create_for_contact
from frontline.tickets.services.fields import ticket_update
from frontline.tickets.services.workflow import (
    ticket_assign,
    ticket_claim,
    ticket_escalate,
    ticket_link,
    ticket_merge,
    ticket_transition,
    ticket_unlink,
)

__all__ = [
    "attachment_upload",
    "bind_attachments",
    "system_message",
    "ticket_assign",
    "ticket_claim",
    "ticket_create",
    "ticket_create_for_contact",
    "ticket_escalate",
    "ticket_link",
    "ticket_merge",
    "ticket_note",
    "ticket_reply",
    "ticket_transition",
    "ticket_unlink",
    "ticket_update",
]

"""The words of the demo desk: scenarios per team, and the small talk around them."""

from __future__ import annotations

from frontline.demo.content.base import Days, Scenario
from frontline.demo.content.facilities import FACILITIES
from frontline.demo.content.hr import HR
from frontline.demo.content.it import IT

SCENARIOS: list[Scenario] = [*IT, *HR, *FACILITIES]


def scenarios_for(team: str) -> list[Scenario]:
    return [s for s in SCENARIOS if s.team == team]


NUDGES = [
    "Hi, any update on this? It's still blocking me.",
    "Just checking in: is someone looking at this?",
    "Sorry to chase, but I need this sorted before Friday.",
    "Adding to this: a colleague has the same problem now.",
]

THANKS = [
    "That worked, thank you {agent}!",
    "All good now, thanks for the quick help.",
    "Confirmed, it's fixed. Much appreciated.",
    "Great, thanks {agent}. You can close this.",
]

STILL_BROKEN = [
    "Sorry {agent}, it happened again this morning.",
    "It worked for a day, but the problem is back.",
]

PENDING_CHASERS = [
    "Friendly reminder: could you send me the details above so we can carry on?",
]

SHIFT_NOTES = [
    "Handing over to the late shift: waiting on the requester's reply.",
    "Checked the monitoring dashboard, nothing else affected.",
    "Same issue reported twice this week; worth a knowledge article.",
    "Requester prefers a call back after 2 pm.",
]

MANAGER_NOTES = [
    "Keep me posted on this one; the site lead asked me about it.",
    "High impact: please update the requester at least twice a day.",
]

__all__ = [
    "MANAGER_NOTES",
    "NUDGES",
    "PENDING_CHASERS",
    "SCENARIOS",
    "SHIFT_NOTES",
    "STILL_BROKEN",
    "THANKS",
    "Days",
    "Scenario",
    "scenarios_for",
]

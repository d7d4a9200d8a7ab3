"""Demo and bulk data: the demo help desk (``frontline demo``) and the bulk ticket generator
(``frontline seed``).

- ``loader``: loads the demo desk in one transaction (structure, then ticket stories).
- ``people``: the demo organizations, teams, desk users, requesters and category trees, and
  the code that creates them through the account and category services.
- ``content``: what the demo tickets say (scenarios per team).
- ``stories``: plays each demo ticket's life through the ticket services.
- ``clock``: the demo clock those stories run on, and desk/waking hours.
- ``bulk``: generates many tickets at once, straight into the tables, for load tests.
"""

"""Saved views (an agent's own named lists) and bulk actions on the queue page."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from frontline.desk.models import SavedView
from frontline.tickets import services
from frontline.tickets.models import Ticket
from tests.factories import CategoryFactory
from tests.web.helpers import fresh, new_ticket, signed_in, text_of

# --- Saved views ----------------------------------------------------------------------------


def save(
    client: Any, name: str, queue: str = "team", query: str = "status=open&sort=number"
) -> Any:
    return client.post("/desk/views/", {"name": name, "queue": queue, "query": query})


def test_saving_a_view_lists_it_and_opening_it_restores_queue_and_filters(world: Any) -> None:
    client = signed_in(world.agent)
    response = save(client, "Open by number", query="status=open&sort=number&cursor=abc")
    assert response.status_code == 302
    view = SavedView.objects.get(user=world.agent)
    assert view.name == "Open by number"
    page = client.get("/desk/queues/mine/")
    assert f'href="/desk/views/{view.pk}/"' in text_of(page)
    opened = client.get(f"/desk/views/{view.pk}/")
    assert opened.status_code == 302
    target = urlsplit(opened["Location"])
    assert target.path == "/desk/queues/team/"
    assert parse_qs(target.query) == {"status": ["open"], "sort": ["number"]}


def test_a_view_needs_a_name_and_a_unique_one(world: Any) -> None:
    client = signed_in(world.agent)
    save(client, "   ")
    assert not SavedView.objects.exists()
    save(client, "Mine")
    response = save(client, "Mine", query="priority=p1")
    assert response.status_code == 302
    assert SavedView.objects.filter(user=world.agent).count() == 1
    page = client.get(response["Location"])
    assert "You already have a view called “Mine”" in text_of(page)


def test_deleting_a_view_removes_it(world: Any) -> None:
    client = signed_in(world.agent)
    save(client, "Temporary")
    view = SavedView.objects.get()
    assert client.get(f"/desk/views/{view.pk}/delete/").status_code == 405
    response = client.post(f"/desk/views/{view.pk}/delete/")
    assert response.status_code == 302
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_another_agents_view_answers_404_to_open_and_delete(world: Any) -> None:
    save(signed_in(world.agent_l2), "Lee's view")
    view = SavedView.objects.get()
    client = signed_in(world.agent)
    assert client.get(f"/desk/views/{view.pk}/").status_code == 404
    assert client.post(f"/desk/views/{view.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()
    assert f"/desk/views/{view.pk}/" not in text_of(client.get("/desk/queues/mine/"))


# --- Bulk actions ---------------------------------------------------------------------------


def bulk(
    client: Any,
    tickets: list[Ticket],
    action: str,
    versions: dict[int, int] | None = None,
    **data: Any,
) -> Any:
    versions = versions or {}
    selection = [f"{t.number}:{versions.get(t.number, t.version)}" for t in tickets]
    return client.post(
        "/desk/bulk/",
        {"action": action, "ticket": selection, "back": "/desk/queues/team/", **data},
        follow=True,
    )


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_bulk_claim_assigns_every_selected_ticket_to_me(world: Any) -> None:
    tickets = [new_ticket(world.alice, title=f"Claim me {i}") for i in range(3)]
    response = bulk(signed_in(world.agent), tickets, "claim")
    assert response.redirect_chain[-1][0] == "/desk/queues/team/"
    assert "Done for 3 ticket(s)." in messages_of(response)
    assert all(fresh(t).assignee_id == world.agent.pk for t in tickets)


def test_bulk_reports_a_stale_row_and_still_applies_the_rest(world: Any) -> None:
    tickets = [new_ticket(world.alice, title=f"Row {i}") for i in range(3)]
    stale = tickets[1]
    seen_version = stale.version
    # The row changes after the agent loaded the list.
    services.ticket_note(actor=world.agent_l2, ticket=stale, body="Looking", version=None)
    response = bulk(signed_in(world.agent), tickets, "claim", versions={stale.number: seen_version})
    shown = messages_of(response)
    assert "Done for 2 ticket(s)." in shown
    assert any(m.startswith(f"#{stale.number}:") and "version" in m for m in shown)
    assert fresh(stale).assignee_id is None
    assert fresh(tickets[0]).assignee_id == world.agent.pk
    assert fresh(tickets[2]).assignee_id == world.agent.pk


def test_bulk_refuses_a_ticket_the_agent_cannot_see(world: Any) -> None:
    mine = new_ticket(world.alice, title="IT ticket")
    hidden = new_ticket(world.alice, title="HR ticket", category=CategoryFactory(team=world.hr))
    response = bulk(signed_in(world.agent), [mine, hidden], "priority", priority="p1")
    shown = messages_of(response)
    assert "Done for 1 ticket(s)." in shown
    assert f"#{hidden.number}: No such ticket." in shown
    assert fresh(hidden).priority != "p1"
    assert fresh(hidden).version == hidden.version
    assert fresh(mine).priority == "p1"


def test_bulk_status_pending_without_a_reason_changes_nothing(world: Any) -> None:
    tickets = [new_ticket(world.alice, title=f"Pending {i}") for i in range(2)]
    response = bulk(signed_in(world.agent), tickets, "status", status="pending")
    shown = messages_of(response)
    assert not any(m.startswith("Done") for m in shown)
    assert sum("waiting on" in m for m in shown) == 2
    assert all(fresh(t).status == "new" for t in tickets)


def test_bulk_assign_tag_and_merge(world: Any) -> None:
    a, b, c = (new_ticket(world.alice, title=f"Bulk {i}") for i in range(3))
    client = signed_in(world.agent)
    bulk(client, [a, b], "assign", assignee=world.agent_l2.pk)
    assert fresh(a).assignee_id == fresh(b).assignee_id == world.agent_l2.pk
    bulk(client, [fresh(a), fresh(b)], "tag", tag="printer")
    assert list(fresh(a).tags.values_list("name", flat=True)) == ["printer"]
    response = bulk(client, [fresh(a), fresh(b), fresh(c)], "merge", into=c.number)
    assert "Done for 2 ticket(s)." in messages_of(response)
    assert fresh(a).merged_into_id == fresh(b).merged_into_id == c.pk


def test_bulk_without_selection_or_needed_value_says_what_is_missing(world: Any) -> None:
    ticket = new_ticket(world.alice)
    client = signed_in(world.agent)
    assert "Select at least one ticket." in messages_of(bulk(client, [], "claim"))
    assert "Choose who to assign to." in messages_of(bulk(client, [ticket], "assign"))
    assert "Give the number of the ticket to merge into." in messages_of(
        bulk(client, [ticket], "merge")
    )
    assert "Choose an action and what it needs." in messages_of(bulk(client, [ticket], "delete"))
    assert fresh(ticket).version == ticket.version


def test_bulk_never_redirects_off_the_desk(world: Any) -> None:
    response = signed_in(world.agent).post(
        "/desk/bulk/", {"action": "claim", "back": "https://evil.test/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/desk/"

from typing import Any

from tests.e2e.conftest import sign_in


def test_agent_signs_in_and_sees_the_queues(server: str, page: Any, world: Any) -> None:
    sign_in(page, server, world.agent.email)
    assert "/desk/queues/mine/" in page.url
    assert page.locator("h1").inner_text() == "My open tickets"
    assert page.locator("#queue-nav").is_visible()

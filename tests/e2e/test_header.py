"""The desk's header: at a common laptop width (1280 px) everything in it, from the brand to
"Sign out", sits on one line."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import screenshot, sign_in


def _rows(page: Any) -> list[dict[str, Any]]:
    """Top and bottom of every item of the header (links, search, sign-out button)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
              '.topbar > *:not(.spacer):not(.skip), .topbar nav a'))
            .filter(el => el.offsetParent !== null)
            .map(el => { const r = el.getBoundingClientRect();
                         return {text: el.innerText.trim(), top: r.top, bottom: r.bottom,
                                 width: r.width}; })"""
    )


@pytest.mark.parametrize("who", ["manager", "admin"])  # the admin also has the Admin link
def test_the_desk_header_fits_on_one_line_at_1280_px(
    server: str, page: Any, world: Any, who: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, server, getattr(world, who).email)
    page.goto(f"{server}/desk/queues/mine/")
    header = page.locator("header.topbar")
    sign_out = header.get_by_role("button", name="Sign out")
    assert sign_out.is_visible()
    rows = _rows(page)
    box = header.bounding_box()
    screenshot(page, f"desk-header-1280-{who}")
    assert box["height"] < 60, f"the header wraps ({box['height']} px high): {rows}"
    out_of_line = [r["text"] for r in rows if r["top"] >= rows[0]["bottom"]]
    assert out_of_line == [], f"on a second line: {out_of_line}"
    assert "Sign out" in sign_out.inner_text()
    assert sign_out.bounding_box()["x"] + sign_out.bounding_box()["width"] <= 1280

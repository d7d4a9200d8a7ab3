"""The HTML sanitiser: nothing executable or self-loading survives; mail formatting does."""

from __future__ import annotations

import pytest

from frontline.mail.htmltext import html_to_text
from frontline.mail.sanitize import cid_references, rewrite_cid_urls, sanitize_html
from tests.mail.corpus_eval import unsafe_parts
from tests.mail.cputime import CpuTimer


@pytest.mark.parametrize(
    "dirty",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href=" &#14;  javascript:alert(1)">x</a>',
        '<a href="vbscript:msgbox(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
        '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
        '<iframe src="https://evil.example"></iframe>',
        '<object data="x.swf"></object><embed src="x.swf">',
        "<svg><script>alert(1)</script></svg>",
        '<svg onload="alert(1)"><animate attributeName="href" values="javascript:alert(1)"/>',
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        '<!--<img src="--><img src=x onerror=alert(1)>',
        '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x',
        '<div style="background:url(javascript:alert(1))">x</div>',
        '<div style="width: expression(alert(1))">x</div>',
        '<div style="background-image: u\\72l(https://t.example/p.gif)">x</div>',
        "<style>@import 'https://evil.example/x.css';</style>",
        '<link rel="stylesheet" href="https://evil.example/x.css">',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        '<base href="javascript:alert(1)//">',
        '<table background="https://t.example/p.gif"><tr><td>x</td></tr></table>',
        '<img srcset="https://t.example/p.gif 1x">',
        '<body onload="alert(1)">x</body>',
        '<details open ontoggle="alert(1)">',
        '<a href="/relative/logout">x</a><img src="//t.example/p.gif">',
    ],
)
def test_executable_and_self_loading_html_is_neutralised(dirty: str) -> None:
    clean = sanitize_html(dirty)
    assert unsafe_parts(clean) == []
    assert "alert" not in clean.replace("&amp;", "")
    for loader in ("t.example", "evil.example", "/relative"):
        assert f'src="https://{loader}' not in clean
        assert f'href="{loader}' not in clean


def test_remote_images_wait_for_an_agent() -> None:
    # a ">" inside an attribute value must not hide the src from the rewrite
    clean = sanitize_html('<p>x</p><img alt="a>b" src="https://shop.example/logo.png">')
    assert 'data-remote-src="https://shop.example/logo.png"' in clean
    assert " src=" not in clean


def test_mail_formatting_survives() -> None:
    dirty = (
        '<table border="0" cellpadding="4"><tr><td style="color: #333; padding: 4px">cell</td>'
        '</tr></table><p style="font-weight: bold; position: fixed">bold</p>'
        '<a href="https://example.com/help" id="x" class="y">help</a><ul><li>one</li></ul>'
    )
    clean = sanitize_html(dirty)
    assert '<td style="color: #333; padding: 4px">cell</td>' in clean
    assert '<p style="font-weight: bold">bold</p>' in clean
    assert 'href="https://example.com/help"' in clean
    assert 'rel="noopener noreferrer nofollow"' in clean
    assert 'id="x"' not in clean
    assert 'class="y"' not in clean


def test_cid_images_are_kept_and_can_point_to_attachments() -> None:
    clean = sanitize_html('<img src="cid:logo@x" alt="logo">')
    assert cid_references(clean) == {"logo@x"}
    shown = rewrite_cid_urls(clean, {"logo@x": "/attachments/7"}.get)
    assert 'src="/attachments/7"' in shown


def test_deeply_nested_html_is_bounded() -> None:
    html = "<div>" * 10_000 + "deep" + "</div>" * 10_000
    with CpuTimer() as timer:
        clean = sanitize_html(html)
        text = html_to_text(html)
    assert timer.seconds < 3
    assert "deep" in clean
    assert text == "deep"


@pytest.mark.parametrize(
    "hostile",
    ["<a" * 100_000, "</" * 100_000, "&" * 500_000, "&nbsp;" * 200_000, "<![CDATA[" * 50_000],
)
def test_hostile_markup_stays_fast(hostile: str) -> None:
    with CpuTimer() as timer:
        sanitize_html(hostile)
        html_to_text(hostile)
    assert timer.seconds < 3


def test_html_to_text_keeps_structure_and_links() -> None:
    html = (
        "<h1>Title</h1><p>Para &amp; more</p><ol><li>one</li><li>two</li></ol>"
        '<p>See <a href="https://example.com/a">the guide</a> or https://example.com</p>'
        "<blockquote>quoted</blockquote><table><tr><td>a</td><td>b</td></tr></table>"
    )
    assert html_to_text(html) == (
        "Title\n\nPara & more\n\n1. one\n2. two\n\n"
        "See the guide (https://example.com/a) or https://example.com\n\n> quoted\n\na b"
    )

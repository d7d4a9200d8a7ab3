"""parse_message is total: any bytes give a ParsedMail, quickly."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from frontline.mail.parse import ParsedMail, parse_message
from frontline.mail.reply import _extract
from tests.mail.cputime import CpuTimer

HEADERISH = st.sampled_from(
    [
        b"From: ",
        b"To: ",
        b"Subject: ",
        b"Content-Type: multipart/mixed; boundary=b\n",
        b"Content-Type: text/html; charset=x\n",
        b"Content-Transfer-Encoding: base64\n",
        b"--b\n",
        b"--b--\n",
        b"=?utf-8?B?",
        b"=?x?Q?=FF?=",
        b"?=",
        b"\n\n",
        b"\n ",
        b"<",
        b">",
        b'"',
        b"(",
        b"&amp;",
        b"<div>",
        b"<blockquote>",
        b"> ",
        b"On Mon, 3 Mar 2025 Ann <a@b.c> wrote:\n",
        b"\xff\xfe",
        b"\x1b$B",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(HEADERISH, st.binary(max_size=40)), max_size=60))
def test_any_bytes_parse_without_raising(chunks: list[bytes]) -> None:
    parsed = parse_message(b"".join(chunks))
    assert isinstance(parsed, ParsedMail)
    assert not any("not fully understood" in d for d in parsed.defects)
    for name in (parsed.from_display_name, parsed.subject, parsed.from_email):
        assert "\n" not in name
        assert "\r" not in name


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("> -_\n:@<wrote On Am 12 Sent from my iPhone")), max_size=400
    )
)
def test_reply_extraction_never_raises(text: str) -> None:
    _extract(text, html=False)
    _extract(text, html=True)


def test_many_distinct_parts_are_bounded() -> None:
    parts = "".join(
        f'--b\nContent-Type: text/plain; name="f{i}.txt"; x-i={i}\n\nhello {i}\n'
        for i in range(5000)
    )
    raw = f"From: a@b.test\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n{parts}--b--\n"
    with CpuTimer() as timer:
        parsed = parse_message(raw.encode())
    assert timer.seconds < 3
    assert any("MIME parts" in d for d in parsed.defects)


def test_very_deep_enclosed_messages_keep_headers() -> None:
    inner = "From: x@y.test\nSubject: deep\n\nbody\n"
    for _ in range(3000):
        inner = "Content-Type: message/rfc822\n\n" + inner
    raw = f"From: a@b.test\nSubject: outer\nContent-Type: message/rfc822\n\n{inner}"
    with CpuTimer() as timer:
        parsed = parse_message(raw.encode())
    assert timer.seconds < 3
    assert (parsed.from_email, parsed.subject) == ("a@b.test", "outer")


def test_a_huge_html_body_is_cut_not_hung() -> None:
    html = "<p>hello world</p>" * 150_000  # 2.7 MB
    raw = f"From: a@b.test\nSubject: x\nContent-Type: text/html\n\n{html}".encode()
    with CpuTimer() as timer:
        parsed = parse_message(raw)
    assert timer.seconds < 10
    assert parsed.body_text.startswith("hello world")

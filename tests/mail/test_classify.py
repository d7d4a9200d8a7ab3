"""Robots: bounces, automatic replies, read receipts, complaints, bulk mail."""

from __future__ import annotations

import pytest

from frontline.mail.parse import parse_message


def classify(headers: str, body: str = "Hello\n") -> tuple[bool, str | None]:
    parsed = parse_message(f"{headers.strip()}\n\n{body}".encode())
    return parsed.is_auto_generated, parsed.auto_kind


HUMAN = "From: Ann <ann@example.com>\nTo: help@example.com\nMessage-ID: <h1@example.com>"


def test_a_person_writing_is_not_a_robot() -> None:
    assert classify(f"{HUMAN}\nSubject: Mail delivery failed for my mailbox") == (False, None)
    assert classify(f"{HUMAN}\nSubject: Out of office next week, please cover") == (False, None)
    assert classify(f"{HUMAN}\nSubject: Re: Out of Office: printer") == (False, None)


@pytest.mark.parametrize(
    "headers",
    [
        "Return-Path: <>\nFrom: x@example.com\nSubject: hi",
        "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\nSubject: hi",
        "From: postmaster@example.com\nSubject: hi",
        "From: x@example.com\nX-Failed-Recipients: y@example.com\nSubject: hi",
        "From: x@example.com\nSubject: Undelivered Mail Returned to Sender",
        "From: x@example.com\nSubject: Delivery Status Notification (Failure)",
        "From: x@example.com\nSubject: Mail delivery failed: returning message to sender",
        "From: x@example.com\nSubject: Unzustellbar: Drucker",
        "From: x@example.com\nSubject: Undeliverable: printer",
        "From: Mail Delivery System <x@example.com>\nSubject: Mail delivery failed",
    ],
)
def test_bounces(headers: str) -> None:
    assert classify(headers) == (True, "bounce")


def test_multipart_report_kinds() -> None:
    for report_type, kind in [
        ("delivery-status", "bounce"),
        ("disposition-notification", "receipt"),
        ("feedback-report", "complaint"),
    ]:
        headers = (
            f"{HUMAN}\nSubject: report\n"
            f'Content-Type: multipart/report; report-type={report_type}; boundary="r"'
        )
        body = "--r\nContent-Type: text/plain\n\nreport\n--r--\n"
        assert classify(headers, body) == (True, kind)


@pytest.mark.parametrize(
    "extra",
    [
        "Auto-Submitted: auto-replied\nSubject: Re: printer",
        "Precedence: auto_reply\nSubject: Re: printer",
        "X-Autoreply: yes\nSubject: Re: printer",
        "X-Autorespond: Vacation\nSubject: Re: printer",
        "Subject: Out of Office: printer",
        "Subject: Automatic reply: printer",
        "Subject: Abwesenheitsnotiz: Drucker",
        "Subject: Réponse automatique : imprimante",
        "Subject: Respuesta automática: impresora",
        "X-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: ann@example.com\n"
        "Subject: Re: printer",
    ],
)
def test_automatic_replies(extra: str) -> None:
    assert classify(f"{HUMAN}\n{extra}") == (True, "auto-reply")


def test_bulk_and_machine_mail_is_automatic_without_a_kind() -> None:
    for extra in ("Precedence: bulk", "Precedence: list", "Precedence: junk",
                  "Auto-Submitted: auto-generated"):  # fmt: skip
        assert classify(f"{HUMAN}\nSubject: news\n{extra}") == (True, None)
    assert classify(f"{HUMAN}\nSubject: x\nAuto-Submitted: no") == (False, None)


def test_a_bounce_says_which_message_bounced() -> None:
    raw = (
        "From: MAILER-DAEMON@mx.example.com\nTo: desk@example.com\nReturn-Path: <>\n"
        "Message-ID: <bounce1@mx.example.com>\nSubject: Undelivered Mail Returned to Sender\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nDelivery failed.\n"
        "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
        "Final-Recipient: rfc822; x@y.test\nAction: failed\nStatus: 5.1.1\n"
        "--b\nContent-Type: message/rfc822\n\nFrom: desk@example.com\n"
        "Message-ID: <ticket-1042@desk.example.com>\nSubject: [#1042] Printer\n\nHello\n--b--\n"
    )
    parsed = parse_message(raw.encode())
    assert parsed.auto_kind == "bounce"
    assert parsed.bounce_original_message_id == "<ticket-1042@desk.example.com>"


def test_a_plain_text_bounce_quoting_headers_says_which_message_bounced() -> None:
    raw = (
        "From: MAILER-DAEMON@mx.example.com\nSubject: failure notice\nMessage-ID: <own@mx>\n\n"
        "Hi. This is the qmail-send program.\n\n--- Below this line is a copy of the message.\n\n"
        "Return-Path: <desk@example.com>\nMessage-ID: <ticket-7@desk.example.com>\n"
        "Subject: [#7] VPN\n\nHello\n"
    )
    assert parse_message(raw.encode()).bounce_original_message_id == "<ticket-7@desk.example.com>"

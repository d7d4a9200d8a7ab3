"""parse_message on small messages written for the tricky cases."""

from __future__ import annotations

import base64

from frontline.mail.parse import as_json_dict, parse_message

JSON_KEYS = {
    "from_email",
    "from_display_name",
    "to",
    "cc",
    "reply_to",
    "subject",
    "message_id",
    "in_reply_to",
    "references",
    "is_auto_generated",
    "auto_kind",
    "body_text",
    "reply_text",
    "body_html_sanitized",
    "attachments",
}


def mail(headers: str, body: str = "Hello\n") -> bytes:
    return (headers.strip("\n") + "\n\n" + body).encode("utf-8", "surrogateescape")


def test_json_has_exactly_the_documented_keys_and_list_shapes() -> None:
    raw = mail(
        "From: Ann <ann@example.com>\nTo: a@x.test, B <b@x.test>\nCc: c@x.test\n"
        "Reply-To: desk@x.test\nSubject: Hi\nMessage-ID: <m1@x.test>\n"
        "In-Reply-To: <m0@x.test>\nReferences: <a@x.test>\n <m0@x.test>"
    )
    data = as_json_dict(parse_message(raw))
    assert set(data) == JSON_KEYS
    assert data["to"] == ["a@x.test", "b@x.test"]
    assert data["cc"] == ["c@x.test"]
    assert data["reply_to"] == "desk@x.test"
    assert data["references"] == ["<a@x.test>", "<m0@x.test>"]
    assert data["message_id"] == "<m1@x.test>"
    assert data["in_reply_to"] == "<m0@x.test>"
    assert data["auto_kind"] is None
    assert data["is_auto_generated"] is False


def test_rfc2231_filename_with_charset_and_continuations() -> None:
    raw = mail(
        'From: a@x.test\nSubject: f\nContent-Type: multipart/mixed; boundary="b"',
        "--b\nContent-Type: text/plain\n\nsee file\n"
        "--b\nContent-Type: application/pdf\n"
        "Content-Disposition: attachment; filename*0*=utf-8''Rechnung%20f%C3%BCr;\n"
        ' filename*1=" M\\u00e4rz.pdf"\nContent-Transfer-Encoding: base64\n\n'
        + base64.b64encode(b"%PDF-1.4").decode()
        + "\n--b--\n",
    )
    parsed = parse_message(raw)
    [attachment] = parsed.attachments
    assert attachment.filename.startswith("Rechnung für")
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(b"%PDF-1.4")
    assert parsed.body_text == "see file"


def test_rfc2047_subject_and_name_split_across_encoded_words() -> None:
    # "Grüße" split in the middle of a UTF-8 sequence across two words
    raw = mail(
        "From: =?utf-8?B?SsO8cmdlbg==?= <j@x.test>\n"
        "Subject: =?utf-8?Q?Gr=C3?= =?utf-8?Q?=BC=C3=9Fe_aus?= Berlin"
    )
    parsed = parse_message(raw)
    assert parsed.subject == "Grüße aus Berlin"
    assert parsed.from_display_name == "Jürgen"


def test_broken_and_unknown_charsets_fall_back_without_raising() -> None:
    latin = "Grüße".encode("latin-1")
    raw = b"From: a@x.test\nSubject: s\nContent-Type: text/plain; charset=utf-8\n\n" + latin + b"\n"
    assert parse_message(raw).body_text == "Grüße"
    raw = b"From: a@x.test\nSubject: s\nContent-Type: text/plain; charset=x-klingon\n\nhi\n"
    parsed = parse_message(raw)
    assert parsed.body_text == "hi"
    assert any("x-klingon" in d for d in parsed.defects)


def test_utf8_text_with_a_few_stray_bytes_stays_utf8() -> None:
    # a UTF-8 mail with one cp1252 byte in it (mail021 of the Zammad corpus has one): the
    # Cyrillic stays Cyrillic, the stray byte is read as cp1252
    body = "Это сообщение проверено.".encode() + b" Caf\xe9 " + "ещё раз".encode()
    raw = b"From: a@x.test\nSubject: s\nContent-Type: text/plain; charset=utf-8\n\n" + body
    parsed = parse_message(raw)
    assert parsed.body_text == "Это сообщение проверено. Café ещё раз"
    assert any("not UTF-8" in d for d in parsed.defects)
    # and undeclared 8-bit headers likewise
    raw = "Subject: Привет из Мюнхена".encode() + b" \x96 ok\nFrom: a@x.test\n\nx\n"
    assert parse_message(raw).subject == "Привет из Мюнхена – ok"
    # text that is cp1252 throughout is still read as cp1252 (no chance UTF-8 pairs win)
    latin = "Grüße „heiß“ – Äpfel".encode("cp1252")
    raw = b"From: a@x.test\nSubject: s\nContent-Type: text/plain; charset=utf-8\n\n" + latin
    assert parse_message(raw).body_text == "Grüße „heiß“ – Äpfel"


def test_mislabelled_japanese_and_unlabelled_iso_2022_jp() -> None:
    sjis = "ツール".encode("cp932")
    raw = b"From: a@x.test\nSubject: =?ISO-2022-JP?B?" + base64.b64encode(sjis) + b"?=\n\nx\n"
    assert parse_message(raw).subject == "ツール"
    jis = "お問い合わせ".encode("iso2022_jp")
    raw = b"From: a@x.test\nSubject: s\nContent-Type: text/plain;\n\n" + jis + b"\n"
    assert parse_message(raw).body_text == "お問い合わせ"


def test_8bit_headers_are_decoded_utf8_first_then_cp1252() -> None:
    raw = "From: Jörg <j@x.test>\nSubject: Grüße\n\nx\n".encode()
    parsed = parse_message(raw)
    assert (parsed.from_display_name, parsed.subject) == ("Jörg", "Grüße")
    raw = "From: Jörg <j@x.test>\nSubject: Grüße\n\nx\n".encode("latin-1")
    parsed = parse_message(raw)
    assert (parsed.from_display_name, parsed.subject) == ("Jörg", "Grüße")


def test_missing_boundary_still_gives_the_text() -> None:
    raw = mail("From: a@x.test\nSubject: s\nContent-Type: multipart/mixed", "just text\n")
    parsed = parse_message(raw)
    assert "just text" in parsed.body_text
    assert parsed.defects


def test_unknown_boundary_shows_the_preamble() -> None:
    raw = mail(
        'From: a@x.test\nSubject: s\nContent-Type: multipart/alternative; boundary="nope"',
        "--other\nContent-Type: text/plain\n\nlost part\n--other--\n",
    )
    assert "lost part" in parse_message(raw).body_text


def test_header_injection_in_display_names_does_not_leak() -> None:
    raw = mail(
        "From: =?utf-8?Q?Evil=0D=0ABcc:_victim@x.test?= <evil@x.test>\n"
        "To: =?utf-8?B?" + base64.b64encode(b"A\r\nX-Injected: 1").decode() + "?= <a@x.test>\n"
        "Subject: =?utf-8?Q?hi=0D=0AX-Other:_1?="
    )
    parsed = parse_message(raw)
    assert parsed.from_email == "evil@x.test"
    for value in (parsed.from_display_name, parsed.to[0].name, parsed.subject):
        assert "\r" not in value
        assert "\n" not in value
    assert [a.email for a in parsed.to] == ["a@x.test"]


def test_encoded_words_cannot_turn_into_another_address() -> None:
    raw = mail("From: =?utf-8?Q?attacker?Q?agent?=@victim.example\nSubject: s")
    assert parse_message(raw).from_email != "agent@victim.example"
    raw = mail('From: "agent@corp.example" <evil@x.test>\nSubject: s')
    parsed = parse_message(raw)
    assert (parsed.from_email, parsed.from_display_name) == ("evil@x.test", "agent@corp.example")


def test_from_falls_back_when_missing_or_empty() -> None:
    parsed = parse_message(mail('From: "Nobody" <>\nReply-To: <r@x.test>\nSubject: s'))
    assert parsed.from_email == "r@x.test"


def test_html_only_mail_gives_text_and_safe_html() -> None:
    raw = mail(
        "From: a@x.test\nSubject: s\nContent-Type: text/html; charset=utf-8",
        "<p>Hello <b>there</b></p><script>alert(1)</script>"
        '<img src="https://tracker.example/p.gif" onerror="alert(2)">'
        '<a href="javascript:alert(3)">x</a><ul><li>one</li><li>two</li></ul>',
    )
    parsed = parse_message(raw)
    assert parsed.body_text == "Hello there\n\nx\n- one\n- two"
    html = parsed.body_html_sanitized or ""
    assert "<script" not in html
    assert "alert" not in html
    assert "onerror" not in html
    assert 'data-remote-src="https://tracker.example/p.gif"' in html
    assert " src=" not in html


def test_cid_image_is_kept_and_marked_inline() -> None:
    png = base64.b64encode(b"\x89PNG fake").decode()
    raw = mail(
        'From: a@x.test\nSubject: s\nContent-Type: multipart/related; boundary="r"',
        '--r\nContent-Type: text/html\n\n<p>logo: <img src="cid:logo@x"></p>\n'
        "--r\nContent-Type: image/png\nContent-ID: <logo@x>\nContent-Transfer-Encoding: base64"
        f"\n\n{png}\n"
        "--r\nContent-Type: image/png; name=other.png\nContent-Transfer-Encoding: base64"
        f"\n\n{png}\n--r--\n",
    )
    parsed = parse_message(raw)
    assert 'src="cid:logo@x"' in (parsed.body_html_sanitized or "")
    inline = {a.filename: a.inline for a in parsed.attachments}
    assert inline == {"image.png": True, "other.png": False}
    assert parsed.attachments[0].content_id == "logo@x"


def test_alternative_prefers_plain_text_for_body_text_and_keeps_html() -> None:
    raw = mail(
        'From: a@x.test\nSubject: s\nContent-Type: multipart/alternative; boundary="a"',
        "--a\nContent-Type: text/plain\n\nplain version\n"
        "--a\nContent-Type: text/html\n\n<p>html version</p>\n--a--\n",
    )
    parsed = parse_message(raw)
    assert parsed.body_text == "plain version"
    assert "html version" in (parsed.body_html_sanitized or "")


def test_enclosed_message_is_an_attachment_named_after_its_subject() -> None:
    raw = mail(
        'From: a@x.test\nSubject: fwd\nContent-Type: multipart/mixed; boundary="m"',
        "--m\nContent-Type: text/plain\n\nsee attached\n"
        "--m\nContent-Type: message/rfc822\n\nFrom: b@x.test\nSubject: Old / thing\n\nold body\n"
        "--m--\n",
    )
    parsed = parse_message(raw)
    assert parsed.body_text == "see attached"
    [enclosed] = parsed.attachments
    assert (enclosed.filename, enclosed.content_type) == ("Old _ thing.eml", "message/rfc822")
    assert enclosed.content == b"From: b@x.test\nSubject: Old / thing\n\nold body"


def test_attachment_names_cannot_carry_paths_or_controls() -> None:
    raw = mail(
        'From: a@x.test\nSubject: s\nContent-Type: multipart/mixed; boundary="m"',
        "--m\nContent-Type: text/plain\n\nx\n"
        '--m\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename="'
        '..\\\\..\\\\win.ini"\n\ndata\n--m--\n',
    )
    assert parse_message(raw).attachments[0].filename == "win.ini"


def test_format_flowed_is_unwrapped() -> None:
    raw = mail(
        "From: a@x.test\nSubject: s\nContent-Type: text/plain; format=flowed",
        "This is a long \nline.\n> quoted \n> too\n",
    )
    assert parse_message(raw).body_text == "This is a long line.\n> quoted too"


def test_reply_text_leaves_out_quote_and_signature() -> None:
    raw = mail(
        "From: a@x.test\nSubject: Re: printer",
        "It works now, thanks!\n\n-- \nAnn\n\nOn Mon, 3 Mar 2025 at 10:00, Desk <d@x.test> wrote:\n"
        "> Did you restart it?\n",
    )
    parsed = parse_message(raw)
    assert parsed.reply_text == "It works now, thanks!"
    assert parsed.signature_text == "-- \nAnn"
    assert "Did you restart it?" in parsed.body_text


def test_headers_broken_over_lines_without_folding_are_repaired() -> None:
    raw = b"Received: from a by b\nwith SMTP id 1\nFrom: Ann <ann@x.test>\nSubject: kept\n\nbody\n"
    parsed = parse_message(raw)
    assert (parsed.from_email, parsed.subject, parsed.body_text) == ("ann@x.test", "kept", "body")


def test_date_is_aware_utc() -> None:
    parsed = parse_message(mail("From: a@x.test\nDate: Tue, 1 Jul 2025 10:00:00 +0200"))
    assert parsed.date is not None
    assert parsed.date.isoformat() == "2025-07-01T08:00:00+00:00"

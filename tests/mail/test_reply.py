"""Reply extraction across clients and languages."""

from __future__ import annotations

import pytest

from frontline.mail.htmltext import html_to_text
from frontline.mail.reply import extract_reply, split_signature

QUOTE = "\n> Die Druckerwarteschlange hängt.\n> Was tun?\n"


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, Mar 3, 2025 at 10:00 AM Ann Archer <ann@example.com> wrote:",
        "On 03/03/2025 10:00, Ann Archer wrote:",
        "Am 03.03.2025 um 10:00 schrieb Ann Archer <ann@example.com>:",
        "Ann Archer <ann@example.com> schrieb am Mo., 3. März 2025 um 10:00 Uhr:",
        "Le lun. 3 mars 2025 à 10:00, Ann Archer <ann@example.com> a écrit :",
        "El lun, 3 mar 2025 a las 10:00, Ann Archer (<ann@example.com>) escribió:",
        "Op ma 3 mrt. 2025 om 10:00 schreef Ann Archer <ann@example.com>:",
        "Op 3 mrt. 2025, om 10:00 heeft Ann Archer <ann@example.com> het volgende geschreven:",
        "Il giorno lun 3 mar 2025 alle ore 10:00 Ann Archer <ann@example.com> ha scritto:",
        "W dniu 3.03.2025 o 10:00, Ann Archer pisze:",
        "W dniu 3 marca 2025 10:00 użytkownik Ann Archer <ann@example.com> napisał:",
        "Em seg., 3 de mar. de 2025 às 10:00, Ann Archer <ann@example.com> escreveu:",
        "Den 3 mars 2025 kl. 10:00 skrev Ann Archer <ann@example.com>:",
        "3 марта 2025 г., в 10:00, Ann Archer <ann@example.com> написал(а):",
        "2025-03-03 10:00 GMT+01:00 Ann Archer <ann@example.com>:",
        "On Mon, Mar 3, 2025 at 10:00 AM Ann Archer <\nann@example.com> wrote:",
    ],
)
def test_attributions_in_many_languages_cut_the_quote(attribution: str) -> None:
    parts = extract_reply(f"Neustart hat geholfen.\n\n{attribution}\n{QUOTE}")
    assert parts.reply == "Neustart hat geholfen."
    assert "Druckerwarteschlange" in parts.quoted


@pytest.mark.parametrize(
    "header",
    [
        "-----Original Message-----\nFrom: Ann <ann@example.com>\nSent: Monday",
        "________________________________\nFrom: Ann Archer <ann@example.com>\n"
        "Sent: Monday, March 3, 2025 10:00 AM\nTo: Desk\nSubject: Printer",
        "-----Ursprüngliche Nachricht-----\nVon: Ann\nGesendet: Montag\nAn: Desk\nBetreff: Drucker",
        "Von: Ann Archer <ann@example.com>\nGesendet: Montag, 3. März 2025 10:00\nAn: Desk\n"
        "Betreff: Drucker",
        "De : Ann Archer [mailto:ann@example.com]\nEnvoyé : lundi 3 mars 2025 10:00\nÀ : Desk\n"
        "Objet : Imprimante",
        "De: Ann Archer <ann@example.com>\nEnviado: lunes, 3 de marzo de 2025 10:00\nPara: Desk\n"
        "Asunto: Impresora",
        "Van: Ann Archer <ann@example.com>\nVerzonden: maandag 3 maart 2025 10:00\nAan: Desk\n"
        "Onderwerp: Printer",
        "Da: Ann Archer <ann@example.com>\nInviato: lunedì 3 marzo 2025 10:00\nA: Desk\n"
        "Oggetto: Stampante",
        "Od: Ann Archer <ann@example.com>\nWysłano: poniedziałek, 3 marca 2025 10:00\nDo: Desk\n"
        "Temat: Drukarka",
        "*From:* Ann Archer [mailto:ann@example.com]\n*Sent:* Monday\n*To:* Desk\n*Subject:* x",
    ],
)
def test_outlook_header_blocks_cut_unquoted_history(header: str) -> None:
    text = f"Thanks, that fixed it.\n\n{header}\n\nThe printer queue is stuck.\nWhat now?\n"
    assert extract_reply(text).reply == "Thanks, that fixed it."


def test_bottom_posting_keeps_the_answer_below_the_quote() -> None:
    text = "On Mon, 3 Mar 2025, Ann <a@x.test> wrote:\n> Is it fixed?\n\nYes, since noon.\n"
    assert extract_reply(text).reply == "Yes, since noon."


def test_interleaved_answers_keep_their_context() -> None:
    text = (
        "On Mon, 3 Mar 2025, Ann <a@x.test> wrote:\n> Which model?\nHP 4000\n"
        "> Which floor?\nThird\n\n> Thanks, Ann\n"
    )
    reply = extract_reply(text).reply
    assert "> Which model?\nHP 4000" in reply
    assert "Third" in reply
    assert "Thanks, Ann" not in reply


def test_an_answer_written_under_one_quote_keeps_that_quote() -> None:
    # text above the attribution and an answer under the quote: the quote is the context
    text = (
        "See my answer below.\n"
        "On Mon, 3 Mar 2025, Ann <a@x.test> wrote:\n> Which printer is it?\n\n"
        "The HP on the third floor.\nIt jams on every job.\nSince Monday.\n"
    )
    reply = extract_reply(text).reply
    assert reply.startswith("See my answer below.\n> Which printer is it?")
    assert reply.endswith("Since Monday.")
    assert "wrote:" not in reply


def test_a_closing_under_the_quote_does_not_keep_the_quote() -> None:
    text = (
        "Test reply\n\nOn 04/19/2011 07:10 AM, Roman <r@x.test> wrote:\n\n> Test\n\nRegards, Roman"
    )
    assert extract_reply(text).reply_with_signature == "Test reply\n\nRegards, Roman"


def test_a_short_quote_without_attribution_is_the_senders_text() -> None:
    text = "> This is a quote.\n\nAnd this is my answer to it.\n"
    assert extract_reply(text).reply == text.strip()


@pytest.mark.parametrize(
    "signature",
    [
        "Sent from my iPhone",
        "Sent from my Samsung Galaxy smartphone.",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Enviado desde mi iPhone",
        "Inviato da iPhone",
        "Verzonden vanaf mijn iPhone",
        "Wysłane z iPhone'a",
        "Get Outlook for Android",
        "-- \nAnn Archer\nIT, 3rd floor",
        "--\nAnn",
        "-Ann",
    ],
)
def test_signatures_are_split_off(signature: str) -> None:
    parts = extract_reply(f"The printer works again.\n\n{signature}\n")
    assert parts.reply == "The printer works again."
    assert parts.signature == signature.strip()


def test_sentences_that_look_like_signatures_stay() -> None:
    text = "Here is the log.\n\nSent from my desk, which is easier than my phone.\n"
    assert extract_reply(text).reply == text.strip()
    steps = "Please do this:\n- restart\n- reboot\n"
    assert extract_reply(steps).reply == steps.strip()


def test_forwarded_message_is_kept_whole() -> None:
    text = (
        "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Bob <b@x.test>\n"
        "Date: Mon, 3 Mar 2025\nSubject: Outage\n\nThe VPN is down.\n"
    )
    parts = extract_reply(text)
    assert parts.forwarded
    assert "The VPN is down." in parts.reply


def test_a_message_that_is_all_quote_is_shown_whole() -> None:
    text = "On Mon, 3 Mar 2025, Ann <a@x.test> wrote:\n> a\n> b\n> c\n"
    assert extract_reply(text).reply == text.strip()


def test_html_blockquotes_and_gmail_quotes_are_history() -> None:
    html = (
        '<div dir="ltr">Works now.<br></div><div class="gmail_quote"><div>On Mon, 3 Mar 2025 '
        'Ann &lt;a@x.test&gt; wrote:</div><blockquote class="gmail_quote">Is it fixed?'
        "</blockquote></div>"
    )
    assert extract_reply(html_to_text(html), html=True).reply == "Works now."


def test_code_blocks_are_not_signatures() -> None:
    text = "Config:\n\n```\n--\n####\n```\n\nThat is all.\n"
    assert extract_reply(text).reply == text.strip()


def test_split_signature_never_leaves_an_empty_body() -> None:
    assert split_signature("--\nRoman") == ("--\nRoman", None)
    assert split_signature("Hi\n-- \nRoman") == ("Hi", "-- \nRoman")

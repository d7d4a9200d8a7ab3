"""Answering a survey: by the mailed link or the portal form, one response per ticket,
changeable for 7 days, extra questions validated, low ratings reported to the team lead once."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
import time_machine
from django.core import mail
from django.test import Client

from frontline.accounts.models import Role, User
from frontline.core.errors import Conflict, NotFound, ValidationError
from frontline.notifications.models import (
    NotificationKind,
    NotificationSwitch,
    NotificationTemplate,
    OutboundMail,
)
from frontline.notifications.services import notification_template_save
from frontline.satisfaction.models import (
    QuestionKind,
    SurveyQuestion,
    SurveyRequest,
    SurveyResponse,
)
from frontline.satisfaction.services import survey_respond
from frontline.tickets.models import Ticket
from tests.conftest import World
from tests.factories import PASSWORD, UserFactory, member
from tests.satisfaction.conftest import survey_token

START = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


def low_rating_mails() -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if "Low rating" in m.subject]


# --- The mailed link ------------------------------------------------------------------------


def test_the_link_page_preselects_the_score_clicked(resolved: Callable[..., Ticket]) -> None:
    ticket = resolved(title="Laptop slow")
    token = survey_token(ticket)
    page = Client().get(f"/survey/{token}/?rating=4")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Laptop slow" in html
    assert re.search(r'value="4"[^>]*checked', html)
    assert not re.search(r'value="5"[^>]*checked', html)
    assert not SurveyResponse.objects.exists()  # a GET records nothing (mail scanners follow links)


def test_posting_the_link_form_records_the_rating_and_marks_the_token_used(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    ticket = resolved()
    token = survey_token(ticket)
    response = Client().post(f"/survey/{token}/", {"rating": "5", "comment": "Quick, thanks"})
    assert response.status_code == 302
    saved = SurveyResponse.objects.get(ticket=ticket)
    assert (saved.rating, saved.comment, saved.requester) == (5, "Quick, thanks", world.alice)
    assert SurveyRequest.objects.get(ticket=ticket).used_at is not None
    thanks = Client().get(response["Location"])
    assert "Thank you" in thanks.content.decode()


@pytest.mark.parametrize(
    "mangle",
    [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:10], lambda t: "x" * 300],
)
def test_a_tampered_token_is_404(
    resolved: Callable[..., Ticket], mangle: Callable[[str], str]
) -> None:
    token = mangle(survey_token(resolved()))
    assert Client().get(f"/survey/{token}/?rating=5").status_code == 404
    assert Client().post(f"/survey/{token}/", {"rating": "5"}).status_code == 404
    with pytest.raises(NotFound):
        survey_respond(actor=None, token=token, rating=5)
    assert not SurveyResponse.objects.exists()


def test_an_expired_token_is_404(resolved: Callable[..., Ticket]) -> None:
    with time_machine.travel(START, tick=False):
        token = survey_token(resolved())
    with time_machine.travel(START + dt.timedelta(days=31), tick=False):
        assert Client().get(f"/survey/{token}/").status_code == 404
        with pytest.raises(NotFound):
            survey_respond(actor=None, token=token, rating=5)
    with time_machine.travel(START + dt.timedelta(days=29), tick=False):
        assert Client().get(f"/survey/{token}/").status_code == 200


def test_a_bad_rating_changes_nothing_and_keeps_what_was_typed(
    resolved: Callable[..., Ticket],
) -> None:
    token = survey_token(resolved())
    page = Client().post(f"/survey/{token}/", {"rating": "", "comment": "My long comment"})
    assert page.status_code == 422
    html = page.content.decode()
    assert "Choose a score from 1 to 5." in html
    assert "My long comment" in html
    assert not SurveyResponse.objects.exists()
    for bad in (0, 6, "five", True, None, 3.5):
        with pytest.raises(ValidationError) as caught:
            survey_respond(actor=None, token=token, rating=bad)
        assert "rating" in caught.value.errors


# --- One response per ticket, changeable for 7 days -------------------------------------------


def test_one_response_per_ticket_changed_within_seven_days(resolved: Callable[..., Ticket]) -> None:
    with time_machine.travel(START, tick=False):
        ticket = resolved()
        token = survey_token(ticket)
        first = survey_respond(actor=None, token=token, rating=3, comment="OK")
    with time_machine.travel(START + dt.timedelta(days=6, hours=23), tick=False):
        changed = survey_respond(actor=None, token=token, rating=5, comment="Better now")
    assert changed.pk == first.pk
    assert SurveyResponse.objects.filter(ticket=ticket).count() == 1
    saved = SurveyResponse.objects.get(ticket=ticket)
    assert (saved.rating, saved.comment) == (5, "Better now")
    assert saved.created_at == START


def test_a_change_after_seven_days_is_refused_and_the_link_says_closed(
    resolved: Callable[..., Ticket],
) -> None:
    with time_machine.travel(START, tick=False):
        ticket = resolved()
        token = survey_token(ticket)
        survey_respond(actor=None, token=token, rating=4)
    with time_machine.travel(START + dt.timedelta(days=7, minutes=1), tick=False):
        with pytest.raises(Conflict):
            survey_respond(actor=None, token=token, rating=1)
        page = Client().get(f"/survey/{token}/?rating=1")
        assert page.status_code == 200
        assert "Thanks, this survey is closed" in page.content.decode()
        posted = Client().post(f"/survey/{token}/", {"rating": "1"})
        assert "Thanks, this survey is closed" in posted.content.decode()
    assert SurveyResponse.objects.get(ticket=ticket).rating == 4
    assert low_rating_mails() == []


# --- Extra questions ----------------------------------------------------------------------------


@pytest.fixture
def questions(db: None) -> list[SurveyQuestion]:
    return [
        SurveyQuestion.objects.create(
            key="effort",
            label="How easy was it?",
            kind=QuestionKind.SCALE,
            required=True,
            position=1,
        ),
        SurveyQuestion.objects.create(
            key="improve", label="What could we improve?", kind=QuestionKind.TEXT, position=2
        ),
        SurveyQuestion.objects.create(
            key="old", label="Retired", kind=QuestionKind.TEXT, is_active=False
        ),
    ]


def test_extra_answers_are_stored(
    resolved: Callable[..., Ticket], questions: list[SurveyQuestion]
) -> None:
    token = survey_token(resolved())
    saved = survey_respond(
        actor=None, token=token, rating=4, answers={"effort": "5", "improve": " Faster replies "}
    )
    assert saved.answers == {"effort": 5, "improve": "Faster replies"}


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({}, "answers.effort"),  # required
        ({"effort": 9}, "answers.effort"),
        ({"effort": "lots"}, "answers.effort"),
        ({"effort": 3, "improve": "x" * 2001}, "answers.improve"),
        ({"effort": 3, "improve": 42}, "answers.improve"),
        ({"effort": 3, "colour": "blue"}, "answers.colour"),  # no such question
        ({"effort": 3, "old": "inactive"}, "answers.old"),  # retired questions take no answers
    ],
)
def test_extra_answers_are_validated(
    resolved: Callable[..., Ticket],
    questions: list[SurveyQuestion],
    answers: dict[str, object],
    field: str,
) -> None:
    token = survey_token(resolved())
    with pytest.raises(ValidationError) as caught:
        survey_respond(actor=None, token=token, rating=4, answers=answers)
    assert field in caught.value.errors
    assert not SurveyResponse.objects.exists()


def test_the_survey_page_asks_the_active_questions(
    resolved: Callable[..., Ticket], questions: list[SurveyQuestion]
) -> None:
    token = survey_token(resolved())
    html = Client().get(f"/survey/{token}/").content.decode()
    assert "How easy was it?" in html
    assert "What could we improve?" in html
    assert "Retired" not in html
    page = Client().post(
        f"/survey/{token}/", {"rating": "4", "answers__effort": "", "comment": "kept"}
    )
    assert page.status_code == 422
    assert "Please" in page.content.decode() or "Choose a score" in page.content.decode()
    assert "kept" in page.content.decode()
    ok = Client().post(
        f"/survey/{token}/", {"rating": "4", "answers__effort": "2", "answers__improve": "More"}
    )
    assert ok.status_code == 302
    assert SurveyResponse.objects.get().answers == {"effort": 2, "improve": "More"}


# --- Low ratings -------------------------------------------------------------------------------


@pytest.fixture
def lead(world: World) -> User:
    user = member(UserFactory(email="lead@desk.test", role=Role.AGENT), world.it)
    world.it.lead = user
    world.it.save()
    return user


def test_a_low_rating_mails_the_team_lead_once(
    lead: User, resolved: Callable[..., Ticket], dispatch: Callable[[], None]
) -> None:
    ticket = resolved(title="Broken chair")
    token = survey_token(ticket)
    survey_respond(actor=None, token=token, rating=2, comment="Took a week")
    dispatch()  # the survey_answered event reaches the alert
    survey_respond(actor=None, token=token, rating=1, comment="Still bad")
    dispatch()  # the survey_answered event reaches the alert
    (alert,) = low_rating_mails()
    assert alert.to == [f"{lead.display_name} <lead@desk.test>"]
    assert alert.subject == f"[#{ticket.number}] Low rating (2/5): Broken chair"
    assert "Took a week" in alert.body
    assert f"/desk/tickets/{ticket.number}/" in alert.body
    assert SurveyResponse.objects.get().low_rating_notified_at is not None


def test_a_rating_changed_to_low_later_mails_once(
    lead: User, resolved: Callable[..., Ticket], dispatch: Callable[[], None]
) -> None:
    token = survey_token(resolved())
    for rating in (5, 4):
        survey_respond(actor=None, token=token, rating=rating)
        dispatch()  # the survey_answered event reaches the alert
    assert low_rating_mails() == []
    for rating in (2, 5, 1):
        survey_respond(actor=None, token=token, rating=rating)
        dispatch()  # the survey_answered event reaches the alert
    assert len(low_rating_mails()) == 1


def test_good_ratings_mail_nobody(
    lead: User, resolved: Callable[..., Ticket], dispatch: Callable[[], None]
) -> None:
    token = survey_token(resolved())
    survey_respond(actor=None, token=token, rating=3)
    dispatch()  # the survey_answered event reaches the alert
    assert low_rating_mails() == []


def test_without_a_lead_the_team_managers_are_told(
    world: World, resolved: Callable[..., Ticket], dispatch: Callable[[], None]
) -> None:
    token = survey_token(resolved())
    survey_respond(actor=None, token=token, rating=1)
    dispatch()  # the survey_answered event reaches the alert
    (alert,) = low_rating_mails()
    assert alert.to[0].endswith("<boss@desk.test>")  # IT's manager


def test_the_low_rating_alert_uses_the_admins_wording(
    world: World, lead: User, resolved: Callable[..., Ticket], dispatch: Callable[[], None]
) -> None:
    notification_template_save(
        actor=world.admin,
        kind=NotificationKind.LOW_RATING,
        subject="Unhappy customer on {{ ticket.reference }}",
        body="{{ rating.score }} ({{ rating.label }}) from {{ author.name }}: {{ rating.comment }}",
    )
    ticket = resolved(title="Broken chair")
    survey_respond(actor=None, token=survey_token(ticket), rating=1, comment="Still broken")
    dispatch()
    (alert,) = [m for m in mail.outbox if "Unhappy customer" in m.subject]
    assert alert.subject == f"[#{ticket.number}] Unhappy customer on #{ticket.number}"
    assert alert.body == "1 (Very poor) from Alice Archer: Still broken"
    assert OutboundMail.objects.get(kind=NotificationKind.LOW_RATING).recipient == lead


def test_the_low_rating_wording_is_checked_when_saved(world: World) -> None:
    with pytest.raises(ValidationError) as bad:
        notification_template_save(
            actor=world.admin,
            kind=NotificationKind.LOW_RATING,
            subject="{{ rating.score }}",
            body="{{ rating.__class__ }} {{ score }}",
        )
    assert "body" in bad.value.errors
    assert not NotificationTemplate.objects.exists()


def test_an_admin_can_switch_the_low_rating_alert_off(
    lead: User, resolved: Callable[..., Ticket], dispatch: Callable[[], None]
) -> None:
    NotificationSwitch.objects.create(kind=NotificationKind.LOW_RATING, enabled=False)
    survey_respond(actor=None, token=survey_token(resolved()), rating=1)
    dispatch()
    assert low_rating_mails() == []


# --- The portal ----------------------------------------------------------------------------------


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_the_requester_rates_a_resolved_request_in_the_portal(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    ticket = resolved(title="Monitor flickers")
    client = signed_in(world.alice)
    page = client.get(f"/portal/requests/{ticket.number}/")
    assert page.status_code == 200
    assert 'id="survey-form"' in page.content.decode()
    response = client.post(f"/survey/requests/{ticket.number}/", {"rating": "4", "comment": "Fine"})
    assert response.status_code == 302
    assert response["Location"] == f"/portal/requests/{ticket.number}/"
    assert SurveyResponse.objects.get(ticket=ticket).rating == 4
    again = client.get(f"/portal/requests/{ticket.number}/").content.decode()
    assert "You rated this 4/5" in again
    bad = client.post(f"/survey/requests/{ticket.number}/", {"rating": "9", "comment": "typed"})
    assert bad.status_code == 422
    assert "typed" in bad.content.decode()
    assert SurveyResponse.objects.get(ticket=ticket).rating == 4


def test_another_requester_gets_404_and_a_colleague_no_form(
    world: World, resolved: Callable[..., Ticket]
) -> None:
    ticket = resolved()
    assert (
        signed_in(world.bob).post(f"/survey/requests/{ticket.number}/", {"rating": "1"}).status_code
        == 404
    )
    assert signed_in(world.bob).get(f"/survey/requests/{ticket.number}/").status_code == 404
    world.acme.shares_tickets = True  # arthur may now see alice's request, but not rate it
    world.acme.save()
    arthur = signed_in(world.arthur)
    page = arthur.get(f"/portal/requests/{ticket.number}/")
    assert page.status_code == 200
    assert 'id="survey-form"' not in page.content.decode()
    assert arthur.post(f"/survey/requests/{ticket.number}/", {"rating": "1"}).status_code == 404
    with pytest.raises(NotFound):
        survey_respond(actor=world.arthur, ticket=ticket, rating=1)
    assert not SurveyResponse.objects.exists()


def test_an_open_request_shows_no_form(world: World) -> None:
    from frontline.tickets.services import ticket_create

    ticket = ticket_create(actor=world.alice, title="Still open")
    page = signed_in(world.alice).get(f"/portal/requests/{ticket.number}/")
    assert 'id="survey-form"' not in page.content.decode()
    assert (
        signed_in(world.alice)
        .post(f"/survey/requests/{ticket.number}/", {"rating": "5"})
        .status_code
        == 404
    )

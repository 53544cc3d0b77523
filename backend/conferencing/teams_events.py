"""Teams meetings made as Outlook events, for a Microsoft connection whose token has calendar
scope (Calendars.ReadWrite) but not OnlineMeetings.ReadWrite (Microsoft Graph, "Create or set
an event as an online meeting in an Outlook calendar"): the default calendar must list
teamsForBusiness in allowedOnlineMeetingProviders; POST /me/events with isOnlineMeeting and
onlineMeetingProvider; the join link is the event's onlineMeeting.joinUrl, read again with
GET /me/events/{id} while it is not there yet; PATCH and DELETE /me/events/{id}. A member
profile of Enterprise Connect (app-only token) makes them the same way at `/users/{upn}/…`:
its API base URL is already the mailbox's (`mailbox=""`)."""

from __future__ import annotations

from urllib.parse import quote

from ..core.validation import format_utc
from .errors import MeetingRefused
from .providers import Details, Meeting, call, json_answer

TEAMS = "teamsForBusiness"
SELECT = "$select=isOnlineMeeting,onlineMeetingProvider,onlineMeeting"


def _when(moment) -> dict:
    return {"dateTime": format_utc(moment)[:-1], "timeZone": "UTC"}


class TeamsEvents:
    def __init__(self, mailbox: str = "/me"):
        self.mailbox = mailbox  # appended to the API base URL: "/me", or "" for /users/{upn}

    @staticmethod
    def _body(d: Details) -> dict:
        return {"subject": d.summary[:255], "start": _when(d.start), "end": _when(d.end)}

    @staticmethod
    def _meeting(data: dict) -> Meeting:
        join_url = (data.get("onlineMeeting") or {}).get("joinUrl")
        return Meeting(str(data["id"]), join_url or None)

    def create(self, http, api_url, token, d: Details) -> Meeting:
        mailbox = f"{api_url}{self.mailbox}"
        calendar = json_answer(call(http, "GET", f"{mailbox}/calendar", token, ok=(200,)))
        if TEAMS not in (calendar.get("allowedOnlineMeetingProviders") or []):
            raise MeetingRefused(
                "This Microsoft account's calendar can't make Teams meetings (Teams comes "
                "with Microsoft 365 work or school accounts)."
            )
        body = {
            **self._body(d),
            "body": {"contentType": "text", "content": d.agenda},
            "showAs": "busy",
            "isOnlineMeeting": True,
            "onlineMeetingProvider": TEAMS,
            # Graph's idempotency key: a retried POST gives back the same event.
            "transactionId": d.request_id[:255],
        }
        data = json_answer(call(http, "POST", f"{mailbox}/events", token, body=body, ok=(201,)))
        if data.get("isOnlineMeeting") is False:
            self.delete(http, api_url, token, str(data["id"]))
            raise MeetingRefused("Outlook made the event without a Teams meeting.")
        return self._meeting(data)

    def poll(self, http, api_url, token, meeting_id) -> Meeting:
        url = f"{api_url}{self.mailbox}/events/{quote(meeting_id, safe='')}?{SELECT}"
        return self._meeting(json_answer(call(http, "GET", url, token, ok=(200,))))

    def update(self, http, api_url, token, meeting_id, d: Details) -> None:
        url = f"{api_url}{self.mailbox}/events/{quote(meeting_id, safe='')}"
        call(http, "PATCH", url, token, body=self._body(d), ok=(200,))

    def delete(self, http, api_url, token, meeting_id) -> None:
        url = f"{api_url}{self.mailbox}/events/{quote(meeting_id, safe='')}"
        call(http, "DELETE", url, token, ok=(204,), gone_ok=True)

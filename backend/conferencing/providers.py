"""Each provider's meeting API, per its documentation (docs/api.md lists them): create,
update, delete and (Google) poll. Every call goes through the SSRF-guarded outbound client;
answers are sorted into retry later (network, 5xx, 429 with Retry-After), token rejected
(401: refresh and retry) and refused (any other 4xx: the provider will never accept it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from ..core.outbound import OutboundError, OutboundRefused
from ..core.validation import format_utc
from .errors import MeetingRefused, RetryLater


class TokenRejected(RetryLater):
    """401: the access token is no longer accepted; refresh it and try again."""


@dataclass(frozen=True)
class Details:
    summary: str
    start: datetime
    end: datetime
    tzid: str
    agenda: str
    request_id: str  # idempotency key where the provider takes one (Google's requestId)


@dataclass(frozen=True)
class Meeting:
    meeting_id: str | None
    join_url: str | None  # None while the provider is still making it (Google: pending)


def _message(body: bytes) -> str:
    """The provider's own words from its error body, whatever its shape (Zoom {code,
    message}; Graph/Google {error: {code, message}}; GoTo legacy {error: {message}})."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace").strip() or "no details"
    if isinstance(data, list) and data:
        data = data[0]
    if isinstance(data, dict):
        inner = data.get("error")
        if isinstance(inner, dict):
            return str(inner.get("message") or inner.get("code") or inner)[:300]
        if isinstance(inner, str):
            return str(data.get("error_description") or data.get("reason") or inner)[:300]
        if "message" in data:
            return str(data["message"])[:300]
    return str(data)[:300]


def _retry_after(headers: dict) -> float | None:
    raw = headers.get("retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


def call(
    http, method: str, url: str, token: str, *, body=None, ok=(200, 201, 204), gone_ok: bool = False
):
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    try:
        response = http.request(method, url, headers=headers, json=body, timeout=20)
    except OutboundRefused as exc:
        raise MeetingRefused(str(exc)) from exc
    except OutboundError as exc:
        raise RetryLater(f"{method} {url}: {exc}") from exc
    status = response.status
    if status in ok or (gone_ok and status in (404, 410)):
        return response
    what = f"{method} {url} answered {status}: {_message(response.body)}"
    if status == 401:
        raise TokenRejected(what)
    if status == 429 or status >= 500 or status == 408:
        raise RetryLater(what, _retry_after(response.headers))
    raise MeetingRefused(what)


def json_answer(response) -> dict | list:
    try:
        return response.json()
    except OutboundError as exc:
        raise RetryLater(f"unreadable answer: {exc}") from exc


def _minutes(details: Details) -> int:
    return max(1, round((details.end - details.start).total_seconds() / 60))


class Zoom:
    """POST /users/me/meetings (201 {id, join_url}); PATCH and DELETE /meetings/{id}."""

    @staticmethod
    def _body(d: Details) -> dict:
        return {
            "topic": d.summary[:200],
            "type": 2,  # scheduled
            "start_time": format_utc(d.start),
            "duration": _minutes(d),
            "timezone": d.tzid,
            "agenda": d.agenda[:2000],
            "settings": {"join_before_host": True, "waiting_room": False},
        }

    def create(self, http, api_url, token, d: Details) -> Meeting:
        data = json_answer(
            call(http, "POST", f"{api_url}/users/me/meetings", token, body=self._body(d), ok=(201,))
        )
        return Meeting(str(data["id"]), data["join_url"])

    def update(self, http, api_url, token, meeting_id, d: Details) -> None:
        call(
            http,
            "PATCH",
            f"{api_url}/meetings/{quote(meeting_id)}",
            token,
            body=self._body(d),
            ok=(204,),
        )

    def delete(self, http, api_url, token, meeting_id) -> None:
        call(
            http,
            "DELETE",
            f"{api_url}/meetings/{quote(meeting_id)}",
            token,
            ok=(204,),
            gone_ok=True,
        )


class Teams:
    """Microsoft Graph POST /me/onlineMeetings (201 {id, joinWebUrl}); PATCH, DELETE."""

    @staticmethod
    def _body(d: Details) -> dict:
        return {
            "subject": d.summary[:255],
            "startDateTime": format_utc(d.start),
            "endDateTime": format_utc(d.end),
        }

    def create(self, http, api_url, token, d: Details) -> Meeting:
        data = json_answer(
            call(http, "POST", f"{api_url}/me/onlineMeetings", token, body=self._body(d), ok=(201,))
        )
        return Meeting(str(data["id"]), data.get("joinWebUrl") or data.get("joinUrl"))

    def update(self, http, api_url, token, meeting_id, d: Details) -> None:
        call(
            http,
            "PATCH",
            f"{api_url}/me/onlineMeetings/{quote(meeting_id)}",
            token,
            body=self._body(d),
            ok=(200, 204),
        )

    def delete(self, http, api_url, token, meeting_id) -> None:
        call(
            http,
            "DELETE",
            f"{api_url}/me/onlineMeetings/{quote(meeting_id)}",
            token,
            ok=(204,),
            gone_ok=True,
        )


class GoTo:
    """POST /G2M/rest/v2/meetings (201, a one-element array [{meetingid, joinURL, …}]);
    PUT and DELETE /G2M/rest/v2/meetings/{meetingid}."""

    @staticmethod
    def _body(d: Details) -> dict:
        return {
            "subject": d.summary[:100],
            "starttime": format_utc(d.start),
            "endtime": format_utc(d.end),
            "passwordrequired": False,
            "conferencecallinfo": "Hybrid",
            "timezonekey": "",
            "meetingtype": "scheduled",
        }

    def create(self, http, api_url, token, d: Details) -> Meeting:
        data = json_answer(
            call(
                http,
                "POST",
                f"{api_url}/G2M/rest/v2/meetings",
                token,
                body=self._body(d),
                ok=(201,),
            )
        )
        item = data[0] if isinstance(data, list) and data else data
        if not isinstance(item, dict) or "joinURL" not in item:
            raise RetryLater(f"unexpected GoTo answer: {str(data)[:200]}")
        return Meeting(str(item["meetingid"]), item["joinURL"])

    def update(self, http, api_url, token, meeting_id, d: Details) -> None:
        call(
            http,
            "PUT",
            f"{api_url}/G2M/rest/v2/meetings/{quote(meeting_id)}",
            token,
            body=self._body(d),
            ok=(200, 204),
        )

    def delete(self, http, api_url, token, meeting_id) -> None:
        call(
            http,
            "DELETE",
            f"{api_url}/G2M/rest/v2/meetings/{quote(meeting_id)}",
            token,
            ok=(204,),
            gone_ok=True,
        )


class Meet:
    """Google Meet through Calendar: insert an event on the primary calendar with
    conferenceData.createRequest (hangoutsMeet, conferenceDataVersion=1); creation is
    asynchronous, so poll events.get until its status is success."""

    EVENTS = "/calendar/v3/calendars/primary/events"

    @staticmethod
    def _body(d: Details) -> dict:
        return {
            "summary": d.summary,
            "description": d.agenda,
            "start": {"dateTime": format_utc(d.start), "timeZone": d.tzid},
            "end": {"dateTime": format_utc(d.end), "timeZone": d.tzid},
        }

    @staticmethod
    def _meeting(data: dict) -> Meeting:
        conference = data.get("conferenceData") or {}
        status = ((conference.get("createRequest") or {}).get("status") or {}).get("statusCode")
        if status == "failure":
            raise MeetingRefused("Google could not create the Meet conference.")
        video = [
            e.get("uri")
            for e in conference.get("entryPoints") or []
            if e.get("entryPointType") == "video" and e.get("uri")
        ]
        join_url = video[0] if video else data.get("hangoutLink")
        if status == "pending" or not join_url:
            return Meeting(str(data["id"]), None)
        return Meeting(str(data["id"]), join_url)

    def create(self, http, api_url, token, d: Details) -> Meeting:
        body = self._body(d)
        body["conferenceData"] = {
            "createRequest": {
                "requestId": d.request_id,
                "conferenceSolutionKey": {"type": "hangoutsMeet"},
            }
        }
        url = f"{api_url}{self.EVENTS}?conferenceDataVersion=1"
        return self._meeting(json_answer(call(http, "POST", url, token, body=body, ok=(200,))))

    def poll(self, http, api_url, token, meeting_id) -> Meeting:
        url = f"{api_url}{self.EVENTS}/{quote(meeting_id)}"
        return self._meeting(json_answer(call(http, "GET", url, token, ok=(200,))))

    def update(self, http, api_url, token, meeting_id, d: Details) -> None:
        url = f"{api_url}{self.EVENTS}/{quote(meeting_id)}?conferenceDataVersion=1"
        call(http, "PATCH", url, token, body=self._body(d), ok=(200,))

    def delete(self, http, api_url, token, meeting_id) -> None:
        url = f"{api_url}{self.EVENTS}/{quote(meeting_id)}"
        call(http, "DELETE", url, token, ok=(200, 204), gone_ok=True)


ADAPTERS = {"zoom": Zoom(), "microsoft": Teams(), "go_to": GoTo(), "google": Meet()}

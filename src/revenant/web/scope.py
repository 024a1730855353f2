"""What a logged-in user may see: admins every case, everyone else the cases they are a
member of. Anything outside that answers 404, exactly like something that does not
exist."""

from __future__ import annotations

from revenant.errors import UnknownCase, UsageError
from revenant.model import Case
from revenant.store.accounts import Role, WebSession
from revenant.store.alerts import Alert, get_alert
from revenant.store.captures import capture_row
from revenant.store.case_views import cases_of_capture
from revenant.store.cases import get_case, list_cases
from revenant.store.schema import CaptureRow
from revenant.web.context import NotFound, Web


def visible_cases(session: WebSession) -> frozenset[int] | None:
    """Case ids the user may see; None means every case (admins)."""
    return None if session.user.role is Role.ADMIN else session.cases


def may_see(session: WebSession, case_id: int | None) -> bool:
    cases = visible_cases(session)
    return cases is None or (case_id is not None and case_id in cases)


def cases_for(web: Web, session: WebSession) -> list[Case]:
    return [c for c in list_cases(web.store) if may_see(session, c.id)]


def case_for(web: Web, session: WebSession, name: str) -> Case:
    try:
        case = get_case(web.store, name)
    except UnknownCase:
        raise NotFound(f"no case {name!r}") from None
    if not may_see(session, case.id):
        raise NotFound(f"no case {name!r}")
    return case


def alert_for(web: Web, session: WebSession, alert_id: int) -> tuple[Alert, Case]:
    try:
        with web.store.session() as session_:
            alert = get_alert(session_, alert_id)
    except UsageError:
        raise NotFound(f"no alert #{alert_id}") from None
    return alert, case_for(web, session, alert.case)


def capture_for(web: Web, session: WebSession, capture_id: int) -> CaptureRow:
    try:
        row = capture_row(web.store, capture_id)
    except UsageError:
        raise NotFound(f"no capture #{capture_id}") from None
    cases = visible_cases(session)
    if cases is not None and not cases & cases_of_capture(web.store, capture_id):
        raise NotFound(f"no capture #{capture_id}")
    return row

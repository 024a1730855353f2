"""What a logged-in user may see: admins every case, everyone else the cases they are a
member of; partners, within those, only what their TLP clearance allows. Anything
outside that answers 404, exactly like something that does not exist.

TLP follows act.tlp's one rule: an object is as restricted as the most restricted thing
it draws on. A case's features are at least at the case's level; an alert draws on its
case and on every case feature its score counted; a partner sees a case, a feature or an
alert only when that level is at or below its clearance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from revenant.act.tlp import effective, shareable
from revenant.errors import UnknownCase, UsageError
from revenant.model import Case, CaseFeature, Tlp
from revenant.store.accounts import Role, WebSession
from revenant.store.alert_queue import QueueRow, explanations, features_shown
from revenant.store.alerts import Alert, get_alert
from revenant.store.captures import capture_row, load_fingerprint
from revenant.store.case_views import Observed, capture_links
from revenant.store.cases import case_features, get_case, list_cases
from revenant.store.schema import CaptureRow
from revenant.web.context import NotFound, Web


def _cleared(session: WebSession, level: Tlp) -> bool:
    limit = session.user.clearance
    return limit is None or shareable(level, limit)


def _member(session: WebSession, case_id: int | None) -> bool:
    return session.user.role is Role.ADMIN or (case_id is not None and case_id in session.cases)


def may_see_case(session: WebSession, case: Case) -> bool:
    return _member(session, case.id) and _cleared(session, case.tlp)


def cases_for(web: Web, session: WebSession) -> list[Case]:
    return [c for c in list_cases(web.store) if may_see_case(session, c)]


def visible_cases(web: Web, session: WebSession) -> frozenset[int] | None:
    """Case ids the user may see; None means every case (admins)."""
    if session.user.role is Role.ADMIN:
        return None
    if session.user.clearance is None:
        return session.cases
    return frozenset(c.id for c in cases_for(web, session) if c.id is not None)


def case_for(web: Web, session: WebSession, name: str) -> Case:
    try:
        case = get_case(web.store, name)
    except UnknownCase:
        raise NotFound(f"no case {name!r}") from None
    if not may_see_case(session, case):
        raise NotFound(f"no case {name!r}")
    return case


# ------------------------------------------------------------------------- TLP


def feature_levels(case: Case, features: Iterable[CaseFeature]) -> dict[str, Tlp]:
    """Each case feature's level ("kind:value" -> level), never below the case's."""
    return {str(cf.feature): effective(case.tlp, cf.tlp) for cf in features}


def alert_level(
    case: Case,
    explanation: Mapping[str, Any],
    levels: Mapping[str, Tlp],
    shown: Iterable[str] = (),
) -> Tlp:
    """The level of an alert: its case, every feature its score counted, and every case
    feature its capture shows (`shown`, "kind:value" strings)."""
    drawn = [case.tlp]
    contributions = explanation.get("contributions")
    for c in contributions if isinstance(contributions, list) else []:
        if isinstance(c, dict):
            drawn.append(levels.get(str(c.get("feature", "")), case.tlp))
    drawn.extend(levels[f] for f in shown if f in levels)
    return effective(*drawn)


def shown_features(web: Web, capture_id: int | None) -> list[str]:
    """The features a capture shows, as "kind:value"."""
    if capture_id is None:
        return []
    return [str(f) for f in load_fingerprint(web.store, capture_id).features]


def capture_cleared(web: Web, session: WebSession, case: Case, capture_id: int) -> bool:
    """Whether the user may see a capture of this case: for a partner, none of the case
    features it shows may be above its clearance (a seized site's page shows them all)."""
    if session.user.clearance is None:
        return True
    levels = feature_levels(case, case_features(web.store, case.name))
    shown = shown_features(web, capture_id)
    return _cleared(session, effective(case.tlp, *(levels[f] for f in shown if f in levels)))


def visible_observations(
    session: WebSession, case: Case, features: Sequence[CaseFeature], observed: Sequence[Observed]
) -> list[Observed]:
    """What captures showed (graph nodes), without values above a partner's clearance."""
    if session.user.clearance is None:
        return list(observed)
    levels = feature_levels(case, features)
    return [o for o in observed if _cleared(session, levels.get(f"{o.kind}:{o.value}", case.tlp))]


def visible_features(
    session: WebSession, case: Case, features: Sequence[CaseFeature]
) -> list[CaseFeature]:
    """The case features the user may see."""
    levels = feature_levels(case, features)
    return [cf for cf in features if _cleared(session, levels[str(cf.feature)])]


def visible_rows(web: Web, session: WebSession, rows: list[QueueRow]) -> tuple[list[QueueRow], int]:
    """Queue rows the user may see and how many were held back for their TLP."""
    if session.user.clearance is None or not rows:
        return rows, 0
    docs = explanations(web.store, [r.id for r in rows])
    shown = features_shown(web.store, [r.capture_id for r in rows if r.capture_id is not None])
    cases: dict[str, tuple[Case, dict[str, Tlp]]] = {}
    kept = []
    for row in rows:
        if row.case not in cases:
            case = get_case(web.store, row.case)
            cases[row.case] = (case, feature_levels(case, case_features(web.store, row.case)))
        case, levels = cases[row.case]
        features = shown.get(row.capture_id, []) if row.capture_id is not None else []
        level = alert_level(case, docs.get(row.id, {}), levels, features)
        if _cleared(session, level):
            kept.append(row)
    return kept, len(rows) - len(kept)


# ------------------------------------------------------------------ one thing


def alert_for(web: Web, session: WebSession, alert_id: int) -> tuple[Alert, Case]:
    try:
        with web.store.session() as db:
            alert = get_alert(db, alert_id)
    except UsageError:
        raise NotFound(f"no alert #{alert_id}") from None
    case = case_for(web, session, alert.case)
    if session.user.clearance is not None:
        levels = feature_levels(case, case_features(web.store, case.name))
        level = alert_level(case, alert.explanation, levels, shown_features(web, alert.capture_id))
        if not _cleared(session, level):
            raise NotFound(f"no alert #{alert_id}")
    return alert, case


def capture_for(web: Web, session: WebSession, capture_id: int) -> CaptureRow:
    """A capture the user may see: evidence for a case they may see (admins: any)."""
    try:
        row = capture_row(web.store, capture_id)
    except UsageError:
        raise NotFound(f"no capture #{capture_id}") from None
    cases = visible_cases(web, session)
    if cases is None:
        return row
    links = capture_links(web.store, capture_id)
    if session.user.clearance is None:
        if cases & links.cases:
            return row
        raise NotFound(f"no capture #{capture_id}")
    # A partner sees the seized site's captures of a case it may see (when they show
    # nothing above its clearance), and the capture of an alert it may see.
    seen = {c.id: c for c in cases_for(web, session)}
    for case_id in cases & links.references:
        case = seen[case_id]
        if capture_cleared(web, session, case, capture_id):
            return row
    for alert_id, case_id in links.alerts:
        if case_id in cases:
            try:
                alert_for(web, session, alert_id)
                return row
            except NotFound:
                continue
    raise NotFound(f"no capture #{capture_id}")

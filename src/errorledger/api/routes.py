"""Every route the service has, in one table: method, path, handler, by family.

The router tries paths in this order; the busiest route comes first. A path answers its
errors in its family's format (``api.dispatch``), and a path that is not here answers in
the format of the family whose prefix it starts with (``dispatch.Unmatched``).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from errorledger.api import (
    docs,
    health,
    import_errors,
    import_logs,
    integration_logs,
    issues,
    log_capsules,
    native,
    oauth,
    project_rules,
    tlog,
    tsa,
)
from errorledger.api.dispatch import Endpoint, Guarded, Lane, PathEndpoint, Unmatched
from errorledger.api.family import Family

_CAPSULES = "/v4/applications/{appId}/envs/{appEnv}/log-capsules"
_IMPORT_LOGS = "/v3/projects/{project_id}/api-references/{api_reference_id}/logs"
_ENTRIES = "/v1/projects/{project_id}/entries"
_TLOG = "/v1/projects/{project_id}/tlog"
_ISSUES = "/v1/projects/{project_id}/issues"

Table = Sequence[tuple[Family, list[tuple[str, str, Endpoint]]]]

TABLE: Table = [
    (
        integration_logs.FAMILY,
        [
            ("POST", "/api/v3/integrations/{id}/logs", Lane(integration_logs.create_log_lane)),
            ("GET", "/api/v3/integrations/{id}/logs", integration_logs.list_integration_logs),
            ("GET", "/api/v3/integrations/logs", integration_logs.list_project_logs),
            ("GET", "/api/v3/integrations/{id}/logs/{log_id}", integration_logs.get_log),
        ],
    ),
    (
        import_errors.FAMILY,
        [
            ("POST", "/import/{source}/errors", import_errors.create),
            ("GET", "/import/{source}/errors", import_errors.list_records),
            ("GET", "/import/{source}/errors/{id}", import_errors.get_record),
        ],
    ),
    (
        log_capsules.FAMILY,
        [
            ("POST", _CAPSULES, log_capsules.create),
            ("GET", _CAPSULES, log_capsules.list_capsules),
        ],
    ),
    (
        import_logs.FAMILY,
        [
            ("POST", _IMPORT_LOGS, import_logs.create),
            ("GET", _IMPORT_LOGS, import_logs.list_logs),
            ("GET", _IMPORT_LOGS + "/{log_id}", import_logs.get_log),
            ("PATCH", _IMPORT_LOGS + "/{log_id}", import_logs.update),
        ],
    ),
    (
        native.FAMILY,
        [
            ("GET", _ENTRIES, native.list_entries),
            ("GET", _ENTRIES + "/{entry_id}", native.get_entry),
            ("GET", _ENTRIES + "/{entry_id}/content", native.get_entry_content),
            ("GET", _ISSUES, issues.list_issues),
            ("GET", _ISSUES + "/{issue_id}", issues.get_issue),
            ("PATCH", _ISSUES + "/{issue_id}", issues.change_issue),
            ("GET", _ISSUES + "/{issue_id}/entries", issues.list_issue_entries),
            ("GET", "/v1/projects/{project_id}/redaction", project_rules.get_rules),
            ("PUT", "/v1/projects/{project_id}/redaction", project_rules.put_rules),
            ("GET", "/v1/projects/{project_id}/hint-rules", project_rules.get_hint_rules),
            ("PUT", "/v1/projects/{project_id}/hint-rules", project_rules.put_hint_rules),
            ("GET", _TLOG + "/checkpoint", tlog.checkpoint),
            ("GET", _TLOG + "/checkpoint/timestamp", tlog.checkpoint_timestamp),
            ("GET", _TLOG + "/proof/inclusion", tlog.inclusion),
            ("GET", _TLOG + "/proof/consistency", tlog.consistency),
            ("GET", _TLOG + "/entries/{leaf_index}", tlog.leaf),
            ("GET", _TLOG + "/tile/{path:path}", tlog.tile),
            ("GET", "/v1/tlog/verifier-key", tlog.verifier_key),
            ("GET", "/v1/tsa/certificate", tlog.tsa_certificate),
            ("GET", "/healthz", health.health),
            ("GET", "/openapi.json", docs.openapi_json),
            ("GET", "/docs", docs.docs_page),
            ("GET", "/docs/static/swagger-init.js", docs.docs_init),
        ],
    ),
    (tsa.FAMILY, [("POST", "/v1/tsa", tsa.timestamp)]),
    (
        oauth.FAMILY,
        [
            ("POST", "/oauth2/token", oauth.token),
            ("POST", "/oauth2/token/", oauth.token),
        ],
    ),
]
# Where a path that is not in the table belongs, when no family's prefix claims it.
FALLBACK = native.FAMILY


def routes(
    table: Sequence[tuple[Family, list[tuple[str, str, Endpoint]]]] = TABLE,
) -> list[BaseRoute]:
    """The router's routes: one per path, with every method of that path, in table order."""
    by_path: dict[str, tuple[Family, dict[str, Endpoint]]] = {}
    for family, endpoints in table:
        for method, path, endpoint in endpoints:
            owner, handlers = by_path.setdefault(path, (family, {}))
            if owner is not family or method in handlers:
                raise ValueError(f"{method} {path} is in the table twice")
            handlers[method] = endpoint
    built: list[BaseRoute] = [
        Route(path, PathEndpoint(family, handlers)) for path, (family, handlers) in by_path.items()
    ]
    static = StaticFiles(directory=swagger_ui_path)
    built.append(Mount("/docs/static", app=Guarded(static, FALLBACK), name="swagger-ui"))
    return built


def unmatched() -> Unmatched:
    return Unmatched([family for family, _ in TABLE], FALLBACK)

"""Automation rules (Sentinel's): which playbooks run and which incident changes are made when an
incident is created or updated or an alert is created. A rule may run only playbooks whose
trigger fits its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request

from soarflow.api.audit import audit_target
from soarflow.api.auth import authorize, listed_workspaces, requires, target_workspace
from soarflow.api.body import json_body, model_response
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import db_session
from soarflow.api.openapi import operation
from soarflow.automation.rules import PLAYBOOK_TRIGGER, RULE_SCHEMA, TRIGGERS, rule_problems
from soarflow.playbook.triggers import trigger_of
from soarflow.security.roles import Permission
from soarflow.store import automation as repo
from soarflow.store import playbooks as playbook_repo
from soarflow.store.models import (
    AutomationRule,
    AutomationRuleBody,
    AutomationRuleList,
    AutomationRulePublic,
)

bp = Blueprint("automation_rules", __name__, url_prefix="/api/v1/automation-rules")
TAG = "automation rules"
WORKSPACE_PARAMETER = {"type": "string", "description": "workspace id or name"}
CHANGES = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"enabled": {"type": "boolean"}, "order": RULE_SCHEMA["properties"]["order"]},
}


@bp.get("")
@requires(Permission.AUTOMATION_READ)
@operation(
    "List automation rules in the order they run",
    tag=TAG,
    query={"trigger": {"type": "string", "enum": list(TRIGGERS)}, "workspace": WORKSPACE_PARAMETER},
    responses={200: AutomationRuleList, 400: "Bad query parameter"},
)
def list_all() -> Response:
    trigger = request.args.get("trigger")
    if trigger is not None and trigger not in TRIGGERS:
        raise ApiError(
            400,
            "invalid_parameter",
            f"trigger is one of {', '.join(TRIGGERS)}",
            {"parameter": "trigger"},
        )
    rules, total = repo.list_rules(db_session(), workspace_ids=listed_workspaces(), trigger=trigger)
    data = [AutomationRulePublic.model_validate(rule) for rule in rules]
    return model_response(AutomationRuleList(data=data, total=total))


@bp.post("")
@requires(Permission.AUTOMATION_WRITE)
@operation(
    "Create an automation rule",
    tag=TAG,
    request=RULE_SCHEMA,
    query={"workspace": WORKSPACE_PARAMETER},
    responses={
        201: AutomationRulePublic,
        400: "Malformed",
        415: "Not JSON",
        422: "Invalid rule, or a playbook whose trigger does not fit (trigger_kind_mismatch)",
    },
)
def create() -> tuple[Response, int]:
    workspace_id = target_workspace()
    body = _checked(json_body(), workspace_id)
    session = db_session()
    rule = repo.create_rule(session, workspace_id=workspace_id, body=body)
    session.commit()
    audit_target("automation_rule", rule.id, workspace_id)
    response = model_response(AutomationRulePublic.model_validate(rule))
    response.headers["Location"] = f"{bp.url_prefix}/{rule.id}"
    return response, 201


@bp.get("/<rule_id>")
@requires(Permission.AUTOMATION_READ)
@operation(
    "Get an automation rule",
    tag=TAG,
    responses={200: AutomationRulePublic, 404: "No such rule"},
)
def get(rule_id: str) -> Response:
    return model_response(AutomationRulePublic.model_validate(_load(rule_id)))


@bp.put("/<rule_id>")
@requires(Permission.AUTOMATION_WRITE)
@operation(
    "Replace an automation rule",
    tag=TAG,
    request=RULE_SCHEMA,
    responses={
        200: AutomationRulePublic,
        400: "Malformed",
        404: "No such rule",
        415: "Not JSON",
        422: "Invalid rule, or a playbook whose trigger does not fit (trigger_kind_mismatch)",
    },
)
def put(rule_id: str) -> Response:
    rule = _load(rule_id)
    return _replaced(rule, json_body())


@bp.patch("/<rule_id>")
@requires(Permission.AUTOMATION_WRITE)
@operation(
    "Enable, disable or reorder an automation rule",
    tag=TAG,
    request=CHANGES,
    responses={
        200: AutomationRulePublic,
        400: "Malformed",
        404: "No such rule",
        415: "Not JSON",
        422: "Invalid enabled or order",
    },
)
def patch(rule_id: str) -> Response:
    rule = _load(rule_id)
    changes = json_body()
    if not isinstance(changes, dict) or set(changes) - {"enabled", "order"}:
        raise ApiError(
            422,
            "invalid_fields",
            "send enabled and/or order; change the rest with PUT",
            {"problems": [{"field": "", "code": "schema", "message": "only enabled and order"}]},
        )
    return _replaced(rule, {**_body_of(rule), **changes})


@bp.delete("/<rule_id>")
@requires(Permission.AUTOMATION_WRITE)
@operation(
    "Delete an automation rule",
    tag=TAG,
    responses={204: "Deleted", 404: "No such rule"},
)
def delete(rule_id: str) -> tuple[str, int]:
    rule = _load(rule_id)
    session = db_session()
    session.delete(rule)
    session.commit()
    return "", 204


def _load(rule_id: str) -> AutomationRule:
    rule = repo.get_rule(db_session(), rule_id=rule_id)
    missing = not_found("automation rule", rule_id)
    if rule is None:
        raise missing
    authorize(rule.workspace_id, missing=missing)
    audit_target("automation_rule", rule.id, rule.workspace_id)
    return rule


def _replaced(rule: AutomationRule, body: Any) -> Response:
    checked = _checked(body, rule.workspace_id)
    session = db_session()
    repo.replace_rule(session, rule=rule, body=checked)
    session.commit()
    return model_response(AutomationRulePublic.model_validate(rule))


def _body_of(rule: AutomationRule) -> dict[str, Any]:
    body = AutomationRulePublic.model_validate(rule).model_dump(mode="json")
    kept = ("name", "order", "enabled", "expires_at", "trigger", "conditions", "actions")
    return {name: body[name] for name in kept if body[name] is not None}


def _checked(body: Any, workspace_id: str) -> AutomationRuleBody:
    """Every problem of the rule at once (422 invalid_fields); then each playbook it runs must
    be in the workspace (unknown_playbook) with a trigger that fits (trigger_kind_mismatch)."""
    problems = rule_problems(body)
    if problems:
        raise ApiError(
            422,
            "invalid_fields",
            "fix these fields: " + ", ".join(problem["path"] for problem in problems),
            {"problems": [_problem(problem) for problem in problems]},
        )
    _check_playbooks(body, workspace_id)
    return AutomationRuleBody.model_validate(body)


def _problem(problem: Mapping[str, str]) -> dict[str, str]:
    return {
        "field": problem["path"].removeprefix("$").removeprefix("."),
        "code": "schema",
        "message": problem["message"],
    }


def _check_playbooks(body: Mapping[str, Any], workspace_id: str) -> None:
    wanted = PLAYBOOK_TRIGGER[body["trigger"]]
    for index, action in enumerate(body["actions"]):
        if action["type"] != "run_playbook":
            continue
        field = f"actions[{index}].playbook_id"
        playbook = playbook_repo.get_playbook(db_session(), playbook_id=action["playbook_id"])
        if playbook is None or playbook.workspace_id != workspace_id:
            raise ApiError(
                422,
                "unknown_playbook",
                f"{field}: no playbook {action['playbook_id']!r} in this workspace",
                {"field": field},
            )
        found = trigger_of(playbook.document)[0]
        if found != wanted:
            raise ApiError(
                422,
                "trigger_kind_mismatch",
                f"{field}: '{playbook.name}' starts with {found or 'no trigger'};"
                f" a {body['trigger']} rule runs playbooks that start with {wanted}",
                {"field": field, "playbook_trigger": found, "expected": wanted},
            )

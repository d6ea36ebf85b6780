"""/api/v1/templates: the built-in playbook templates, and deploying one as a new playbook with
the caller's name, connections and parameter values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response
from pydantic import BaseModel, ConfigDict

from soarflow.api.auth import requires, target_workspace
from soarflow.api.body import model_body, model_response
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import db_session
from soarflow.api.openapi import operation
from soarflow.api.playbooks import created
from soarflow.security.roles import Permission
from soarflow.store import connections as connection_repo
from soarflow.store.models import PlaybookPublic
from soarflow.templates.catalog import Refusal, Template, builtin_templates, instantiate, refusals

bp = Blueprint("templates", __name__, url_prefix="/api/v1/templates")
TAG = "templates"


class TemplateParameter(BaseModel):
    name: str
    title: str
    description: str
    type: str
    default: Any
    enum: list[str] | None = None
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None


class TemplateSummary(BaseModel):
    id: str
    title: str
    description: str
    scenario: str
    connectors: list[str]
    # The connection names the document uses, each with the connector it must be of.
    connections: dict[str, str]
    parameters: list[TemplateParameter]


class TemplatePublic(TemplateSummary):
    document: dict[str, Any]


class TemplateList(BaseModel):
    data: list[TemplateSummary]
    total: int


class DeployBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    workspace: str | None = None
    # Template connection name to the name (or id) of an existing connection in the workspace.
    connections: dict[str, str] = {}
    parameters: dict[str, Any] = {}


def _template(template_id: str) -> Template:
    template = builtin_templates().get(template_id)
    if template is None:
        raise not_found("template", template_id)
    return template


@bp.get("")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "List the built-in templates (without their documents)",
    tag=TAG,
    responses={200: TemplateList, 401: "Not signed in", 403: "Not allowed"},
)
def list_all() -> Response:
    data = [TemplateSummary.model_validate(t.summary()) for t in builtin_templates().values()]
    return model_response(TemplateList(data=data, total=len(data)))


@bp.get("/<template_id>")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "Get a template with its playbook document",
    tag=TAG,
    responses={
        200: TemplatePublic,
        401: "Not signed in",
        403: "Not allowed",
        404: "No such template",
    },
)
def get(template_id: str) -> Response:
    return model_response(TemplatePublic.model_validate(_template(template_id).to_dict()))


@bp.post("/<template_id>/deploy")
@requires(Permission.PLAYBOOK_WRITE)
@operation(
    "Create a playbook from a template, with its connections and parameter values",
    tag=TAG,
    request=DeployBody,
    responses={
        201: PlaybookPublic,
        400: "Malformed, or several workspaces and none named",
        401: "Not signed in",
        403: "Not allowed",
        404: "No such template or workspace",
        415: "Not JSON",
        422: "A name, connection or parameter does not fit",
    },
)
def deploy(template_id: str) -> tuple[Response, int]:
    template = _template(template_id)
    body = model_body(DeployBody)
    workspace_id = target_workspace(body.workspace)
    found, chosen = _chosen_connections(template, workspace_id, body.connections)
    refused = [
        *refusals(
            template, name=body.name, connections=body.connections, parameters=body.parameters
        ),
        *found,
    ]
    if refused:
        raise _refusal_error(refused)
    document = instantiate(
        template, name=str(body.name), connections=chosen, parameters=body.parameters
    )
    return created(workspace_id, document)


def _chosen_connections(
    template: Template, workspace_id: str, choices: Mapping[str, str]
) -> tuple[list[Refusal], dict[str, str]]:
    """The stored connection each choice names (by name or id, as a run finds it), as the name
    the document will use; and why a choice names none, or one of another connector."""
    found: list[Refusal] = []
    chosen: dict[str, str] = {}
    session = db_session()
    for own, connector in template.connections.items():
        reference = choices.get(own, "").strip()
        if not reference:
            continue
        field = f"connections.{own}"
        connection = connection_repo.find_for_run(
            session, workspace_id=workspace_id, reference=reference
        )
        if connection is None:
            message = f"no connection '{reference}' in this workspace"
            found.append(Refusal("unknown_connection", field, message))
        elif connection.connector_id != connector:
            message = (
                f"'{reference}' is a {connection.connector_id} connection; {own} needs {connector}"
            )
            found.append(Refusal("wrong_connector", field, message))
        else:
            chosen[own] = connection.name
    return found, chosen


def _refusal_error(refused: list[Refusal]) -> ApiError:
    """422 with the first refusal's code and field, and every refusal for the form to show."""
    first = refused[0]
    more = f" (and {len(refused) - 1} more problem(s))" if len(refused) > 1 else ""
    return ApiError(
        422,
        first.code,
        first.message + more,
        {"field": first.field, "problems": [refusal.to_dict() for refusal in refused]},
    )

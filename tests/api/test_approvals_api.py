"""Approvals through the API on SQLite and PostgreSQL, with the real runtime: the step mails each
approver a link through a real SMTP server on loopback (aiosmtpd) and waits; answers through the
link or the inbox decide it by its policy; nobody answering ends it timed out; a new server
process takes the answer to a run the old one left waiting. Every bad answer changes nothing."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from soarflow.api.extensions import runner
from soarflow.app import create_app
from soarflow.config import Settings
from soarflow.connectors import ConnectorRegistry
from soarflow.security.roles import Role
from tests.api.test_runs_api import fetch, steps
from tests.connectors.fakes import (
    SHIPPED_CONNECTORS,
    Mailbox,
    receiving_mail,
    serving,
    shipped_manifest,
)
from tests.connectors.test_microsoft_teams import INCOMING as TEAMS_INCOMING
from tests.connectors.test_microsoft_teams import fake_teams
from tests.connectors.test_slack import TOKEN as SLACK_TOKEN
from tests.connectors.test_slack import fake_slack
from tests.fixtures import Person

ALICE = "alice@soc.example"
CAROL = "carol@soc.example"
LINK = re.compile(r"https?://\S+/approve/([A-Za-z0-9._-]+)\?option=Block")
SETTLE_S = 10.0


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[Mailbox]:
    with receiving_mail() as mailbox:
        yield mailbox


@pytest.fixture
def mailbox(smtp_server: Mailbox) -> Mailbox:
    smtp_server.messages.clear()
    return smtp_server


@dataclass
class Chats:
    """Fakes of Slack's API and of a Teams webhook, with what they were sent."""

    slack_url: str = ""
    teams_url: str = ""
    slack: list[dict[str, Any]] = field(default_factory=list)
    teams: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def chats() -> Iterator[Chats]:
    found = Chats()
    with serving(fake_slack(found.slack)) as slack, serving(fake_teams(found.teams)) as teams:
        found.slack_url, found.teams_url = slack, teams
        yield found


@pytest.fixture(scope="module")
def connectors_dir(tmp_path_factory: pytest.TempPathFactory, chats: Chats) -> Path:
    """What the approvals need, Slack's API on its fake, and Teams webhooks allowed on loopback."""
    folder = tmp_path_factory.mktemp("approvals") / "connectors"
    for connector_id in ("core", "soarflow", "approvals", "email", "slack", "microsoft_teams"):
        shutil.copytree(SHIPPED_CONNECTORS / connector_id, folder / connector_id)
    slack = shipped_manifest("slack", chats.slack_url)
    (folder / "slack" / "manifest.yaml").write_text(yaml.safe_dump(slack))
    teams_file = folder / "microsoft_teams" / "manifest.yaml"
    teams = yaml.safe_load(teams_file.read_text())
    del teams["connection"]["fields"]["properties"]["webhook_url"]["pattern"]
    teams["connection"]["allowed_hosts"] = ["127.0.0.1"]
    teams_file.write_text(yaml.safe_dump(teams))
    return folder


@pytest.fixture(scope="module")
def registry(connectors_dir: Path) -> ConnectorRegistry:
    loaded = ConnectorRegistry.load(connectors_dir)
    assert loaded.problems == []
    return loaded


def _make_app(
    database_url: str, var_dir: Path, connectors: Path, registry: ConnectorRegistry
) -> Flask:
    settings = Settings(
        database_url,
        frontend_dir=var_dir / "no-frontend",
        connectors_dir=connectors,
        var_dir=var_dir,
        allowed_networks="127.0.0.0/8",
        executor="inline",
        public_url="https://soar.example",
    )
    app = create_app(settings, registry=registry)
    app.config["TESTING"] = True
    return app


def _close(app: Flask) -> None:
    """Stop the app's runtime as a stopping server does; twice is harmless."""
    runner_ = app.extensions.pop("soarflow.runner", None)
    if runner_ is not None:
        runner_.close()
    app.extensions["soarflow.engine"].dispose()


@pytest.fixture
def app(
    database_url: str, tmp_path: Path, connectors_dir: Path, registry: ConnectorRegistry
) -> Iterator[Flask]:
    """The connectors themselves as the catalog: the test catalog has no approvals."""
    made = _make_app(database_url, tmp_path / "var", connectors_dir, registry)
    yield made
    _close(made)


@pytest.fixture
def mail_connection(client: FlaskClient, mailbox: Mailbox) -> str:
    fields = {
        "host": "127.0.0.1",
        "port": mailbox.port,
        "security": "none",
        "from_address": "soarflow@soc.example",
    }
    response = client.post(
        "/api/v1/connections", json={"connector": "email", "name": "mail", "fields": fields}
    )
    assert response.status_code == 201, response.json
    return "mail"


def _playbook(**ask: Any) -> dict[str, Any]:
    """Ask, then note the answer, or note that nobody answered."""
    inputs = {
        "title": "Block {{ trigger.ip }}?",
        "message": "Seen on FIN-WS-042.\nBlock it at the firewall?",
        "approvers": [ALICE, CAROL],
        "email_connection": "mail",
        "allow_comment": True,
        **ask,
    }
    return {
        "format": "soarflow.playbook/v1",
        "name": "Ask before blocking",
        "trigger": {"id": "t", "type": "core.manual"},
        "nodes": [
            {
                "id": "ask",
                "kind": "action",
                "action": "approvals.ask_for_approval",
                "inputs": inputs,
            },
            {
                "id": "chosen",
                "kind": "action",
                "action": "core.compose",
                "inputs": {"value": "{{ steps.ask.output.selected_option }}"},
            },
            {
                "id": "nobody",
                "kind": "action",
                "action": "core.compose",
                "inputs": {"value": "nobody answered"},
            },
        ],
        "edges": [
            {"source": "t", "target": "ask"},
            {"source": "ask", "target": "chosen"},
            {"source": "ask", "target": "nobody", "when": ["timed_out"]},
        ],
    }


def _start(client: FlaskClient, document: dict[str, Any], ip: str = "203.0.113.9") -> str:
    created = client.post("/api/v1/playbooks", json=document)
    assert created.status_code == 201, created.json
    assert created.json is not None
    assert created.json["valid"], created.json["problems"]
    started = client.post(
        f"/api/v1/playbooks/{created.json['id']}/runs", json={"trigger": {"ip": ip}}
    )
    assert started.status_code == 202, started.json
    assert started.json is not None
    return str(started.json["id"])


def _settled(client: FlaskClient, run_id: str, statuses: set[str]) -> dict[str, Any]:
    deadline = time.monotonic() + SETTLE_S
    while True:
        run = fetch(client, run_id)
        if run["status"] in statuses or time.monotonic() > deadline:
            assert run["status"] in statuses, run
            return run
        time.sleep(0.05)


def _token(mailbox: Mailbox, address: str) -> str:
    """The Block link's token in the newest mail to this address."""
    message = mailbox.to(address)[-1]
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    found = LINK.search(body.get_content())
    assert found is not None, body.get_content()
    return found.group(1)


def _answer(client: FlaskClient, token: str, option: str, **more: Any) -> Any:
    return client.post(f"/api/v1/approval-links/{token}", json={"option": option, **more})


def test_the_first_answer_through_a_mailed_link_decides_and_the_run_goes_on(
    client: FlaskClient, anonymous: FlaskClient, mailbox: Mailbox, mail_connection: str
) -> None:
    run_id = _start(client, _playbook())
    run = fetch(client, run_id)
    assert run["status"] == "waiting"
    assert steps(run)["ask"]["status"] == "waiting"
    # Each approver has a mail of their own with a button per option.
    alice_mail = mailbox.to(ALICE)[0]
    assert alice_mail["Subject"] == "Approval needed: Block 203.0.113.9?"
    html = alice_mail.get_body(preferencelist=("html",))
    assert html is not None
    assert ">Block</a>" in html.get_content()
    alice, carol = _token(mailbox, ALICE), _token(mailbox, CAROL)
    assert alice != carol

    seen = anonymous.get(f"/api/v1/approval-links/{alice}")
    assert seen.status_code == 200, seen.json
    assert seen.json is not None
    assert (seen.json["state"], seen.json["options"]) == ("open", ["Block", "Ignore"])
    assert (seen.json["approver"], seen.json["title"]) == (ALICE, "Block 203.0.113.9?")

    markup = "<script>alert(1)</script> {{ 7 * 7 }}"
    answered = _answer(anonymous, alice, "Block", comment=markup)
    assert answered.status_code == 200, answered.json
    assert answered.json is not None
    assert (answered.json["state"], answered.json["decision"]) == ("answered", "Block")
    assert answered.json["answer"]["comment"] == markup

    run = _settled(client, run_id, {"succeeded"})
    ask = steps(run)["ask"]
    assert ask["status"] == "succeeded"
    assert ask["output"]["selected_option"] == "Block"
    assert (ask["output"]["responder"], ask["output"]["comment"]) == (ALICE, markup)
    assert [r["approver"] for r in ask["output"]["responses"]] == [ALICE]
    assert steps(run)["chosen"]["output"] == "Block"
    assert steps(run)["nobody"]["status"] == "skipped"

    # The link works once; the other approver's link says it is decided; nothing changes.
    again = _answer(anonymous, alice, "Ignore")
    assert (again.status_code, again.json["error"]["code"]) == (409, "already_answered")
    late = _answer(anonymous, carol, "Ignore")
    assert (late.status_code, late.json["error"]["code"]) == (409, "approval_decided")
    assert anonymous.get(f"/api/v1/approval-links/{carol}").json["state"] == "decided"
    assert steps(fetch(client, run_id))["ask"]["output"]["responses"] == ask["output"]["responses"]

    events = client.get("/api/v1/audit?action=approval.respond").json
    assert events is not None
    [event] = [e for e in events["data"] if e["target_id"] == ask["output"]["approval_id"]]
    assert (event["details"]["option"], event["actor_name"]) == ("Block", ALICE)
    assert alice not in str(event)


def test_tampered_and_foreign_links_and_bad_answers_change_nothing(
    client: FlaskClient, anonymous: FlaskClient, mailbox: Mailbox, mail_connection: str
) -> None:
    run_id = _start(client, _playbook(allow_comment=False))
    token = _token(mailbox, ALICE)
    payload, _, signature = token.rpartition(".")
    forged = [
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        f"{payload[:-1]}x.{signature}",
        "not-a-token",
        "",
    ]
    for bad in forged[:3]:
        seen = anonymous.get(f"/api/v1/approval-links/{bad}")
        answered = _answer(anonymous, bad, "Block")
        for refused in (seen, answered):
            assert (refused.status_code, refused.json["error"]["code"]) == (404, "invalid_link")
    assert anonymous.get(f"/api/v1/approval-links/{forged[3]}").status_code == 404
    wrong = _answer(anonymous, token, "Block it all")
    assert (wrong.status_code, wrong.json["error"]["code"]) == (422, "invalid_option")
    commented = _answer(anonymous, token, "Block", comment="no comment box here")
    assert (commented.status_code, commented.json["error"]["code"]) == (422, "invalid_comment")
    unknown_field = _answer(anonymous, token, "Block", chosen_by="admin")
    assert unknown_field.status_code == 422
    assert anonymous.get(f"/api/v1/approval-links/{token}").json["responses_count"] == 0
    assert fetch(client, run_id)["status"] == "waiting"

    # Each link opens its own approval only.
    _start(client, _playbook(allow_comment=False), ip="198.51.100.7")
    other = _token(mailbox, ALICE)
    assert other != token
    assert anonymous.get(f"/api/v1/approval-links/{other}").json["title"] == "Block 198.51.100.7?"
    assert anonymous.get(f"/api/v1/approval-links/{token}").json["title"] == "Block 203.0.113.9?"


def test_quorum_of_two_split_between_ignore_and_block_is_decided_by_the_last_option(
    client: FlaskClient, anonymous: FlaskClient, mailbox: Mailbox, mail_connection: str
) -> None:
    run_id = _start(client, _playbook(policy="quorum", quorum=2))
    first = _answer(anonymous, _token(mailbox, ALICE), "Ignore")
    assert (first.json["state"], first.json["decision"]) == ("answered", None)
    assert fetch(client, run_id)["status"] == "waiting"
    # The output so far is on the trace while the step waits.
    assert [r["option"] for r in steps(fetch(client, run_id))["ask"]["output"]["responses"]] == [
        "Ignore"
    ]
    second = _answer(anonymous, _token(mailbox, CAROL), "Block")
    assert second.json["decision"] == "Ignore"
    run = _settled(client, run_id, {"succeeded"})
    output = steps(run)["ask"]["output"]
    assert (output["selected_option"], output["responder"]) == ("Ignore", None)
    assert [r["option"] for r in output["responses"]] == ["Ignore", "Block"]


def test_quorum_reached_by_two_matching_answers(
    client: FlaskClient, anonymous: FlaskClient, mailbox: Mailbox, mail_connection: str
) -> None:
    run_id = _start(client, _playbook(policy="all"))
    _answer(anonymous, _token(mailbox, ALICE), "Block")
    assert fetch(client, run_id)["status"] == "waiting"
    _answer(anonymous, _token(mailbox, CAROL), "Block")
    output = steps(_settled(client, run_id, {"succeeded"}))["ask"]["output"]
    assert (output["selected_option"], output["responder"]) == ("Block", CAROL)


def test_nobody_answers_and_the_timed_out_path_runs(
    client: FlaskClient, anonymous: FlaskClient, mailbox: Mailbox, mail_connection: str
) -> None:
    run_id = _start(client, _playbook(timeout="PT1S"))
    run = _settled(client, run_id, {"succeeded"})
    assert steps(run)["ask"]["status"] == "timed_out"
    assert steps(run)["ask"]["error"]["code"] == "timed_out"
    assert steps(run)["nobody"]["output"] == "nobody answered"
    assert steps(run)["chosen"]["status"] == "skipped"
    late = _answer(anonymous, _token(mailbox, ALICE), "Block")
    assert (late.status_code, late.json["error"]["code"]) == (409, "approval_expired")


def test_a_cancelled_run_closes_its_request(
    client: FlaskClient, anonymous: FlaskClient, mailbox: Mailbox, mail_connection: str
) -> None:
    run_id = _start(client, _playbook())
    assert client.post(f"/api/v1/runs/{run_id}/cancel").status_code == 200
    token = _token(mailbox, ALICE)
    assert anonymous.get(f"/api/v1/approval-links/{token}").json["state"] == "closed"
    closed = _answer(anonymous, token, "Block")
    assert (closed.status_code, closed.json["error"]["code"]) == (409, "approval_closed")


def test_users_answer_in_their_inbox_but_not_their_own_request(
    client_for: Callable[[Role], FlaskClient],
    people: dict[Role, Person],
    mailbox: Mailbox,
    mail_connection: str,
) -> None:
    requester, approver = people[Role.RESPONDER], people[Role.PLAYBOOK_OPERATOR]
    asking = client_for(Role.OWNER)
    document = _playbook(approvers=[requester.name, approver.name, ALICE])
    created = asking.post("/api/v1/playbooks", json=document).json
    assert created is not None
    # The Responder starts the run, so the Responder may not approve it.
    started = client_for(Role.RESPONDER).post(
        f"/api/v1/playbooks/{created['id']}/runs", json={"trigger": {"ip": "192.0.2.1"}}
    )
    assert started.status_code == 202, started.json
    run_id = started.json["id"]
    assert [str(m["To"]) for m in mailbox.messages] == [ALICE]  # users answer in the inbox

    inbox = client_for(Role.PLAYBOOK_OPERATOR).get("/api/v1/approvals").json
    assert inbox is not None
    [item] = inbox["data"]
    assert (item["run_id"], item["state"], item["approver"]) == (run_id, "open", approver.name)
    assert client_for(Role.READER).get("/api/v1/approvals").json["data"] == []

    respond = f"/api/v1/approvals/{item['id']}/respond"
    own = client_for(Role.RESPONDER).post(respond, json={"option": "Block"})
    assert (own.status_code, own.json["error"]["code"]) == (403, "own_request")
    stranger = client_for(Role.READER).post(respond, json={"option": "Block"})
    assert (stranger.status_code, stranger.json["error"]["code"]) == (403, "not_an_approver")

    answered = client_for(Role.PLAYBOOK_OPERATOR).post(
        respond, json={"option": "Ignore", "comment": "benign"}
    )
    assert answered.status_code == 200, answered.json
    assert answered.json["responses"][0]["approver"] == approver.name
    output = steps(_settled(asking, run_id, {"succeeded"}))["ask"]["output"]
    assert (output["selected_option"], output["responder"]) == ("Ignore", approver.name)
    assert client_for(Role.PLAYBOOK_OPERATOR).get("/api/v1/approvals").json["data"] == []
    everything = client_for(Role.PLAYBOOK_OPERATOR).get("/api/v1/approvals?state=all").json
    assert [entry["state"] for entry in everything["data"]] == ["answered"]


def test_a_new_server_takes_the_answer_to_a_run_the_old_one_left_waiting(
    database_url: str,
    tmp_path: Path,
    connectors_dir: Path,
    registry: ConnectorRegistry,
    app: Flask,
    client: FlaskClient,
    mailbox: Mailbox,
    mail_connection: str,
) -> None:
    run_id = _start(client, _playbook())
    token = _token(mailbox, ALICE)
    _close(app)  # the server stops while the run waits

    later = _make_app(database_url, tmp_path / "var", connectors_dir, registry)
    try:
        with later.app_context():
            runner().resume_all()
        answered = _answer(later.test_client(), token, "Block")
        assert answered.status_code == 200, answered.json
        owner = later.test_client()
        owner.environ_base["HTTP_AUTHORIZATION"] = client.environ_base["HTTP_AUTHORIZATION"]
        run = _settled(owner, run_id, {"succeeded"})
        assert steps(run)["chosen"]["output"] == "Block"
    finally:
        _close(later)


def test_slack_and_teams_carry_every_approvers_links(
    client: FlaskClient, anonymous: FlaskClient, chats: Chats, mailbox: Mailbox
) -> None:
    for connection in (
        {"connector": "slack", "name": "slack", "fields": {"bot_token": SLACK_TOKEN}},
        {
            "connector": "microsoft_teams",
            "name": "teams",
            "fields": {"webhook_url": f"{chats.teams_url}/{TEAMS_INCOMING}"},
        },
    ):
        made = client.post("/api/v1/connections", json=connection)
        assert made.status_code == 201, made.json
    chats.slack.clear()
    chats.teams.clear()
    document = _playbook(
        email_connection=None,
        slack={"connection": "slack", "channel": "#soc-alerts"},
        teams={"connection": "teams"},
    )
    del document["nodes"][0]["inputs"]["email_connection"]
    run_id = _start(client, document)
    run = fetch(client, run_id)
    assert run["status"] == "waiting", steps(run)["ask"]["error"]
    assert mailbox.messages == []
    [slack] = [sent["body"] for sent in chats.slack if sent["path"].endswith("chat.postMessage")]
    assert slack["channel"] == "#soc-alerts"
    tokens = re.findall(r"/approve/([A-Za-z0-9._-]+)\?option=Block\|Block>", slack["text"])
    assert len(tokens) == 2
    assert "<https://soar.example/approvals|answer in the Approvals inbox>" in slack["text"]
    [teams] = chats.teams
    card = json.dumps(teams["body"])
    assert all(token in card for token in tokens)
    answered = _answer(anonymous, tokens[1], "Ignore")
    assert answered.status_code == 200, answered.json
    assert answered.json["approver"] == CAROL


QUESTIONS = [
    {
        "id": "severity",
        "label": "Change the incident's severity?",
        "choices": ["High", "Medium", "Low", {"title": "Don't change", "value": "same"}],
        "default": "medium",
    },
    {
        "id": "collections",
        "label": "Add the address to which rule collections?",
        "choices": "{{ trigger.collections }}",
        "multiple": True,
        "required": True,
        "for_options": ["Block"],
    },
]
COLLECTIONS = [
    {"title": "rg-net  fw-prod  Deny-Inbound", "value": "rg-net::fw-prod::Deny-Inbound"},
    {"title": "rg-net  fw-prod  Deny-Outbound", "value": "rg-net::fw-prod::Deny-Outbound"},
]


def _start_with(client: FlaskClient, document: dict[str, Any], **more: Any) -> str:
    created = client.post("/api/v1/playbooks", json=document).json
    assert created is not None
    assert created["valid"], created["problems"]
    trigger = {"ip": "203.0.113.9", "collections": COLLECTIONS, **more}
    started = client.post(f"/api/v1/playbooks/{created['id']}/runs", json={"trigger": trigger})
    assert started.status_code == 202, started.json
    return str(started.json["id"])


def test_questions_are_shown_checked_and_their_answers_are_the_output(
    client: FlaskClient, anonymous: FlaskClient, mailbox: Mailbox, mail_connection: str
) -> None:
    document = _playbook(questions=QUESTIONS)
    document["nodes"][1]["inputs"]["value"] = "{{ steps.ask.output.answers.collections }}"
    run_id = _start_with(client, document)
    body = mailbox.to(ALICE)[0].get_body(preferencelist=("plain",))
    assert body is not None
    assert "and 2 more questions" in body.get_content()
    alice, carol = _token(mailbox, ALICE), _token(mailbox, CAROL)

    seen = anonymous.get(f"/api/v1/approval-links/{alice}").json
    assert seen is not None
    severity, collections = seen["questions"]
    assert severity["choices"][3] == {"title": "Don't change", "value": "same"}
    assert (severity["default"], severity["for_options"], severity["required"]) == (
        ["Medium"],
        None,
        False,
    )
    assert collections["choices"] == COLLECTIONS
    assert (collections["multiple"], collections["for_options"]) == (True, ["Block"])

    chosen = [COLLECTIONS[1]["value"]]
    refusals = [
        {"collections": []},  # required with Block
        {"collections": chosen, "severity": "Urgent"},  # not a choice
        {"collections": chosen, "severity": ["High", "Low"]},  # one answer only
        {"collections": ["rg-net::fw-prod::Other"]},
        {"collections": chosen, "owner": "bob"},  # no such question
    ]
    for answers in refusals:
        refused = _answer(anonymous, alice, "Block", answers=answers)
        assert (refused.status_code, refused.json["error"]["code"]) == (422, "invalid_answers")
    # Asked only with Block: an Ignore cannot answer it.
    ignored = _answer(anonymous, carol, "Ignore", answers={"collections": chosen})
    assert (ignored.status_code, ignored.json["error"]["code"]) == (422, "invalid_answers")
    assert anonymous.get(f"/api/v1/approval-links/{alice}").json["responses_count"] == 0

    answered = _answer(anonymous, alice, "Block", answers={"collections": chosen})
    assert answered.status_code == 200, answered.json
    assert answered.json["answer"]["answers"] == {"severity": None, "collections": chosen}
    run = _settled(client, run_id, {"succeeded"})
    output = steps(run)["ask"]["output"]
    assert output["answers"] == {"severity": None, "collections": chosen}
    assert output["responses"][0]["answers"] == output["answers"]
    assert steps(run)["chosen"]["output"] == chosen


def test_an_answer_without_the_questions_takes_their_defaults(
    client: FlaskClient, anonymous: FlaskClient, mailbox: Mailbox, mail_connection: str
) -> None:
    run_id = _start_with(client, _playbook(questions=QUESTIONS, approvers=[ALICE]))
    answered = _answer(anonymous, _token(mailbox, ALICE), "Ignore")
    assert answered.status_code == 200, answered.json
    output = steps(_settled(client, run_id, {"succeeded"}))["ask"]["output"]
    assert output["selected_option"] == "Ignore"
    # The severity was asked and left unanswered; the collections were not asked at all.
    assert output["answers"] == {"severity": None, "collections": []}
    assert output["responses"][0]["answers"] == {"severity": None}


@pytest.mark.parametrize(
    ("questions", "problem"),
    [
        ([{"id": "1x", "label": "?", "choices": ["a"]}], "its id is a letter"),
        ([{"id": "a", "label": "?", "choices": []}], "at least one"),
        ([{"id": "a", "label": "?", "choices": ["x", "x"]}], "'x' is there twice"),
        ([{"id": "a", "label": "?", "choices": ["x"], "for_options": ["Maybe"]}], "'Maybe'"),
        ([{"id": "a", "label": "?", "choices": [{"title": "no value"}]}], "value is a text"),
        ([{"id": "a", "label": "?", "choices": ["x"]}] * 2, "'a' is used twice"),
    ],
)
def test_questions_made_at_run_time_that_cannot_be_asked_fail_the_step(
    client: FlaskClient,
    mailbox: Mailbox,
    mail_connection: str,
    questions: list[dict[str, Any]],
    problem: str,
) -> None:
    """The form refuses such questions when they are written out; these come from the run."""
    document = _playbook(questions="{{ trigger.questions }}")
    run_id = _start_with(client, document, questions=questions)
    run = _settled(client, run_id, {"failed"})
    error = steps(run)["ask"]["error"]
    assert error["code"] == "invalid_input"
    assert problem in error["message"]
    assert mailbox.messages == []


def test_the_inbox_shows_the_questions_and_takes_the_answers(
    client_for: Callable[[Role], FlaskClient],
    people: dict[Role, Person],
    mailbox: Mailbox,
    mail_connection: str,
) -> None:
    approver = people[Role.PLAYBOOK_OPERATOR]
    run_id = _start_with(
        client_for(Role.OWNER), _playbook(questions=QUESTIONS, approvers=[approver.name])
    )
    inbox = client_for(Role.PLAYBOOK_OPERATOR).get("/api/v1/approvals").json
    assert inbox is not None
    [item] = inbox["data"]
    assert [question["id"] for question in item["questions"]] == ["severity", "collections"]
    answers = {"severity": "Low", "collections": [COLLECTIONS[0]["value"]]}
    answered = client_for(Role.PLAYBOOK_OPERATOR).post(
        f"/api/v1/approvals/{item['id']}/respond", json={"option": "Block", "answers": answers}
    )
    assert answered.status_code == 200, answered.json
    assert answered.json["responses"][0]["answers"] == answers
    output = steps(_settled(client_for(Role.OWNER), run_id, {"succeeded"}))["ask"]["output"]
    assert (output["responder"], output["answers"]) == (approver.name, answers)

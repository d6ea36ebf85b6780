"""Runs and their step instances, written with SQLAlchemy Core: a run's changed steps and its own
row go in one transaction per conductor turn, a multi-row INSERT or UPDATE each, since the ORM's
per-row cost would be most of the runtime's.

A run's secret values (what it read from secret outputs, RunState.secrets) are masked in every
row written, so that no trace or API answer shows them; the real values of what masking changed
are kept beside it, encrypted with the installation's SecretBox, so that a run loaded again (after
a wait, a restart or a crash) goes on with them."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col
from sqlmodel import select as select_model

from soarflow.runtime.state import RunState, Step
from soarflow.security.secret_box import SecretBox, mask
from soarflow.store.models import AutomationRule, Playbook, PlaybookVersion, Run, RunNames, User
from soarflow.store.models import Step as StepRow

RUN: Table = Run.__table__  # type: ignore[attr-defined]
STEP: Table = StepRow.__table__  # type: ignore[attr-defined]
VERSION: Table = PlaybookVersion.__table__  # type: ignore[attr-defined]
PLAYBOOK: Table = Playbook.__table__  # type: ignore[attr-defined]
UNFINISHED = ("queued", "running", "waiting")
# Where a row keeps the encrypted real values of what it shows masked: in a step's state and in a
# run's variables, whose keys are identifiers and never hold a `$`.
SEALED = "$sealed"
# What a step row may show masked.
SEALABLE_STEP_FIELDS = ("inputs", "output", "error", "state")
STEP_FIELDS = (
    "node_id",
    "status",
    "inputs",
    "output",
    "error",
    "attempts",
    "started_at",
    "ended_at",
    "wake_at",
    "state",
)


@dataclass(frozen=True)
class RunHeader:
    """What the runner needs to find a run's plan."""

    id: str
    playbook_id: str
    playbook_version: int
    workspace_id: str


@dataclass(frozen=True)
class NewRun:
    playbook_id: str
    playbook_version: int
    workspace_id: str
    trigger_type: str
    trigger: Any
    variables: dict[str, Any]
    context: dict[str, Any]
    owner: str
    created_at: datetime
    resubmitted_from: str | None = None
    started_by: str | None = None
    incident_id: str | None = None
    alert_id: str | None = None
    rule_id: str | None = None


# Built once: building a Core statement costs more than executing it on SQLite.
_INSERT_RUN = insert(RUN)
_INSERT_STEP = insert(STEP)
_STEP_WHERE = (STEP.c.run_id == bindparam("b_run"), STEP.c.key == bindparam("b_key"))
_UPDATE_STEP = update(STEP).where(*_STEP_WHERE).values({n: bindparam(n) for n in STEP_FIELDS})
# A step's node and inputs are fixed once it is made; later saves write only its progress.
PROGRESS_FIELDS = tuple(name for name in STEP_FIELDS if name not in ("node_id", "inputs"))
_UPDATE_PROGRESS = (
    update(STEP).where(*_STEP_WHERE).values({n: bindparam(n) for n in PROGRESS_FIELDS})
)
RUN_PROGRESS = ("status", "error", "variables", "started_at", "ended_at")
_UPDATE_RUN = (
    update(RUN)
    .where(RUN.c.id == bindparam("b_id"))
    .values({name: bindparam(name) for name in RUN_PROGRESS})
)


class RunStore:
    def __init__(self, engine: Engine, box: Callable[[], SecretBox] | None = None) -> None:
        """`box` gives the SecretBox that seals a run's secret values, when one is first needed;
        without it, a key made for this store alone, which only this process can open (enough
        for rehearsals and tests, whose runs end before it does)."""
        self.engine = engine
        self._box = box or _own_box()
        # SQLite has one writer at a time; queueing here is cheaper than its busy-wait retries.
        self._writing: AbstractContextManager[Any] = (
            threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
        )

    def header(self, run_id: str) -> RunHeader | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(
                    RUN.c.id,
                    RUN.c.playbook_id,
                    RUN.c.playbook_version,
                    RUN.c.workspace_id,
                ).where(RUN.c.id == run_id)
            ).first()
        return None if row is None else RunHeader(*row)

    def load(self, run_id: str, *, unseal: bool = True) -> RunState | None:
        """The run as the runtime goes on with it: its secret values real again. With `unseal`
        false, as the trace shows it: masked (what `soarflow run` prints)."""
        with self.engine.connect() as connection:
            run = connection.execute(select(RUN).where(RUN.c.id == run_id)).mappings().first()
            if run is None:
                return None
            rows = connection.execute(
                select(STEP).where(STEP.c.run_id == run_id).order_by(STEP.c.id)
            ).mappings()
            steps = {row["key"]: self._step(row, unseal) for row in rows}
        variables = dict(run["variables"] or {})
        sealed = self._opened(variables.pop(SEALED, None), unseal)
        state = RunState(
            id=run["id"],
            trigger=run["trigger"],
            variables=sealed.get("variables", variables),
            context=run["context"] or {},
            workspace_id=run["workspace_id"],
            status=run["status"],
            error=sealed.get("error", run["error"]),
            started_at=run["started_at"],
            ended_at=run["ended_at"],
            steps=steps,
            secrets=set(sealed.get("secrets", ())),
        )
        state.saved = set(steps)
        state.wakes = {key: step.wake_at for key, step in steps.items() if step.wake_at}
        return state

    def save(self, state: RunState, *, new: NewRun | None = None) -> None:
        """Write what changed in one transaction: the run row (made, when `new` is given),
        new steps, changed steps."""
        with self._writing, self.engine.begin() as connection:
            if new is not None:
                connection.execute(_INSERT_RUN, _run_row(state.id, new))
            self._write(connection, state)
        state.saved = (state.saved | set(state.created) | state.dirty) - state.deleted - {""}
        state.created.clear()
        state.dirty.clear()
        state.deleted.clear()

    def _write(self, connection: Connection, state: RunState) -> None:
        steps, saved = state.steps, state.saved
        secrets = sorted(state.secrets)
        if state.deleted:
            connection.execute(
                delete(STEP).where(STEP.c.run_id == state.id, STEP.c.key.in_(state.deleted))
            )
        made = dict.fromkeys(key for key in state.created if key in steps)
        if new := [steps[key] for key in made if key not in saved]:
            rows = [_row(state.id, step.key, self._fields(step, secrets)) for step in new]
            connection.execute(_INSERT_STEP, rows)
        if remade := [steps[key] for key in made if key in saved]:
            rows = [_keyed(state.id, step.key, self._fields(step, secrets)) for step in remade]
            connection.execute(_UPDATE_STEP, rows)
        progressed = [steps[k] for k in state.dirty if k in saved and k in steps and k not in made]
        if progressed:
            rows = [
                _progress(state.id, step.key, self._fields(step, secrets)) for step in progressed
            ]
            connection.execute(_UPDATE_PROGRESS, rows)
        if "" in state.dirty:
            connection.execute(
                _UPDATE_RUN,
                {
                    "b_id": state.id,
                    "status": state.status,
                    "started_at": state.started_at,
                    "ended_at": state.ended_at,
                    **self._run_fields(state, secrets),
                },
            )

    # -- secret values ------------------------------------------------------------------------

    def _fields(self, step: Step, secrets: Sequence[str]) -> dict[str, Any]:
        """A step's row: the run's secret values masked, the real values sealed in its state."""
        fields = _fields(step)
        if not secrets:
            return fields
        shown, token = self._sealed(
            {name: fields[name] for name in SEALABLE_STEP_FIELDS}, secrets, {}
        )
        if token is not None:
            shown["state"] = {**(shown["state"] or {}), SEALED: token}
        return {**fields, **shown}

    def _run_fields(self, state: RunState, secrets: Sequence[str]) -> dict[str, Any]:
        """The run row's variables and error, masked; its variables also keep, sealed, the real
        values and the run's secrets themselves (a loaded run must go on masking them)."""
        fields = {"variables": state.variables, "error": state.error}
        if not secrets:
            return fields
        shown, token = self._sealed(fields, secrets, {"secrets": _json(secrets)})
        shown["variables"] = {**shown["variables"], SEALED: token}
        return shown

    def _sealed(
        self, fields: Mapping[str, Any], secrets: Sequence[str], keep: Mapping[str, str]
    ) -> tuple[dict[str, Any], str | None]:
        """The fields with the secrets masked, and a token holding the real values of those
        masking changed, with `keep` (None when there is nothing to hold)."""
        shown = {name: mask(value, secrets) for name, value in fields.items()}
        real = {name: _json(fields[name]) for name in fields if shown[name] != fields[name]}
        held = {**real, **keep}
        return shown, self._box().encrypt(held) if held else None

    def _opened(self, token: Any, unseal: bool) -> dict[str, Any]:
        """The real values a sealed token holds, by field; none when not unsealing."""
        if not unseal or not isinstance(token, str):
            return {}
        return {name: json.loads(text) for name, text in self._box().decrypt(token).items()}

    def _step(self, row: Any, unseal: bool) -> Step:
        state = dict(row["state"] or {})
        fields = {name: row[name] for name in SEALABLE_STEP_FIELDS}
        fields["state"] = state
        fields.update(self._opened(state.pop(SEALED, None), unseal))
        return Step(
            key=row["key"],
            node_id=row["node_id"],
            status=row["status"],
            attempts=row["attempts"],
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            wake_at=row["wake_at"],
            **fields,
        )

    def unfinished(self) -> list[str]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(RUN.c.id).where(RUN.c.status.in_(UNFINISHED)).order_by(RUN.c.created_at)
            )
            return [row[0] for row in rows]

    def claim(self, run_id: str, owner: str) -> bool:
        """Take over a run nobody drives: one released by a dead worker, or owned by an
        earlier start of the server (owners are `<server start>/<worker>`); never a run a live
        sibling worker of this server drives."""
        server = owner.rpartition("/")[0] + "/"
        with self.engine.begin() as connection:
            result = connection.execute(
                update(RUN)
                .where(
                    RUN.c.id == run_id,
                    or_(RUN.c.owner.is_(None), ~RUN.c.owner.startswith(server, autoescape=True)),
                )
                .values(owner=owner)
            )
        return bool(result.rowcount)

    def release(self, owner: str) -> int:
        """Let other workers take over the unfinished runs of a worker that died."""
        with self.engine.begin() as connection:
            result = connection.execute(
                update(RUN)
                .where(RUN.c.owner == owner, RUN.c.status.in_(UNFINISHED))
                .values(owner=None)
            )
        return int(result.rowcount)

    def document(self, playbook_id: str, version: int) -> dict[str, Any] | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(VERSION.c.document).where(
                    VERSION.c.playbook_id == playbook_id, VERSION.c.number == version
                )
            ).first()
        return None if row is None else dict(row[0])


def _fields(step: Step) -> dict[str, Any]:
    return {
        "node_id": step.node_id,
        "status": step.status,
        "inputs": step.inputs,
        "output": step.output,
        "error": step.error,
        "attempts": step.attempts,
        "started_at": step.started_at,
        "ended_at": step.ended_at,
        "wake_at": step.wake_at,
        "state": step.state,
    }


def _row(run_id: str, key: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"run_id": run_id, "key": key, **fields}


def _progress(run_id: str, key: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"b_run": run_id, "b_key": key, **{name: fields[name] for name in PROGRESS_FIELDS}}


def _keyed(run_id: str, key: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"b_run": run_id, "b_key": key, **fields}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _own_box() -> Callable[[], SecretBox]:
    box = SecretBox([Fernet.generate_key()], source="a key made for this process")
    return lambda: box


def _run_row(run_id: str, new: NewRun) -> dict[str, Any]:
    return {
        "id": run_id,
        "status": "queued",
        "error": None,
        "started_at": None,
        "ended_at": None,
        **new.__dict__,
    }


def shown_variables(variables: Mapping[str, Any] | None) -> dict[str, Any]:
    """A run's variables as its trace shows them: masked, without the sealed real values."""
    return {name: value for name, value in (variables or {}).items() if name != SEALED}


def list_runs(
    session: Session,
    *,
    workspace_ids: Sequence[str],
    offset: int,
    limit: int,
    playbook_id: str | None = None,
    status: str | None = None,
    trigger_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    incident_id: str | None = None,
    alert_id: str | None = None,
) -> tuple[Sequence[Run], int]:
    """Runs newest first, filtered; and how many match in all."""
    conditions: list[ColumnElement[bool]] = [col(Run.workspace_id).in_(workspace_ids)]
    if incident_id is not None:
        conditions.append(col(Run.incident_id) == incident_id)
    if alert_id is not None:
        conditions.append(col(Run.alert_id) == alert_id)
    if playbook_id is not None:
        conditions.append(col(Run.playbook_id) == playbook_id)
    if status is not None:
        conditions.append(col(Run.status) == status)
    if trigger_type is not None:
        conditions.append(col(Run.trigger_type) == trigger_type)
    if since is not None:
        conditions.append(col(Run.created_at) >= since)
    if until is not None:
        conditions.append(col(Run.created_at) < until)
    total = session.exec(select_model(func.count()).select_from(Run).where(*conditions)).one()
    query = (
        select_model(Run)
        .where(*conditions)
        .order_by(col(Run.created_at).desc(), col(Run.id))
        .offset(offset)
        .limit(limit)
    )
    return session.exec(query).all(), total


def get_run(session: Session, *, run_id: str) -> Run | None:
    return session.get(Run, run_id)


def run_steps(session: Session, *, run_id: str) -> Sequence[StepRow]:
    return session.exec(
        select_model(StepRow).where(col(StepRow.run_id) == run_id).order_by(col(StepRow.id))
    ).all()


def count_steps(session: Session, *, run_id: str) -> int:
    query = select_model(func.count()).select_from(StepRow).where(col(StepRow.run_id) == run_id)
    return session.exec(query).one()


def steps_page(session: Session, *, run_id: str, offset: int, limit: int) -> Sequence[StepRow]:
    """Steps in the order they were made."""
    return session.exec(
        select_model(StepRow)
        .where(col(StepRow.run_id) == run_id)
        .order_by(col(StepRow.id))
        .offset(offset)
        .limit(limit)
    ).all()


def frame_steps(session: Session, *, run_id: str, frame: str) -> Sequence[StepRow]:
    """The steps of one loop iteration (`each_ip[2]/`), or of no loop (`""`): at most one per
    node, whatever the size of the run."""
    key = col(StepRow.key)
    return session.exec(
        select_model(StepRow)
        .where(
            col(StepRow.run_id) == run_id,
            _key_begins_with(frame),
            func.substr(key, len(frame) + 1).not_like("%/%"),
        )
        .order_by(col(StepRow.id))
    ).all()


def loop_step(session: Session, *, run_id: str, key: str) -> StepRow | None:
    return session.exec(
        select_model(StepRow).where(col(StepRow.run_id) == run_id, col(StepRow.key) == key)
    ).first()


def iteration_steps(
    session: Session, *, run_id: str, loop_key: str
) -> Sequence[tuple[str, str, float | None, float | None]]:
    """Key, status and times of every step inside a loop's iterations, nested ones included."""
    rows = session.exec(
        select_model(
            col(StepRow.key), col(StepRow.status), col(StepRow.started_at), col(StepRow.ended_at)
        ).where(
            col(StepRow.run_id) == run_id,
            _key_begins_with(loop_key + "["),
        )
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _key_begins_with(prefix: str) -> ColumnElement[bool]:
    """Compared, not matched with LIKE: SQLite's LIKE ignores case, and node ids (`each`,
    `Each`) do not."""
    return func.substr(col(StepRow.key), 1, len(prefix)) == prefix


def run_names(session: Session, runs: Sequence[Run]) -> RunNames:
    playbook_ids = {run.playbook_id for run in runs}
    user_ids = {run.started_by for run in runs if run.started_by}
    rule_ids = {run.rule_id for run in runs if run.rule_id}
    return RunNames(
        playbooks=_names(session, Playbook, playbook_ids),
        users=_user_names(session, user_ids),
        rules=_names(session, AutomationRule, rule_ids),
    )


def _names(session: Session, model: Any, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.exec(select_model(model.id, model.name).where(model.id.in_(ids))).all()
    return {row[0]: row[1] for row in rows}


def _user_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.exec(
        select_model(col(User.id), col(User.name), col(User.display_name)).where(
            col(User.id).in_(ids)
        )
    ).all()
    return {user_id: display or name for user_id, name, display in rows}


def run_times(
    session: Session, *, playbook_id: str, since: datetime
) -> Sequence[tuple[datetime, str, float | None, float | None]]:
    """Creation time, status and start and end of each run of a playbook since a moment."""
    rows = session.exec(
        select_model(
            col(Run.created_at), col(Run.status), col(Run.started_at), col(Run.ended_at)
        ).where(col(Run.playbook_id) == playbook_id, col(Run.created_at) >= since)
    ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]

"""The scheduler: starts the runs of schedule playbooks, each moment exactly once, however many
server processes check and however often they restart.

Every CHECK_INTERVAL_S it reads the enabled schedule playbooks and, for each, takes the latest
moment its cron names that is at most CHECK_INTERVAL_S + GRACE_S old. The run's id is derived
from the playbook and the moment, and the runner starts nothing for an id it has stored already:
so a moment checked again (by this process, a sibling worker, another server on the same
database, or after a restart) starts no second run.

Moments missed while no server ran are not made up, except the latest one when it is still
within that window: like Logic Apps' recurrence, a schedule does not backfill, and a server that
comes back after a day does not start a day's worth of runs at once."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from soarflow.playbook.triggers import InvalidParams, schedule_of, trigger_of
from soarflow.runtime.runner import Runner, RunRequest
from soarflow.store import triggers as repo
from soarflow.store.models import Playbook

log = logging.getLogger(__name__)

CHECK_INTERVAL_S = 5.0
GRACE_S = 60.0
# Fixed for good: another namespace would give every moment new run ids, and fire them again.
SCHEDULE_NAMESPACE = uuid.UUID("b0775190-2590-46ec-aaed-aad99ba93094")


def scheduled_run_id(playbook_id: str, moment: datetime) -> str:
    """The one run of a playbook's moment. The version is not part of it: a version saved just
    before a moment must not make the moment fire again."""
    return str(uuid.uuid5(SCHEDULE_NAMESPACE, f"{playbook_id}/{_utc_text(moment)}"))


class Scheduler:
    """Checks on its own thread once started; tests call check() with the runner's clock
    (a ManualClock) set where they want."""

    def __init__(
        self,
        *,
        runner: Runner,
        engine: Engine,
        interval_s: float = CHECK_INTERVAL_S,
        grace_s: float = GRACE_S,
    ) -> None:
        self.runner = runner
        self.engine = engine
        self.interval_s = interval_s
        self.window = timedelta(seconds=interval_s + grace_s)
        # The last run started (or found) per playbook, so that a moment checked again within
        # its window costs no store lookup.
        self._fired: dict[str, str] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> list[str]:
        """Start the runs that are due at the runner's clock's now; the ids of the runs due,
        whether started here or before."""
        now = datetime.fromtimestamp(self.runner.clock(), UTC)
        with Session(self.engine) as session:
            playbooks = repo.scheduled_playbooks(session)
        due = [self._fire(playbook, now) for playbook in playbooks]
        return [run_id for run_id in due if run_id is not None]

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._loop, name="soarflow-scheduler", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.check()
            except Exception:  # the store may be away for a moment; the next check retries
                log.exception("the schedule check failed")
            self._stopping.wait(self.interval_s)

    def _fire(self, playbook: Playbook, now: datetime) -> str | None:
        try:
            schedule = schedule_of(trigger_of(playbook.document)[1])
        except InvalidParams as invalid:  # enabling needs a valid playbook; a safety net
            log.warning("schedule of playbook %s is not valid: %s", playbook.id, invalid)
            return None
        moment = schedule.latest_moment(now, self.window)
        if moment is None:
            return None
        run_id = scheduled_run_id(playbook.id, moment)
        if self._fired.get(playbook.id) == run_id:
            return run_id
        trigger = {"scheduled_for": moment.isoformat(), "fired_at": _utc_text(now)}
        request = RunRequest(
            playbook.id,
            playbook.version,
            playbook.workspace_id,
            playbook.name,
            trigger,
            trigger_type="schedule",
            run_id=run_id,
        )
        try:
            self.runner.submit(request)
        except Exception:  # one playbook's failure must not hold up the others
            log.exception("could not start the scheduled run of playbook %s", playbook.id)
            return None
        self._fired[playbook.id] = run_id
        return run_id


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")

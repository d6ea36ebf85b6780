"""Importing Sentinel playbooks into the store: each file is one transaction, so a file that
fails leaves nothing behind and the others still import."""

from __future__ import annotations

from dataclasses import asdict

from sqlmodel import Session, col, select

from soarflow.logicapps import NotAPlaybook, import_text
from soarflow.playbook.catalog import ActionCatalog
from soarflow.playbook.summary import trigger_kind
from soarflow.playbook.validate import validate
from soarflow.store import playbooks as playbook_repo
from soarflow.store import triggers as trigger_repo
from soarflow.store.models import (
    FindingPublic,
    ImportedFile,
    ImportReport,
    PlaybookImport,
)


def import_file(
    session: Session,
    *,
    workspace_id: str,
    file_name: str,
    raw: bytes,
    catalog: ActionCatalog,
) -> ImportedFile:
    try:
        imported = import_text(raw, file_name)
    except NotAPlaybook as error:
        return ImportedFile(
            file=file_name,
            status="failed",
            playbook_id=None,
            name=None,
            unmapped=0,
            problems=0,
            error=str(error),
            findings=[],
        )
    problems = [problem.to_dict() for problem in validate(imported.document, catalog=catalog)]
    checked = playbook_repo.Checked(
        document=imported.document, problems=problems, trigger_kind=trigger_kind(imported.document)
    )
    playbook = playbook_repo.create_playbook(session, checked=checked, workspace_id=workspace_id)
    trigger_repo.ensure_webhook(session, playbook_id=playbook.id, document=checked.document)
    findings = [asdict(finding) for finding in imported.findings]
    unmapped = len(imported.unmapped)
    session.add(
        PlaybookImport(
            playbook_id=playbook.id, file_name=file_name[:500], findings=findings, unmapped=unmapped
        )
    )
    session.commit()
    return ImportedFile(
        file=file_name,
        status="imported" if not problems and not unmapped else "draft",
        playbook_id=playbook.id,
        name=playbook.name,
        unmapped=unmapped,
        problems=len(problems),
        error=None,
        findings=[FindingPublic.model_validate(finding) for finding in findings],
    )


def import_report(session: Session, *, playbook_id: str) -> ImportReport | None:
    found = session.exec(
        select(PlaybookImport).where(col(PlaybookImport.playbook_id) == playbook_id)
    ).first()
    if found is None:
        return None
    return ImportReport(
        playbook_id=found.playbook_id,
        file_name=found.file_name,
        imported_at=found.created_at,
        unmapped=found.unmapped,
        findings=[FindingPublic.model_validate(finding) for finding in found.findings],
    )

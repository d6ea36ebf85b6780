// What the playbooks page loads: the list for the current filter, and the caller's workspaces with
// the permissions their role there grants.

import { useCallback, useEffect, useState } from "react";
import { fetchPlaybooks, toApiError } from "../api";
import type { ApiError, PlaybookFilter, PlaybookList, PlaybookSummary } from "../api";
import { fetchMe } from "../auth";
import type { Workspace } from "../auth";

export type ListState =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; list: PlaybookList };

export interface PlaybookListing {
  state: ListState;
  /** Loads the list again, showing the current rows until the new ones arrive. */
  reload: () => void;
  /** Loads the list again after an error, showing that it is loading. */
  retry: () => void;
  /** Changes one row in place, for answers that return the playbook (enable, disable). */
  updateRow: (id: string, change: Partial<PlaybookSummary>) => void;
  /** Takes a deleted playbook off the list at once. */
  removeRow: (id: string) => void;
}

export function usePlaybookList({ nameContains, workspace }: PlaybookFilter): PlaybookListing {
  const [state, setState] = useState<ListState>({ status: "loading" });
  const [loads, setLoads] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    fetchPlaybooks({ nameContains, workspace }, controller.signal).then(
      (list) => setState({ status: "ready", list }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", error: toApiError(error) });
      },
    );
    return () => controller.abort();
  }, [nameContains, workspace, loads]);

  const reload = useCallback(() => setLoads((n) => n + 1), []);
  const retry = useCallback(() => {
    setState({ status: "loading" });
    setLoads((n) => n + 1);
  }, []);
  const updateRow = useCallback((id: string, change: Partial<PlaybookSummary>) => {
    setState((current) => {
      if (current.status !== "ready") return current;
      const data = current.list.data.map((row) => (row.id === id ? { ...row, ...change } : row));
      return { status: "ready", list: { ...current.list, data } };
    });
  }, []);
  const removeRow = useCallback((id: string) => {
    setState((current) => {
      if (current.status !== "ready" || !current.list.data.some((row) => row.id === id)) return current;
      const data = current.list.data.filter((row) => row.id !== id);
      return { status: "ready", list: { ...current.list, data, total: current.list.total - 1 } };
    });
  }, []);
  return { state, reload, retry, updateRow, removeRow };
}

/**
 * The caller's workspaces, or null until they are known. Null also when they cannot be read: the
 * page then offers every action and shows the server's refusals, which is all it could do anyway.
 */
export function useWorkspaces(): Workspace[] | null {
  const [workspaces, setWorkspaces] = useState<Workspace[] | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    fetchMe(controller.signal).then(
      (me) => setWorkspaces(me.workspaces),
      () => undefined,
    );
    return () => controller.abort();
  }, []);
  return workspaces;
}

// One GET as page state: loading, failed (with the API's explanation) or ready. The same shape as
// the playbooks list's, for any request.

import { useCallback, useEffect, useRef, useState } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";

export type LoadState<T> = { status: "loading" } | { status: "error"; error: ApiError } | { status: "ready"; data: T };

export interface Loaded<T> {
  state: LoadState<T>;
  /** Asks again, showing what is there until the answer comes (a refresh). */
  reload: () => void;
  /** Asks again after an error, showing that it is loading. */
  retry: () => void;
  /** Replaces the data with an answer obtained otherwise (e.g. the result of a PATCH). */
  set: (data: T) => void;
  /** Changes the data shown, if any, from what it is when the change lands: answers to requests
   * made side by side (tests of two rows) each change their own part. */
  update: (change: (data: T) => T) => void;
}

/**
 * Runs `load` now and whenever `key` changes (the request's address, say), aborting the previous
 * request. A refresh that fails while data is shown keeps the data: a passing network error
 * should not blank a page someone is reading.
 */
export function useLoad<T>(key: string, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<LoadState<T>>({ status: "loading" });
  const [loads, setLoads] = useState(0);
  // The latest function, without making it a dependency: callers pass a new closure each render.
  const latest = useRef(load);
  latest.current = load;
  const shownKey = useRef(key);

  useEffect(() => {
    const controller = new AbortController();
    // Another address: its rows are not the old ones, so show that they are loading.
    if (shownKey.current !== key) {
      shownKey.current = key;
      setState({ status: "loading" });
    }
    latest.current(controller.signal).then(
      (data) => setState({ status: "ready", data }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState((current) =>
          current.status === "ready" && loads > 0 ? current : { status: "error", error: toApiError(error) },
        );
      },
    );
    return () => controller.abort();
  }, [key, loads]);

  const reload = useCallback(() => setLoads((n) => n + 1), []);
  const retry = useCallback(() => {
    setState({ status: "loading" });
    setLoads((n) => n + 1);
  }, []);
  const set = useCallback((data: T) => setState({ status: "ready", data }), []);
  const update = useCallback(
    (change: (data: T) => T) =>
      setState((current) => (current.status === "ready" ? { status: "ready", data: change(current.data) } : current)),
    [],
  );
  return { state, reload, retry, set, update };
}

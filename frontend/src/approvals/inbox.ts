// The inbox's address: which approvals it lists (`?state=all`) and its page (`&offset=20`), in
// the API's own words, so that a reload or a shared link shows the same cards.

/** Cards per page: each carries a form, so fewer than a table's rows. */
export const INBOX_PAGE_SIZE = 20;

/** open: waiting for the caller's answer; all: answered, decided and expired ones too. */
export type InboxState = "open" | "all";

export interface InboxFilter {
  state: InboxState;
  offset: number;
}

export function readInboxFilter(search: string): InboxFilter {
  const params = new URLSearchParams(search);
  const offset = params.get("offset") ?? "";
  return {
    state: params.get("state") === "all" ? "all" : "open",
    offset: /^\d{1,9}$/.test(offset) ? Number(offset) : 0,
  };
}

/** The query of a filter, "" for the first page of open approvals (the API's default too). */
export function inboxQuery({ state, offset }: InboxFilter): string {
  const params = new URLSearchParams();
  if (state === "all") params.set("state", "all");
  if (offset > 0) params.set("offset", String(offset));
  const query = params.toString();
  return query === "" ? "" : `?${query}`;
}

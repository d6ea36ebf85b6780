// The sections of the app, in the dark header on every page (the designer's too, where the
// header is slimmer).

import type { MouseEvent } from "react";
import {
  ALERTS_PATH,
  APPROVALS_PATH,
  AUTOMATION_PATH,
  CONNECTIONS_PATH,
  INCIDENTS_PATH,
  PLAYBOOKS_PATH,
  RUNS_PATH,
  navigate,
} from "./router";
import type { Route } from "./router";

type Section = "playbooks" | "incidents" | "alerts" | "automation" | "connections" | "approvals" | "runs" | null;

const SECTIONS: { section: Exclude<Section, null>; label: string; path: string }[] = [
  { section: "playbooks", label: "Playbooks", path: PLAYBOOKS_PATH },
  { section: "incidents", label: "Incidents", path: INCIDENTS_PATH },
  { section: "alerts", label: "Alerts", path: ALERTS_PATH },
  { section: "automation", label: "Automation", path: AUTOMATION_PATH },
  { section: "connections", label: "Connections", path: CONNECTIONS_PATH },
  { section: "approvals", label: "Approvals", path: APPROVALS_PATH },
  { section: "runs", label: "Runs", path: RUNS_PATH },
];

export function sectionOf(route: Route): Section {
  switch (route.page) {
    case "playbooks":
    case "designer":
    case "playbook-runs":
    case "templates":
      return "playbooks";
    case "runs":
    case "run":
      return "runs";
    case "incidents":
    case "incident":
      return "incidents";
    case "alerts":
      return "alerts";
    case "automation":
    case "automation-rule":
      return "automation";
    case "connections":
      return "connections";
    case "approvals":
      return "approvals";
    // An approval link's page has no header: it is shown without signing in.
    case "approval-link":
    case "not-found":
      return null;
  }
}

export function AppNav({ route }: { route: Route }) {
  const current = sectionOf(route);
  const click = (event: MouseEvent<HTMLAnchorElement>, path: string) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(path);
  };
  return (
    <nav className="app-nav" aria-label="Sections">
      {SECTIONS.map(({ section, label, path }) => (
        <a
          key={section}
          href={path}
          className={section === current ? "app-nav__link app-nav__link--current" : "app-nav__link"}
          aria-current={section === current ? "page" : undefined}
          onClick={(event) => click(event, path)}
        >
          {label}
        </a>
      ))}
    </nav>
  );
}

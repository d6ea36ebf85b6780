// The templates gallery: a card per built-in template, filtered by scenario and by words typed;
// "Use this template" opens the wizard that makes it a playbook.

import { useEffect, useMemo, useState } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import { fetchCatalogue } from "../designer/api";
import type { CatalogueConnector } from "../designer/api";
import { ErrorMessage } from "../ErrorMessage";
import { Link } from "../Link";
import { useWorkspaces } from "../playbooks/data";
import { mayCreate } from "../playbooks/listing";
import { PLAYBOOKS_PATH, TEMPLATES_PATH, navigate, useSearch } from "../router";
import { fetchTemplates } from "./api";
import type { TemplateSummary } from "./api";
import { SCENARIOS, cardConnectors, filterTemplates, galleryQuery, readGalleryFilter, scenarioCounts, scenarioLabel } from "./gallery";
import type { GalleryFilter } from "./gallery";
import { TemplateWizard } from "./TemplateWizard";
import "./templates.css";

type ListState =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; templates: TemplateSummary[] };

function useTemplates() {
  const [state, setState] = useState<ListState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState({ status: "loading" });
    fetchTemplates(controller.signal).then(
      (templates) => setState({ status: "ready", templates }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", error: toApiError(error) });
      },
    );
    return () => controller.abort();
  }, [attempt]);
  return { state, retry: () => setAttempt((count) => count + 1) };
}

/** The connectors by id, for names and icons; empty until loaded, and when they cannot be (the
 * cards then show connector ids, which is all they would lose). */
function useConnectors(): ReadonlyMap<string, CatalogueConnector> {
  const [connectors, setConnectors] = useState<ReadonlyMap<string, CatalogueConnector>>(new Map());
  useEffect(() => {
    const controller = new AbortController();
    fetchCatalogue(controller.signal).then(
      (catalogue) => setConnectors(new Map(catalogue.map((connector) => [connector.id, connector]))),
      () => undefined,
    );
    return () => controller.abort();
  }, []);
  return connectors;
}

// Replaced, not pushed: Back leaves the gallery rather than replaying every filter change.
function changeFilter(change: Partial<GalleryFilter>): void {
  const filter = { ...readGalleryFilter(window.location.search), ...change };
  navigate(`${TEMPLATES_PATH}${galleryQuery(filter)}`, { replace: true });
}

export function TemplatesPage() {
  const search = useSearch();
  const filter = useMemo(() => readGalleryFilter(search), [search]);
  // Typed text is kept as typed (a trailing space included); the address holds it trimmed.
  const [text, setText] = useState(filter.text);
  const { state, retry } = useTemplates();
  const connectors = useConnectors();
  const workspaces = useWorkspaces();
  const [using, setUsing] = useState<TemplateSummary | null>(null);
  const names = useMemo(() => new Map([...connectors].map(([id, connector]) => [id, connector.name])), [connectors]);
  const allowed = mayCreate(workspaces, null);

  // The address changed without typing (Back, a link): show what it now says.
  useEffect(() => {
    setText((current) => (current.trim() === filter.text ? current : filter.text));
  }, [filter.text]);

  const templates = state.status === "ready" ? state.templates : [];
  const shown = filterTemplates(templates, { ...filter, text }, names);
  const counts = scenarioCounts(templates, text, names);

  return (
    <section className="panel templates-page" aria-labelledby="templates-heading">
      <div className="panel__header">
        <div className="templates-page__title">
          <Link to={PLAYBOOKS_PATH} className="templates-page__back">
            ← Playbooks
          </Link>
          <h1 id="templates-heading">New playbook from a template</h1>
        </div>
        {state.status === "ready" && (
          <p className="panel__count">
            {shown.length === templates.length ? `${templates.length} templates` : `${shown.length} of ${templates.length} templates`}
          </p>
        )}
      </div>
      <div className="templates-filters">
        <div className="scenario-chips" role="group" aria-label="Scenario">
          {[{ id: null, label: "All" }, ...SCENARIOS].map((scenario) => (
            <button
              key={scenario.id ?? "all"}
              type="button"
              className={filter.scenario === scenario.id ? "scenario-chip scenario-chip--on" : "scenario-chip"}
              aria-pressed={filter.scenario === scenario.id}
              onClick={() => changeFilter({ scenario: scenario.id })}
            >
              {scenario.label}
              <span className="scenario-chip__count">{counts.get(scenario.id) ?? 0}</span>
            </button>
          ))}
        </div>
        <input
          type="search"
          className="input templates-search"
          placeholder="Search templates, e.g. VirusTotal or Jira"
          aria-label="Search templates"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            changeFilter({ text: event.target.value.trim() });
          }}
        />
      </div>
      {state.status === "loading" && (
        <p className="panel__message" role="status">
          Loading templates…
        </p>
      )}
      {state.status === "error" && (
        <ErrorMessage title="Could not load the templates" error={state.error} action={{ label: "Try again", onClick: retry }} />
      )}
      {state.status === "ready" &&
        (shown.length > 0 ? (
          <div className="template-grid">
            {shown.map((template) => (
              <TemplateCard
                key={template.id}
                template={template}
                connectors={connectors}
                allowed={allowed}
                onUse={() => setUsing(template)}
              />
            ))}
          </div>
        ) : (
          <div className="empty">
            <p className="empty__title">No template matches.</p>
            <button
              type="button"
              className="button"
              onClick={() => {
                setText("");
                changeFilter({ scenario: null, text: "" });
              }}
            >
              Show every template
            </button>
          </div>
        ))}
      {using !== null && (
        <TemplateWizard
          template={using}
          connectors={connectors}
          workspaces={workspaces}
          preferredWorkspace={filter.workspace}
          onCancel={() => setUsing(null)}
        />
      )}
    </section>
  );
}

interface CardProps {
  template: TemplateSummary;
  connectors: ReadonlyMap<string, CatalogueConnector>;
  allowed: boolean;
  onUse: () => void;
}

function TemplateCard({ template, connectors, allowed, onUse }: CardProps) {
  const headingId = `template-${template.id}`;
  return (
    <article className="template-card" data-testid="template-card" aria-labelledby={headingId}>
      <div className="template-card__top">
        <span className={`scenario-badge scenario-badge--${template.scenario}`}>{scenarioLabel(template.scenario)}</span>
        <ul className="template-card__connectors" aria-label="Connectors">
          {cardConnectors(template).map((id) => (
            <ConnectorIcon key={id} id={id} connector={connectors.get(id)} />
          ))}
        </ul>
      </div>
      <h2 id={headingId} className="template-card__title">
        {template.title}
      </h2>
      <p className="template-card__description">{template.description}</p>
      <div className="template-card__footer">
        <button
          type="button"
          className="button button--primary"
          data-testid="use-template-button"
          disabled={!allowed}
          title={allowed ? undefined : "Your role does not allow creating playbooks"}
          onClick={onUse}
        >
          Use this template
        </button>
      </div>
    </article>
  );
}

function ConnectorIcon({ id, connector }: { id: string; connector: CatalogueConnector | undefined }) {
  const name = connector?.name ?? id;
  return (
    <li className="connector-icon" title={name}>
      {connector === undefined ? (
        <span className="connector-icon__text">{id}</span>
      ) : (
        <img src={connector.iconUrl} alt={name} width={22} height={22} />
      )}
    </li>
  );
}

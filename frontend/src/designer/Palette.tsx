import { useMemo, useState } from "react";
import type { DragEvent } from "react";
import { categoryTitle, paletteGroups } from "./labels";
import { CONTROL_DESCRIPTIONS, CONTROL_KINDS, CONTROL_TITLES, PALETTE_MIME, paletteItemId } from "./nodeEdits";
import type { PaletteItem } from "./nodeEdits";
import { useDesigner } from "./store";

interface PaletteProps {
  /** Adds the item where the user is looking: the keyboard's and the click's way of adding. */
  onAdd: (item: PaletteItem) => void;
}

export function Palette({ onAdd }: PaletteProps) {
  const catalogue = useDesigner((state) => state.catalogue);
  const [query, setQuery] = useState("");
  const groups = useMemo(() => paletteGroups(catalogue ?? [], query), [catalogue, query]);
  const needle = query.trim().toLowerCase();
  const controls = CONTROL_KINDS.filter(
    (kind) => needle === "" || CONTROL_TITLES[kind].toLowerCase().includes(needle) || kind.includes(needle),
  );

  return (
    <aside className="palette" aria-label="Steps you can add">
      <div className="palette__search">
        <input
          className="input"
          type="search"
          placeholder="Search connectors and actions"
          aria-label="Search connectors and actions"
          data-testid="palette-search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
      </div>
      <p className="palette__hint muted">Drag a step onto the canvas, or click to add it.</p>
      <div className="palette__scroll">
        {controls.length > 0 && (
          <section className="palette__group">
            <h2 className="palette__category">Control</h2>
            {controls.map((kind) => (
              <PaletteEntry
                key={kind}
                item={{ kind: "control", control: kind }}
                title={CONTROL_TITLES[kind]}
                subtitle={CONTROL_DESCRIPTIONS[kind]}
                icon={<span className={`palette__control-icon palette__control-icon--${kind}`} aria-hidden="true" />}
                onAdd={onAdd}
              />
            ))}
          </section>
        )}
        {catalogue === null && <p className="palette__message muted">Loading connectors…</p>}
        {groups.map((group) => (
          <section className="palette__group" key={group.category}>
            <h2 className="palette__category">{categoryTitle(group.category)}</h2>
            {group.connectors.map((connector) => (
              <div className="palette__connector" key={connector.id}>
                <div className="palette__connector-name">
                  <img src={connector.iconUrl} alt="" width={18} height={18} />
                  {connector.name}
                </div>
                {connector.actions.map((action) => (
                  <PaletteEntry
                    key={action.action}
                    item={{ kind: "action", action: action.action }}
                    title={action.title}
                    subtitle={action.action}
                    onAdd={onAdd}
                  />
                ))}
              </div>
            ))}
          </section>
        ))}
        {catalogue !== null && groups.length === 0 && controls.length === 0 && (
          <p className="palette__message muted">Nothing matches “{query.trim()}”.</p>
        )}
      </div>
    </aside>
  );
}

interface EntryProps {
  item: PaletteItem;
  title: string;
  subtitle: string;
  icon?: React.ReactNode;
  onAdd: (item: PaletteItem) => void;
}

function PaletteEntry({ item, title, subtitle, icon, onAdd }: EntryProps) {
  const id = paletteItemId(item);
  const dragStart = (event: DragEvent<HTMLButtonElement>) => {
    event.dataTransfer.setData(PALETTE_MIME, id);
    event.dataTransfer.effectAllowed = "copy";
  };
  return (
    <button
      type="button"
      className="palette__item"
      draggable
      data-testid={`palette-item-${id}`}
      title={subtitle}
      onDragStart={dragStart}
      onClick={() => onAdd(item)}
    >
      {icon}
      <span className="palette__item-text">
        <span className="palette__item-title">{title}</span>
        <span className="palette__item-subtitle">{subtitle}</span>
      </span>
    </button>
  );
}

// The rule builder's condition as a tree: a group holds rules and nested groups (DESIGN.md
// section 2, runtime/conditions.py). Edits address an item by its path of positions from the top
// group, and copy only the groups along that path, so an edit that changes nothing returns the
// very same condition (and the store records no undo step).

import type { ConditionGroup, ConditionItem, ConditionRule } from "../graph/document";

export type Combinator = "all" | "any";

/** Positions from the top group down: [] is the top group, [2, 0] the first item of its third. */
export type ItemPath = readonly number[];

/** How deep the builder nests groups (the top group is depth 1). The server takes far deeper ones
 * (its JSON depth limit is 64), but past this an analyst can no longer follow the logic in the
 * inspector's width; deeper groups written elsewhere still show and can be edited. */
export const MAX_GROUP_DEPTH = 4;

/** Operators that take no right-hand side. */
export const UNARY_OPS: ReadonlySet<string> = new Set(["is_empty", "is_not_empty", "is_true", "is_false"]);

export function emptyRule(): ConditionRule {
  return { left: "", op: "eq", right: "" };
}

export function isRule(item: ConditionItem): item is ConditionRule {
  return "op" in item;
}

export function combinatorOf(group: ConditionGroup): Combinator {
  return "all" in group ? "all" : "any";
}

export function itemsOf(group: ConditionGroup): ConditionItem[] {
  return "all" in group ? group.all : group.any;
}

export function groupOf(combinator: Combinator, items: ConditionItem[]): ConditionGroup {
  return combinator === "all" ? { all: items } : { any: items };
}

/** The group at `path`, or undefined when the path leads to a rule or nowhere. */
export function groupAt(root: ConditionGroup, path: ItemPath): ConditionGroup | undefined {
  let group: ConditionGroup = root;
  for (const position of path) {
    const item = itemsOf(group)[position];
    if (item === undefined || isRule(item)) return undefined;
    group = item;
  }
  return group;
}

/** The condition with the group at `path` replaced by `change(group)`; the same condition when
 * there is no group there or the change returned the same group. */
function updateGroup(
  root: ConditionGroup,
  path: ItemPath,
  change: (group: ConditionGroup) => ConditionGroup,
): ConditionGroup {
  const [position, ...rest] = path;
  if (position === undefined) return change(root);
  const items = itemsOf(root);
  const item = items[position];
  if (item === undefined || isRule(item)) return root;
  const next = updateGroup(item, rest, change);
  if (next === item) return root;
  return groupOf(combinatorOf(root), items.map((other, index) => (index === position ? next : other)));
}

function splitPath(path: ItemPath): { parent: ItemPath; position: number } | undefined {
  const position = path[path.length - 1];
  return position === undefined ? undefined : { parent: path.slice(0, -1), position };
}

export function setCombinator(root: ConditionGroup, path: ItemPath, combinator: Combinator): ConditionGroup {
  return updateGroup(root, path, (group) =>
    combinatorOf(group) === combinator ? group : groupOf(combinator, itemsOf(group)),
  );
}

/** The condition with the item at `path` (a rule or a group) replaced. */
export function replaceItem(root: ConditionGroup, path: ItemPath, item: ConditionItem): ConditionGroup {
  const at = splitPath(path);
  if (at === undefined) return root;
  return updateGroup(root, at.parent, (group) => {
    const items = itemsOf(group);
    if (at.position >= items.length || items[at.position] === item) return group;
    return groupOf(combinatorOf(group), items.map((other, index) => (index === at.position ? item : other)));
  });
}

export function addRule(root: ConditionGroup, path: ItemPath): ConditionGroup {
  return updateGroup(root, path, (group) => groupOf(combinatorOf(group), [...itemsOf(group), emptyRule()]));
}

/** A nested group joined the other way from its parent: a group that joins the same way adds
 * nothing its rules would not say written directly in the parent. It starts with one empty rule
 * because the schema wants every group to hold at least one item. */
export function addGroup(root: ConditionGroup, path: ItemPath): ConditionGroup {
  return updateGroup(root, path, (group) => {
    const nested = groupOf(combinatorOf(group) === "all" ? "any" : "all", [emptyRule()]);
    return groupOf(combinatorOf(group), [...itemsOf(group), nested]);
  });
}

/** The condition without the item at `path`. A nested group left empty goes too, since the
 * schema refuses empty groups and an empty box means nothing to the reader; the top group stays,
 * empty, for the validator to point at. */
export function removeItem(root: ConditionGroup, path: ItemPath): ConditionGroup {
  const at = splitPath(path);
  const parent = at === undefined ? undefined : groupAt(root, at.parent);
  if (at === undefined || parent === undefined || at.position >= itemsOf(parent).length) return root;
  if (itemsOf(parent).length === 1 && at.parent.length > 0) return removeItem(root, at.parent);
  return updateGroup(root, at.parent, (group) =>
    groupOf(combinatorOf(group), itemsOf(group).filter((_item, index) => index !== at.position)),
  );
}

// Pure rules of the "Create from template" wizard: its steps, what each field starts with, what
// is wrong before anything is sent, and where the server's refusals go. Problems are keyed by the
// field the server names (`name`, `connections.<name>`, `parameters.<name>`), so the wizard's own
// checks and the server's land in the same place.

import type { ApiError } from "../api";
import type { Workspace } from "../auth";
import type { Connection } from "../designer/api";
import { isObject } from "../json";
import { MAX_NAME_LENGTH, PLAYBOOK_WRITE, findWorkspace } from "../playbooks/listing";
import type { ParameterValue, TemplateConnection, TemplateParameter } from "./api";

export type WizardStep = "basics" | "connections" | "parameters";

export const STEPS: readonly { id: WizardStep; title: string }[] = [
  { id: "basics", title: "Name and workspace" },
  { id: "connections", title: "Connections" },
  { id: "parameters", title: "Settings" },
];

/** field → what is wrong with it */
export type Problems = Record<string, string>;

/** What a parameter's input holds: the typed text (numbers too, so that "1e" can be refused
 * rather than dropped), the ticked box, the ticked choices of a list, or a list's lines. */
export type ParameterInput = string | boolean | string[];

/** The select's value for "New connection…": a name can never hold NUL (the server refuses
 * it in any text), so no connection can be confused with it. */
export const NEW_CONNECTION = "\u0000new";

export function connectionField(name: string): string {
  return `connections.${name}`;
}

export function parameterField(name: string): string {
  return `parameters.${name}`;
}

export function writableWorkspaces(workspaces: readonly Workspace[]): Workspace[] {
  return workspaces.filter((workspace) => workspace.permissions.includes(PLAYBOOK_WRITE));
}

/** The workspace preselected: the one the playbooks list was filtered to, else `default`, else
 * the first the user may write to; "" when there is none. */
export function initialWorkspace(writable: readonly Workspace[], preferred: string | null): string {
  const chosen =
    (preferred === null ? undefined : findWorkspace(writable, preferred)) ??
    writable.find((workspace) => workspace.name === "default") ??
    writable[0];
  return chosen?.id ?? "";
}

/** The connection preselected once a connector's connections are known: the only one there is,
 * a new one when there is none, else nothing until the user picks. */
export function initialChoice(connections: readonly Connection[]): string {
  if (connections.length === 0) return NEW_CONNECTION;
  return connections.length === 1 ? (connections[0]?.name ?? "") : "";
}

export function initialInput(parameter: TemplateParameter): ParameterInput {
  const value = parameter.default;
  if (parameter.type === "array" && Array.isArray(value)) return parameter.enum === null ? value.join("\n") : [...value];
  if (typeof value === "boolean") return value;
  return String(value);
}

type Read = { value: ParameterValue } | { problem: string };

function lines(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

function readInteger(parameter: TemplateParameter, text: string): Read {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) return { problem: "Enter a whole number." };
  const value = Number(trimmed);
  if (parameter.minimum !== null && value < parameter.minimum) return { problem: `Enter at least ${parameter.minimum}.` };
  if (parameter.maximum !== null && value > parameter.maximum) return { problem: `Enter at most ${parameter.maximum}.` };
  return { value };
}

function readText(parameter: TemplateParameter, text: string): Read {
  const value = text.trim();
  if (value === "") return { problem: "Fill this in." };
  if (parameter.enum !== null && !parameter.enum.includes(value)) return { problem: `Choose one of ${parameter.enum.join(", ")}.` };
  if (parameter.pattern !== null && !new RegExp(parameter.pattern).test(value)) {
    return { problem: "This is not in the form the description gives." };
  }
  return { value };
}

function readList(parameter: TemplateParameter, input: ParameterInput): Read {
  const values = Array.isArray(input) ? input : lines(String(input));
  if (values.length === 0) {
    return { problem: parameter.enum === null ? "Enter at least one value, one per line." : "Choose at least one." };
  }
  const wrong = parameter.enum === null ? undefined : values.find((value) => !parameter.enum?.includes(value));
  return wrong === undefined ? { value: values } : { problem: `“${wrong}” is not one of the choices.` };
}

/** The value a parameter's input gives, or what is wrong with it. */
export function readParameter(parameter: TemplateParameter, input: ParameterInput): Read {
  switch (parameter.type) {
    case "boolean":
      return { value: input === true };
    case "integer":
      return readInteger(parameter, String(input));
    case "array":
      return readList(parameter, input);
    case "string":
      return readText(parameter, String(input));
  }
}

export function readParameters(
  parameters: readonly TemplateParameter[],
  inputs: Readonly<Record<string, ParameterInput>>,
): { values: Record<string, ParameterValue>; problems: Problems } {
  const values: Record<string, ParameterValue> = {};
  const problems: Problems = {};
  for (const parameter of parameters) {
    const read = readParameter(parameter, inputs[parameter.name] ?? initialInput(parameter));
    if ("value" in read) values[parameter.name] = read.value;
    else problems[parameterField(parameter.name)] = read.problem;
  }
  return { values, problems };
}

export function basicsProblems(name: string, workspace: string): Problems {
  const problems: Problems = {};
  if (name.trim() === "") problems["name"] = "Give the playbook a name.";
  else if (name.trim().length > MAX_NAME_LENGTH) problems["name"] = `A name has at most ${MAX_NAME_LENGTH} characters.`;
  if (workspace === "") problems["workspace"] = "Choose a workspace.";
  return problems;
}

export function connectionProblems(
  connections: readonly TemplateConnection[],
  choices: Readonly<Record<string, string>>,
): Problems {
  const problems: Problems = {};
  for (const { name } of connections) {
    const choice = choices[name] ?? "";
    if (choice === NEW_CONNECTION) problems[connectionField(name)] = "Create the new connection, or choose an existing one.";
    else if (choice === "") problems[connectionField(name)] = "Choose a connection, or create one.";
  }
  return problems;
}

/** The step a field is filled in on. */
export function stepOfField(field: string): WizardStep {
  if (field.startsWith("connections.")) return "connections";
  if (field.startsWith("parameters.")) return "parameters";
  return "basics";
}

/** The first step, in the wizard's order, with a problem; null when there is none. */
export function firstStepWithProblems(problems: Problems): WizardStep | null {
  const steps = new Set(Object.keys(problems).map(stepOfField));
  return STEPS.find((step) => steps.has(step.id))?.id ?? null;
}

function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** A refusal of the deployment as problems by field: every one the server listed, or the one
 * field it named; an error about no field in particular is not a problem of the form. */
export function refusalProblems(error: ApiError): Problems {
  const problems: Problems = {};
  const listed = error.details["problems"];
  for (const problem of Array.isArray(listed) ? listed : []) {
    if (!isObject(problem)) continue;
    const { field, message } = problem;
    if (typeof field === "string" && typeof message === "string") problems[field] ??= sentence(message);
  }
  const field = error.details["field"];
  if (Object.keys(problems).length === 0 && typeof field === "string") problems[field] = sentence(error.message);
  return problems;
}

// An action's inputs as a form generated from its input schema (@rjsf/core). Text fields get the
// dynamic-content picker; each field's wrapper is `field-<input name>` for tests.

import Form from "@rjsf/core";
import type { IconButtonProps, RegistryWidgetsType, WidgetProps } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { memo, useMemo } from "react";
import type { JsonMap } from "../graph/document";
import { ExpressionInput } from "./ExpressionText";
import { fieldTemplate } from "./FormField";
import { formSchema } from "./formSchema";

function TextWidget({ id, value, onChange, required, disabled, readonly, placeholder, options, schema, label }: WidgetProps) {
  const shown = typeof schema.default === "object" ? JSON.stringify(schema.default) : String(schema.default);
  const fallback = schema.default === undefined ? placeholder : `${shown} (default)`;
  const text = typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
  return (
    <ExpressionInput
      id={id}
      value={text}
      label={label}
      required={required}
      disabled={disabled || readonly}
      placeholder={fallback}
      onChange={(next) => onChange(next === "" ? options.emptyValue : next)}
    />
  );
}

function TextareaWidget(props: WidgetProps) {
  return <TextWidget {...props} />;
}

// The default buttons draw Bootstrap glyph icons, which this app does not load: words instead.
function textButton(text: string) {
  return function TextButton({ onClick, disabled }: IconButtonProps) {
    return (
      <button type="button" className="button button--small" onClick={onClick} disabled={disabled}>
        {text}
      </button>
    );
  };
}

const WIDGETS: RegistryWidgetsType = { TextWidget, TextareaWidget };
const TEMPLATES = {
  FieldTemplate: fieldTemplate("field-"),
  ButtonTemplates: {
    AddButton: textButton("Add"),
    RemoveButton: textButton("Remove"),
    MoveUpButton: textButton("Up"),
    MoveDownButton: textButton("Down"),
    CopyButton: textButton("Copy"),
  },
};
const UI_SCHEMA = { "ui:submitButtonOptions": { norender: true } };
// The document holds what the analyst entered, nothing more: filling in defaults when a form opens
// would be an edit nobody made (and an undo step). A default shows as the field's placeholder.
const DEFAULTS = { emptyObjectFields: "skipDefaults", arrayMinItems: { populate: "never" } } as const;

interface InputsFormProps {
  schema: unknown;
  inputs: JsonMap;
  onChange: (inputs: unknown) => void;
}

export const InputsForm = memo(function InputsForm({ schema, inputs, onChange }: InputsFormProps) {
  const shown = useMemo(() => formSchema(schema), [schema]);
  return (
    <Form
      className="inputs-form"
      schema={shown}
      uiSchema={UI_SCHEMA}
      formData={inputs}
      validator={validator}
      widgets={WIDGETS}
      templates={TEMPLATES}
      experimental_defaultFormStateBehavior={DEFAULTS}
      noHtml5Validate
      showErrorList={false}
      onChange={(event) => onChange(event.formData)}
    />
  );
});

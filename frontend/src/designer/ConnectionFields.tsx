// A connector's connection fields as a form generated from their schema (@rjsf/core, laid out by
// formSchema as the inputs form is): the new connection's form in the inspector and the edit
// dialog of the connections page both draw them. Secret fields are password inputs.

import Form from "@rjsf/core";
import type { RJSFSchema, RegistryWidgetsType, UiSchema, WidgetProps } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { isObject } from "../json";
import type { JsonObject } from "../json";
import { fieldTemplate } from "./FormField";

function textInput(type: "text" | "password") {
  return function TextInput({ id, value, onChange, required, disabled, readonly, options, schema }: WidgetProps) {
    const text = typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
    return (
      <input
        id={id}
        className="input"
        type={type}
        value={text}
        required={required}
        disabled={disabled || readonly}
        placeholder={typeof schema.default === "string" ? schema.default : undefined}
        // The browser would offer the sign-in password for a password input.
        autoComplete={type === "password" ? "new-password" : "off"}
        spellCheck={false}
        onChange={(event) => onChange(event.target.value === "" ? options.emptyValue : event.target.value)}
      />
    );
  };
}

const WIDGETS: RegistryWidgetsType = {
  TextWidget: textInput("text"),
  TextareaWidget: textInput("text"),
  PasswordWidget: textInput("password"),
};
const TEMPLATES = { FieldTemplate: fieldTemplate("connection-field-") };

interface Props {
  schema: RJSFSchema;
  uiSchema: UiSchema;
  data: JsonObject;
  disabled: boolean;
  onChange: (data: JsonObject) => void;
  /** Enter in a field. */
  onSubmit: () => void;
}

export function ConnectionFields({ schema, uiSchema, data, disabled, onChange, onSubmit }: Props) {
  return (
    <Form
      className="inputs-form"
      schema={schema}
      uiSchema={uiSchema}
      formData={data}
      validator={validator}
      widgets={WIDGETS}
      templates={TEMPLATES}
      noHtml5Validate
      noValidate
      showErrorList={false}
      disabled={disabled}
      onChange={(event) => onChange(isObject(event.formData) ? event.formData : {})}
      onSubmit={onSubmit}
    />
  );
}

/** Why a connection was refused: the server's message and each field it named. */
export type ConnectionFailure = { message: string; problems: string[] };

export function ConnectionFailureMessage({ failure, className }: { failure: ConnectionFailure; className: string }) {
  return (
    <div className={className} role="alert">
      <p>{failure.message}</p>
      {failure.problems.length > 0 && (
        <ul>
          {failure.problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

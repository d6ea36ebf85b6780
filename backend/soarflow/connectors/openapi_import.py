"""Custom connectors from OpenAPI: an OpenAPI 3.0 / 3.1 or Swagger 2.0 document becomes a
soarflow.connector/v1 manifest, and whatever could not be mapped is listed with its JSON path in
the document and the reason, never dropped without a word.

How the document maps (the choices are the ones the HTTP executor can carry out as it is):

- One action per operation. Its id is the operationId in snake_case (or method and path when
  there is none), made unique; its title the summary; side effects and idempotence follow the
  HTTP method. Triggers (`x-ms-trigger`), webhooks and callbacks are not actions: listed.
- Inputs are the path, query and header parameters, each under its name in snake_case, and the
  JSON request body as ONE input `body` holding the whole body. The body's properties are not
  flattened into inputs of their own: a request template cannot leave a key out, so every
  optional property the analyst left empty would be sent as null; one input keeps the API's own
  shape, and the form still shows the body's properties from its schema.
- Outputs are the JSON schema of the success response (200, else the lowest 2xx).
- Schemas are made self-contained JSON Schema 2020-12: local `$ref`s are expanded (a recursive
  one is cut where it recurses, and listed), OpenAPI 3.0 / Swagger dialect is converted
  (`nullable`, boolean `exclusiveMinimum`, `example`, `x-nullable`, `x-ms-summary` as title)
  and OpenAPI-only keywords (`discriminator`, `xml`, `externalDocs`) are left out.
- A request that cannot be sent (a multipart or form body, a cookie parameter, an object-valued
  query parameter) is listed; when the operation requires it, the operation is not imported.
- Authentication comes from the first security scheme the executor supports: API key in a
  header or the query, HTTP basic, HTTP bearer, or OAuth2 client credentials. The connection
  asks for the matching fields, secrets write-only. The base URL comes from servers[0] (or
  host, basePath and schemes, https first) and only its host may receive the credentials.

Pure: no Flask; the CLI command and the API route are thin shells around import_openapi and
write_connector."""

from __future__ import annotations

import copy
import json
import math
import re
import tempfile
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from soarflow.connectors.registry import FORMAT, MANIFEST, ConnectorRegistry, ManifestProblem
from soarflow.playbook.document import json_path

Where = tuple[str | int, ...]
# Connection fields: name -> (JSON Schema, required).
Fields = dict[str, tuple[dict[str, Any], bool]]

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
ICON = "icon.svg"
README = "README.md"
MAX_SPEC_CHARACTERS = 10_000_000
# A YAML alias can repeat one subtree many times over; the copy counts every node it makes.
MAX_DOCUMENT_NODES = 1_000_000
MAX_DOCUMENT_DEPTH = 200
MAX_SCHEMA_DEPTH = 48
MAX_SCHEMA_NODES = 20_000
MAX_REPAIRS = 200

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SIDE_EFFECTS = {
    "GET": "read",
    "POST": "write",
    "PUT": "write",
    "PATCH": "write",
    "DELETE": "destructive",
}
IDEMPOTENT = {"GET": True, "PUT": True, "DELETE": True, "POST": False, "PATCH": False}
# OpenAPI says these header parameters are to be ignored: the client sets them.
IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})

_DYNAMIC_VALUES = (
    "the choices come from calling another operation while designing, which soarflow does not "
    "do: the input is a plain field"
)
_DYNAMIC_SCHEMA = (
    "the schema comes from calling another operation while designing, which soarflow does not "
    "do: only the static schema is declared"
)
UNMAPPED_EXTENSIONS = {
    "x-ms-dynamic-values": _DYNAMIC_VALUES,
    "x-ms-dynamic-list": _DYNAMIC_VALUES,
    "x-ms-dynamic-tree": _DYNAMIC_VALUES,
    "x-ms-dynamic-schema": _DYNAMIC_SCHEMA,
    "x-ms-dynamic-properties": _DYNAMIC_SCHEMA,
    "x-ms-pageable": "paging is not followed: the action returns the first page only",
    "x-ms-notification-url": "soarflow registers no webhook callback URLs with an API",
}

VALID_TYPES = frozenset({"string", "number", "integer", "boolean", "array", "object", "null"})
SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_VALUES = (
    *("additionalProperties", "not", "if", "then", "else", "contains", "propertyNames"),
    *("unevaluatedItems", "unevaluatedProperties", "contentSchema"),
)
PLAIN_KEYWORDS = frozenset(
    {
        *("format", "title", "description", "default", "enum", "const", "multipleOf"),
        *("maximum", "minimum", "maxLength", "minLength", "maxItems", "minItems"),
        *("uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties"),
        *("dependentRequired", "readOnly", "writeOnly", "deprecated", "contentMediaType"),
        *("contentEncoding", "$comment"),
    }
)
# Keys of a schema that only describe it: they may sit beside a $ref without changing it.
ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "readOnly", "writeOnly", "deprecated"}
)
# Jinja would read these as the start or end of an expression inside a literal.
_TEMPLATE_MARKS = ("{{", "}}", "{%", "%}", "{#", "#}")
_VARIABLE = re.compile(r"\{([^{}/]+)\}")
# Where camelCase and PascalCase words meet: getIPReport -> get IP Report.
_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

ICON_SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">
  <rect x="4" y="4" width="56" height="56" rx="12" fill="#eef2f7" stroke="#4a5a70"
        stroke-width="3"/>
  <path d="M26 18c-5 0-6 3-6 6v4c0 2-1 4-4 4 3 0 4 2 4 4v4c0 3 1 6 6 6
           M38 18c5 0 6 3 6 6v4c0 2 1 4 4 4-3 0-4 2-4 4v4c0 3-1 6-6 6"
        fill="none" stroke="#4a5a70" stroke-width="3" stroke-linecap="round"
        stroke-linejoin="round"/>
  <circle cx="32" cy="32" r="3" fill="#4a5a70"/>
</svg>
"""


class OpenApiImportError(ValueError):
    """The document cannot be imported at all: not OpenAPI, unreadable, or far too large."""


@dataclass(frozen=True)
class SkippedItem:
    """Something in the document the manifest does not carry: where it is, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class _AuthMapping:
    auth: dict[str, Any]
    fields: Fields
    # The (place, lower-case name) of the header or query parameter the credentials use.
    parameter: tuple[str, str] | None


@dataclass
class ImportResult:
    manifest: dict[str, Any]
    skipped: list[SkippedItem]
    source: str = ""
    # The method and path each action's operation had in the document, for the README.
    operations: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Reading a document


try:  # libyaml's parser and emitter when PyYAML has them: large documents read ten times faster
    from yaml import CSafeDumper as _SafeDumper
    from yaml import CSafeLoader as _SafeLoader
except ImportError:
    from yaml import SafeDumper as _SafeDumper  # type: ignore[assignment]
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _SpecLoader(_SafeLoader):
    """YAML as OpenAPI means it (1.2): `on`, `yes` and `no` stay text, dates stay text."""


_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}
_SpecLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def parse_spec(text: str | bytes) -> dict[str, Any]:
    """A document from JSON or YAML text, as plain JSON values."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise OpenApiImportError(f"the document is not UTF-8 text: {error}") from None
    if len(text) > MAX_SPEC_CHARACTERS:
        raise OpenApiImportError(f"the document is larger than {MAX_SPEC_CHARACTERS:,} characters")
    try:
        if text.lstrip().startswith("{"):
            value = json.loads(text, parse_constant=_no_constant)
        else:
            value = yaml.load(text, Loader=_SpecLoader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as error:
        raise OpenApiImportError(f"the document is not JSON: {error}") from None
    except yaml.YAMLError as error:
        raise OpenApiImportError(f"the document is not YAML: {error}") from None
    except RecursionError:
        raise OpenApiImportError("the document is nested too deeply") from None
    except ValueError as error:
        raise OpenApiImportError(f"the document is not JSON: {error}") from None
    return _document(value)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _document(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise OpenApiImportError("the document is not an object (expected OpenAPI or Swagger)")
    plain = _plain(value)
    assert isinstance(plain, dict)
    return plain


def _plain(value: Any) -> Any:
    """A copy made only of JSON values (keys as text), walked without recursion and bounded,
    so that shared YAML aliases cannot multiply into an endless document."""
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any, int]] = [(value, root, 0, 0)]
    nodes = 0
    while stack:
        item, parent, key, depth = stack.pop()
        nodes += 1
        if nodes > MAX_DOCUMENT_NODES:
            raise OpenApiImportError(f"the document has more than {MAX_DOCUMENT_NODES:,} values")
        if depth > MAX_DOCUMENT_DEPTH:
            raise OpenApiImportError(f"the document is nested deeper than {MAX_DOCUMENT_DEPTH}")
        made: Any
        if isinstance(item, Mapping):
            made = {}
            for name, child in item.items():
                text = json.dumps(name) if isinstance(name, bool) or name is None else str(name)
                made[text] = None
                stack.append((child, made, text, depth + 1))
        elif isinstance(item, list | tuple):
            made = [None] * len(item)
            stack.extend((child, made, index, depth + 1) for index, child in enumerate(item))
        elif isinstance(item, float) and not math.isfinite(item):
            raise OpenApiImportError(f"{item} is not a number JSON can hold")
        elif item is None or isinstance(item, str | int | float | bool):
            made = item
        else:
            made = str(item)
        parent[key] = made
    return root[0]


# ---------------------------------------------------------------------------------------------
# Names


def identifier(text: str, fallback: str = "field") -> str:
    """snake_case text matching the manifest's identifier pattern ^[a-z][a-z0-9_]{0,63}$."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = _WORD_BREAK.sub("_", ascii_text)
    snake = re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")
    if not snake[:1].isalpha():
        snake = f"{fallback}_{snake}".rstrip("_")
    return snake[:64].rstrip("_")


class _Unique:
    def __init__(self) -> None:
        self.taken: set[str] = set()

    def take(self, base: str, hint: str = "") -> str:
        candidates = [base, f"{base}_{hint}"[:64].rstrip("_")] if hint else [base]
        number = 2
        while all(candidate in self.taken for candidate in candidates):
            suffix = f"_{number}"
            candidates = [base[: 64 - len(suffix)].rstrip("_") + suffix]
            number += 1
        name = next(candidate for candidate in candidates if candidate not in self.taken)
        self.taken.add(name)
        return name


def _humanised(name: str) -> str:
    """A title for a parameter or variable name: issueIdOrKey -> Issue id or key."""
    words = _WORD_BREAK.sub(" ", name)
    words = " ".join(re.sub(r"[^A-Za-z0-9]+", " ", words).split()).lower()
    return words[:1].upper() + words[1:] if words else name


def _literal(text: str) -> str | None:
    """Text as a Jinja string literal inside `{{ }}`, or None when it cannot be one safely."""
    if any(mark in text for mark in _TEMPLATE_MARKS):
        return None
    return json.dumps(text)


def _text(value: Any, limit: int) -> str:
    text = " ".join(str(value).split()) if isinstance(value, str) else ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _long_text(value: Any, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _is_json_media(media: str) -> bool:
    kind = media.split(";", 1)[0].strip().lower()
    return "json" in kind or kind in ("*/*", "application/*")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# ---------------------------------------------------------------------------------------------
# Import


def import_openapi(spec: Mapping[str, Any] | str | bytes, connector_id: str) -> ImportResult:
    """The manifest of a connector `connector_id` made from an OpenAPI or Swagger document
    (parsed, or JSON or YAML text), and what it could not carry. Raises OpenApiImportError."""
    if not isinstance(connector_id, str) or not IDENTIFIER.match(connector_id):
        raise OpenApiImportError(
            "the connector id must be lower case letters, digits and _, starting with a letter "
            "(at most 64 characters)"
        )
    document = parse_spec(spec) if isinstance(spec, str | bytes) else _document(spec)
    return _Importer(document, connector_id).run()


class _Importer:
    def __init__(self, spec: dict[str, Any], connector_id: str) -> None:
        self.spec = spec
        self.connector_id = connector_id
        self.version = self._version()
        self.skipped: dict[tuple[str, str], SkippedItem] = {}
        self.schemas = _SchemaConverter(self)
        self.connection_names = _Unique()
        self.chosen_scheme: str | None = None
        self.auth_parameter: tuple[str, str] | None = None

    @property
    def swagger(self) -> bool:
        return self.version == "2.0"

    def _version(self) -> str:
        swagger, openapi = self.spec.get("swagger"), self.spec.get("openapi")
        if swagger is not None:
            if str(swagger) != "2.0":
                raise OpenApiImportError(f"Swagger {swagger} is not supported; only 2.0")
            return "2.0"
        if isinstance(openapi, str) and re.match(r"^3\.[01](\.\d+)?(-.+)?$", openapi):
            return openapi
        if openapi is not None:
            raise OpenApiImportError(f"OpenAPI {openapi} is not supported; only 3.0 and 3.1")
        raise OpenApiImportError("not an OpenAPI document: it has no 'openapi' or 'swagger' field")

    def skip(self, where: Where, reason: str) -> None:
        item = SkippedItem(json_path(where), reason)
        self.skipped.setdefault((item.path, item.reason), item)

    def resolve(self, ref: str) -> tuple[Any, Where] | None:
        """The value a local reference (#/a/b) points at, and its path; None if it does not."""
        if ref != "#" and not ref.startswith("#/"):
            return None
        value: Any = self.spec
        where: list[str | int] = []
        step: str | int
        for raw in ref[2:].split("/") if ref != "#" else []:
            part = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(value, Mapping) and part in value:
                value, step = value[part], part
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value, step = value[int(part)], int(part)
            else:
                return None
            where.append(step)
        return value, tuple(where)

    def deref(self, value: Any, where: Where) -> tuple[Any, Where]:
        """A parameter, body, response or path item, following its $ref (not a schema's)."""
        seen: set[str] = set()
        while isinstance(value, Mapping) and isinstance(value.get("$ref"), str):
            ref = value["$ref"]
            found = self.resolve(ref) if ref not in seen else None
            if found is None:
                self.skip((*where, "$ref"), f"the reference {ref} does not resolve in the document")
                return None, where
            seen.add(ref)
            value, where = found
        return value, where

    # -- the whole manifest -------------------------------------------------------------------

    def run(self) -> ImportResult:
        info = self.spec.get("info") if isinstance(self.spec.get("info"), Mapping) else {}
        assert isinstance(info, Mapping)
        auth, auth_fields = self._auth()
        base_url, hosts, server_fields = self._server()
        self._other_servers()
        actions, operations, test = self._actions()
        self._webhooks()
        connection: dict[str, Any] = {
            "fields": self._connection_fields({**auth_fields, **server_fields}),
            "auth": auth,
            "base_url": base_url,
            "allowed_hosts": hosts,
        }
        if test is not None:
            connection["test"] = test
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "id": self.connector_id,
            "name": _text(info.get("title"), 100) or self.connector_id,
            "version": _semver(info.get("version")),
        }
        description = _long_text(info.get("description"), 4000)
        if description:
            manifest["description"] = description
        manifest["icon"] = ICON
        manifest["categories"] = ["custom"]
        docs = self.spec.get("externalDocs")
        if isinstance(docs, Mapping) and re.match(r"^https?://\S+$", str(docs.get("url", ""))):
            manifest["documentation"] = docs["url"]
        manifest["connection"] = connection
        manifest["actions"] = actions
        title = _text(info.get("title"), 200) or "an API"
        source = f"{title} {info.get('version', '')}".strip()
        kind = "Swagger 2.0" if self.swagger else f"OpenAPI {self.version}"
        return ImportResult(manifest, list(self.skipped.values()), f"{source} ({kind})", operations)

    def _connection_fields(self, fields: Fields) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object", "additionalProperties": False}
        schema["properties"] = {name: spec for name, (spec, _) in fields.items()}
        required = [name for name, (_, needed) in fields.items() if needed]
        if required:
            schema["required"] = required
        return schema

    # -- authentication -----------------------------------------------------------------------

    def _schemes(self) -> tuple[dict[str, Any], Where]:
        if self.swagger:
            where: Where = ("securityDefinitions",)
            found = self.spec.get("securityDefinitions")
        else:
            where = ("components", "securitySchemes")
            components = self.spec.get("components")
            found = components.get("securitySchemes") if isinstance(components, Mapping) else None
        schemes: dict[str, Any] = {}
        for name, scheme in found.items() if isinstance(found, Mapping) else []:
            value, _ = self.deref(scheme, (*where, name))
            if isinstance(value, Mapping):
                schemes[name] = value
        return schemes, where

    def _auth(self) -> tuple[dict[str, Any], Fields]:
        schemes, where = self._schemes()
        # A first pass only finds what maps: names are taken for the chosen scheme alone.
        mapped = {
            name: self._map_scheme(scheme, (*where, name), _Unique())
            for name, scheme in schemes.items()
        }
        order: list[str] = []
        requirements = self.spec.get("security")
        for index, requirement in enumerate(requirements if isinstance(requirements, list) else []):
            if isinstance(requirement, Mapping) and len(requirement) > 1:
                self.skip(
                    ("security", index),
                    f"needs {' and '.join(map(str, requirement))} together; a connection "
                    "authenticates one way",
                )
            elif isinstance(requirement, Mapping) and len(requirement) == 1:
                order += [name for name in requirement if name in schemes]
        order += [name for name in schemes if name not in order]
        chosen = next((name for name in order if not isinstance(mapped[name], str)), None)
        for name, outcome in mapped.items():
            if isinstance(outcome, str):
                self.skip((*where, name), outcome)
            elif name != chosen:
                self.skip(
                    (*where, name),
                    f"a connection authenticates one way; the scheme '{chosen}' was chosen",
                )
        if chosen is None:
            return {"type": "none"}, {}
        self.chosen_scheme = chosen
        result = self._map_scheme(schemes[chosen], (*where, chosen), self.connection_names)
        assert not isinstance(result, str)
        self.auth_parameter = result.parameter
        return result.auth, result.fields

    def _map_scheme(
        self, scheme: Mapping[str, Any], where: Where, names: _Unique
    ) -> _AuthMapping | str:
        """How the connection authenticates with this scheme, or why it cannot."""
        kind = str(scheme.get("type", ""))
        note = _text(scheme.get("description"), 1000)
        if kind == "apiKey":
            place = scheme.get("in")
            if place not in ("header", "query") or not scheme.get("name"):
                return f"an API key in the {place} cannot be sent; only in a header or the query"
            key_name = str(scheme["name"])
            field_name = names.take("api_key")
            secret = _secret("API key", note or f"Sent in the {key_name} {place} parameter.")
            auth = {"type": "api_key", "in": place, "name": key_name}
            auth["value"] = f"{{{{ connection.{field_name} }}}}"
            return _AuthMapping(auth, {field_name: (secret, True)}, (place, key_name.lower()))
        http_scheme = str(scheme.get("scheme", "")).lower()
        authorization = ("header", "authorization")
        if kind == "basic" or (kind == "http" and http_scheme == "basic"):
            user, password = names.take("username"), names.take("password")
            fields: Fields = {
                user: ({"type": "string", "title": "User name", "minLength": 1}, True),
                password: (_secret("Password", note or "The password or API token."), True),
            }
            auth = {"type": "basic", "username": f"{{{{ connection.{user} }}}}"}
            auth["password"] = f"{{{{ connection.{password} }}}}"
            return _AuthMapping(auth, fields, authorization)
        if kind == "http" and http_scheme == "bearer":
            token = names.take("token")
            shape = f" ({scheme['bearerFormat']})" if scheme.get("bearerFormat") else ""
            secret = _secret("Token", note or f"The bearer token{shape}.")
            auth = {"type": "bearer", "token": f"{{{{ connection.{token} }}}}"}
            return _AuthMapping(auth, {token: (secret, True)}, authorization)
        if kind == "http":
            return f"HTTP {http_scheme or '(no scheme)'} authentication is not supported"
        if kind == "oauth2":
            return self._oauth2(scheme, where, note, names)
        if kind in ("openIdConnect", "mutualTLS"):
            return f"{kind} authentication is not supported"
        return f"the security scheme type {kind or '(none)'} is not supported"

    def _oauth2(
        self, scheme: Mapping[str, Any], where: Where, note: str, names: _Unique
    ) -> _AuthMapping | str:
        unsupported = "needs a signed-in user; only the client credentials flow is supported"
        if self.swagger:
            flow_name = str(scheme.get("flow", ""))
            if flow_name != "application":
                return f"the OAuth2 {flow_name or '(no)'} flow {unsupported}"
            flow: Mapping[str, Any] = scheme
        else:
            flows = scheme.get("flows") if isinstance(scheme.get("flows"), Mapping) else {}
            assert isinstance(flows, Mapping)
            others = [str(name) for name in flows if name != "clientCredentials"]
            found = flows.get("clientCredentials")
            if not isinstance(found, Mapping):
                return f"the OAuth2 {', '.join(others) or '(no)'} flow {unsupported}"
            for other in others:
                self.skip((*where, "flows", other), f"the OAuth2 {other} flow {unsupported}")
            flow = found
        token_url = str(flow.get("tokenUrl", ""))
        if not urlsplit(token_url).netloc:
            base = self._concrete_base()
            token_url = urljoin(base + "/", token_url) if base and token_url else ""
        if not token_url.startswith(("https://", "http://")):
            return "the OAuth2 client credentials flow has no usable tokenUrl"
        scopes = flow.get("scopes") if isinstance(flow.get("scopes"), Mapping) else {}
        assert isinstance(scopes, Mapping)
        client_id, secret = names.take("client_id"), names.take("client_secret")
        scope = names.take("scope")
        listed = "; ".join(f"{name}: {_text(text, 200)}" for name, text in scopes.items())
        scope_field: dict[str, Any] = {"type": "string", "title": "Scope"}
        scope_field["description"] = (
            f"Space-separated scopes to ask for (all of them when left empty): {listed}."
            if listed
            else "Space-separated scopes to ask for, if the API needs any."
        )
        fields: Fields = {
            client_id: ({"type": "string", "title": "Client ID", "minLength": 1}, True),
            secret: (_secret("Client secret", note or "The OAuth2 client secret."), True),
            scope: (scope_field, False),
        }
        every_scope = _literal(" ".join(map(str, scopes))) or '""'
        auth = {
            "type": "oauth2_client_credentials",
            "token_url": token_url,
            "client_id": f"{{{{ connection.{client_id} }}}}",
            "client_secret": f"{{{{ connection.{secret} }}}}",
            "scope": f"{{{{ connection.{scope} | default({every_scope}) }}}}",
        }
        return _AuthMapping(auth, fields, None)

    # -- where requests go --------------------------------------------------------------------

    def _server_url(self) -> tuple[str, Mapping[str, Any], Where]:
        if self.swagger:
            host = str(self.spec.get("host") or "")
            base_path = str(self.spec.get("basePath") or "")
            schemes = self.spec.get("schemes") if isinstance(self.spec.get("schemes"), list) else []
            assert isinstance(schemes, list)
            scheme = "https" if "https" in schemes or not schemes else str(schemes[0])
            if not host:
                return base_path, {}, ("host",)
            return f"{scheme}://{host}{base_path}", {}, ("host",)
        servers = self.spec.get("servers")
        first = servers[0] if isinstance(servers, list) and servers else {}
        if not isinstance(first, Mapping):
            return "", {}, ("servers",)
        variables = first.get("variables") if isinstance(first.get("variables"), Mapping) else {}
        assert isinstance(variables, Mapping)
        return str(first.get("url", "")), variables, ("servers", 0)

    def _other_servers(self) -> None:
        servers = self.spec.get("servers")
        for index in range(1, len(servers) if isinstance(servers, list) else 0):
            self.skip(
                ("servers", index),
                "another address of the API: the connector uses the first server",
            )

    def _concrete_base(self) -> str:
        url, variables, _ = self._server_url()
        if variables or not urlsplit(url).netloc:
            return ""
        return url.rstrip("/")

    def _server(self) -> tuple[str, list[str], Fields]:
        url, variables, where = self._server_url()
        if url.startswith("//"):
            url = "https:" + url
        parts = urlsplit(url)
        if not parts.scheme and not parts.netloc:
            name = self.connection_names.take("base_url")
            said = f" (the document gives only '{url}')" if url else ""
            self.skip(
                where,
                f"no absolute server URL{said}: the connection asks for the API's base URL",
            )
            field_spec = {
                "type": "string",
                "format": "uri",
                "title": "Base URL",
                "description": f"The API's address, e.g. https://api.example.com{url}.",
                "minLength": 1,
            }
            reference = f"connection.{name}"
            return (
                f"{{{{ {reference} }}}}",
                [f"{{{{ {reference} | domain_of }}}}"],
                {name: (field_spec, True)},
            )
        fields: Fields = {}
        templates: dict[str, str] = {}
        for variable in dict.fromkeys(_VARIABLE.findall(url)):
            spec = variables.get(variable) if isinstance(variables.get(variable), Mapping) else {}
            assert isinstance(spec, Mapping)
            name = self.connection_names.take(identifier(variable))
            schema: dict[str, Any] = {"type": "string", "title": _humanised(variable)}
            schema["description"] = _text(spec.get("description"), 1000) or (
                f"The {{{variable}}} part of the API's address."
            )
            if isinstance(spec.get("enum"), list) and spec["enum"]:
                schema["enum"] = [str(value) for value in spec["enum"]]
            default = _literal(str(spec["default"])) if "default" in spec else None
            if default is not None:
                schema["default"] = str(spec["default"])
                templates[variable] = f"{{{{ connection.{name} | default({default}) }}}}"
            else:
                templates[variable] = f"{{{{ connection.{name} }}}}"
            fields[name] = (schema, default is None)
        base = _VARIABLE.sub(lambda match: templates[match.group(1)], url).rstrip("/")
        netloc = parts.netloc.rsplit("@", 1)[-1]
        if netloc.startswith("["):
            host = netloc[: netloc.find("]") + 1]
        else:
            host = re.sub(r":([^:{}]*|\{[^{}]*\})$", "", netloc)
        pattern = _VARIABLE.sub("*", host).lower()
        suffix = pattern.lstrip("*")
        if "*" not in pattern or (suffix.startswith(".") and suffix.count(".") >= 2):
            hosts = [pattern.strip("[]")]
        else:
            # The whole host is the connection's to say: credentials go where it points.
            hosts = [_VARIABLE.sub(lambda match: templates[match.group(1)], host)]
        return base, hosts, fields

    # -- actions ------------------------------------------------------------------------------

    def _actions(self) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, Any] | None]:
        paths = self.spec.get("paths")
        if paths is not None and not isinstance(paths, Mapping):
            self.skip(("paths",), "'paths' is not an object")
        actions: list[dict[str, Any]] = []
        operations: dict[str, str] = {}
        ids = _Unique()
        test_operation = self._test_operation_id()
        test: dict[str, Any] | None = None
        fallback_test: dict[str, Any] | None = None
        for path, raw_item in paths.items() if isinstance(paths, Mapping) else []:
            item, item_where = self.deref(raw_item, ("paths", path))
            if not isinstance(item, Mapping):
                continue
            shared = item.get("parameters") if isinstance(item.get("parameters"), list) else []
            assert isinstance(shared, list)
            for key, operation in item.items():
                where: Where = ("paths", path, key)
                if key == "x-ms-notification-content":
                    self.skip(where, "a webhook payload: soarflow does not subscribe to webhooks")
                    continue
                if key not in HTTP_METHODS or not isinstance(operation, Mapping):
                    continue
                built = self._action(str(path), key, operation, shared, item_where, where)
                if built is None:
                    continue
                action, check = built
                action["id"] = ids.take(
                    identifier(str(operation.get("operationId") or f"{key}_{path}"), "op")
                )
                actions.append(_ordered(action))
                operations[action["id"]] = f"{key.upper()} {path}"
                if check is not None and operation.get("operationId") == test_operation:
                    test = check
                fallback_test = fallback_test or check
        return actions, operations, test or fallback_test

    def _test_operation_id(self) -> str | None:
        capabilities = self.spec.get("x-ms-capabilities")
        if isinstance(capabilities, Mapping) and isinstance(
            capabilities.get("testConnection"), Mapping
        ):
            found = capabilities["testConnection"].get("operationId")
            return str(found) if found else None
        return None

    def _webhooks(self) -> None:
        webhooks = self.spec.get("webhooks")
        for name in webhooks if isinstance(webhooks, Mapping) else []:
            self.skip(
                ("webhooks", name),
                "a webhook the API calls: soarflow does not subscribe to webhooks",
            )

    def _action(
        self,
        path: str,
        method: str,
        operation: Mapping[str, Any],
        shared: list[Any],
        item_where: Where,
        where: Where,
    ) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        """The operation's action and, when it can serve as the connection's test call, its
        request for that; None when the operation is not imported."""
        verb = method.upper()
        if "x-ms-trigger" in operation:
            self.skip(
                where,
                f"a trigger (x-ms-trigger: {operation['x-ms-trigger']}): soarflow triggers do not "
                "poll a connector's operations, so it is not imported",
            )
            return None
        if verb not in IDEMPOTENT:
            self.skip(where, f"{verb} requests are not supported (GET, POST, PUT, PATCH, DELETE)")
            return None
        # What an operation left out of the import notes of its own is not worth listing.
        mark = len(self.skipped)
        builder = _ActionBuilder(self, path, operation, where)
        body = self._body(operation, where, builder)
        # The body keeps its name whatever the parameters are called; it comes last in the form.
        body_name = builder.names.take("body") if body is not None else ""
        for parameter, parameter_where in self._parameters(shared, item_where, operation, where):
            builder.parameter(parameter, parameter_where)
        builder.finish_path()
        if body is not None:
            builder.body(body_name, *body)
        self._operation_notes(operation, where)
        if builder.blockers:
            for key in list(self.skipped)[mark:]:
                del self.skipped[key]
            self.skip(where, "not imported: " + "; ".join(builder.blockers))
            return None
        action: dict[str, Any] = {
            "title": _text(operation.get("summary"), 200)
            or _text(_humanised(str(operation.get("operationId") or "")), 200)
            or f"{verb} {path}",
        }
        description = _long_text(operation.get("description"), 3900)
        if operation.get("deprecated") is True:
            description = ("Deprecated in the API. " + description).strip()
        if description:
            action["description"] = description
        action["side_effects"] = SIDE_EFFECTS[verb]
        action["idempotent"] = IDEMPOTENT[verb]
        action["inputs"] = self.schemas.valid(builder.inputs(), where, "the inputs")
        request: dict[str, Any] = {"method": verb, "path": builder.path}
        if builder.query:
            request["query"] = builder.query
        if builder.headers:
            request["headers"] = builder.headers
        if builder.body_template is not None:
            request["body"] = builder.body_template
        action["request"] = request
        action["outputs"] = self.schemas.valid(
            self._outputs(operation, where), where, "the outputs"
        )
        return action, builder.test_request(request)

    def _parameters(
        self, shared: list[Any], item_where: Where, operation: Mapping[str, Any], where: Where
    ) -> Iterator[tuple[Mapping[str, Any], Where]]:
        """The path item's parameters with the operation's own overriding them by name and place."""
        merged: dict[tuple[str, str], tuple[Mapping[str, Any], Where]] = {}
        own = operation.get("parameters") if isinstance(operation.get("parameters"), list) else []
        assert isinstance(own, list)
        lists: list[tuple[list[Any], Where]] = [(shared, (*item_where, "parameters"))]
        for entries, base in [*lists, (own, (*where, "parameters"))]:
            for index, raw in enumerate(entries):
                parameter, _ = self.deref(raw, (*base, index))
                if not isinstance(parameter, Mapping) or "name" not in parameter:
                    if parameter is not None:
                        self.skip((*base, index), "not a parameter object (no name)")
                    continue
                merged[(str(parameter["name"]), str(parameter.get("in")))] = (
                    parameter,
                    (*base, index),
                )
        yield from merged.values()

    def _body(
        self, operation: Mapping[str, Any], where: Where, builder: _ActionBuilder
    ) -> tuple[Any, Where, bool, str, str] | None:
        """The JSON body's schema, where it is, whether it is required, its title and
        description; None when the operation sends none. Non-JSON bodies are reported."""
        if self.swagger:
            parameters = operation.get("parameters")
            consumes = operation.get("consumes", self.spec.get("consumes"))
            media = [str(m) for m in consumes] if isinstance(consumes, list) else []
            for index, raw in enumerate(parameters if isinstance(parameters, list) else []):
                parameter, _ = self.deref(raw, (*where, "parameters", index))
                if not isinstance(parameter, Mapping) or parameter.get("in") != "body":
                    continue
                here = (*where, "parameters", index)
                required = parameter.get("required") is True
                if media and not any(_is_json_media(m) for m in media):
                    builder.unmappable(
                        here,
                        f"the body is {', '.join(media)}; only JSON bodies can be sent",
                        required,
                    )
                    return None
                title = _text(parameter.get("x-ms-summary"), 200)
                description = _text(parameter.get("description"), 2000)
                return parameter.get("schema", {}), (*here, "schema"), required, title, description
            return None
        body, body_where = self.deref(operation.get("requestBody"), (*where, "requestBody"))
        if not isinstance(body, Mapping):
            return None
        content = body.get("content") if isinstance(body.get("content"), Mapping) else {}
        assert isinstance(content, Mapping)
        required = body.get("required") is True
        json_media = next((m for m in content if _is_json_media(m)), None)
        if json_media is None:
            if content:
                builder.unmappable(
                    (*body_where, "content"),
                    f"the request body is {', '.join(content)}; only JSON bodies can be sent",
                    required,
                )
            return None
        entry = content[json_media] if isinstance(content[json_media], Mapping) else {}
        description = _text(body.get("description"), 2000)
        schema_where = (*body_where, "content", json_media, "schema")
        return entry.get("schema", {}), schema_where, required, "", description

    def _operation_notes(self, operation: Mapping[str, Any], where: Where) -> None:
        for key in operation:
            if key in UNMAPPED_EXTENSIONS:
                self.skip((*where, key), UNMAPPED_EXTENSIONS[key])
        callbacks = operation.get("callbacks")
        for name in callbacks if isinstance(callbacks, Mapping) else []:
            self.skip(
                (*where, "callbacks", name),
                "a callback the API makes: soarflow does not receive callbacks",
            )
        servers = operation.get("servers")
        if isinstance(servers, list) and servers:
            self.skip(
                (*where, "servers"),
                "the operation's own server is not used: every action goes to the connection's "
                "base URL",
            )
        security = operation.get("security")
        if isinstance(security, list) and security and self.chosen_scheme:
            names = {str(n) for r in security if isinstance(r, Mapping) for n in r}
            anonymous = any(isinstance(r, Mapping) and not r for r in security)
            if not anonymous and self.chosen_scheme not in names:
                self.skip(
                    (*where, "security"),
                    f"needs {' or '.join(sorted(names))}; the connection authenticates with "
                    f"'{self.chosen_scheme}'",
                )

    def _outputs(self, operation: Mapping[str, Any], where: Where) -> Any:
        responses = operation.get("responses")
        if not isinstance(responses, Mapping):
            return {"description": "The document declares no responses."}
        codes = sorted(str(code) for code in responses if re.fullmatch(r"2\d\d", str(code)))
        code = "200" if "200" in codes else codes[0] if codes else None
        code = code or next((str(c) for c in responses if str(c).upper() == "2XX"), None)
        if code is None:
            return {"description": "The document declares no success response."}
        raw = next(value for key, value in responses.items() if str(key) == code)
        response, response_where = self.deref(raw, (*where, "responses", code))
        if not isinstance(response, Mapping):
            return {}
        said = _text(response.get("description"), 1000)
        if self.swagger:
            produces = operation.get("produces", self.spec.get("produces"))
            media = [str(m) for m in produces] if isinstance(produces, list) else []
            schema = response.get("schema")
            if schema is None:
                return _described({}, said or "The document declares no response body.")
            if media and not any(_is_json_media(m) for m in media):
                self.skip(
                    (*response_where, "schema"),
                    f"the response is {', '.join(media)}, not JSON: the output is its text",
                )
                return _described({"type": "string"}, said)
            converted = self.schemas.convert(schema, (*response_where, "schema"))
            return _described(converted, said)
        content = response.get("content") if isinstance(response.get("content"), Mapping) else {}
        assert isinstance(content, Mapping)
        if not content:
            return _described({}, said or "The document declares no response body.")
        json_media = next((m for m in content if _is_json_media(m)), None)
        if json_media is None:
            if not any(str(m).startswith("text/") for m in content):
                self.skip(
                    (*response_where, "content"),
                    f"the response is {', '.join(content)}, not JSON: the output is its text",
                )
            return _described({"type": "string"}, said)
        entry = content[json_media] if isinstance(content[json_media], Mapping) else {}
        schema_where = (*response_where, "content", json_media, "schema")
        return _described(self.schemas.convert(entry.get("schema", {}), schema_where), said)


def _secret(title: str, description: str) -> dict[str, Any]:
    return {
        "type": "string",
        "title": title,
        "description": description,
        "minLength": 1,
        "writeOnly": True,
    }


def _described(schema: Any, description: str) -> Any:
    if isinstance(schema, dict) and description and "description" not in schema:
        return {**schema, "description": description}
    return schema


def _semver(version: Any) -> str:
    text = str(version or "").strip().removeprefix("v")
    if re.fullmatch(r"\d+(\.\d+){0,2}", text):
        parts = [*text.split("."), "0", "0"][:3]
        return ".".join(str(int(part)) for part in parts)
    return "1.0.0"


def _ordered(action: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "title", "description", "side_effects", "idempotent", "inputs", "request")
    ordered = {key: action[key] for key in keys if key in action}
    return {**ordered, **action}


# ---------------------------------------------------------------------------------------------
# One operation's inputs and request template


@dataclass
class _Input:
    name: str
    schema: Any
    required: bool


class _ActionBuilder:
    def __init__(
        self, importer: _Importer, path: str, operation: Mapping[str, Any], where: Where
    ) -> None:
        self.importer = importer
        self.where = where
        self.operation = operation
        self.names = _Unique()
        self.fields: list[_Input] = []
        self.path_names: dict[str, str] = {}
        self.path = path
        self.query: dict[str, str] = {}
        self.headers: dict[str, str] = {}
        self.body_template: str | None = None
        self.blockers: list[str] = []
        # Query and header parameters sent with their default when the analyst gives none.
        self.defaulted: set[str] = set()

    @property
    def required(self) -> list[str]:
        return [entry.name for entry in self.fields if entry.required]

    def inputs(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object", "additionalProperties": False}
        schema["properties"] = {entry.name: entry.schema for entry in self.fields}
        if self.required:
            schema["required"] = self.required
        return schema

    def test_request(self, request: Mapping[str, Any]) -> dict[str, Any] | None:
        """A GET that needs no input can test a connection; it sends only the defaults."""
        if request["method"] != "GET" or self.required:
            return None
        check: dict[str, Any] = {"method": "GET", "path": request["path"]}
        for part in ("query", "headers"):
            defaults = {k: v for k, v in request.get(part, {}).items() if k in self.defaulted}
            if defaults:
                check[part] = defaults
        return check

    def unmappable(self, where: Where, reason: str, required: bool) -> None:
        if required:
            self.blockers.append(f"{reason} ({json_path(where)})")
        else:
            self.importer.skip(where, reason)

    def body(
        self, name: str, raw: Any, where: Where, required: bool, title: str, description: str
    ) -> None:
        schema = self.importer.schemas.convert(raw, where)
        if isinstance(schema, dict):
            schema = {**schema, "title": title or schema.get("title") or "Request body"}
            said = description or schema.get("description") or "The JSON request body."
            schema["description"] = said
        self.fields.append(_Input(name, schema, required))
        reference = f"inputs.{name}"
        self.body_template = (
            f"{{{{ {reference} }}}}" if required else f"{{{{ {reference} | default(none) }}}}"
        )

    def parameter(self, parameter: Mapping[str, Any], where: Where) -> None:
        original, place = str(parameter["name"]), str(parameter.get("in"))
        required = parameter.get("required") is True or place == "path"
        if place == "body":
            return
        if place == "formData":
            consumes = self.operation.get("consumes", self.importer.spec.get("consumes"))
            media = ", ".join(map(str, consumes)) if isinstance(consumes, list) else ""
            self.unmappable(
                where,
                f"the form field '{original}' of a {media or 'form'} body: only JSON bodies can "
                "be sent",
                required,
            )
            return
        if place == "cookie":
            self.unmappable(where, f"the cookie parameter '{original}' cannot be sent", required)
            return
        if place not in ("path", "query", "header"):
            self.unmappable(where, f"parameters in '{place}' are not supported", required)
            return
        if place == "header" and original.lower() in IGNORED_HEADERS:
            self.importer.skip(
                where, f"the {original} header is set by soarflow, as OpenAPI requires"
            )
            return
        if (place, original.lower()) == self.importer.auth_parameter:
            self.importer.skip(
                where, f"the {original} {place} parameter carries the connection's credentials"
            )
            return
        for key in parameter:
            if key in UNMAPPED_EXTENSIONS:
                self.importer.skip((*where, key), UNMAPPED_EXTENSIONS[key])
        if parameter.get("x-ms-url-encoding") == "double":
            self.importer.skip(
                (*where, "x-ms-url-encoding"), "path values are percent-encoded once, not twice"
            )
        schema, as_json = self._schema(parameter, where)
        form = self._format(parameter, place, _types(schema), as_json, where)
        if form is None:
            self.unmappable(
                where,
                f"the {place} parameter '{original}' holds an object, which cannot be sent "
                f"in the {place}",
                required,
            )
            return
        name = self.names.take(identifier(original), place)
        reference = f"inputs.{name}"
        value = form.expression(reference)
        default = None
        if required and place != "path" and isinstance(schema, Mapping) and "default" in schema:
            default = form.literal(schema["default"])
        if place == "path":
            self.path_names[original] = value
        elif required and default is None:
            template = f"{{{{ {value} }}}}"
        elif default is not None:
            # A required parameter with a default need not be asked for: the default is sent.
            required = False
            self.defaulted.add(original)
            template = f"{{{{ {value} if {reference} is defined else {default} }}}}"
        elif value == reference:
            template = f"{{{{ {reference} | default(none) }}}}"
        else:
            template = f"{{{{ {value} if {reference} is defined else none }}}}"
        if place == "query":
            self.query[original] = template
        elif place == "header":
            self.headers[original] = template
        described = self._input_schema(schema, parameter, original, name)
        self.fields.append(_Input(name, described, required))

    def finish_path(self) -> None:
        """Each {name} of the path becomes its input; an undeclared one becomes a text input."""

        def replace(match: re.Match[str]) -> str:
            original = match.group(1)
            if original not in self.path_names:
                name = self.names.take(identifier(original), "path")
                self.importer.skip(
                    (*self.where, "parameters"),
                    f"the path parameter '{original}' is not declared; it is taken as text",
                )
                schema = {"type": "string", "title": _humanised(original), "minLength": 1}
                self.fields.append(_Input(name, schema, True))
                self.path_names[original] = f"inputs.{name}"
            return f"{{{{ {self.path_names[original]} }}}}"

        self.path = _VARIABLE.sub(replace, self.path)

    def _schema(self, parameter: Mapping[str, Any], where: Where) -> tuple[Any, bool]:
        """The parameter's converted schema, and whether its value is sent as JSON text."""
        schemas = self.importer.schemas
        if self.importer.swagger:
            skipped = {"name", "in", "required", "collectionFormat", "allowEmptyValue"}
            own = {key: value for key, value in parameter.items() if key not in skipped}
            return schemas.convert(own, where), False
        content = parameter.get("content")
        if isinstance(content, Mapping) and content:
            media, entry = next(iter(content.items()))
            entry = entry if isinstance(entry, Mapping) else {}
            converted = schemas.convert(
                entry.get("schema", {}), (*where, "content", media, "schema")
            )
            return converted, _is_json_media(str(media))
        return schemas.convert(parameter.get("schema", {}), (*where, "schema")), False

    def _format(
        self, parameter: Mapping[str, Any], place: str, kinds: set[str], as_json: bool, where: Where
    ) -> _Format | None:
        """How the value is written into the path, the query or a header; None if it cannot be."""
        if as_json:
            return _Format("json")
        if "object" in kinds and not kinds & {"string", "array"}:
            return None
        if "array" in kinds:
            separator, note = self._separator(parameter, place)
            if note:
                self.importer.skip(where, note)
            return _Format("join", separator)
        if "boolean" in kinds and place != "path":
            # Otherwise a boolean would be sent as Python writes it: True, not true.
            return _Format("json")
        return _Format("plain")

    def _separator(self, parameter: Mapping[str, Any], place: str) -> tuple[str, str]:
        repeated = (
            f"the array is sent as one comma-separated value: repeating the {place} parameter "
            "is not supported"
        )
        if self.importer.swagger:
            collection = str(parameter.get("collectionFormat", "csv"))
            separators = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|"}
            return (separators[collection], "") if collection in separators else (",", repeated)
        style = str(parameter.get("style", "form" if place == "query" else "simple"))
        if style == "spaceDelimited":
            return " ", ""
        if style == "pipeDelimited":
            return "|", ""
        explode = parameter.get("explode", style == "form")
        return (",", repeated) if explode is True and place == "query" else (",", "")

    def _input_schema(
        self, schema: Any, parameter: Mapping[str, Any], original: str, name: str
    ) -> Any:
        if not isinstance(schema, dict):
            return schema
        result = dict(schema)
        title = parameter.get("x-ms-summary") or result.get("title") or _humanised(original)
        result["title"] = _text(title, 200)
        description = _text(parameter.get("description"), 2000) or result.get("description", "")
        place = parameter.get("in")
        if name != original or place == "header":
            sent = (
                f"the {original} header" if place == "header" else f"{place} parameter {original}"
            )
            description = f"{description} (Sent as {sent}.)".strip()
        if description:
            result["description"] = description
        if parameter.get("deprecated") is True:
            result["deprecated"] = True
        if "example" in parameter and "examples" not in result:
            result["examples"] = [copy.deepcopy(parameter["example"])]
        return result


@dataclass(frozen=True)
class _Format:
    """How a parameter's value is written as text: as it is, as JSON, or an array joined."""

    kind: str
    separator: str = ","

    def expression(self, reference: str) -> str:
        if self.kind == "json":
            return f"{reference} | json"
        if self.kind == "join":
            return f"{reference} | join({json.dumps(self.separator)})"
        return reference

    def literal(self, value: Any) -> str | None:
        """The value as the text this format sends, as a Jinja literal; None if it cannot be."""
        if self.kind == "join":
            if not isinstance(value, list) or any(isinstance(v, dict | list) for v in value):
                return None
            return _literal(self.separator.join(_scalar_text(v) for v in value))
        if isinstance(value, dict | list):
            return None
        return _literal(json.dumps(value) if self.kind == "json" else _scalar_text(value))


def _scalar_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _types(schema: Any) -> set[str]:
    if not isinstance(schema, Mapping):
        return set()
    kind = schema.get("type")
    found = (
        {kind}
        if isinstance(kind, str)
        else {k for k in kind if isinstance(k, str)}
        if isinstance(kind, list)
        else set()
    )
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []) if isinstance(schema.get(key), list) else []:
            found |= _types(option)
    return found - {"null"}


# ---------------------------------------------------------------------------------------------
# Schemas: OpenAPI 3.0 / 3.1 / Swagger 2.0 to self-contained JSON Schema 2020-12


class _SchemaConverter:
    def __init__(self, importer: _Importer) -> None:
        self.importer = importer
        self.budget = 0
        self.cut = False

    def convert(self, schema: Any, where: Where) -> Any:
        self.budget, self.cut = MAX_SCHEMA_NODES, False
        return self._convert(schema, where, (), 0)

    def valid(self, schema: Any, where: Where, label: str) -> Any:
        """The schema with whatever JSON Schema 2020-12 refuses taken out, each one listed: the
        conversion is meant to leave nothing, this is the last guard."""
        for _ in range(MAX_REPAIRS):
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as error:
                parts = list(error.absolute_path)
                message = _text(error.message, 200)
                if not parts:
                    self.importer.skip(where, f"{label} are not a valid JSON Schema ({message})")
                    return {}
                parent: Any = schema
                for part in parts[:-1]:
                    parent = parent[part]
                del parent[parts[-1]]
                inner = json_path(tuple(parts))
                self.importer.skip(
                    where, f"{label}: {inner} is not valid JSON Schema ({message}); left out"
                )
            else:
                return schema
        self.importer.skip(where, f"{label} are not a valid JSON Schema")
        return {}

    def _convert(self, schema: Any, where: Where, refs: tuple[str, ...], depth: int) -> Any:
        if isinstance(schema, bool):
            return schema
        if not isinstance(schema, Mapping):
            self.importer.skip(where, "not a schema object: any value is accepted")
            return {}
        if depth > MAX_SCHEMA_DEPTH:
            self.importer.skip(where, f"nested deeper than {MAX_SCHEMA_DEPTH} levels: cut here")
            return {"description": "Not described further (nested too deeply)."}
        self.budget -= 1
        if self.budget < 0:
            if not self.cut:
                self.importer.skip(
                    where, f"the schema expands to over {MAX_SCHEMA_NODES:,} parts: cut here"
                )
            self.cut = True
            return {}
        if isinstance(schema.get("$ref"), str):
            converted = self._reference(schema, where, refs, depth)
        else:
            converted = self._keywords(schema, where, refs, depth)
        nullable = schema.get("nullable") is True or schema.get("x-nullable") is True
        return _nullable(converted) if nullable else converted

    def _reference(
        self, schema: Mapping[str, Any], where: Where, refs: tuple[str, ...], depth: int
    ) -> Any:
        ref = schema["$ref"]
        found = self.importer.resolve(ref)
        target: Any
        if found is None:
            self.importer.skip(
                (*where, "$ref"),
                f"the reference {ref} does not resolve in the document: any value is accepted",
            )
            target = {}
        elif ref in refs:
            # Each pass through a recursive schema is cut at the point it refers to itself.
            self.importer.skip(
                (*where, "$ref"),
                f"recursive reference to {ref}: cut after one level, the nested value is not "
                "described further",
            )
            kind = found[0].get("type") if isinstance(found[0], Mapping) else None
            target = {"description": f"Not described further (it recurses into {ref})."}
            if isinstance(kind, str) and kind in VALID_TYPES:
                target["type"] = kind
        else:
            target = self._convert(found[0], found[1], (*refs, ref), depth + 1)
        siblings = {k: v for k, v in schema.items() if k not in ("$ref", "nullable", "x-nullable")}
        if not siblings:
            return target
        extra = self._keywords(siblings, where, refs, depth)
        if not extra:
            return target
        if isinstance(target, dict) and set(extra) <= ANNOTATIONS:
            return {**target, **extra}
        return {"allOf": [target, extra]}

    def _keywords(
        self, schema: Mapping[str, Any], where: Where, refs: tuple[str, ...], depth: int
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}

        def inner(value: Any, *steps: str | int) -> Any:
            return self._convert(value, (*where, *steps), refs, depth + 1)

        for key, value in schema.items():
            if key in SCHEMA_MAPS:
                if isinstance(value, Mapping):
                    out[key] = {name: inner(sub, key, name) for name, sub in value.items()}
                else:
                    self.importer.skip((*where, key), f"'{key}' is not an object: left out")
            elif key in SCHEMA_LISTS:
                if isinstance(value, list) and value:
                    out[key] = [inner(sub, key, index) for index, sub in enumerate(value)]
                else:
                    self.importer.skip((*where, key), f"'{key}' is not a list of schemas: left out")
            elif key == "items":
                if isinstance(value, list):
                    out["prefixItems"] = [inner(sub, key, index) for index, sub in enumerate(value)]
                else:
                    out[key] = inner(value, key)
            elif key in SCHEMA_VALUES:
                out[key] = inner(value, key)
            elif key == "type":
                self._type(value, out, where)
            elif key in ("exclusiveMinimum", "exclusiveMaximum"):
                bound = "minimum" if key == "exclusiveMinimum" else "maximum"
                if value is True and _number(schema.get(bound)):
                    out[key] = schema[bound]
                elif _number(value):
                    out[key] = value
            elif key == "example":
                if "examples" not in schema:
                    out["examples"] = [copy.deepcopy(value)]
            elif key == "examples":
                if isinstance(value, list):
                    out[key] = copy.deepcopy(value)
            elif key == "required":
                if isinstance(value, list) and all(isinstance(name, str) for name in value):
                    out[key] = list(dict.fromkeys(value))
                elif value is not False:
                    self.importer.skip((*where, key), "'required' is not a list of names: left out")
            elif key == "pattern":
                if isinstance(value, str) and _compiles(value):
                    out[key] = value
                else:
                    self.importer.skip(
                        (*where, key), "the pattern is not a regular expression soarflow reads"
                    )
            elif key == "x-ms-summary":
                if "title" not in schema and isinstance(value, str):
                    out["title"] = value
            elif key in UNMAPPED_EXTENSIONS:
                self.importer.skip((*where, key), UNMAPPED_EXTENSIONS[key])
            elif key in PLAIN_KEYWORDS:
                out[key] = copy.deepcopy(value)
        if "exclusiveMinimum" in out and schema.get("exclusiveMinimum") is True:
            out.pop("minimum", None)
        if "exclusiveMaximum" in out and schema.get("exclusiveMaximum") is True:
            out.pop("maximum", None)
        return out

    def _type(self, value: Any, out: dict[str, Any], where: Where) -> None:
        named = value if isinstance(value, list) else [value]
        # Swagger's file is the bytes of an upload or a download: text here.
        kinds = ["string" if kind == "file" else kind for kind in named]
        valid = [
            kind for kind in dict.fromkeys(kinds) if isinstance(kind, str) and kind in VALID_TYPES
        ]
        if len(valid) != len(kinds):
            self.importer.skip((*where, "type"), f"the type {value!r} is not a JSON type: left out")
        if valid:
            out["type"] = valid[0] if len(valid) == 1 and not isinstance(value, list) else valid


def _nullable(schema: Any) -> Any:
    if not isinstance(schema, dict) or not schema:
        return schema
    kind = schema.get("type")
    if kind is not None and not any(key in schema for key in ("allOf", "anyOf", "oneOf")):
        kinds = kind if isinstance(kind, list) else [kind]
        result = {**schema, "type": [*kinds, "null"] if "null" not in kinds else kinds}
        if isinstance(result.get("enum"), list) and None not in result["enum"]:
            result["enum"] = [*result["enum"], None]
        return result
    return {"anyOf": [schema, {"type": "null"}]}


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Writing and checking a connector folder


class _Dumper(_SafeDumper):
    """Every value written out in full: no &anchors and *aliases for repeated schemas."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def manifest_yaml(manifest: Mapping[str, Any]) -> str:
    return yaml.dump(dict(manifest), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def write_connector(result: ImportResult, folder: Path) -> None:
    """manifest.yaml, a generic icon.svg and a README.md listing what was skipped, in a new
    folder (the registry wants it named like the connector's id). An existing folder that is not
    empty is left alone: FileExistsError."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FileExistsError(f"{folder} exists and is not empty")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(manifest_yaml(result.manifest), encoding="utf-8")
    (folder / ICON).write_text(ICON_SVG, encoding="utf-8")
    (folder / README).write_text(readme(result), encoding="utf-8")


def check_connector(result: ImportResult) -> list[ManifestProblem]:
    """What the registry would say about the written connector; an empty list when it loads."""
    with tempfile.TemporaryDirectory(prefix="soarflow-import-") as scratch:
        folder = Path(scratch) / str(result.manifest["id"])
        write_connector(result, folder)
        problems = ConnectorRegistry.load(Path(scratch)).problems
    return [ManifestProblem(MANIFEST, problem.path, problem.reason) for problem in problems]


def readme(result: ImportResult) -> str:
    manifest = result.manifest
    connection = manifest["connection"]
    lines = [
        f"# {manifest['name']}",
        "",
        f"A custom connector made by `soarflow connectors import-openapi` from {result.source}.",
        "It says what the document says: check it against the live API before relying on it, "
        "and edit `manifest.yaml` where they differ.",
        "",
        "## Connection",
        "",
        f"Requests go to `{connection['base_url']}`; the credentials go only to "
        + ", ".join(f"`{host}`" for host in connection["allowed_hosts"])
        + f". Authentication: {connection['auth']['type']}.",
        "",
    ]
    fields = connection["fields"].get("properties", {})
    required = set(connection["fields"].get("required", []))
    for name, spec in fields.items():
        secret = ", secret" if spec.get("writeOnly") else ""
        needed = "required" if name in required else "optional"
        lines.append(
            f"- `{name}` ({needed}{secret}): {spec.get('title', name)}. "
            f"{spec.get('description', '')}".rstrip()
        )
    if not fields:
        lines.append("No fields.")
    test = connection.get("test")
    lines += [
        "",
        f"Test call: `{test['method']} {test['path']}`."
        if test
        else "No test call: no GET operation works without inputs.",
        "",
        "## Actions",
        "",
        "Inputs are the operation's path, query and header parameters under their names in "
        "snake_case, and the JSON request body as one input `body` (the whole object, so that "
        "fields left empty are not sent as null).",
        "",
        "| Action | Request | Side effects | Title |",
        "| --- | --- | --- | --- |",
    ]
    for action in manifest["actions"]:
        request = result.operations.get(action["id"], action["request"]["path"])
        title = action["title"].replace("|", "\\|")
        lines.append(f"| `{action['id']}` | `{request}` | {action['side_effects']} | {title} |")
    if not manifest["actions"]:
        lines.append("| (none) | | | |")
    lines += ["", "## Not imported", ""]
    if result.skipped:
        lines.append("Each item names its place in the document and why it is not carried:")
        lines.append("")
        lines += [f"- `{item.path}`: {item.reason}" for item in result.skipped]
    else:
        lines.append("Everything in the document was mapped.")
    return "\n".join(lines) + "\n"

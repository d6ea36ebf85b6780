"""The functions expressions may call, and the limits every one of them keeps.

Everything an expression can do beyond reading its scope goes through here: the whitelisted
filters, tests and globals, the conversion of results to JSON values, and the budget of time
and memory one expression may spend. FUNCTIONS is the single source of the documented table.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hashlib
import ipaddress
import json
import math
import re
import sys
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from time import perf_counter
from types import GeneratorType, TracebackType
from typing import Any, Literal, cast

import regex  # type: ignore[import-untyped]  # no stubs published; wrapped in typed helpers
from jinja2 import Environment, pass_context, pass_environment
from jinja2.filters import FILTERS as JINJA_FILTERS
from jinja2.filters import (
    do_batch,
    do_round,
    do_title,
    do_wordcount,
    make_attrgetter,
    sync_do_groupby,
    sync_do_slice,
    sync_do_sum,
)
from jinja2.runtime import Context, Undefined
from jinja2.tests import TESTS as JINJA_TESTS
from jinja2.utils import _PassArg

from soarflow.playbook.document import Json

MAX_VALUE_SIZE = 1_000_000  # characters of JSON text in one value
MAX_RANGE = 10_000  # items from range(), batch sizes, slice counts
MAX_INT_BITS = 10_000  # size of a whole number built by * or **
MAX_ALLOCATION = 32 * 2**20  # bytes one expression may allocate, all operations together
TIME_BUDGET = 0.5  # seconds one expression may run
REGEX_TIMEOUT = 0.25  # seconds one regular-expression call may run
MAX_PATTERN_LENGTH = 2_048
MAX_PATTERN_UNROLL = 20_000  # pattern items once counted repeats are unrolled
MAX_FORMAT_LENGTH = 256
MAX_ROUND_PRECISION = 20
JSON_TEXT_MEMORY_FACTOR = 16  # Python objects parsed from JSON take about this many bytes a char


class LimitError(ValueError):
    """An expression went past one of the limits above."""


# ---------------------------------------------------------------------------------------------
# The budget: time and memory of the expression being evaluated


class EvaluationBudget:
    """Time and memory one expression may spend; in force inside `with EvaluationBudget():`.

    Every guarded operation calls spend(), so an expression stops between operations once it
    has run TIME_BUDGET seconds or allocated MAX_ALLOCATION bytes, however many operations it
    strings together."""

    __slots__ = ("_token", "bytes_left", "deadline")

    def __enter__(self) -> EvaluationBudget:
        self.deadline = perf_counter() + TIME_BUDGET
        self.bytes_left = MAX_ALLOCATION
        self._token: Token[EvaluationBudget | None] = _BUDGET.set(self)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _BUDGET.reset(self._token)


_BUDGET: ContextVar[EvaluationBudget | None] = ContextVar("expression_budget", default=None)


def spend(nbytes: int = 0) -> None:
    """Account for nbytes newly allocated and check the clock; no-op outside a budget."""
    budget = _BUDGET.get()
    if budget is None:
        return
    budget.bytes_left -= nbytes
    if budget.bytes_left < 0:
        raise LimitError(f"the expression allocates more than {MAX_ALLOCATION // 2**20} MB")
    if perf_counter() > budget.deadline:
        raise LimitError(f"the expression runs longer than {TIME_BUDGET} s")


def check_size(size: int, what: str = "the result") -> None:
    if size > MAX_VALUE_SIZE:
        raise LimitError(f"{what} would be larger than {MAX_VALUE_SIZE:,} characters")


# ---------------------------------------------------------------------------------------------
# JSON values


def to_json_value(value: Any, limit: int = MAX_VALUE_SIZE) -> Json:
    """A fresh JSON value equal to value (tuples become lists, text subclasses plain text).

    Refuses anything that is not JSON-like (functions, undefined, Python objects, NaN) and
    anything whose JSON text would pass limit characters."""
    if value is None or type(value) is int or type(value) is bool:
        return value  # the common result of a reference, without the walk
    return _walk_json(value, limit)[0]


def json_size(value: Any, limit: int = MAX_VALUE_SIZE) -> int:
    """Characters of value's JSON text, counted up to limit (past it: LimitError)."""
    return _walk_json(value, limit)[1]


def _walk_json(value: Any, limit: int) -> tuple[Json, int]:
    """The copy and size behind to_json_value and json_size. Iterative and stopping at the
    limit, so deep or shared structures ([x] * n with a big x) cost no more than limit allows."""
    root: list[Json] = [None]
    stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
    size = 0
    while stack:
        item, parent, key = stack.pop()
        copy, children = _copy_node(item)
        size += _size_of(copy)
        for child_key, child in children:
            scalar_size = _SCALAR_SIZES.get(type(child))
            if scalar_size is None:
                stack.append((child, copy, child_key))
            else:  # most children: copied here, without a trip through the stack
                copy[child_key] = child
                size += scalar_size(child)
            if size > limit:
                break
        if size > limit:
            raise LimitError(f"the value is larger than {limit:,} characters of JSON")
        parent[key] = copy
    return root[0], size


def _float_size(number: float) -> int:
    if not math.isfinite(number):
        raise ValueError(f"{number} is not a JSON number")
    return 24


_SCALAR_SIZES: dict[type, Callable[[Any], int]] = {
    str: lambda text: len(text) + 2,
    int: lambda number: number.bit_length() // 3 + 1,
    float: _float_size,
    bool: lambda _: 5,
    type(None): lambda _: 4,
}


def _copy_node(item: Any) -> tuple[Json, Iterable[tuple[Any, Any]]]:
    """The copy of one node, its children still to fill in as (key, child) pairs."""
    scalar_size = _SCALAR_SIZES.get(type(item))
    if scalar_size is not None:
        return item, ()
    if isinstance(item, Mapping):
        if not all(isinstance(key, str) for key in item):
            raise TypeError("object keys must be text")
        return dict.fromkeys(item), item.items()  # fromkeys: the key order is kept
    if isinstance(item, list | tuple):
        return [None] * len(item), enumerate(item)
    if isinstance(item, str):
        return _plain_text(item), ()
    if isinstance(item, int | float):  # subclasses (bool has none)
        return (int(item) if isinstance(item, int) else float(item)), ()
    if isinstance(item, Undefined):
        item._fail_with_undefined_error()
    raise TypeError(f"a {type(item).__name__} is not a JSON value")


def _size_of(copy: Json) -> int:
    """JSON size of a node without its children."""
    if isinstance(copy, dict):
        return 2 + sum(len(key) + 4 for key in copy)
    if isinstance(copy, list):
        return 2 + len(copy)
    return _SCALAR_SIZES[type(copy)](copy)


def _plain_text(text: str) -> str:
    return text if type(text) is str else str.__str__(text)


def to_json_text(value: Any) -> str:
    text = json.dumps(to_json_value(value), ensure_ascii=False)
    check_size(len(text), "the JSON text")
    return text


def to_text(value: Any) -> str:
    """Text as is; any other value as its JSON text (true, null, [1, 2], {"a": 1})."""
    if isinstance(value, str):
        check_size(len(value), "the text")
        return _plain_text(value)
    return to_json_text(value)


def _mapping(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def _count(value: Any, what: str) -> int:
    if not isinstance(value, int) or not 1 <= value <= MAX_RANGE:
        raise LimitError(f"{what} must be a whole number from 1 to {MAX_RANGE:,}")
    return value


# ---------------------------------------------------------------------------------------------
# Data and text


def coalesce(*values: Any) -> Any:
    return next((v for v in values if v is not None and not isinstance(v, Undefined)), None)


def from_json(value: Any) -> Json:
    text = to_text(value)
    spend(len(text) * JSON_TEXT_MEMORY_FACTOR)
    return json.loads(text)


def capped_range(*bounds: int) -> list[int]:
    numbers = range(*bounds)
    if len(numbers) > MAX_RANGE:
        raise LimitError(f"range() gives at most {MAX_RANGE:,} numbers")
    return list(numbers)


def keys(value: Any) -> list[str]:
    return list(_mapping(value))


def values(value: Any) -> list[Any]:
    return list(_mapping(value).values())


def items(value: Any) -> list[list[Any]]:
    return [[key, item] for key, item in _mapping(value).items()]


def set_field(value: Any, name: Any, field_value: Any) -> dict[str, Any]:
    """A copy of the object with one field set (Logic Apps' setProperty)."""
    if not isinstance(name, str):
        raise TypeError(f"a field name is text, not {type(name).__name__}")
    return {**_mapping(value), name: field_value}


def reverse(value: Any) -> Any:
    if isinstance(value, str):
        return value[::-1]
    return list(value)[::-1]


@pass_environment
def attr(environment: Environment, value: Any, name: str) -> Any:
    # The sandbox's restricted lookup: the same rules as value.name and value[name].
    return environment.getattr(value, name)


@pass_environment
def groupby(
    environment: Environment,
    value: Any,
    attribute: str | int,
    default: Any = None,
    case_sensitive: bool = False,
) -> list[dict[str, Any]]:
    # Jinja gives named tuples, whose fields the restricted lookup cannot read: use objects.
    groups = sync_do_groupby(environment, value, attribute, default, case_sensitive)
    return [{"grouper": group.grouper, "list": group.list} for group in groups]


def batch(value: Any, size: int, fill_with: Any = None) -> list[list[Any]]:
    return list(do_batch(value, _count(size, "the batch size"), fill_with))


def slice_into(value: Any, count: int, fill_with: Any = None) -> list[list[Any]]:
    return list(sync_do_slice(value, _count(count, "the number of slices"), fill_with))


@pass_environment
def sum_numbers(
    environment: Environment, value: Any, attribute: str | int | None = None, start: Any = 0
) -> Any:
    # A list start would make sum() concatenate lists, quadratic in their length.
    if not isinstance(start, int | float):
        raise TypeError("sum() adds numbers only")
    return sync_do_sum(environment, value, attribute, start)


def round_number(value: Any, precision: int = 0, method: str = "common") -> float:
    # Jinja computes 10 ** precision for ceil and floor.
    if not -MAX_ROUND_PRECISION <= precision <= MAX_ROUND_PRECISION:
        raise LimitError(f"precision must be from -{MAX_ROUND_PRECISION} to {MAX_ROUND_PRECISION}")
    return do_round(value, precision, method)  # type: ignore[arg-type]  # Jinja checks it


@pass_environment
def join(
    environment: Environment, value: Any, separator: str = "", attribute: str | int | None = None
) -> str:
    field = make_attrgetter(environment, attribute) if attribute is not None else None
    separator = to_text(separator)
    pieces: list[str] = []
    size = 0
    for item in value:
        piece = to_text(item if field is None else field(item))
        size += len(piece) + len(separator)
        check_size(size, "the joined text")
        pieces.append(piece)
    return separator.join(pieces)


def split(value: Any, separator: str | None = None, maxsplit: int = -1) -> list[str]:
    return to_text(value).split(separator, maxsplit)


def replace(value: Any, old: Any, new: Any, count: int | None = None) -> str:
    text, old, new = to_text(value), to_text(old), to_text(new)
    occurrences = len(text) + 1 if old == "" else text.count(old)
    if count is not None and count >= 0:
        occurrences = min(occurrences, count)
    check_size(len(text) + occurrences * (len(new) - len(old)))
    return text.replace(old, new, -1 if count is None else count)


def capitalize(value: Any) -> str:
    return to_text(value).capitalize()


def lower(value: Any) -> str:
    return to_text(value).lower()


def upper(value: Any) -> str:
    return to_text(value).upper()


def title(value: Any) -> str:
    return do_title(to_text(value))


def trim(value: Any, chars: str | None = None) -> str:
    return to_text(value).strip(chars)


def wordcount(value: Any) -> int:
    return do_wordcount(to_text(value))


def truncate(
    value: Any, length: int = 255, killwords: bool = False, end: str = "...", leeway: int = 0
) -> str:
    text = to_text(value)
    if len(text) <= length + leeway:
        return text
    kept = text[: max(length - len(end), 0)]
    return (kept if killwords else kept.rsplit(" ", 1)[0]) + end


def base64_encode(value: Any, urlsafe: bool = False) -> str:
    data = to_text(value).encode()
    encoded = base64.urlsafe_b64encode(data) if urlsafe else base64.b64encode(data)
    return encoded.decode("ascii")


def base64_decode(value: Any, urlsafe: bool = False) -> str:
    text = to_text(value).strip()
    padded = text + "=" * (-len(text) % 4)  # tokens (JWT parts) often drop the padding
    try:
        data = (
            base64.urlsafe_b64decode(padded) if urlsafe else base64.b64decode(padded, validate=True)
        )
    except binascii.Error as error:
        raise ValueError(f"not base64: {error}") from None
    return data.decode()


def url_encode(value: Any) -> str:
    if isinstance(value, Mapping):
        return urllib.parse.urlencode({to_text(k): to_text(v) for k, v in value.items()})
    return urllib.parse.quote(to_text(value), safe="")


def sha256(value: Any) -> str:
    return hashlib.sha256(to_text(value).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Regular expressions (the regex package, for its timeout)

_COUNTED_REPEAT = re.compile(r"\{([0-9]+)(?:,[0-9]*)?\}")
# Verbose mode hides parentheses in comments and V1 nests sets: both defeat _unrolled_size.
_UNSUPPORTED_FLAGS = re.compile(r"\(\?[a-zA-Z0-9^-]*(?:x|V1)")


def _pattern(pattern: Any, ignorecase: bool) -> Any:
    """A compiled pattern, refusing those whose compilation alone would be too costly."""
    text = to_text(pattern)
    if len(text) > MAX_PATTERN_LENGTH:
        raise LimitError(f"the pattern is longer than {MAX_PATTERN_LENGTH:,} characters")
    if _UNSUPPORTED_FLAGS.search(text):
        raise ValueError("the verbose (x) and V1 pattern flags are not supported")
    if _unrolled_size(text) > MAX_PATTERN_UNROLL:
        raise LimitError("the pattern repeats too much ({n} counts multiply when nested)")
    return regex.compile(text, regex.IGNORECASE if ignorecase else 0)


def _unrolled_size(pattern: str) -> int:
    """How many items the regex engine builds for pattern. It unrolls the minimum of a counted
    repeat (`a{1000}` is 1,000 items), so counts multiply when nested: `(a{1000}){1000}` would
    take a million items and `a{4294967294}` all memory, before any timeout applies."""
    groups = [0]  # items in each open group, outermost first
    last = 0  # items in the element a repeat applies to
    position = 0
    while position < len(pattern):
        repeat = _COUNTED_REPEAT.match(pattern, position)
        if repeat:
            count = max(int(repeat.group(1)), 1)
            groups[-1] += last * (count - 1)
            last = min(last * count, MAX_PATTERN_UNROLL + 1)
            position = repeat.end()
        elif pattern.startswith("(?#", position):
            position = _after(pattern, ")", position)
        elif pattern[position] == "(":
            groups.append(0)
            last, position = 0, position + 1
        elif pattern[position] == ")":
            if len(groups) == 1:
                raise ValueError("unbalanced parenthesis in the pattern")
            last = max(groups.pop(), 1)
            groups[-1] += last
            position += 1
        else:
            position = _element_end(pattern, position)
            last = 1
            groups[-1] += 1
    if len(groups) != 1:
        raise ValueError("unbalanced parenthesis in the pattern")
    return groups[0]


def _element_end(pattern: str, position: int) -> int:
    """Where one element ends: an escape, a character set or a single character."""
    if pattern[position] == "\\":
        return position + 2
    if pattern[position] != "[":
        return position + 1
    end = position + 1
    if pattern.startswith("^", end):
        end += 1
    if pattern.startswith("]", end):  # a leading ] is a member, not the end
        end += 1
    while end < len(pattern) and pattern[end] != "]":
        if pattern.startswith("[:", end) and ":]" in pattern[end:]:
            end = _after(pattern, ":]", end)  # a POSIX class such as [:alpha:]
        else:
            end += 2 if pattern[end] == "\\" else 1
    return end + 1


def _after(pattern: str, closing: str, position: int) -> int:
    found = pattern.find(closing, position)
    return len(pattern) if found < 0 else found + len(closing)


def regex_match(value: Any, pattern: Any, ignorecase: bool = False) -> bool:
    found = _pattern(pattern, ignorecase).search(to_text(value), timeout=REGEX_TIMEOUT)
    return found is not None


def regex_replace(
    value: Any, pattern: Any, replacement: Any, count: int = 0, ignorecase: bool = False
) -> str:
    text, template = to_text(value), to_text(replacement)
    produced = len(text)  # the result is never longer than text plus every replacement

    def expand(match: Any) -> str:
        nonlocal produced
        piece: str = match.expand(template)
        produced += len(piece)
        check_size(produced)
        spend()
        return piece

    result: str = _pattern(pattern, ignorecase).sub(expand, text, count, timeout=REGEX_TIMEOUT)
    return result


# ---------------------------------------------------------------------------------------------
# Dates: ISO 8601 text in and out, always UTC

_DURATION = re.compile(
    r"(?P<sign>[-+])?P(?!$)(?:(?P<years>[0-9]{1,6})Y)?(?:(?P<months>[0-9]{1,6})M)?"
    r"(?:(?P<weeks>[0-9]{1,6})W)?(?:(?P<days>[0-9]{1,7})D)?"
    r"(?:T(?=[0-9])(?:(?P<hours>[0-9]{1,9})H)?(?:(?P<minutes>[0-9]{1,9})M)?"
    r"(?:(?P<seconds>[0-9]{1,9}(?:[.,][0-9]{1,9})?)S)?)?"
)
# Only fixed-width directives: C strftime accepts flags and widths ("%999999999Y").
_FORMAT_DIRECTIVES = frozenset("aAbBdHIjmMpSyYzZf%")
_DIRECTIVE = re.compile(r"%(.?)", re.DOTALL)


def utcnow() -> str:
    return _iso(datetime.now(UTC).replace(microsecond=0))


def guid() -> str:
    """A new random UUID, as Logic Apps' guid() gives (imported playbooks use it for ids)."""
    return str(uuid.uuid4())


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _datetime(value: Any) -> datetime:
    moment = datetime.fromisoformat(to_text(value).strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def add_duration(value: Any, duration: Any) -> str:
    parsed = _DURATION.fullmatch(to_text(duration).strip())
    if parsed is None:
        raise ValueError(f"{duration!r} is not an ISO 8601 duration such as PT30M or P1D")
    sign = -1 if parsed.group("sign") == "-" else 1
    amount = {
        name: float(text.replace(",", "."))
        for name, text in parsed.groupdict(default="0").items()
        if name != "sign"
    }
    months = sign * int(amount["years"] * 12 + amount["months"])
    delta = timedelta(
        weeks=amount["weeks"],
        days=amount["days"],
        hours=amount["hours"],
        minutes=amount["minutes"],
        seconds=amount["seconds"],
    )
    return _iso(_add_months(_datetime(value), months) + sign * delta)


def duration_seconds(duration: str) -> float:
    """An ISO 8601 duration in seconds, for timers and limits: a month counts 30 days and a year
    365, since a timer's length cannot depend on the calendar it starts in."""
    parsed = _DURATION.fullmatch(duration.strip())
    if parsed is None:
        raise ValueError(f"{duration!r} is not an ISO 8601 duration such as PT30M or P1D")
    amount = {
        name: float(text.replace(",", "."))
        for name, text in parsed.groupdict(default="0").items()
        if name != "sign"
    }
    days = amount["years"] * 365 + amount["months"] * 30 + amount["weeks"] * 7 + amount["days"]
    seconds = ((days * 24 + amount["hours"]) * 60 + amount["minutes"]) * 60 + amount["seconds"]
    return -seconds if parsed.group("sign") == "-" else seconds


def _add_months(moment: datetime, months: int) -> datetime:
    """Calendar months: the day is clamped, so Jan 31 plus one month is the end of February."""
    if months == 0:
        return moment
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _checked_format(format: Any) -> str:
    text = to_text(format)
    if len(text) > MAX_FORMAT_LENGTH:
        raise LimitError(f"the format is longer than {MAX_FORMAT_LENGTH} characters")
    if any(directive not in _FORMAT_DIRECTIVES for directive in _DIRECTIVE.findall(text)):
        shown = " ".join(f"%{d}" for d in sorted(_FORMAT_DIRECTIVES))
        raise ValueError(f"format directives are limited to {shown}")
    return text


def format_datetime(value: Any, format: Any = "%Y-%m-%d %H:%M:%S") -> str:
    return _datetime(value).astimezone(UTC).strftime(_checked_format(format))


def parse_datetime(value: Any, format: Any = None) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _iso(datetime.fromtimestamp(value, UTC))
    text = to_text(value).strip()
    if format is not None:
        moment = datetime.strptime(text, _checked_format(format))
    else:
        moment = _parse_iso_or_rfc2822(text)
    return _iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _parse_iso_or_rfc2822(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)  # e-mail and HTTP dates: Tue, 1 Jul 2025 10:00:00 GMT
    except (TypeError, ValueError):
        raise ValueError(f"{text[:100]!r} is not an ISO 8601 or RFC 2822 date") from None


# ---------------------------------------------------------------------------------------------
# Security helpers

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*)://", re.IGNORECASE)
_DEFANGED_SCHEMES = {"http": "hxxp", "https": "hxxps", "ftp": "fxp"}
_REFANGED_SCHEME = re.compile(r"(hxxps?|fxp)(\[:\]|:)//", re.IGNORECASE)
_REFANG_DOT = re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)", re.IGNORECASE)
_REFANG_AT = re.compile(r"\[@\]|\[at\]|\(at\)", re.IGNORECASE)
_HOST = re.compile(r"[\w.:-]+")


def _ip(value: Any) -> IPAddress | None:
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def is_ip(value: Any) -> bool:
    return _ip(value) is not None


def is_private_ip(value: Any) -> bool:
    address = _ip(value)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address is not None and address.is_private


def ip_in_cidr(value: Any, cidr: Any) -> bool:
    address = _ip(value)
    networks = [cidr] if isinstance(cidr, str) else list(cidr)
    parsed = [ipaddress.ip_network(to_text(network).strip(), strict=False) for network in networks]
    return address is not None and any(address in network for network in parsed)


def defang(value: Any) -> str:
    """hxxp://evil[.]com/a: the scheme and the last dot of the host are broken, nothing else,
    so paths stay readable and refang() restores the original exactly."""
    text = refang(value)
    scheme = _SCHEME.match(text)
    prefix, rest = "", text
    if scheme:
        name = scheme.group(1)
        prefix = _DEFANGED_SCHEMES.get(name.lower(), name) + "://"
        rest = text[scheme.end() :]
    host_end = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:host_end], rest[host_end:]
    host_start = authority.rfind("@") + 1  # after user info, or an e-mail's local part
    head, host = authority[:host_start], authority[host_start:]
    dot = host.rfind(".")
    if dot >= 0:
        host = f"{host[:dot]}[.]{host[dot + 1 :]}"
    return prefix + head + host + tail


def refang(value: Any) -> str:
    text = _REFANGED_SCHEME.sub(lambda m: _refanged_scheme(m.group(1)) + "://", to_text(value))
    text = _REFANG_DOT.sub(".", text)
    return _REFANG_AT.sub("@", text.replace("[:]", ":"))


def _refanged_scheme(defanged: str) -> str:
    return {"hxxp": "http", "hxxps": "https", "fxp": "ftp"}[defanged.lower()]


def domain_of(value: Any) -> str | None:
    text = refang(value).strip()
    if "://" not in text:
        if "@" in text and "/" not in text:
            host: str | None = text.rsplit("@", 1)[1].lower()
            return host if host and _HOST.fullmatch(host) else None
        text = "//" + text
    try:
        host = urllib.parse.urlsplit(text).hostname
    except ValueError:  # a malformed [IPv6] host
        return None
    return host if host and _HOST.fullmatch(host) else None


# ---------------------------------------------------------------------------------------------
# Tests (`value is number`): Jinja's, except those that format text with %


def _is_odd(value: Any) -> bool:
    return isinstance(value, int) and value % 2 == 1


def _is_even(value: Any) -> bool:
    return isinstance(value, int) and value % 2 == 0


def _is_divisible_by(value: Any, number: Any) -> bool:
    # Jinja's `value % number == 0` would format a text value with %.
    if not isinstance(value, int | float) or not isinstance(number, int | float):
        raise TypeError("divisibleby works on numbers")
    return value % number == 0


def _is_lower(value: Any) -> bool:
    return isinstance(value, str) and value.islower()


def _is_upper(value: Any) -> bool:
    return isinstance(value, str) and value.isupper()


_KEPT_JINJA_TESTS = (
    *("defined", "undefined", "none", "number", "string", "mapping", "sequence", "boolean"),
    *("integer", "float", "true", "false", "eq", "ne", "lt", "le", "gt", "ge", "in"),
)


# ---------------------------------------------------------------------------------------------
# The guard every function runs behind, and the registries

_LEADING_ARGUMENTS: dict[_PassArg | None, Callable[[Context], tuple[Any, ...]]] = {
    None: lambda context: (),
    _PassArg.context: lambda context: (context,),
    _PassArg.eval_context: lambda context: (context.eval_ctx,),
    _PassArg.environment: lambda context: (context.environment,),
}


def _guarded(function: Callable[..., Any], *, allocates_items: bool = False) -> Callable[..., Any]:
    """function as the sandbox may call it: what it allocates is charged to the budget (which
    also checks the clock) and generator results become lists. Taking the context also keeps
    Jinja from ever evaluating it at compile time, outside any budget."""
    leading = _LEADING_ARGUMENTS[_PassArg.from_obj(function)]

    @pass_context
    def guarded(context: Context, *args: Any, **kwargs: Any) -> Any:
        result = function(*leading(context), *args, **kwargs)
        if isinstance(result, GeneratorType):
            result = list(result)
        if args and result is args[0]:
            spend()  # handed back unchanged: nothing new allocated
        elif allocates_items and isinstance(result, list):
            spend(sys.getsizeof(result) + sum(map(sys.getsizeof, result)))
        else:
            spend(sys.getsizeof(result))
        return result

    guarded.__name__ = getattr(function, "__name__", "function")
    return guarded


@dataclass(frozen=True)
class _Function:
    name: str
    kind: Literal["filter", "global"]
    implementation: Callable[..., Any]
    signature: str
    description: str
    allocates_items: bool = False  # builds a new container or text per item


def _jinja(name: str) -> Callable[..., Any]:
    builtin: Callable[..., Any] = JINJA_FILTERS[name]
    return builtin


def _jinja_test(name: str) -> Callable[..., Any]:
    return cast("Callable[..., Any]", JINJA_TESTS[name])


_FUNCTIONS: tuple[_Function, ...] = (
    _Function("abs", "filter", abs, "abs(number)", "The absolute value."),
    _Function(
        "add_duration",
        "filter",
        add_duration,
        "add_duration(time, duration)",
        "Adds an ISO 8601 duration (`PT30M`, `P1D`, `-PT1H`, `P1Y2M`) to an ISO time; months "
        "and years follow the calendar.",
    ),
    _Function("attr", "filter", attr, "attr(object, name)", "The field `name`, as `object[name]`."),
    _Function(
        "base64_decode",
        "filter",
        base64_decode,
        "base64_decode(text, urlsafe=false)",
        "Base64 (padding optional) decoded to UTF-8 text.",
    ),
    _Function(
        "base64_encode",
        "filter",
        base64_encode,
        "base64_encode(text, urlsafe=false)",
        "The UTF-8 text in base64.",
    ),
    _Function(
        "batch",
        "filter",
        batch,
        "batch(list, size, fill_with=none)",
        "The list cut into lists of `size` items (at most 10,000); `fill_with` pads the last.",
        allocates_items=True,
    ),
    _Function(
        "capitalize",
        "filter",
        capitalize,
        "capitalize(text)",
        "First character upper case, the rest lower case.",
    ),
    _Function(
        "coalesce",
        "filter",
        coalesce,
        "coalesce(value, *others)",
        "The first of the values that is neither null nor undefined; null if none.",
    ),
    _Function("count", "filter", len, "count(value)", "Same as `length`."),
    _Function("d", "filter", _jinja("default"), "d(value, default='')", "Same as `default`."),
    _Function(
        "default",
        "filter",
        _jinja("default"),
        "default(value, default='', boolean=false)",
        "`default` when the value is undefined (with `boolean=true`: also when empty, false or "
        "null).",
    ),
    _Function(
        "defang",
        "filter",
        defang,
        "defang(indicator)",
        "A URL, domain, IP or e-mail address made safe to show: `http://evil.com/a` becomes "
        "`hxxp://evil[.]com/a`, `1.2.3.4` becomes `1.2.3[.]4` (the host's last dot). Applying "
        "it twice changes nothing; `refang` undoes it.",
    ),
    _Function(
        "dictsort",
        "filter",
        _jinja("dictsort"),
        "dictsort(object, case_sensitive=false, by='key', reverse=false)",
        "The object's `[key, value]` pairs sorted by key (or `by='value'`).",
        allocates_items=True,
    ),
    _Function(
        "domain_of",
        "filter",
        domain_of,
        "domain_of(text)",
        "The host of a URL or the domain of an e-mail address, in lower case; null if none.",
    ),
    _Function(
        "filesizeformat",
        "filter",
        _jinja("filesizeformat"),
        "filesizeformat(bytes, binary=false)",
        "A number of bytes as `1.2 MB` (or `1.2 MiB`).",
    ),
    _Function("first", "filter", _jinja("first"), "first(list)", "The first item."),
    _Function(
        "float",
        "filter",
        _jinja("float"),
        "float(value, default=0.0)",
        "The value as a number with decimals, or `default`.",
    ),
    _Function(
        "format_datetime",
        "filter",
        format_datetime,
        "format_datetime(time, format='%Y-%m-%d %H:%M:%S')",
        "An ISO time formatted in UTC. Directives: `%Y %m %d %H %M %S %f %y %b %B %a %A %j %p "
        "%I %z %Z %%`; no others, no widths or flags.",
    ),
    _Function("from_json", "filter", from_json, "from_json(text)", "The value JSON text holds."),
    _Function(
        "groupby",
        "filter",
        groupby,
        "groupby(list, attribute, default=none, case_sensitive=false)",
        'The items grouped by a field: `[{"grouper": key, "list": [items]}]`, sorted by key.',
        allocates_items=True,
    ),
    _Function(
        "int",
        "filter",
        _jinja("int"),
        "int(value, default=0, base=10)",
        "The value as a whole number, or `default`.",
    ),
    _Function(
        "ip_in_cidr",
        "filter",
        ip_in_cidr,
        "ip_in_cidr(ip, cidr)",
        "True when the IP address is in the network (or one of a list of networks); false "
        "when the value is not an IP address.",
    ),
    _Function("is_ip", "filter", is_ip, "is_ip(value)", "True for an IPv4 or IPv6 address."),
    _Function(
        "is_private_ip",
        "filter",
        is_private_ip,
        "is_private_ip(value)",
        "True for a private, loopback, link-local or other non-public address (Python's "
        "`ipaddress` rules); false otherwise.",
    ),
    _Function(
        "items",
        "filter",
        items,
        "items(object)",
        "The object's `[key, value]` pairs.",
        allocates_items=True,
    ),
    _Function(
        "join",
        "filter",
        join,
        "join(list, separator='', attribute=none)",
        "The items (or each item's field) as text, joined (at most 1,000,000 characters).",
    ),
    _Function("json", "filter", to_json_text, "json(value)", "The value as JSON text."),
    _Function("keys", "filter", keys, "keys(object)", "The object's keys."),
    _Function("last", "filter", _jinja("last"), "last(list)", "The last item."),
    _Function(
        "length",
        "filter",
        len,
        "length(value)",
        "Items in a list or object; characters in a text.",
    ),
    _Function(
        "list",
        "filter",
        list,
        "list(value)",
        "The items as a list (an object's keys, a text's characters).",
    ),
    _Function("lower", "filter", lower, "lower(text)", "Lower case."),
    _Function(
        "map",
        "filter",
        _jinja("map"),
        "map(list, attribute=name, default=none) or map(list, filter, *args)",
        "Each item's field, or each item passed through a filter.",
    ),
    _Function(
        "max",
        "filter",
        _jinja("max"),
        "max(list, case_sensitive=false, attribute=none)",
        "The largest item.",
    ),
    _Function(
        "min",
        "filter",
        _jinja("min"),
        "min(list, case_sensitive=false, attribute=none)",
        "The smallest item.",
    ),
    _Function(
        "parse_datetime",
        "filter",
        parse_datetime,
        "parse_datetime(value, format=none)",
        "An ISO time in UTC from ISO 8601 text, an RFC 2822 (e-mail) date, Unix seconds, or "
        "text in `format` (directives as in `format_datetime`).",
    ),
    _Function(
        "refang",
        "filter",
        refang,
        "refang(text)",
        "Undoes `defang`, and the usual variants `[.]`, `(.)`, `[dot]`, `[:]`, `[@]`, `hxxp`.",
    ),
    _Function(
        "regex_match",
        "filter",
        regex_match,
        "regex_match(text, pattern, ignorecase=false)",
        "True when the pattern matches anywhere in the text (anchor with `^` and `$`). Stops "
        "after 0.25 s.",
    ),
    _Function(
        "regex_replace",
        "filter",
        regex_replace,
        "regex_replace(text, pattern, replacement, count=0, ignorecase=false)",
        r"Replaces matches (`\1`, `\g<name>` insert groups; count 0 means all). Stops after "
        "0.25 s.",
    ),
    _Function(
        "reject",
        "filter",
        _jinja("reject"),
        "reject(list, test, *args)",
        "The items that fail the test (without a test: the truthy ones go).",
    ),
    _Function(
        "rejectattr",
        "filter",
        _jinja("rejectattr"),
        "rejectattr(list, attribute, test, *args)",
        "The items whose field fails the test.",
    ),
    _Function(
        "replace",
        "filter",
        replace,
        "replace(text, old, new, count=none)",
        "Replaces occurrences of `old` (the result may be at most 1,000,000 characters).",
    ),
    _Function(
        "reverse", "filter", reverse, "reverse(value)", "A list backwards, or a text backwards."
    ),
    _Function(
        "round",
        "filter",
        round_number,
        "round(number, precision=0, method='common')",
        "Rounded (`common`, `ceil` or `floor`; precision from -20 to 20).",
    ),
    _Function(
        "select",
        "filter",
        _jinja("select"),
        "select(list, test, *args)",
        "The items that pass the test (without a test: the truthy ones).",
    ),
    _Function(
        "selectattr",
        "filter",
        _jinja("selectattr"),
        "selectattr(list, attribute, test, *args)",
        "The items whose field passes the test (without a test: is truthy).",
    ),
    _Function(
        "set_field",
        "filter",
        set_field,
        "set_field(object, name, value)",
        "A copy of the object with the field `name` set to `value`.",
    ),
    _Function("sha256", "filter", sha256, "sha256(text)", "The hex SHA-256 of the UTF-8 text."),
    _Function(
        "slice",
        "filter",
        slice_into,
        "slice(list, count, fill_with=none)",
        "The list cut into `count` lists (at most 10,000).",
        allocates_items=True,
    ),
    _Function(
        "sort",
        "filter",
        _jinja("sort"),
        "sort(list, reverse=false, case_sensitive=false, attribute=none)",
        "The items sorted.",
    ),
    _Function(
        "split",
        "filter",
        split,
        "split(text, separator=none, maxsplit=-1)",
        "The parts of the text (without separator: split on whitespace).",
        allocates_items=True,
    ),
    _Function(
        "string",
        "filter",
        to_text,
        "string(value)",
        "Text as it is; any other value as its JSON text.",
    ),
    _Function(
        "sum",
        "filter",
        sum_numbers,
        "sum(list, attribute=none, start=0)",
        "The sum of the numbers.",
    ),
    _Function("title", "filter", title, "title(text)", "Each Word Capitalised."),
    _Function("tojson", "filter", to_json_text, "tojson(value)", "Same as `json`."),
    _Function(
        "trim",
        "filter",
        trim,
        "trim(text, chars=none)",
        "Without leading and trailing whitespace (or `chars`).",
    ),
    _Function(
        "truncate",
        "filter",
        truncate,
        "truncate(text, length=255, killwords=false, end='...', leeway=0)",
        "At most `length` characters, cut at a word unless `killwords`.",
    ),
    _Function(
        "unique",
        "filter",
        _jinja("unique"),
        "unique(list, case_sensitive=false, attribute=none)",
        "The items without repeats, in order.",
    ),
    _Function("upper", "filter", upper, "upper(text)", "Upper case."),
    _Function(
        "url_encode",
        "filter",
        url_encode,
        "url_encode(value)",
        "Text percent-encoded for a URL; an object as a query string (`a=1&b=x+y`).",
    ),
    _Function("values", "filter", values, "values(object)", "The object's values."),
    _Function("wordcount", "filter", wordcount, "wordcount(text)", "The number of words."),
    _Function(
        "coalesce",
        "global",
        coalesce,
        "coalesce(*values)",
        "The first value that is neither null nor undefined; null if none.",
    ),
    _Function(
        "range",
        "global",
        capped_range,
        "range(stop) or range(start, stop, step=1)",
        "A list of whole numbers (at most 10,000).",
    ),
    _Function(
        "guid",
        "global",
        guid,
        "guid()",
        "A new random UUID, different at every call: `0f8fad5b-d9cb-469f-a165-70867728950e`.",
    ),
    _Function(
        "utcnow",
        "global",
        utcnow,
        "utcnow()",
        "The current time in UTC to the second: `2025-01-31T09:15:00Z`.",
    ),
)

FUNCTIONS: tuple[tuple[str, str, str, str], ...] = tuple(
    (f.name, f.kind, f.signature, f.description) for f in _FUNCTIONS
)
FILTERS: dict[str, Callable[..., Any]] = {
    f.name: _guarded(f.implementation, allocates_items=f.allocates_items)
    for f in _FUNCTIONS
    if f.kind == "filter"
}
GLOBALS: dict[str, Callable[..., Any]] = {
    f.name: _guarded(f.implementation) for f in _FUNCTIONS if f.kind == "global"
}
# Tests return booleans and allocate nothing: no guard, the filter that applies them has one.
TESTS: dict[str, Callable[..., Any]] = {
    **{name: _jinja_test(name) for name in _KEPT_JINJA_TESTS},
    "odd": _is_odd,
    "even": _is_even,
    "divisibleby": _is_divisible_by,
    "lower": _is_lower,
    "upper": _is_upper,
}


def function_table() -> str:
    """The Markdown table docs/expressions.md shows (a test keeps the two equal)."""
    rows = ["| Function | Kind | Signature | What it gives |", "| --- | --- | --- | --- |"]
    for name, kind, signature, description in FUNCTIONS:
        shown = signature.replace("|", "\\|")
        rows.append(f"| `{name}` | {kind} | `{shown}` | {description} |")
    return "\n".join(rows)

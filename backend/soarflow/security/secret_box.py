"""Encryption at rest for connection secrets, and masking of secret values in traces and logs.

A connection's secret fields (API keys, passwords, client secrets) are stored as one Fernet token
holding a JSON object. Keys come from ``SOARFLOW_SECRET_KEYS`` or, when that is unset, from a key
file under the var directory that is created on first use. Several keys may be configured at once
(``MultiFernet``) so an administrator can rotate: put the new key first, re-encrypt the stored
tokens with ``SecretBox.rotate``, then drop the old key.

No exception raised here carries a key, a token or a secret value in its message: these messages
end up in logs and API error bodies.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEYS_VARIABLE = "SOARFLOW_SECRET_KEYS"
KEY_FILE_NAME = "secret.key"
MASK = "***"
# Shorter values are not masked. Replacing every "a" or "10" in a trace would destroy the data
# around it while hiding nothing an attacker could not guess in a few tries anyway; real API keys,
# passwords and client secrets are far longer than this.
MIN_MASKED_LENGTH = 4

# Owner read and write is all a key file may allow; anything else (group or other access, or even
# owner execute) means it was not created by us and someone should look at it.
_KEY_FILE_MODE = 0o600


class SecretKeyError(Exception):
    """The configured encryption keys are missing, malformed or stored insecurely."""


class SecretsUnreadable(Exception):
    """A stored secrets token cannot be opened with any configured key, or is not ours."""

    def __init__(self) -> None:
        super().__init__(
            "the stored secrets cannot be decrypted with any configured key; if the key was "
            f"changed, add the old key after the new one in {KEYS_VARIABLE}"
        )


class SecretBox:
    """Encrypts a connection's secret fields with the first key and decrypts with any key."""

    def __init__(self, keys: Sequence[str | bytes], *, source: str = "the given keys") -> None:
        """``source`` names where the keys came from, for the error about a malformed key."""
        if not keys:
            raise SecretKeyError(f"{source} holds no encryption key")
        self._fernet = MultiFernet(
            [_fernet(key, f"key {index} of {source}") for index, key in enumerate(keys, 1)]
        )
        self._keys = [key.encode("ascii") if isinstance(key, str) else key for key in keys]

    def signing_keys(self, purpose: str) -> list[bytes]:
        """Keys for signing (approval links), one per encryption key, newest first; derived
        per purpose so that no signature can stand for another use of the same key."""
        return [hmac.new(key, purpose.encode(), hashlib.sha256).digest() for key in self._keys]

    def encrypt(self, value: Mapping[str, str]) -> str:
        for name, field in value.items():
            # Checked at run time too: decrypt promises dict[str, str], so nothing else may go in.
            if not isinstance(name, str) or not isinstance(field, str):
                raise TypeError("secret fields must map names (str) to values (str)")
        plain = json.dumps(dict(value), ensure_ascii=False, separators=(",", ":"))
        return self._fernet.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> dict[str, str]:
        try:
            plain = self._fernet.decrypt(_token_bytes(token))
        except InvalidToken:
            raise SecretsUnreadable from None
        try:
            value = json.loads(plain.decode("utf-8"))
        except ValueError:
            # ``from None``: JSONDecodeError keeps the whole decrypted text in its ``doc``.
            raise SecretsUnreadable from None
        if not isinstance(value, dict) or not all(
            isinstance(name, str) and isinstance(field, str) for name, field in value.items()
        ):
            raise SecretsUnreadable
        return value

    def rotate(self, token: str) -> str:
        """The same secrets, encrypted with the first (newest) key."""
        try:
            return self._fernet.rotate(_token_bytes(token)).decode("ascii")
        except InvalidToken:
            raise SecretsUnreadable from None


def load_secret_box(*, environ: Mapping[str, str], var_dir: Path) -> SecretBox:
    """The box for this installation: keys from the environment, else from the key file.

    An empty ``SOARFLOW_SECRET_KEYS`` counts as unset, as deployment tools write ``NAME=`` for a
    variable they were given no value for.
    """
    configured = environ.get(KEYS_VARIABLE, "").strip()
    if configured:
        keys = [key.strip() for key in configured.split(",")]
        for index, key in enumerate(keys, 1):
            if not key:
                raise SecretKeyError(f"key {index} of {KEYS_VARIABLE} is empty")
        return SecretBox(keys, source=KEYS_VARIABLE)
    key_file = var_dir / KEY_FILE_NAME
    return SecretBox([_read_or_create_key_file(key_file)], source=str(key_file))


def mask(value: Any, secret_values: Iterable[str]) -> Any:
    """A copy of a JSON-like value with every occurrence of a secret value replaced by ``***``.

    Secrets are found inside longer strings too (a key in a URL's query, a token in a header) and
    in mapping keys. Values shorter than ``MIN_MASKED_LENGTH`` are ignored (see there why).
    Tuples come back as lists, as JSON has only arrays.
    """
    return _mask(value, _maskable(secret_values))


class SecretRedactingFilter(logging.Filter):
    """Masks secret values in log records before any handler writes them.

    Attach it to handlers rather than loggers: a logger's filters do not see records that
    propagate up from its child loggers, a handler's filters see every record it writes.
    ``secret_values`` is called for every record, so it should be cheap (return a cached set).
    """

    def __init__(self, secret_values: Callable[[], Iterable[str]], name: str = "") -> None:
        super().__init__(name)
        self._secret_values = secret_values

    def filter(self, record: logging.LogRecord) -> bool:
        secret_values = _maskable(self._secret_values())
        if not secret_values:
            return True
        try:
            message = record.getMessage()
        except Exception:
            # Arguments that do not fit the format (or whose str() fails): a filter must not turn
            # a log call into a crash, and the handler would print the raw arguments on stderr,
            # so keep only the masked template and drop the arguments.
            message = str(record.msg)
        # Formatted here, once, so arguments whose str() holds a secret (a dict, a URL object, an
        # exception) are masked as well; the record then carries no arguments to format again.
        record.msg = _mask_text(message, secret_values)
        record.args = None
        if record.exc_info:
            # Exception messages often quote the failing URL or request. Formatters reuse a set
            # exc_text instead of formatting exc_info again, so the masked text is what is written.
            traceback_text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = _mask_text(traceback_text, secret_values)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = _mask_text(record.exc_text, secret_values)
        if record.stack_info:
            record.stack_info = _mask_text(record.stack_info, secret_values)
        return True


def _fernet(key: str | bytes, source: str) -> Fernet:
    try:
        return Fernet(key)
    except ValueError:
        # ``from None`` and no key in the message: the key must not reach logs via the traceback.
        raise SecretKeyError(
            f"{source} is not a valid encryption key (expected 32 bytes in url-safe base64, "
            "as made by cryptography.fernet.Fernet.generate_key())"
        ) from None


def _token_bytes(token: str) -> bytes:
    # Fernet tokens are ASCII; other text would make the base64 decoder raise a bare ValueError.
    try:
        return token.encode("ascii")
    except UnicodeEncodeError:
        raise SecretsUnreadable from None


def _read_or_create_key_file(path: Path) -> bytes:
    try:
        return _read_key_file(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written to a private temporary file first and then hard-linked into place, so the key file
    # appears complete or not at all: another worker starting at the same moment never reads a
    # half-written key, and if it wins the race, its key is kept and ours is discarded. O_EXCL
    # with mode 0600 means the key is never readable by anyone else, not even briefly.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _KEY_FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink()
    return _read_key_file(path)


def _read_key_file(path: Path) -> bytes:
    with path.open("rb") as handle:
        # Checked on the open file, not the path, so the file cannot be swapped in between.
        mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
        if mode & ~_KEY_FILE_MODE:
            raise SecretKeyError(
                f"{path} has permissions {mode:04o}, which let others read or change the "
                f"encryption key; run `chmod 600 {path}` if it is yours, then start again"
            )
        return handle.read().strip()


def _maskable(secret_values: Iterable[str]) -> list[str]:
    return [value for value in set(secret_values) if len(value) >= MIN_MASKED_LENGTH]


def _mask(value: Any, secret_values: Sequence[str]) -> Any:
    if isinstance(value, str):
        return _mask_text(value, secret_values)
    if isinstance(value, Mapping):
        # Two keys that differ only in a secret collapse into one; a masked copy may lose that.
        return {
            _mask(key, secret_values): _mask(item, secret_values) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_mask(item, secret_values) for item in value]
    return value


def _mask_text(text: str, secret_values: Sequence[str]) -> str:
    # Masking can join the text around a mask into a secret again when the secret itself contains
    # "***" ("a***" in "aa***"), so repeat until nothing is found. Each round that finds something
    # replaces at least MIN_MASKED_LENGTH characters by three, so this ends.
    masked = _mask_once(text, secret_values)
    while masked != text:
        text, masked = masked, _mask_once(masked, secret_values)
    return masked


def _mask_once(text: str, secret_values: Sequence[str]) -> str:
    # Every character covered by any occurrence of any secret is masked, overlapping ones included:
    # replacing the secrets one after another would leave the tail of a secret that overlaps an
    # earlier one ("abcdef" and "defghi" in "abcdefghi") in plain text.
    spans: list[tuple[int, int]] = []
    for secret in secret_values:
        start = text.find(secret)
        while start != -1:
            spans.append((start, start + len(secret)))
            start = text.find(secret, start + 1)
    if not spans:
        return text
    spans.sort()
    pieces: list[str] = []
    written = 0
    run_start, run_end = spans[0]
    for start, end in spans[1:]:
        if start <= run_end:
            run_end = max(run_end, end)
            continue
        pieces += [text[written:run_start], MASK]
        written = run_end
        run_start, run_end = start, end
    pieces += [text[written:run_start], MASK, text[run_end:]]
    return "".join(pieces)

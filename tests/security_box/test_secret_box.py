"""Encryption at rest for connection secrets, the key sources, and masking in traces and logs."""

from __future__ import annotations

import io
import logging
import os
import stat
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from soarflow.security.secret_box import (
    KEY_FILE_NAME,
    KEYS_VARIABLE,
    SecretBox,
    SecretKeyError,
    SecretRedactingFilter,
    SecretsUnreadable,
    load_secret_box,
    mask,
)

SECRETS = {"api_key": "vt-0123456789abcdef", "password": 'pässwörd with spaces & "quotes"'}


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def write_key_file(var_dir: Path, content: str, mode: int) -> Path:
    var_dir.mkdir(exist_ok=True)
    path = var_dir / KEY_FILE_NAME
    path.write_text(content)
    path.chmod(mode)
    return path


# --- SecretBox ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [SECRETS, {}, {"token": ""}, {"ключ": "значение 🔑"}])
def test_round_trip(value: dict[str, str]) -> None:
    box = SecretBox([new_key()])
    token = box.encrypt(value)
    assert isinstance(token, str)
    assert box.decrypt(token) == value


def test_the_token_holds_no_secret_in_plain_text() -> None:
    token = SecretBox([new_key()]).encrypt(SECRETS)
    for name, value in SECRETS.items():
        assert name not in token
        assert value not in token


def test_encrypting_twice_gives_different_tokens() -> None:
    box = SecretBox([new_key()])
    assert box.encrypt(SECRETS) != box.encrypt(SECRETS)


def test_only_text_fields_can_be_encrypted() -> None:
    box = SecretBox([new_key()])
    with pytest.raises(TypeError, match="names \\(str\\) to values \\(str\\)"):
        box.encrypt({"port": 443})  # type: ignore[dict-item]


def test_rotation_keeps_old_tokens_readable_and_moves_them_to_the_new_key() -> None:
    old, new = new_key(), new_key()
    token = SecretBox([old]).encrypt(SECRETS)
    during_rotation = SecretBox([new, old])

    assert during_rotation.decrypt(token) == SECRETS
    rotated = during_rotation.rotate(token)
    assert SecretBox([new]).decrypt(rotated) == SECRETS
    with pytest.raises(SecretsUnreadable):
        SecretBox([old]).decrypt(rotated)


def test_new_tokens_are_encrypted_with_the_first_key() -> None:
    old, new = new_key(), new_key()
    token = SecretBox([new, old]).encrypt(SECRETS)
    assert SecretBox([new]).decrypt(token) == SECRETS
    with pytest.raises(SecretsUnreadable):
        SecretBox([old]).decrypt(token)


def test_a_wrong_key_is_reported_without_the_token_or_the_secrets() -> None:
    token = SecretBox([new_key()]).encrypt(SECRETS)
    box = SecretBox([new_key()])
    for attempt in (box.decrypt, box.rotate):
        with pytest.raises(SecretsUnreadable) as caught:
            attempt(token)
        report = "".join(traceback.format_exception(caught.value)) + repr(caught.value)
        assert "cannot be decrypted with any configured key" in str(caught.value)
        assert token not in report
        assert token[20:40] not in report
        for value in SECRETS.values():
            assert value not in report


@pytest.mark.parametrize("token", ["", "not a token", "gAAAAA", "ключ-не-токен"])
def test_anything_but_a_token_is_unreadable(token: str) -> None:
    with pytest.raises(SecretsUnreadable):
        SecretBox([new_key()]).decrypt(token)


@pytest.mark.parametrize(
    "plain",
    [b"not json", b'["a", "list"]', b'{"port": 443}', b'{"nested": {"a": "b"}}', b"\xff\xfe"],
)
def test_a_token_that_does_not_hold_secret_fields_is_unreadable(plain: bytes) -> None:
    key = new_key()
    token = Fernet(key).encrypt(plain).decode("ascii")
    with pytest.raises(SecretsUnreadable) as caught:
        SecretBox([key]).decrypt(token)
    assert plain.decode("utf-8", "replace") not in "".join(traceback.format_exception(caught.value))


def test_a_box_needs_a_key() -> None:
    with pytest.raises(SecretKeyError, match="holds no encryption key"):
        SecretBox([])


# --- load_secret_box: the key file ---------------------------------------------------------------


def test_the_key_file_is_created_private_on_first_use_and_reused(tmp_path: Path) -> None:
    var_dir = tmp_path / "not" / "there" / "yet"
    token = load_secret_box(environ={}, var_dir=var_dir).encrypt(SECRETS)

    key_file = var_dir / KEY_FILE_NAME
    assert mode_of(key_file) == 0o600
    assert os.listdir(var_dir) == [KEY_FILE_NAME]  # no temporary file left behind
    key = key_file.read_bytes()
    Fernet(key.strip())  # a real key

    again = load_secret_box(environ={}, var_dir=var_dir)
    assert again.decrypt(token) == SECRETS
    assert key_file.read_bytes() == key
    assert mode_of(key_file) == 0o600


def test_workers_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        boxes = list(pool.map(lambda _: load_secret_box(environ={}, var_dir=tmp_path), range(16)))
    tokens = [box.encrypt(SECRETS) for box in boxes]
    assert all(box.decrypt(token) == SECRETS for box in boxes for token in tokens)
    assert os.listdir(tmp_path) == [KEY_FILE_NAME]


def test_an_existing_var_dir_is_used_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "soarflow.db").write_text("")
    load_secret_box(environ={}, var_dir=tmp_path)
    assert sorted(os.listdir(tmp_path)) == [KEY_FILE_NAME, "soarflow.db"]


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o700, 0o666])
def test_a_key_file_others_may_read_or_change_is_refused(tmp_path: Path, mode: int) -> None:
    key = new_key()
    key_file = write_key_file(tmp_path, key, mode)
    with pytest.raises(SecretKeyError) as caught:
        load_secret_box(environ={}, var_dir=tmp_path)
    message = str(caught.value)
    assert f"{mode:04o}" in message
    assert str(key_file) in message
    assert "chmod 600" in message
    assert key not in message
    assert mode_of(key_file) == mode  # reported, not silently fixed


def test_a_read_only_key_file_is_accepted(tmp_path: Path) -> None:
    key = new_key()
    write_key_file(tmp_path, key + "\n", 0o400)
    token = load_secret_box(environ={}, var_dir=tmp_path).encrypt(SECRETS)
    assert SecretBox([key]).decrypt(token) == SECRETS


@pytest.mark.parametrize("content", ["", "not-a-key", "c2hvcnQ=", "ключ", "A" * 40, "two\nkeys"])
def test_a_malformed_key_file_is_named_but_its_content_is_not(tmp_path: Path, content: str) -> None:
    key_file = write_key_file(tmp_path, content, 0o600)
    with pytest.raises(SecretKeyError) as caught:
        load_secret_box(environ={}, var_dir=tmp_path)
    report = "".join(traceback.format_exception(caught.value))
    assert f"key 1 of {key_file} is not a valid encryption key" in str(caught.value)
    if content:
        assert content not in report


# --- load_secret_box: SOARFLOW_SECRET_KEYS -------------------------------------------------------


def test_the_environment_wins_over_the_key_file(tmp_path: Path) -> None:
    from_file = load_secret_box(environ={}, var_dir=tmp_path)
    key = new_key()

    from_env = load_secret_box(environ={KEYS_VARIABLE: key}, var_dir=tmp_path)
    token = from_env.encrypt(SECRETS)

    assert SecretBox([key]).decrypt(token) == SECRETS
    with pytest.raises(SecretsUnreadable):
        from_file.decrypt(token)


def test_with_keys_in_the_environment_no_key_file_is_made(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    load_secret_box(environ={KEYS_VARIABLE: new_key()}, var_dir=var_dir)
    assert not var_dir.exists()


def test_the_first_key_in_the_environment_encrypts_and_any_decrypts(tmp_path: Path) -> None:
    new, old = new_key(), new_key()
    box = load_secret_box(environ={KEYS_VARIABLE: f" {new} , {old} "}, var_dir=tmp_path)

    assert box.decrypt(SecretBox([old]).encrypt(SECRETS)) == SECRETS
    token = box.encrypt(SECRETS)
    with pytest.raises(SecretsUnreadable):
        SecretBox([old]).decrypt(token)


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_variable_counts_as_unset(tmp_path: Path, value: str) -> None:
    load_secret_box(environ={KEYS_VARIABLE: value}, var_dir=tmp_path)
    assert mode_of(tmp_path / KEY_FILE_NAME) == 0o600


@pytest.mark.parametrize(
    ("keys", "position"),
    [("not-a-key", 1), ("{good},s3cr3t-but-not-a-key", 2), ("{good},{good},ключ", 3)],
)
def test_a_malformed_key_in_the_environment_is_named_by_position(
    tmp_path: Path, keys: str, position: int
) -> None:
    good = new_key()
    keys = keys.format(good=good)
    with pytest.raises(SecretKeyError) as caught:
        load_secret_box(environ={KEYS_VARIABLE: keys}, var_dir=tmp_path)
    report = "".join(traceback.format_exception(caught.value))
    assert f"key {position} of {KEYS_VARIABLE} is not a valid encryption key" in str(caught.value)
    for key in keys.split(","):
        assert key not in report
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_an_empty_entry_in_the_environment_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyError, match=f"key 2 of {KEYS_VARIABLE} is empty"):
        load_secret_box(environ={KEYS_VARIABLE: f"{new_key()},,{new_key()}"}, var_dir=tmp_path)


# --- mask ----------------------------------------------------------------------------------------

API_KEY = "vt-0123456789abcdef"
PASSWORD = "hunter2hunter2"


def test_mask_finds_secrets_whole_and_inside_longer_strings_at_any_depth() -> None:
    trace = {
        "inputs": {"ip": "8.8.8.8", "api_key": API_KEY, "retries": 4, "verify": True},
        "request": {
            "url": f"https://www.virustotal.com/api/v3/ip?key={API_KEY}&x=1",
            "headers": [["x-apikey", API_KEY], ["Authorization", f"Basic {PASSWORD}"]],
        },
        "outputs": ("ok", None, 1.5, [f"{PASSWORD}{PASSWORD}", {API_KEY: "named by a secret"}]),
    }
    masked = mask(trace, [API_KEY, PASSWORD])
    assert masked == {
        "inputs": {"ip": "8.8.8.8", "api_key": "***", "retries": 4, "verify": True},
        "request": {
            "url": "https://www.virustotal.com/api/v3/ip?key=***&x=1",
            "headers": [["x-apikey", "***"], ["Authorization", "Basic ***"]],
        },
        "outputs": ["ok", None, 1.5, ["***", {"***": "named by a secret"}]],
    }
    assert trace["inputs"]["api_key"] == API_KEY  # a copy: the original is left alone


def test_mask_ignores_short_values_that_would_destroy_data() -> None:
    text = "a 10 second delay on host abc"
    assert mask(text, ["a", "10", "abc", ""]) == text
    assert mask(text, ["a", "second"]) == "a 10 *** delay on host abc"


def test_mask_hides_every_character_of_overlapping_secrets() -> None:
    assert mask("id=abcdefghi;", ["abcdef", "defghi"]) == "id=***;"
    assert mask("xx-abcd-abcdef", ["abcdef", "abcd"]) == "xx-***-***"


def test_mask_does_not_assemble_a_secret_from_a_mask_and_its_neighbours() -> None:
    assert mask("aa***", ["a***"]) == "***"


def test_mask_leaves_values_without_secrets_as_they_are() -> None:
    value = {"a": [1, 2.5, None, False, "plain text"]}
    assert mask(value, [API_KEY]) == value
    assert mask(value, []) == value


@given(
    pieces=st.lists(st.text(max_size=8), min_size=1, max_size=6),
    secrets=st.lists(st.text(min_size=4, max_size=10), min_size=1, max_size=3),
)
def test_no_secret_survives_masking(pieces: list[str], secrets: list[str]) -> None:
    # The secrets are woven into the text, next to each other and to arbitrary characters.
    text = "".join(piece + secrets[index % len(secrets)] for index, piece in enumerate(pieces))
    masked = mask({"field": [text]}, secrets)["field"][0]
    for secret in secrets:
        assert secret not in masked


# --- SecretRedactingFilter -----------------------------------------------------------------------


@pytest.fixture
def log_output() -> Iterator[tuple[logging.Logger, io.StringIO, set[str]]]:
    """A logger with a handler that writes to a buffer, redacting whatever the set holds."""
    current_secrets: set[str] = {API_KEY, PASSWORD}
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(SecretRedactingFilter(lambda: current_secrets))
    logger = logging.getLogger("soarflow.tests.secret_box")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, buffer, current_secrets
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = True


def test_the_filter_redacts_message_and_arguments(
    log_output: tuple[logging.Logger, io.StringIO, set[str]],
) -> None:
    logger, buffer, _ = log_output
    logger.info(f"calling with key {API_KEY}")
    logger.info("GET %s failed with %d", f"https://api.example/v1?key={API_KEY}", 401)
    logger.warning("headers: %s", {"Authorization": f"Bearer {PASSWORD}"})
    logger.error("%(user)s logged in with %(password)s", {"user": "ann", "password": PASSWORD})
    logger.getChild("connector").info("child logger: %s", API_KEY)

    output = buffer.getvalue()
    assert API_KEY not in output
    assert PASSWORD not in output
    assert output.splitlines() == [
        "INFO soarflow.tests.secret_box calling with key ***",
        "INFO soarflow.tests.secret_box GET https://api.example/v1?key=*** failed with 401",
        "WARNING soarflow.tests.secret_box headers: {'Authorization': 'Bearer ***'}",
        "ERROR soarflow.tests.secret_box ann logged in with ***",
        "INFO soarflow.tests.secret_box.connector child logger: ***",
    ]


def test_the_filter_redacts_tracebacks_and_stacks(
    log_output: tuple[logging.Logger, io.StringIO, set[str]],
) -> None:
    logger, buffer, _ = log_output
    try:
        raise ConnectionError(f"could not reach https://api.example/?key={API_KEY}")
    except ConnectionError:
        logger.exception("call failed")
    logger.info("where", stack_info=True)

    output = buffer.getvalue()
    assert "ConnectionError: could not reach https://api.example/?key=***" in output
    assert "Stack (most recent call last)" in output
    assert API_KEY not in output


def test_the_filter_survives_arguments_that_do_not_fit(
    log_output: tuple[logging.Logger, io.StringIO, set[str]],
) -> None:
    logger, buffer, _ = log_output
    logger.info("two placeholders %s %s for key " + API_KEY, PASSWORD)

    output = buffer.getvalue()
    assert output == "INFO soarflow.tests.secret_box two placeholders %s %s for key ***\n"


def test_the_filter_asks_for_the_current_secrets_on_every_record(
    log_output: tuple[logging.Logger, io.StringIO, set[str]],
) -> None:
    logger, buffer, current_secrets = log_output
    client_secret = "client-secret-added-later"
    logger.info("before: %s", client_secret)
    current_secrets.add(client_secret)
    logger.info("after: %s", client_secret)

    assert buffer.getvalue().splitlines()[1:] == ["INFO soarflow.tests.secret_box after: ***"]


def test_the_filter_with_caplog_keeps_secrets_out_of_captured_records(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.handler.addFilter(SecretRedactingFilter(lambda: [PASSWORD]))
    logging.getLogger("soarflow.tests.secret_box.caplog").warning("password was %s", PASSWORD)

    assert PASSWORD not in caplog.text
    assert [record.getMessage() for record in caplog.records] == ["password was ***"]

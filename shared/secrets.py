"""How every process reads a secret: from a file when one is named, else the inline value.

The file wins because it is how production passes secrets (Docker secrets, a mounted
volume, a ``chmod 600`` file), while an inline value usually comes from the environment
or a development YAML file; naming both means the file was meant (docs/deploy.md).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from shared.errors import SecretFileError


def read_secret(inline: SecretStr | None, path: Path | None, field: str) -> str | None:
    """The secret's text (stripped), the file first; None when neither is set.

    An unreadable file raises ``SecretFileError`` naming ``field`` and the path, never
    the secret itself.
    """
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SecretFileError(field, path, exc.strerror or type(exc).__name__) from exc
    return inline.get_secret_value() if inline is not None else None

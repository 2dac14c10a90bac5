"""Encrypting what the hub keeps in `connection_state`: connectors' tokens, journals and member
records, and the hub's notes about each connection.

Every value is encrypted before it reaches the database, so a copied SQLite file or a database
dump holds no usable OAuth token and no member's phone number. The cipher is Fernet
(AES-128-CBC with an HMAC-SHA256, from the `cryptography` package): authenticated, so a value
tampered with fails to decrypt instead of decrypting wrong.

Keys rotate as n8n's credential keys do, except that the old key keeps working while values
move: `[store] encryption_keys` lists keys newest first; the first encrypts, every one
decrypts. To rotate, put a new key (`passerelle store new-key`) first, keep the old one after
it, run `passerelle store reencrypt`, then drop the old key. A value written before encryption
existed is read as it is and encrypted at its next write, or by `reencrypt`.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from hub.errors import StoreError

PREFIX = "enc:1:"


def new_key() -> str:
    """A fresh key, as `[store] encryption_keys` takes it."""
    return Fernet.generate_key().decode()


class Cipher:
    """Encrypts and decrypts stored values with the store's keys (the first one encrypts).

    With no key it keeps values as they are: a store opened past `hub.store.opening` (a test,
    a bench) writes values any later process can still read, never ones it cannot.
    """

    def __init__(self, keys: Sequence[str]) -> None:
        self._fernet = MultiFernet([Fernet(key) for key in keys]) if keys else None

    @classmethod
    def ephemeral(cls) -> Cipher:
        """A cipher whose key lives as long as this process: for stores nothing outlives."""
        return cls([new_key()])

    def encrypt(self, text: str) -> str:
        if self._fernet is None:
            return text
        return PREFIX + self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before values were encrypted, or with no key
        if self._fernet is None:
            raise StoreError("the store's values are encrypted and it was opened without its "
                             "keys; open it as the hub does (hub.store.opening.open_store)")
        try:
            return self._fernet.decrypt(stored.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            raise StoreError(
                "a value in the store decrypts with none of the configured keys; set [store] "
                "encryption_keys (or restore passerelle-store.key) to include the key that "
                "encrypted it") from None

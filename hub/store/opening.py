"""Opening the store as a running hub does: owner-only files, and the key to its values.

Every command that reads or writes a configured store opens it here, so none can forget the
file modes or read encrypted values with no key.
"""

from __future__ import annotations

from hub.settings import StoreSettings
from hub.state_files import private_sqlite_file, read_or_create, state_dir
from hub.store.cipher import Cipher, new_key
from hub.store.store import Store

KEY_FILE = "passerelle-store.key"


def open_store(settings: StoreSettings) -> Store:
    """The configured store, its files owner-only, encrypting with the configured keys."""
    private_sqlite_file(settings.url)
    cipher = cipher_for(settings)
    store = Store.open(settings.url)
    store.cipher = cipher
    return store


def cipher_for(settings: StoreSettings) -> Cipher:
    """`[store] encryption_keys`, else the key kept in the state folder (made the first time)."""
    if settings.encryption_keys:
        return Cipher([key.get_secret_value() for key in settings.encryption_keys])
    folder = state_dir(settings.url, settings.state_dir)
    if folder is None:
        return Cipher.ephemeral()
    return Cipher([read_or_create(folder / KEY_FILE, new_key, what="store key")])

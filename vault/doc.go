// Package vault is ztm's encrypted store: one file, vault.age, holding the
// age ciphertext of a serialized SQLite database with every profile, token,
// event and setting.
//
// The database lives only in memory. [Open] decrypts the file and loads the
// image with SQLite's deserialize on one pinned connection; [Vault.Update]
// applies a change in a transaction and saves by serializing, encrypting,
// writing a temp file beside the vault, checking that it decrypts, and
// renaming it over the old one. No plaintext ever reaches the disk: SQLite's
// temp store and rollback journal are kept in memory.
//
// Keys: in passphrase mode the vault's own age identity is stored in
// identity.age, wrapped by age's scrypt recipient, so unlocking costs one
// scrypt and saving costs none. In key-file mode the identity is a plain age
// identity file or an SSH key. The vault can be encrypted to more recipients.
//
// Several processes may share a vault: every change takes the lock (the
// file vault.age.lock and, on Unix, the vault's directory), reloads if
// another process saved since, applies the change and saves. Every side
// file (temp files, the lock, vault.age.bak) is named after the vault's own
// file, so vaults can share a directory.
// [Vault.FreshToken] uses the same lock so that many callers asking for a
// token at once cause a single refresh.
//
// The package knows nothing of OAuth: refreshing is a function the caller
// passes in.
package vault

//! Rebuild when a migration is added: `sqlx::migrate!` embeds the `migrations/` folders at
//! compile time but does not watch them itself.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

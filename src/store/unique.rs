//! Unique constraints, told apart by name on both backends.
//!
//! PostgreSQL names the violated constraint (or unique index) in its error
//! (`DatabaseError::constraint`). SQLite does not: its message names the table and the columns,
//! `UNIQUE constraint failed: account.phone` (several columns are listed `t.a, t.b`), or the index
//! for an index on expressions, `UNIQUE constraint failed: index 'name'`. So each key below
//! carries its table and columns as well as its name, and a SQLite message is matched by them:
//! within one table no two unique keys have the same columns (a unit test checks that, and
//! checks every key against both migration folders), so the columns name the key as surely as
//! PostgreSQL's name does.

/// A unique constraint or unique index of the schema.
#[derive(Debug, PartialEq, Eq)]
pub struct UniqueKey {
    /// Its name in both schemas.
    pub name: &'static str,
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

pub const DISTRICT_NAME: UniqueKey = key("district_name_key", "district", &["name"]);
pub const STREET_NAME: UniqueKey = key("street_name_key", "street", &["district_id", "name"]);
pub const COMMUNITY_NAME: UniqueKey =
    key("community_name_key", "community", &["street_id", "name"]);
pub const BUILDING_NAME: UniqueKey =
    key("building_name_key", "building", &["community_id", "name"]);
pub const ACCOUNT_USERNAME: UniqueKey = key("account_username_key", "account", &["username"]);
pub const ACCOUNT_OPENID: UniqueKey = key("account_openid_key", "account", &["wechat_openid"]);
pub const ACCOUNT_PHONE: UniqueKey = key("account_phone_key", "account", &["phone"]);
pub const SUGGESTION_CLIENT_ID: UniqueKey = key(
    "suggestion_client_id_key",
    "suggestion",
    &["author_account_id", "client_id"],
);
pub const SUGGESTION_PAPER_SERIAL: UniqueKey = key(
    "suggestion_paper_serial_key",
    "suggestion",
    &["paper_batch_id", "paper_serial"],
);
pub const SUGGESTION_ASSIST: UniqueKey = key(
    "suggestion_assist_key",
    "suggestion",
    &["entered_by_account_id", "client_id"],
);
pub const SUGGESTION_GROUP_SEQ: UniqueKey = key(
    "suggestion_group_seq",
    "suggestion",
    &["community_id", "group_seq"],
);

pub const ORGANISATION_NAME: UniqueKey = key(
    "organisation_name_key",
    "organisation",
    &["community_id", "name"],
);

/// Every key above.
pub const UNIQUE_KEYS: &[&UniqueKey] = &[
    &DISTRICT_NAME,
    &STREET_NAME,
    &COMMUNITY_NAME,
    &BUILDING_NAME,
    &ACCOUNT_USERNAME,
    &ACCOUNT_OPENID,
    &ACCOUNT_PHONE,
    &SUGGESTION_CLIENT_ID,
    &SUGGESTION_PAPER_SERIAL,
    &SUGGESTION_ASSIST,
    &SUGGESTION_GROUP_SEQ,
    &ORGANISATION_NAME,
];

const fn key(
    name: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
) -> UniqueKey {
    UniqueKey {
        name,
        table,
        columns,
    }
}

/// What SQLite's message says was violated.
#[derive(Debug, PartialEq)]
enum SqliteTarget<'a> {
    Columns {
        table: &'a str,
        columns: Vec<&'a str>,
    },
    Index(&'a str),
}

/// Read `UNIQUE constraint failed: t.a, t.b` or `UNIQUE constraint failed: index 'name'`.
fn sqlite_target(message: &str) -> Option<SqliteTarget<'_>> {
    let rest = message.strip_prefix("UNIQUE constraint failed: ")?;
    if let Some(index) = rest.strip_prefix("index '") {
        return index.strip_suffix('\'').map(SqliteTarget::Index);
    }
    let mut table = None;
    let mut columns = Vec::new();
    for item in rest.split(", ") {
        let (t, column) = item.split_once('.')?;
        if *table.get_or_insert(t) != t {
            return None;
        }
        columns.push(column);
    }
    Some(SqliteTarget::Columns {
        table: table?,
        columns,
    })
}

impl UniqueKey {
    /// Whether `e` is a violation of this key (and not of another one).
    pub fn violated_by(&self, e: &sqlx::Error) -> bool {
        let sqlx::Error::Database(db) = e else {
            return false;
        };
        if !db.is_unique_violation() {
            return false;
        }
        if let Some(name) = db.constraint() {
            return name == self.name;
        }
        match sqlite_target(db.message()) {
            Some(SqliteTarget::Index(name)) => name == self.name,
            Some(SqliteTarget::Columns { table, columns }) => {
                table == self.table
                    && columns.len() == self.columns.len()
                    && self.columns.iter().all(|c| columns.contains(c))
            }
            None => false,
        }
    }
}

/// A store error that callers can match: the unique key `constraint` (its name) was violated.
/// The name is for code and logs; people are told what it means (see
/// `routes::admin::communities::conflict_from`).
#[derive(Debug, thiserror::Error)]
#[error("unique constraint {constraint} violated")]
pub struct UniqueViolation {
    pub constraint: &'static str,
}

/// Map a violation of `key` to [`UniqueViolation`], so the API can answer 409 instead of 500.
/// Any other error, a violation of another key included, passes through unchanged.
pub(crate) fn on_unique(key: &'static UniqueKey) -> impl Fn(sqlx::Error) -> anyhow::Error {
    move |e: sqlx::Error| {
        if key.violated_by(&e) {
            anyhow::Error::new(UniqueViolation {
                constraint: key.name,
            })
        } else {
            anyhow::Error::new(e)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn sqlite_messages_name_the_table_and_columns_or_the_index() {
        assert_eq!(
            sqlite_target("UNIQUE constraint failed: account.phone"),
            Some(SqliteTarget::Columns {
                table: "account",
                columns: vec!["phone"]
            })
        );
        assert_eq!(
            sqlite_target(
                "UNIQUE constraint failed: suggestion.author_account_id, suggestion.client_id"
            ),
            Some(SqliteTarget::Columns {
                table: "suggestion",
                columns: vec!["author_account_id", "client_id"]
            })
        );
        assert_eq!(
            sqlite_target("UNIQUE constraint failed: index 'person_by_lower_name'"),
            Some(SqliteTarget::Index("person_by_lower_name"))
        );
        assert_eq!(sqlite_target("FOREIGN KEY constraint failed"), None);
        assert_eq!(
            sqlite_target("UNIQUE constraint failed: a.x, b.y"),
            None,
            "one key never spans two tables"
        );
    }

    #[test]
    fn no_two_keys_of_a_table_have_the_same_columns() {
        let mut seen = BTreeSet::new();
        for k in UNIQUE_KEYS {
            let columns: BTreeSet<_> = k.columns.iter().collect();
            assert!(
                seen.insert((k.table, columns)),
                "{} has the columns of another key of {}",
                k.name,
                k.table
            );
        }
        let names: BTreeSet<_> = UNIQUE_KEYS.iter().map(|k| k.name).collect();
        assert_eq!(names.len(), UNIQUE_KEYS.len());
    }

    /// The unique keys a migration folder leaves: `(name, table, columns)`, in statement order
    /// (a later `create unique index` of the same name replaces the earlier one).
    fn declared_keys(folder: &str) -> Vec<(String, String, BTreeSet<String>)> {
        let mut files: Vec<_> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut keys: Vec<(String, String, BTreeSet<String>)> = Vec::new();
        let columns = |list: &str| -> BTreeSet<String> {
            let inner = &list[list.find('(').unwrap() + 1..list.find(')').unwrap()];
            inner.split(',').map(|c| c.trim().to_string()).collect()
        };
        for file in files {
            let sql = std::fs::read_to_string(&file).unwrap();
            let mut table = String::new();
            for line in sql.lines().map(str::trim) {
                if let Some(rest) = line.strip_prefix("create table ") {
                    table = rest.split_whitespace().next().unwrap().to_string();
                } else if let Some(rest) = line.strip_prefix("constraint ") {
                    let (name, def) = rest.split_once(' ').unwrap();
                    if def.starts_with("unique") {
                        keys.push((name.into(), table.clone(), columns(def)));
                    }
                } else if let Some(rest) = line.strip_prefix("create unique index ") {
                    let (name, def) = rest.split_once(" on ").unwrap();
                    let on_table = def.split_whitespace().next().unwrap().to_string();
                    keys.retain(|k| k.0 != name);
                    keys.push((name.into(), on_table, columns(def)));
                }
            }
        }
        keys
    }

    #[test]
    fn every_key_is_declared_so_in_both_schemas_and_no_other_key_has_its_columns() {
        for backend in ["sqlite", "postgres"] {
            let declared = declared_keys(&format!(
                "{}/migrations/{backend}",
                env!("CARGO_MANIFEST_DIR")
            ));
            for k in UNIQUE_KEYS {
                let columns: BTreeSet<String> = k.columns.iter().map(|c| c.to_string()).collect();
                let same_columns: Vec<&str> = declared
                    .iter()
                    .filter(|(_, table, c)| table == k.table && *c == columns)
                    .map(|(name, _, _)| name.as_str())
                    .collect();
                // Exactly this key: a SQLite message with these columns cannot mean another.
                assert_eq!(
                    same_columns,
                    [k.name],
                    "unique keys of {}{:?} in migrations/{backend}",
                    k.table,
                    k.columns
                );
            }
        }
    }
}

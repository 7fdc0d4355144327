//! The two databases behind one small interface: a statement with `$1`, `$2`, …
//! parameters and rows of text and integers. Every statement is written once, in the SQL
//! both SQLite and PostgreSQL read alike (`ON CONFLICT … DO UPDATE`, `LIMIT`, `CAST(… AS
//! BIGINT)`); SQLite numbers `$n` parameters in order of first appearance, so each
//! statement names them in increasing order.

use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};

/// Migrations, embedded from `migrations/` and run by refinery on either database.
mod embedded {
    refinery::embed_migrations!("migrations");
}

/// A value bound to a parameter.
#[derive(Debug, Clone)]
pub enum Param {
    Text(String),
    Int(i64),
    Null,
}

impl From<&str> for Param {
    fn from(s: &str) -> Param {
        Param::Text(s.to_string())
    }
}

impl From<String> for Param {
    fn from(s: String) -> Param {
        Param::Text(s)
    }
}

impl From<i64> for Param {
    fn from(i: i64) -> Param {
        Param::Int(i)
    }
}

impl From<Option<String>> for Param {
    fn from(s: Option<String>) -> Param {
        s.map_or(Param::Null, Param::Text)
    }
}

/// A value read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Null,
}

impl Value {
    pub fn int(&self) -> i64 {
        match self {
            Value::Int(i) => *i,
            Value::Text(t) => t.parse().unwrap_or(0),
            Value::Null => 0,
        }
    }

    pub fn text(&self) -> Option<String> {
        match self {
            Value::Text(t) => Some(t.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Null => None,
        }
    }
}

/// Why a statement failed; `broken`: the connection is gone (it is opened again later).
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub broken: bool,
}

/// An open database.
#[derive(Clone)]
pub enum Conn {
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
    Postgres(Arc<tokio_postgres::Client>),
}

/// A key for PostgreSQL's advisory lock, held while migrating, so two processes starting
/// at once migrate one after the other.
const MIGRATION_LOCK: i64 = 0x0061_7474_6163_6865; // "attache"

impl Conn {
    /// Open (creating it and its folder when absent) the SQLite file at `path`, check it
    /// and bring its schema up to date.
    pub fn open_sqlite(path: &Path) -> Result<Conn, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let fail = |e: rusqlite::Error| format!("{}: {e}", path.display());
        let mut conn = rusqlite::Connection::open(path).map_err(fail)?;
        // Shorter than a statement's time limit, so waiting for another writer is not
        // taken for an outage.
        conn.busy_timeout(std::time::Duration::from_secs(2))
            .map_err(fail)?;
        // Checked before anything is written to it (switching to WAL writes the header).
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(fail)?;
        if check != "ok" {
            return Err(format!("{} is damaged: {check}", path.display()));
        }
        // WAL: readers never wait for the writer; FULL: a committed vote survives a
        // crash of the process and of the machine.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        // Two processes starting at once on one file migrate one after the other.
        let lock_path = path.with_extension("migrating.lock");
        let lock = crate::core::durable::lock_exclusive(&lock_path)
            .map_err(|e| format!("{}: {e}", lock_path.display()))?;
        embedded::migrations::runner()
            .set_abort_missing(false)
            .run(&mut conn)
            .map_err(|e| format!("{}: migrating: {e}", path.display()))?;
        drop(lock);
        Ok(Conn::Sqlite(Arc::new(Mutex::new(conn))))
    }

    /// Connect to PostgreSQL at `url` and bring its schema up to date.
    pub async fn open_postgres(url: &str) -> Result<Conn, String> {
        let (mut client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("PostgreSQL: {}", pg_message(&e)))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %pg_message(&e), "the PostgreSQL connection closed");
            }
        });
        let lock = format!("SELECT pg_advisory_lock({MIGRATION_LOCK})");
        client
            .batch_execute(&lock)
            .await
            .map_err(|e| format!("PostgreSQL: {}", pg_message(&e)))?;
        let migrated = embedded::migrations::runner()
            .set_abort_missing(false)
            .run_async(&mut client)
            .await
            .map_err(|e| format!("PostgreSQL: migrating: {e}"));
        let unlock = format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})");
        client
            .batch_execute(&unlock)
            .await
            .map_err(|e| format!("PostgreSQL: {}", pg_message(&e)))?;
        migrated?;
        Ok(Conn::Postgres(Arc::new(client)))
    }

    /// Run `sql`; the rows it changed.
    pub async fn execute(&self, sql: &'static str, params: Vec<Param>) -> Result<u64, Failure> {
        match self {
            Conn::Sqlite(conn) => {
                sqlite(conn, sql, params, |stmt| {
                    stmt.raw_execute().map(|n| n as u64).map_err(sqlite_failure)
                })
                .await
            }
            Conn::Postgres(client) => client
                .execute(sql, &pg_params(&params))
                .await
                .map_err(pg_failure),
        }
    }

    /// Run `sql`; its rows.
    pub async fn query(
        &self,
        sql: &'static str,
        params: Vec<Param>,
    ) -> Result<Vec<Vec<Value>>, Failure> {
        match self {
            Conn::Sqlite(conn) => {
                sqlite(conn, sql, params, |stmt| {
                    let columns = stmt.column_count();
                    let mut rows = stmt.raw_query();
                    let mut out = Vec::new();
                    while let Some(row) = rows.next().map_err(sqlite_failure)? {
                        let mut values = Vec::with_capacity(columns);
                        for i in 0..columns {
                            use rusqlite::types::ValueRef;
                            values.push(match row.get_ref(i).map_err(sqlite_failure)? {
                                ValueRef::Integer(n) => Value::Int(n),
                                ValueRef::Real(f) => Value::Int(f as i64),
                                ValueRef::Text(t) => {
                                    Value::Text(String::from_utf8_lossy(t).into_owned())
                                }
                                ValueRef::Blob(_) | ValueRef::Null => Value::Null,
                            });
                        }
                        out.push(values);
                    }
                    Ok(out)
                })
                .await
            }
            Conn::Postgres(client) => {
                let rows = client
                    .query(sql, &pg_params(&params))
                    .await
                    .map_err(pg_failure)?;
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let mut values = Vec::with_capacity(row.len());
                    for (i, column) in row.columns().iter().enumerate() {
                        let value = match *column.type_() {
                            Type::INT8 => {
                                row.try_get::<_, Option<i64>>(i).map(|v| v.map(Value::Int))
                            }
                            Type::INT4 => row
                                .try_get::<_, Option<i32>>(i)
                                .map(|v| v.map(|n| Value::Int(n.into()))),
                            _ => row
                                .try_get::<_, Option<String>>(i)
                                .map(|v| v.map(Value::Text)),
                        }
                        .map_err(pg_failure)?;
                        values.push(value.unwrap_or(Value::Null));
                    }
                    out.push(values);
                }
                Ok(out)
            }
        }
    }

    /// Whether the connection is known to be gone.
    pub fn is_closed(&self) -> bool {
        match self {
            Conn::Sqlite(_) => false,
            Conn::Postgres(client) => client.is_closed(),
        }
    }
}

/// `params` as tokio-postgres takes them.
fn pg_params(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// Run `work` on `sql` prepared (and cached) on the SQLite connection with `params`
/// bound, on a blocking thread.
async fn sqlite<T: Send + 'static>(
    conn: &Arc<Mutex<rusqlite::Connection>>,
    sql: &'static str,
    params: Vec<Param>,
    work: impl FnOnce(&mut rusqlite::CachedStatement<'_>) -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    let conn = conn.clone();
    blocking(move || {
        let conn = conn.lock().map_err(|_| poisoned())?;
        let mut stmt = conn.prepare_cached(sql).map_err(sqlite_failure)?;
        bind(&mut stmt, &params)?;
        work(&mut stmt)
    })
    .await
}

fn bind(stmt: &mut rusqlite::CachedStatement<'_>, params: &[Param]) -> Result<(), Failure> {
    for (i, p) in params.iter().enumerate() {
        let result = match p {
            Param::Text(t) => stmt.raw_bind_parameter(i + 1, t),
            Param::Int(n) => stmt.raw_bind_parameter(i + 1, n),
            Param::Null => stmt.raw_bind_parameter(i + 1, rusqlite::types::Null),
        };
        result.map_err(sqlite_failure)?;
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(Failure {
            message: format!("the storage task failed: {e}"),
            broken: false,
        })
    })
}

fn poisoned() -> Failure {
    Failure {
        message: "the SQLite connection was poisoned by a panic".into(),
        broken: true,
    }
}

fn sqlite_failure(e: rusqlite::Error) -> Failure {
    use rusqlite::ErrorCode;
    // A file that turned out damaged, vanished, read-only or full is opened (and
    // checked) again later, and `/healthz` says why meanwhile.
    let broken = matches!(
        e.sqlite_error_code(),
        Some(
            ErrorCode::DatabaseCorrupt
                | ErrorCode::NotADatabase
                | ErrorCode::CannotOpen
                | ErrorCode::SystemIoFailure
                | ErrorCode::ReadOnly
                | ErrorCode::DiskFull
        )
    );
    Failure {
        message: e.to_string(),
        broken,
    }
}

fn pg_failure(e: tokio_postgres::Error) -> Failure {
    Failure {
        broken: e.is_closed() || e.as_db_error().is_none(),
        message: pg_message(&e),
    }
}

/// tokio-postgres's own message says only "db error"; the server's words are in the
/// source.
fn pg_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => match std::error::Error::source(e) {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    }
}

impl ToSql for Param {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Param::Text(t) => t.to_sql(ty, out),
            Param::Int(n) if *ty == Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
            Param::Int(n) => n.to_sql(ty, out),
            Param::Null => Ok(IsNull::Yes),
        }
    }

    fn accepts(ty: &Type) -> bool {
        <String as ToSql>::accepts(ty) || <i64 as ToSql>::accepts(ty) || *ty == Type::INT4
    }

    to_sql_checked!();
}

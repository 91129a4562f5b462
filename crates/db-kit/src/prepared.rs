//! [`sql`]: a raw SQL statement that each connection prepares once and keeps.
//!
//! diesel never caches what `diesel::sql_query` builds (the text could be
//! anything), so each use costs PostgreSQL a Parse and a Describe and the
//! service a round trip of its own before the Bind and Execute: a write of a
//! dozen statements paid a dozen extra round trips. A statement made with
//! [`sql`] is cached by its text on each connection, like diesel's typed
//! queries. Texts must come from a fixed set (constants, or formats of
//! constants), never from data; PostgreSQL may then plan them generically
//! after a few uses, so a statement whose best plan depends on which optional
//! filters are given is made with [`sql_once`]: the same statement, planned
//! for its values at each use.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, BoxedSqlQuery, Query, QueryFragment, QueryId, SqlQuery};
use diesel::serialize::ToSql;
use diesel::sql_types::HasSqlType;

/// A statement kept prepared on each connection (see the module's documentation).
pub fn sql<'f>(text: impl Into<String>) -> Prepared<'f> {
    Prepared {
        query: diesel::sql_query(text).into_boxed(),
        cached: true,
    }
}

/// A raw SQL statement sent unnamed, so PostgreSQL plans it for the values
/// bound at each use and keeps nothing: for a text whose best plan depends on
/// those values.
pub fn sql_once<'f>(text: impl Into<String>) -> Prepared<'f> {
    Prepared {
        query: diesel::sql_query(text).into_boxed(),
        cached: false,
    }
}

/// A raw SQL statement and its binds, cached by its text (unless made by
/// [`sql_once`]).
#[must_use = "a statement does nothing until it is run"]
pub struct Prepared<'f> {
    query: BoxedSqlQuery<'f, Pg, SqlQuery>,
    cached: bool,
}

impl<'f> Prepared<'f> {
    /// Binds the next `$n` parameter, as `SqlQuery::bind` does.
    pub fn bind<ST, Value>(self, value: Value) -> Self
    where
        Pg: HasSqlType<ST>,
        Value: ToSql<ST, Pg> + Send + 'f,
        ST: Send + 'f,
    {
        Self {
            query: self.query.bind::<ST, Value>(value),
            cached: self.cached,
        }
    }
}

impl Query for Prepared<'_> {
    type SqlType = diesel::sql_types::Untyped;
}

impl QueryId for Prepared<'_> {
    type QueryId = ();
    // No static id: the cache keys such a statement by its text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Pg> for Prepared<'_> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.query.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(self.cached)
    }
}

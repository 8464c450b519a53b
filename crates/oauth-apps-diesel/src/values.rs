//! The values of the columns the two databases store differently ([`crate::sql_types`]),
//! converted for each, and the states of secrets and key sets.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use oauth_apps_domain::Timestamp;
use time::OffsetDateTime;

use crate::sql_types;

/// The value of an [`sql_types::Instant`] column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql_types::Instant)]
pub(crate) struct InstantValue(pub(crate) OffsetDateTime);

impl From<Timestamp> for InstantValue {
    fn from(t: Timestamp) -> Self {
        Self(t.as_offset_date_time())
    }
}

impl From<InstantValue> for Timestamp {
    fn from(value: InstantValue) -> Self {
        Self::from_offset_date_time(value.0)
    }
}

/// The value of a [`sql_types::TextList`] column.
#[derive(Debug, Clone, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql_types::TextList)]
pub(crate) struct TextListValue(pub(crate) Vec<String>);

impl TextListValue {
    /// The list of `items`, in order.
    pub(crate) fn of<'a>(items: impl IntoIterator<Item = &'a str>) -> Self {
        Self(items.into_iter().map(str::to_owned).collect())
    }
}

/// The value of a [`sql_types::Uuid`] column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql_types::Uuid)]
pub(crate) struct UuidValue(pub(crate) uuid::Uuid);

/// The state of a stored client secret: the domain knows an application's current and
/// previous secret; storage also keeps every secret it rotated out, revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum SecretState {
    /// The application's current secret (exactly one per application).
    Current,
    /// The secret it had before its last rotation, valid until its expiry (at most one).
    Previous,
    /// A secret that no longer authenticates, kept as history.
    Revoked,
}

impl SecretState {
    /// Every state.
    pub const ALL: [Self; 3] = [Self::Current, Self::Previous, Self::Revoked];

    /// The name stored in the `state` column.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Previous => "previous",
            Self::Revoked => "revoked",
        }
    }

    /// The state stored under `name`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// Reads and writes a storage-only state enum by its name in a text column.
macro_rules! state_column {
    ($state:ty, $what:literal) => {
        impl<DB> ToSql<Text, DB> for $state
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> FromSql<Text, DB> for $state
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let name = String::from_sql(bytes)?;
                Self::parse(&name).ok_or_else(|| format!("unknown {} {name:?}", $what).into())
            }
        }
    };
}

state_column!(SecretState, "secret state");
state_column!(KeySetState, "key set state");

/// The state of a stored key set: an application's current set, and the set it had before
/// its last key rotation while its grace period lasts. A set that is neither any more is
/// deleted (public keys need no history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub enum KeySetState {
    /// The application's current key set (at most one per application).
    Current,
    /// The set it had before its last key rotation, valid until its expiry (at most one).
    Previous,
}

impl KeySetState {
    /// Every state.
    pub const ALL: [Self; 2] = [Self::Current, Self::Previous];

    /// The name stored in the `state` column.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Previous => "previous",
        }
    }

    /// The state stored under `name`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use diesel::deserialize::{self, FromSql};
    use diesel::pg::{Pg, PgValue};
    use diesel::serialize::{self, Output, ToSql};
    use diesel::sql_types::{Array, Text, Timestamptz};
    use time::OffsetDateTime;

    use super::{InstantValue, TextListValue, UuidValue};
    use crate::sql_types;

    impl ToSql<sql_types::Instant, Pg> for InstantValue {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            <OffsetDateTime as ToSql<Timestamptz, Pg>>::to_sql(&self.0, out)
        }
    }

    impl FromSql<sql_types::Instant, Pg> for InstantValue {
        fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
            <OffsetDateTime as FromSql<Timestamptz, Pg>>::from_sql(bytes).map(Self)
        }
    }

    impl ToSql<sql_types::TextList, Pg> for TextListValue {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            <Vec<String> as ToSql<Array<Text>, Pg>>::to_sql(&self.0, out)
        }
    }

    impl FromSql<sql_types::TextList, Pg> for TextListValue {
        fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
            <Vec<String> as FromSql<Array<Text>, Pg>>::from_sql(bytes).map(Self)
        }
    }

    impl ToSql<sql_types::Uuid, Pg> for UuidValue {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            <uuid::Uuid as ToSql<diesel::sql_types::Uuid, Pg>>::to_sql(&self.0, out)
        }
    }

    impl FromSql<sql_types::Uuid, Pg> for UuidValue {
        fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
            <uuid::Uuid as FromSql<diesel::sql_types::Uuid, Pg>>::from_sql(bytes).map(Self)
        }
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use diesel::deserialize::{self, FromSql};
    use diesel::serialize::{self, IsNull, Output, ToSql};
    use diesel::sql_types::{BigInt, Text};
    use diesel::sqlite::{Sqlite, SqliteValue};
    use time::OffsetDateTime;

    use super::{InstantValue, TextListValue, UuidValue};
    use crate::sql_types;

    impl ToSql<sql_types::Instant, Sqlite> for InstantValue {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
            let micros = i64::try_from(self.0.unix_timestamp_nanos().div_euclid(1_000))?;
            out.set_value(micros);
            Ok(IsNull::No)
        }
    }

    impl FromSql<sql_types::Instant, Sqlite> for InstantValue {
        fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
            let micros = <i64 as FromSql<BigInt, Sqlite>>::from_sql(value)?;
            let instant = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)?;
            Ok(Self(instant))
        }
    }

    impl ToSql<sql_types::TextList, Sqlite> for TextListValue {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
            out.set_value(self.0.join("\n"));
            Ok(IsNull::No)
        }
    }

    impl FromSql<sql_types::TextList, Sqlite> for TextListValue {
        fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
            let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
            Ok(Self(if text.is_empty() {
                Vec::new()
            } else {
                text.split('\n').map(str::to_owned).collect()
            }))
        }
    }

    impl ToSql<sql_types::Uuid, Sqlite> for UuidValue {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
            out.set_value(self.0.hyphenated().to_string());
            Ok(IsNull::No)
        }
    }

    impl FromSql<sql_types::Uuid, Sqlite> for UuidValue {
        fn from_sql(value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
            let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
            Ok(Self(uuid::Uuid::try_parse(&text)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_and_key_set_states_have_distinct_stored_names() {
        for state in SecretState::ALL {
            assert_eq!(SecretState::parse(state.as_str()), Some(state));
        }
        assert_eq!(
            SecretState::ALL.map(SecretState::as_str),
            ["current", "previous", "revoked"]
        );
        assert_eq!(SecretState::parse("expired"), None);
        for state in KeySetState::ALL {
            assert_eq!(KeySetState::parse(state.as_str()), Some(state));
        }
        assert_eq!(
            KeySetState::ALL.map(KeySetState::as_str),
            ["current", "previous"]
        );
        assert_eq!(KeySetState::parse("revoked"), None);
    }

    #[test]
    fn instants_keep_their_microseconds() {
        let t = Timestamp::from_unix_micros(1_700_000_000_123_456).unwrap();
        assert_eq!(Timestamp::from(InstantValue::from(t)), t);
    }
}

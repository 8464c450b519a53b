//! The columns that hold a member of a closed set: an application's type, access level,
//! status and authentication method, its grant types, a secret's or a key set's state, an
//! audit event's action and changed fields, a registration's kind, a webhook's event types,
//! a delivery's status, a policy's leak action, an allowance's grant types and methods.
//!
//! Each column is text on both databases (with a check that lists the names its set has),
//! and each row type holds the member itself: a [`Named`] member, or a [`NamedList`] of
//! members for a list column. A name is parsed once, where the row is read, by one generic
//! implementation of diesel's `FromSql`/`ToSql` over every [`ClosedSet`]; a stored name
//! outside its set is an error ([`UnknownName`]) that diesel reports with the column's name
//! (`Error deserializing field 'app_type'`), never a panic and never a member dropped.

use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use oauth_apps_domain::{
    AccessLevel, AppType, AuditAction, AuthMethod, ChangedField, DeliveryStatus, EventType,
    GrantType, LeakedSecretAction, PolicyProfile, Registration, Status,
};

use crate::sql_types;
use crate::values::TextListValue;

/// A closed set whose members a text column stores by their names.
pub(crate) trait ClosedSet: Copy + fmt::Debug + 'static {
    /// What a member is, as an error names it ("application type").
    const WHAT: &'static str;

    /// The member's stored name.
    fn name(self) -> &'static str;

    /// The member stored as `name`, if there is one.
    fn from_name(name: &str) -> Option<Self>;

    /// The member stored as `name`.
    ///
    /// # Errors
    /// [`UnknownName`] when no member has that name.
    fn parse_stored(name: &str) -> Result<Self, UnknownName> {
        Self::from_name(name).ok_or_else(|| UnknownName {
            what: Self::WHAT,
            name: name.to_owned(),
        })
    }
}

/// Declares each closed set: what its members are, and the functions that give a member's
/// name and the member of a name.
macro_rules! closed_sets {
    ($($set:ty: $what:literal, $name:expr, $from_name:expr;)+) => {$(
        impl ClosedSet for $set {
            const WHAT: &'static str = $what;

            fn name(self) -> &'static str {
                $name(self)
            }

            fn from_name(name: &str) -> Option<Self> {
                $from_name(name)
            }
        }
    )+};
}

closed_sets! {
    AppType: "application type", AppType::as_str, |n| AppType::parse(n).ok();
    AccessLevel: "access level", AccessLevel::as_str, |n| AccessLevel::parse(n).ok();
    Status: "status", Status::as_str, |n| Status::parse(n).ok();
    AuthMethod: "authentication method", AuthMethod::as_str, |n| AuthMethod::parse(n).ok();
    GrantType: "grant type", GrantType::as_str, |n| GrantType::parse(n).ok();
    Registration: "registration", Registration::as_str, |n| Registration::parse(n).ok();
    AuditAction: "audit action", AuditAction::as_str, AuditAction::parse;
    ChangedField: "changed field", ChangedField::as_str, ChangedField::parse;
    EventType: "event type", EventType::as_str, EventType::parse;
    DeliveryStatus: "delivery status", DeliveryStatus::as_str, DeliveryStatus::parse;
    LeakedSecretAction: "leaked secret action", LeakedSecretAction::as_str,
        |n| LeakedSecretAction::parse(n).ok();
    PolicyProfile: "policy profile", PolicyProfile::as_str, |n| PolicyProfile::parse(n).ok();
    SecretState: "secret state", SecretState::as_str, SecretState::parse;
    KeySetState: "key set state", KeySetState::as_str, KeySetState::parse;
}

/// A stored name that names no member of its closed set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnknownName {
    what: &'static str,
    name: String,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a known {}", self.name, self.what)
    }
}

impl std::error::Error for UnknownName {}

/// The member of a closed set that a text column holds, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub(crate) struct Named<T>(pub(crate) T);

impl<T: ClosedSet, DB> FromSql<Text, DB> for Named<T>
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let name = String::from_sql(bytes)?;
        Ok(Self(T::parse_stored(&name)?))
    }
}

impl<T: ClosedSet, DB> ToSql<Text, DB> for Named<T>
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        self.0.name().to_sql(out)
    }
}

/// The members of a closed set that a list column ([`sql_types::TextList`]) holds, in
/// order, by their names.
#[derive(Debug, Clone, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = sql_types::TextList)]
pub(crate) struct NamedList<T>(pub(crate) Vec<T>);

impl<T: ClosedSet> NamedList<T> {
    /// The members' names, in order.
    fn names(&self) -> TextListValue {
        TextListValue::of(self.0.iter().map(|m| m.name()))
    }
}

impl<T: ClosedSet, DB> FromSql<sql_types::TextList, DB> for NamedList<T>
where
    DB: Backend,
    TextListValue: FromSql<sql_types::TextList, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let names = TextListValue::from_sql(bytes)?;
        let members = names.0.iter().map(|n| T::parse_stored(n));
        Ok(Self(members.collect::<Result<_, _>>()?))
    }
}

#[cfg(feature = "postgres")]
impl<T: ClosedSet> ToSql<sql_types::TextList, diesel::pg::Pg> for NamedList<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::pg::Pg>) -> serialize::Result {
        ToSql::<sql_types::TextList, diesel::pg::Pg>::to_sql(&self.names(), &mut out.reborrow())
    }
}

#[cfg(feature = "sqlite")]
impl<T: ClosedSet> ToSql<sql_types::TextList, diesel::sqlite::Sqlite> for NamedList<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, diesel::sqlite::Sqlite>) -> serialize::Result {
        out.set_value(self.names().0.join("\n"));
        Ok(serialize::IsNull::No)
    }
}

/// The state of a stored client secret: the domain knows an application's current and
/// previous secret; storage also keeps every secret it rotated out, revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// The state of a stored key set: an application's current set, and the set it had before
/// its last key rotation while its grace period lasts. A set that is neither any more is
/// deleted (public keys need no history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every member of `members` is read back from its name; its set's other names are not.
    fn round_trips<T: ClosedSet + PartialEq>(members: &[T]) {
        for member in members {
            assert_eq!(T::parse_stored(member.name()), Ok(*member));
        }
        let unknown = T::parse_stored("no such member").unwrap_err();
        assert_eq!(
            unknown.to_string(),
            format!("\"no such member\" is not a known {}", T::WHAT)
        );
    }

    #[test]
    fn every_member_of_each_closed_set_is_read_back_from_its_name() {
        round_trips(AppType::ALL);
        round_trips(AccessLevel::ALL);
        round_trips(Status::ALL);
        round_trips(&AuthMethod::ALL);
        round_trips(GrantType::ALL);
        round_trips(&Registration::ALL);
        round_trips(&AuditAction::ALL);
        round_trips(&ChangedField::ALL);
        round_trips(&EventType::ALL);
        round_trips(&DeliveryStatus::ALL);
        round_trips(&[LeakedSecretAction::Revoke, LeakedSecretAction::Notify]);
        round_trips(&PolicyProfile::ALL);
        round_trips(&SecretState::ALL);
        round_trips(&KeySetState::ALL);
    }

    /// The latest migrations that set the check of an event's changed fields (PostgreSQL:
    /// its constraint; SQLite: its triggers, made again with the rebuilt table).
    const CHANGED_FIELDS_PG: &str =
        include_str!("../../../migrations/postgres/2026-12-10-000001_client_profiles/up.sql");
    const CHANGED_FIELDS_SQLITE: &str =
        include_str!("../../../migrations/sqlite/2026-12-10-000003_stale_clients/up.sql");

    /// The names the PostgreSQL check lists: the quoted names of its
    /// `changed_fields <@ ARRAY[...]`.
    fn array_names(sql: &str) -> Vec<&str> {
        let opening = "changed_fields <@ ARRAY[";
        let start = sql.find(opening).expect("an array") + opening.len();
        let end = start + sql[start..].find(']').expect("the array's end");
        sql[start..end]
            .split(',')
            .map(|name| name.trim().trim_matches('\''))
            .collect()
    }

    /// The names each SQLite trigger takes off (`char(10) || 'name' || char(10)`), per
    /// trigger, by the trigger's name.
    fn trigger_names(sql: &str) -> Vec<(&str, Vec<&str>)> {
        sql.split("CREATE TRIGGER ")
            .skip(1)
            .filter(|trigger| trigger.starts_with("audit_events_changed_fields_"))
            .map(|trigger| {
                let name = trigger.split_whitespace().next().expect("a trigger's name");
                let names = trigger
                    .split("char(10) || '")
                    .skip(1)
                    .filter_map(|rest| rest.split_once("' || char(10)").map(|(n, _)| n))
                    .collect();
                (name, names)
            })
            .collect()
    }

    #[test]
    fn the_changed_fields_check_lists_every_changed_field_and_nothing_else() {
        let expected: Vec<&str> = ChangedField::ALL.iter().map(|f| f.as_str()).collect();
        assert_eq!(array_names(CHANGED_FIELDS_PG), expected);
        let triggers = trigger_names(CHANGED_FIELDS_SQLITE);
        let names: Vec<&str> = triggers.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "audit_events_changed_fields_insert",
                "audit_events_changed_fields_update"
            ]
        );
        for (trigger, names) in triggers {
            assert_eq!(names, expected, "{trigger}");
        }
    }

    #[test]
    fn names_that_a_set_refuses_are_unknown() {
        // Refused by the domain's own parser: a symmetric method, a removed grant.
        assert!(AuthMethod::parse_stored("client_secret_jwt").is_err());
        assert!(GrantType::parse_stored("implicit").is_err());
        assert!(SecretState::parse_stored("Current").is_err());
        assert!(KeySetState::parse_stored("revoked").is_err());
    }
}

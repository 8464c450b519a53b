//! Request bodies and query strings, read strictly by the shape the OpenAPI document
//! gives their types.
//!
//! A body type derives `Deserialize` and `ToSchema`; [`Json`] reads the body as a JSON
//! object and checks it against the type's own schema before deserializing it: every
//! unknown field, every missing required field and every value of the wrong JSON type is
//! named, all in one 400, in the order of the body. So what the document says a body may
//! hold is exactly what is accepted. The rules beyond JSON types (lengths, patterns, the
//! redirect URL and grant rules) are the domain's, answered with 422.
//!
//! Two readings go beyond a plain deserializer, as JSON Schema itself does: a number with
//! no fractional part (`600.0`) is an integer, and `null` for a property whose schema
//! allows it is the same as leaving the property out (unless the type reads `null` itself,
//! as a PATCH's `description` does, which clears it).

use std::any::TypeId;
use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use utoipa::openapi::path::ParameterIn;
use utoipa::{IntoParams, ToSchema};

use crate::body::MAX_BODY_BYTES;
use crate::problem::{ApiError, FieldProblem, Problem, Surface};

/// The JSON type a property must have.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array(Box<Kind>),
    Any,
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Self::String => "a string".into(),
            Self::Integer => "an integer".into(),
            Self::Number => "a number".into(),
            Self::Boolean => "a boolean".into(),
            Self::Object => "an object".into(),
            Self::Array(item) => format!("an array of {}", item.plural()),
            Self::Any => "a value".into(),
        }
    }

    fn plural(&self) -> String {
        match self {
            Self::String => "strings".into(),
            Self::Integer => "integers".into(),
            Self::Number => "numbers".into(),
            Self::Boolean => "booleans".into(),
            Self::Object => "objects".into(),
            Self::Array(item) => format!("arrays of {}", item.plural()),
            Self::Any => "values".into(),
        }
    }
}

/// A property: its JSON type, and whether `null` is allowed.
#[derive(Debug, Clone)]
struct Property {
    kind: Kind,
    nullable: bool,
}

/// The properties of a body or query type, from its schema.
#[derive(Debug, Default)]
struct Shape {
    properties: BTreeMap<String, Property>,
    required: Vec<String>,
}

/// Reads a property's type from its JSON Schema, following `$ref`s into `components`.
fn property(schema: &Value, components: &HashMap<String, Value>, depth: u8) -> Property {
    let any = Property {
        kind: Kind::Any,
        nullable: true,
    };
    if depth > 8 {
        return any;
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return components
            .get(name)
            .map_or(any, |s| property(s, components, depth + 1));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alternatives) = schema.get(key).and_then(Value::as_array) {
            let is_null = |s: &Value| s.get("type").and_then(Value::as_str) == Some("null");
            let nullable = alternatives.iter().any(is_null);
            let mut others = alternatives.iter().filter(|s| !is_null(s));
            return match (others.next(), others.next()) {
                (Some(only), None) => {
                    let mut p = property(only, components, depth + 1);
                    p.nullable |= nullable;
                    p
                }
                _ => any,
            };
        }
    }
    if let Some(first) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .and_then(|all| all.first())
    {
        return property(first, components, depth + 1);
    }
    let (types, nullable): (Vec<&str>, bool) = match schema.get("type") {
        Some(Value::String(t)) => (vec![t.as_str()], false),
        Some(Value::Array(ts)) => {
            let ts: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
            let nullable = ts.contains(&"null");
            (ts.into_iter().filter(|t| *t != "null").collect(), nullable)
        }
        _ => return any,
    };
    let kind = match types.as_slice() {
        ["string"] => Kind::String,
        ["integer"] => Kind::Integer,
        ["number"] => Kind::Number,
        ["boolean"] => Kind::Boolean,
        ["object"] => Kind::Object,
        ["array"] => Kind::Array(Box::new(schema.get("items").map_or(Kind::Any, |items| {
            property(items, components, depth + 1).kind
        }))),
        _ => Kind::Any,
    };
    Property { kind, nullable }
}

/// The shape of `T`'s schema (cached: computed once per type).
fn shape_of<T: ToSchema + 'static>() -> Arc<Shape> {
    static SHAPES: OnceLock<RwLock<HashMap<TypeId, Arc<Shape>>>> = OnceLock::new();
    let shapes = SHAPES.get_or_init(RwLock::default);
    if let Some(shape) = shapes
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&TypeId::of::<T>())
    {
        return shape.clone();
    }
    let mut referenced = Vec::new();
    T::schemas(&mut referenced);
    let components: HashMap<String, Value> = referenced
        .into_iter()
        .filter_map(|(name, schema)| Some((name, serde_json::to_value(schema).ok()?)))
        .collect();
    let schema = serde_json::to_value(T::schema()).unwrap_or_default();
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => components
            .get(reference.rsplit('/').next().unwrap_or_default())
            .cloned()
            .unwrap_or_default(),
        None => schema,
    };
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .map(|(name, s)| (name.clone(), property(s, &components, 0)))
                .collect()
        })
        .unwrap_or_default();
    let required = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let shape = Arc::new(Shape {
        properties,
        required,
    });
    shapes
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(TypeId::of::<T>(), shape.clone());
    shape
}

/// Checks `value` against `kind`; an integral number is made an integer. Problems are
/// named after `path`.
fn check(path: &str, value: &mut Value, kind: &Kind, problems: &mut Vec<FieldProblem>) {
    let ok = match kind {
        Kind::String => value.is_string(),
        Kind::Boolean => value.is_boolean(),
        Kind::Number => value.is_number(),
        Kind::Object => value.is_object(),
        Kind::Any => true,
        Kind::Integer => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => true,
            Value::Number(n) => match n.as_f64() {
                #[allow(clippy::cast_possible_truncation)]
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                    *value = Value::from(f as i64);
                    true
                }
                _ => false,
            },
            _ => false,
        },
        Kind::Array(item) => match value {
            Value::Array(items) => {
                for (i, element) in items.iter_mut().enumerate() {
                    check(&format!("{path}[{i}]"), element, item, problems);
                }
                true
            }
            _ => false,
        },
    };
    if !ok {
        problems.push(FieldProblem::new(
            path,
            format!("must be {}", kind.describe()),
        ));
    }
}

/// Reads `object` as a `T`: every unknown property, missing required property and value
/// of the wrong type is named.
fn strict<T: DeserializeOwned + ToSchema + 'static>(
    mut object: Map<String, Value>,
    what: &str,
) -> Result<T, Problem> {
    let shape = shape_of::<T>();
    let mut problems = Vec::new();
    for (name, value) in &mut object {
        match shape.properties.get(name) {
            None => problems.push(FieldProblem::new(name, "is not a known field")),
            Some(p) if value.is_null() => {
                if !p.nullable {
                    problems.push(FieldProblem::new(
                        name,
                        format!("must be {}", p.kind.describe()),
                    ));
                }
            }
            Some(p) => check(name, value, &p.kind, &mut problems),
        }
    }
    for name in &shape.required {
        if !object.contains_key(name) {
            problems.push(FieldProblem::new(name, "is required"));
        }
    }
    if !problems.is_empty() {
        let names: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        let detail = format!("The {what} has problems with: {}.", names.join(", "));
        return Err(Problem::bad_request(detail, problems));
    }
    serde_json::from_value(Value::Object(object))
        .map_err(|e| Problem::bad_request(format!("The {what} is not valid: {e}."), vec![]))
}

/// Whether `req` says its body is `application/json` (parameters such as `charset`
/// allowed; no other media type, `+json` suffixes included).
pub(crate) fn declares_json(req: &HttpRequest) -> bool {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// The body of `req` as a JSON object: `None` when it is empty. (`null` is not an object:
/// an optional body is left out, not sent as `null`.)
///
/// # Errors
/// 413 over 64 KiB, 415 when it is not `application/json`, 400 when it is not JSON or
/// not an object.
async fn object(
    req: &HttpRequest,
    mut payload: Payload,
) -> Result<Option<Map<String, Value>>, Problem> {
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| Problem::bad_request(e.to_string(), vec![]))?;
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("The body must be at most {MAX_BODY_BYTES} bytes."),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if !declares_json(req) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The body must be application/json.",
        ));
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(_) => Err(Problem::bad_request(
            "The body must be a JSON object.",
            vec![],
        )),
        Err(e) => Err(Problem::bad_request(
            format!("The body is not valid JSON: {e}."),
            vec![],
        )),
    }
}

/// A required JSON body of type `T`, read strictly (see the module), on the surface `S`.
pub struct Json<T, S>(T, PhantomData<fn() -> S>);

impl<T, S> Json<T, S> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T, S> FromRequest for Json<T, S>
where
    T: DeserializeOwned + ToSchema + 'static,
    S: Surface,
{
    type Error = ApiError<S>;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError<S>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (req, payload) = (req.clone(), payload.take());
        Box::pin(async move {
            let body = object(&req, payload)
                .await?
                .ok_or_else(|| Problem::bad_request("A JSON body is required.", vec![]))?;
            Ok(Self(strict(body, "body")?, PhantomData))
        })
    }
}

/// An optional JSON body of type `T` (an empty body is `None`), read as [`Json`].
pub struct OptionalJson<T, S>(Option<T>, PhantomData<fn() -> S>);

impl<T, S> OptionalJson<T, S> {
    /// The body, if one was sent.
    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

impl<T, S> FromRequest for OptionalJson<T, S>
where
    T: DeserializeOwned + ToSchema + 'static,
    S: Surface,
{
    type Error = ApiError<S>;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError<S>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let (req, payload) = (req.clone(), payload.take());
        Box::pin(async move {
            let body = match object(&req, payload).await? {
                Some(body) => Some(strict(body, "body")?),
                None => None,
            };
            Ok(Self(body, PhantomData))
        })
    }
}

/// The query parameters of a request as a `T` (deriving `Deserialize` and `IntoParams`),
/// read by the parameters' schemas: a missing required parameter and a value of the
/// wrong type are named, all in one 400. Parameters the type does not know are ignored.
pub struct Query<T, S>(T, PhantomData<fn() -> S>);

impl<T, S> Query<T, S> {
    /// The parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// The shape of `T`'s query parameters (cached per type).
fn parameters_of<T: IntoParams + 'static>() -> Arc<Shape> {
    static SHAPES: OnceLock<RwLock<HashMap<TypeId, Arc<Shape>>>> = OnceLock::new();
    let shapes = SHAPES.get_or_init(RwLock::default);
    if let Some(shape) = shapes
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&TypeId::of::<T>())
    {
        return shape.clone();
    }
    let mut shape = Shape::default();
    for parameter in T::into_params(|| Some(ParameterIn::Query)) {
        let schema = parameter
            .schema
            .as_ref()
            .and_then(|s| serde_json::to_value(s).ok())
            .unwrap_or_default();
        shape.properties.insert(
            parameter.name.clone(),
            property(&schema, &HashMap::new(), 0),
        );
        if parameter.required == utoipa::openapi::Required::True {
            shape.required.push(parameter.name.clone());
        }
    }
    let shape = Arc::new(shape);
    shapes
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(TypeId::of::<T>(), shape.clone());
    shape
}

fn query<T: DeserializeOwned + IntoParams + 'static>(req: &HttpRequest) -> Result<T, Problem> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map_err(|_| Problem::bad_request("The query string is malformed.", vec![]))?
        .into_inner();
    let shape = parameters_of::<T>();
    let mut object = Map::new();
    let mut problems = Vec::new();
    for (name, text) in pairs {
        let Some(p) = shape.properties.get(&name) else {
            continue;
        };
        let value = match p.kind {
            Kind::Integer => match text.trim().parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => {
                    problems.push(FieldProblem::new(&name, "must be an integer"));
                    continue;
                }
            },
            Kind::Boolean => match text.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => {
                    problems.push(FieldProblem::new(&name, "must be true or false"));
                    continue;
                }
            },
            _ => Value::String(text),
        };
        object.insert(name, value);
    }
    for name in &shape.required {
        if !object.contains_key(name) && !problems.iter().any(|p| &p.field == name) {
            problems.push(FieldProblem::new(name, "is required"));
        }
    }
    if !problems.is_empty() {
        return Err(Problem::bad_request("The query has problems.", problems));
    }
    serde_json::from_value(Value::Object(object))
        .map_err(|e| Problem::bad_request(format!("The query is not valid: {e}."), vec![]))
}

impl<T, S> FromRequest for Query<T, S>
where
    T: DeserializeOwned + IntoParams + 'static,
    S: Surface,
{
    type Error = ApiError<S>;
    type Future = std::future::Ready<Result<Self, ApiError<S>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            query(req)
                .map(|q| Self(q, PhantomData))
                .map_err(ApiError::from),
        )
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, ToSchema, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Sample {
        name: String,
        redirect_urls: Vec<String>,
        #[serde(default)]
        grace_period_seconds: Option<i64>,
        #[serde(default)]
        is_first_party: Option<bool>,
        #[serde(default)]
        scopes: Option<Vec<String>>,
    }

    fn read(body: Value) -> Result<Sample, Problem> {
        match body {
            Value::Object(map) => strict(map, "body"),
            _ => unreachable!(),
        }
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let err = read(json!({
            "redirectUrls": ["https://a.example/", 5],
            "isFirstParty": "yes",
            "colour": "red",
            "shape": 1,
            "gracePeriodSeconds": 1.5,
        }))
        .unwrap_err();
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        let fields: Vec<(&str, &str)> = err
            .errors()
            .iter()
            .map(|p| (p.field.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("colour", "is not a known field"),
                ("gracePeriodSeconds", "must be an integer"),
                ("isFirstParty", "must be a boolean"),
                ("redirectUrls[1]", "must be a string"),
                ("shape", "is not a known field"),
                ("name", "is required"),
            ]
        );
    }

    #[test]
    fn null_is_absent_where_the_schema_allows_it_and_integral_numbers_are_integers() {
        let sample = read(json!({
            "name": "A",
            "redirectUrls": [],
            "gracePeriodSeconds": 600.0,
            "scopes": null,
        }))
        .unwrap();
        assert_eq!(sample.grace_period_seconds, Some(600));
        assert_eq!(sample.scopes, None);
        let err = read(json!({"name": null, "redirectUrls": "x"})).unwrap_err();
        let fields: Vec<(&str, &str)> = err
            .errors()
            .iter()
            .map(|p| (p.field.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("name", "must be a string"),
                ("redirectUrls", "must be an array of strings"),
            ]
        );
    }

    #[derive(Debug, Deserialize, IntoParams, PartialEq)]
    #[serde(rename_all = "camelCase")]
    #[into_params(parameter_in = Query)]
    struct Page {
        owner_org_id: String,
        limit: Option<i64>,
        cursor: Option<String>,
    }

    #[test]
    fn query_parameters_are_read_by_their_schema() {
        let req =
            |q: &str| actix_web::test::TestRequest::with_uri(&format!("/x?{q}")).to_http_request();
        assert_eq!(
            query::<Page>(&req("ownerOrgId=acme&limit=5&other=1")).unwrap(),
            Page {
                owner_org_id: "acme".into(),
                limit: Some(5),
                cursor: None
            }
        );
        let err = query::<Page>(&req("limit=five")).unwrap_err();
        let fields: Vec<&str> = err.errors().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["limit", "ownerOrgId"]);
    }
}

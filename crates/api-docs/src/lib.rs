//! OpenAPI 3.1 documents of the Finance Bot services.
//!
//! Each service describes its routes in one table; the same table registers the
//! routes with the web framework and, through [`Operation`], documents them, so
//! the document cannot list a route the service does not serve or miss one it
//! does. This crate holds what every service documents alike: the problem+json
//! answers with their stable `code`s, JSON request bodies and the problems they
//! bring (400/413/415/422), and the security schemes.

pub mod auth;
pub mod finance;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use auth_types::Problem;
use auth_types::problem::codes;
use utoipa::ToSchema;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, Content, HeaderBuilder, InfoBuilder, KnownFormat, OpenApi, OpenApiBuilder,
    Paths, Ref, RefOr, Required, ResponseBuilder, ResponsesBuilder,
};

/// Media type of every request and success body.
pub const JSON: &str = "application/json";

/// Name of the bearer (JWT access token) security scheme.
pub const BEARER: &str = "bearer";

/// Names of the three header schemes that together make the bot's HMAC
/// signature: a request must carry all of them.
pub const BOT_SIGNATURE: [(&str, &str, &str); 3] = [
    (
        "botTimestamp",
        auth_types::signing::HEADER_TIMESTAMP,
        "Unix time in seconds, decimal; at most 300 s from the server's clock.",
    ),
    (
        "botNonce",
        auth_types::signing::HEADER_NONCE,
        "16 to 64 characters of [A-Za-z0-9_-], fresh for every request.",
    ),
    (
        "botSignature",
        auth_types::signing::HEADER_SIGNATURE,
        "v1= and the lowercase hex HMAC-SHA256 of the string to sign (see docs/api.md).",
    ),
];

type Components = Vec<(String, RefOr<Schema>)>;

/// A schema named by its Rust type: the name `$ref`s use and every component
/// it needs.
#[derive(Clone, Copy)]
pub struct SchemaOf {
    name: fn() -> Cow<'static, str>,
    collect: fn(&mut Components),
}

impl SchemaOf {
    pub fn of<T: ToSchema>() -> Self {
        fn collect<T: ToSchema>(out: &mut Components) {
            out.push((T::name().into_owned(), T::schema()));
            T::schemas(out);
        }
        Self {
            name: T::name,
            collect: collect::<T>,
        }
    }

    fn reference(&self) -> RefOr<Schema> {
        RefOr::Ref(Ref::from_schema_name((self.name)()))
    }
}

/// Who may call an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Public,
    /// `Authorization: Bearer <access token>`; 401 `unauthorized` otherwise.
    Bearer,
    /// The bot's HMAC-signed headers; 401 for a bad, stale or replayed signature.
    BotSignature,
    /// The web service's HttpOnly refresh cookie (the browser sends it by itself).
    RefreshCookie,
}

/// Name of the web service's refresh cookie scheme.
pub const REFRESH_COOKIE_SCHEME: &str = "refreshCookie";

struct Success {
    description: &'static str,
    body: Option<Body>,
}

#[derive(Clone, Copy)]
enum Body {
    Json(SchemaOf),
    /// Other media types (an HTML page, a style sheet), as a string.
    Text(&'static [&'static str]),
}

/// The documentation of one operation: what it takes, what it answers, and
/// every problem `code` it can answer with, by status.
pub struct Operation {
    operation_id: Cow<'static, str>,
    summary: &'static str,
    tag: &'static str,
    access: Access,
    body: Option<(SchemaOf, bool)>,
    params: Vec<Parameter>,
    successes: BTreeMap<u16, Success>,
    problems: BTreeMap<u16, BTreeSet<&'static str>>,
}

impl Operation {
    pub fn new(
        operation_id: impl Into<Cow<'static, str>>,
        tag: &'static str,
        summary: &'static str,
    ) -> Self {
        Self {
            operation_id: operation_id.into(),
            summary,
            tag,
            access: Access::Public,
            body: None,
            params: Vec::new(),
            successes: BTreeMap::new(),
            problems: BTreeMap::new(),
        }
    }

    /// An operation of the API proper (not health or metadata): it depends on
    /// PostgreSQL or Redis, so it may answer 503, and 500 for a bug.
    pub fn api(
        operation_id: impl Into<Cow<'static, str>>,
        tag: &'static str,
        summary: &'static str,
    ) -> Self {
        Self::new(operation_id, tag, summary)
            .problem(500, &[codes::INTERNAL])
            .problem(503, &[codes::UNAVAILABLE])
    }

    pub fn access(mut self, access: Access) -> Self {
        self.access = access;
        match access {
            Access::Public | Access::RefreshCookie => {}
            Access::Bearer => self = self.problem(401, &[codes::UNAUTHORIZED]),
            Access::BotSignature => {
                self = self.problem(
                    401,
                    &[
                        codes::INVALID_SIGNATURE,
                        codes::STALE_REQUEST,
                        codes::REPLAYED_REQUEST,
                    ],
                )
            }
        }
        self
    }

    /// A required JSON body of type `T`, with the problems of parsing it.
    pub fn json_body<T: ToSchema>(self) -> Self {
        self.body::<T>(true)
    }

    /// A JSON body that may be left out (an empty body).
    pub fn optional_json_body<T: ToSchema>(self) -> Self {
        self.body::<T>(false)
    }

    fn body<T: ToSchema>(mut self, required: bool) -> Self {
        self.body = Some((SchemaOf::of::<T>(), required));
        self.problem(400, &[codes::MALFORMED_REQUEST])
            .problem(413, &[codes::PAYLOAD_TOO_LARGE])
            .problem(415, &[codes::UNSUPPORTED_MEDIA_TYPE])
            .problem(422, &[codes::VALIDATION_FAILED])
    }

    /// A path segment `{name}`, a UUID.
    pub fn uuid_path_param(self, name: &'static str, description: &'static str) -> Self {
        let schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)));
        self.param(ParameterIn::Path, name, description, schema)
    }

    /// A path segment `{name}`, any string.
    pub fn path_param(self, name: &'static str, description: &'static str) -> Self {
        let schema = ObjectBuilder::new().schema_type(Type::String);
        self.param(ParameterIn::Path, name, description, schema)
    }

    /// An optional query parameter `name` whose values match `schema`.
    pub fn query_param(
        self,
        name: &'static str,
        description: &'static str,
        schema: impl Into<RefOr<Schema>>,
    ) -> Self {
        self.param(ParameterIn::Query, name, description, schema)
    }

    /// An optional request header `name` whose values match `schema`.
    pub fn header_param(
        self,
        name: &'static str,
        description: &'static str,
        schema: impl Into<RefOr<Schema>>,
    ) -> Self {
        self.param(ParameterIn::Header, name, description, schema)
    }

    fn param(
        mut self,
        place: ParameterIn,
        name: &'static str,
        description: &'static str,
        schema: impl Into<RefOr<Schema>>,
    ) -> Self {
        let required = if place == ParameterIn::Path {
            Required::True
        } else {
            Required::False
        };
        self.params.push(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(place)
                .required(required)
                .description(Some(description))
                .schema(Some(schema))
                .build(),
        );
        self
    }

    /// A success answer with a JSON body of type `T`.
    pub fn answers<T: ToSchema>(mut self, status: u16, description: &'static str) -> Self {
        self.successes.insert(
            status,
            Success {
                description,
                body: Some(Body::Json(SchemaOf::of::<T>())),
            },
        );
        self
    }

    /// An answer whose body is text of another media type (HTML, CSS...).
    pub fn answers_text(
        mut self,
        status: u16,
        media_types: &'static [&'static str],
        description: &'static str,
    ) -> Self {
        self.successes.insert(
            status,
            Success {
                description,
                body: Some(Body::Text(media_types)),
            },
        );
        self
    }

    /// A success answer without a body (204).
    pub fn answers_empty(mut self, status: u16, description: &'static str) -> Self {
        self.successes.insert(
            status,
            Success {
                description,
                body: None,
            },
        );
        self
    }

    /// Problem answers: the status and the `code`s it carries.
    pub fn problem(mut self, status: u16, codes: &[&'static str]) -> Self {
        self.problems
            .entry(status)
            .or_default()
            .extend(codes.iter().copied());
        self
    }

    pub fn operation_id(&self) -> &str {
        &self.operation_id
    }

    pub fn access_kind(&self) -> Access {
        self.access
    }

    /// The problem `code`s documented for a status.
    pub fn problem_codes(&self, status: u16) -> impl Iterator<Item = &'static str> + '_ {
        self.problems.get(&status).into_iter().flatten().copied()
    }

    fn schemas(&self) -> impl Iterator<Item = SchemaOf> + '_ {
        self.body
            .iter()
            .map(|(schema, _)| *schema)
            .chain(self.successes.values().filter_map(|s| match s.body {
                Some(Body::Json(schema)) => Some(schema),
                _ => None,
            }))
    }

    fn build(&self) -> utoipa::openapi::path::Operation {
        let mut responses = ResponsesBuilder::new();
        for (status, success) in &self.successes {
            let mut response = ResponseBuilder::new().description(success.description);
            match success.body {
                Some(Body::Json(schema)) => {
                    response = response.content(JSON, Content::new(Some(schema.reference())));
                }
                Some(Body::Text(media_types)) => {
                    for media_type in media_types {
                        let text = ObjectBuilder::new().schema_type(Type::String);
                        response = response.content(*media_type, Content::new(Some(text)));
                    }
                }
                None => {}
            }
            responses = responses.response(status.to_string(), response.build());
        }
        for (status, codes) in &self.problems {
            responses = responses.response(status.to_string(), problem_response(*status, codes));
        }

        let mut operation = OperationBuilder::new()
            .operation_id(Some(self.operation_id.clone()))
            .summary(Some(self.summary))
            .tag(self.tag)
            .responses(responses.build())
            .parameters(Some(self.params.iter().cloned()));
        if let Some((schema, required)) = &self.body {
            operation = operation.request_body(Some(
                RequestBodyBuilder::new()
                    .content(JSON, Content::new(Some(schema.reference())))
                    .required(Some(if *required {
                        Required::True
                    } else {
                        Required::False
                    }))
                    .build(),
            ));
        }
        match self.access {
            Access::Public => {}
            Access::RefreshCookie => {
                operation = operation.security(SecurityRequirement::new(
                    REFRESH_COOKIE_SCHEME,
                    Vec::<String>::new(),
                ))
            }
            Access::Bearer => {
                operation =
                    operation.security(SecurityRequirement::new(BEARER, Vec::<String>::new()))
            }
            Access::BotSignature => {
                let requirement = BOT_SIGNATURE.iter().fold(
                    SecurityRequirement::default(),
                    |requirement, (name, _, _)| requirement.add(*name, Vec::<String>::new()),
                );
                operation = operation.security(requirement);
            }
        }
        operation.build()
    }
}

/// A problem+json answer whose `status` and `code` are pinned to what this
/// operation can send, so a client (or a fuzzer) can check every code.
fn problem_response(status: u16, codes: &BTreeSet<&'static str>) -> utoipa::openapi::Response {
    let narrowed = ObjectBuilder::new()
        .property(
            "status",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .enum_values(Some([status])),
        )
        .property(
            "code",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(codes.iter().copied())),
        );
    let schema = AllOfBuilder::new()
        .item(SchemaOf::of::<Problem>().reference())
        .item(narrowed);
    let description = codes
        .iter()
        .map(|code| format!("`{code}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut response = ResponseBuilder::new().description(description).content(
        auth_types::problem::PROBLEM_CONTENT_TYPE,
        Content::new(Some(schema)),
    );
    if status == 429 || status == 503 {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::Integer))
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    response.build()
}

/// The method of a route, as the document names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Head => "HEAD",
        }
    }

    fn http(self) -> HttpMethod {
        match self {
            Self::Get => HttpMethod::Get,
            Self::Post => HttpMethod::Post,
            Self::Put => HttpMethod::Put,
            Self::Patch => HttpMethod::Patch,
            Self::Delete => HttpMethod::Delete,
            Self::Head => HttpMethod::Head,
        }
    }
}

/// One documented route.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub doc: Operation,
}

impl Route {
    pub fn new(method: Method, path: &'static str, doc: Operation) -> Self {
        Self { method, path, doc }
    }

    pub fn get(path: &'static str, doc: Operation) -> Self {
        Self::new(Method::Get, path, doc)
    }

    pub fn post(path: &'static str, doc: Operation) -> Self {
        Self::new(Method::Post, path, doc)
    }

    pub fn patch(path: &'static str, doc: Operation) -> Self {
        Self::new(Method::Patch, path, doc)
    }

    pub fn delete(path: &'static str, doc: Operation) -> Self {
        Self::new(Method::Delete, path, doc)
    }
}

/// What the document says about the service as a whole.
pub struct Service {
    pub title: &'static str,
    pub version: &'static str,
    pub description: &'static str,
    /// Tags in display order, with their descriptions.
    pub tags: &'static [(&'static str, &'static str)],
}

/// The OpenAPI 3.1 document of a service from its route table.
pub fn document<'a>(service: &Service, routes: impl IntoIterator<Item = &'a Route>) -> OpenApi {
    let mut paths = Paths::new();
    let mut components = ComponentsBuilder::new();
    let mut schemas: Components = Vec::new();
    SchemaOf::of::<Problem>().collect(&mut schemas);
    let mut access = BTreeSet::new();
    for Route {
        method,
        path,
        doc: operation,
    } in routes
    {
        paths.add_path_operation(path, vec![method.http()], operation.build());
        for schema in operation.schemas() {
            schema.collect(&mut schemas);
        }
        access.insert(operation.access as u8);
    }
    for (name, schema) in schemas {
        components = components.schema(name, schema);
    }
    if access.contains(&(Access::Bearer as u8)) {
        components = components.security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from register, login or refresh (15 minutes).",
                    ))
                    .build(),
            ),
        );
    }
    if access.contains(&(Access::BotSignature as u8)) {
        for (name, header, description) in BOT_SIGNATURE {
            components = components.security_scheme(
                name,
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                    header,
                    description,
                ))),
            );
        }
    }
    if access.contains(&(Access::RefreshCookie as u8)) {
        components = components.security_scheme(
            REFRESH_COOKIE_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                auth_types::dto::REFRESH_COOKIE,
                "The refresh token, in an HttpOnly cookie set by register, login and refresh.",
            ))),
        );
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title(service.title)
                .version(service.version)
                .description(Some(service.description))
                .build(),
        )
        .paths(paths)
        .components(Some(components.build()))
        .tags(Some(service.tags.iter().map(|(name, description)| {
            TagBuilder::new()
                .name(*name)
                .description(Some(*description))
                .build()
        })))
        .build()
}

impl SchemaOf {
    fn collect(&self, out: &mut Components) {
        (self.collect)(out)
    }
}

/// The schema of the answer of `GET /openapi.json`: an OpenAPI document.
pub struct OpenApiDocument;

impl utoipa::PartialSchema for OpenApiDocument {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("An OpenAPI 3.1 document (this one)."))
            .property("openapi", ObjectBuilder::new().schema_type(Type::String))
            .property("info", ObjectBuilder::new().schema_type(Type::Object))
            .property("paths", ObjectBuilder::new().schema_type(Type::Object))
            .required("openapi")
            .required("info")
            .required("paths")
            .into()
    }
}

impl ToSchema for OpenApiDocument {}

/// `GET /openapi.json` of a service: the document itself.
pub fn openapi_operation() -> Operation {
    Operation::new("openapi", "meta", "This OpenAPI document")
        .answers::<OpenApiDocument>(200, "The OpenAPI 3.1 document of the service")
}

//! The OpenAPI emitter: IR [`Model`] + [`Overlay`] in, an OpenAPI 3.0.3 document
//! (`spec/openapi.json`) out. The document is the input of progenitor (see
//! [`crate::emit::client`]) and a review artefact: a change of the API shows in its diff.
//!
//! # What is emitted
//!
//! Operations come from [`operations`], which walks `model.paths` (never a hand-written
//! list). For every navigation path whose target is not a path container of the overlay
//! (`user`, `authentication`: pure hops):
//!
//! | path | capability | operation | success response |
//! |---|---|---|---|
//! | collection | readable | `GET` list | `200` + `...CollectionResponse` |
//! | collection | insertable | `POST` create | `201` + the entity |
//! | item (`/{type-id}`) or single-valued path | readable | `GET` | `200` + the entity |
//! | item or single-valued path | updatable | `PATCH` | `204` |
//! | item or single-valued path | deletable | `DELETE` | `204` |
//! | item / collection (by binding) | bound action | `POST .../{action}` | `204` (`200` + body when it returns a value) |
//! | item / collection (by binding) | bound function | `GET .../{function}()` | `200` + body |
//!
//! Every operation has exactly one success response (progenitor 0.15 asserts it) and its
//! errors as `4XX` and `5XX`, both `#/components/responses/error`, whose body is
//! `microsoft.graph.ODataErrors.ODataError`. Lists carry `x-ms-pageable`
//! (`nextLinkName: "@odata.nextLink"`, which progenitor ignores; paging is the runtime's),
//! `$select` (one comma-separated string: progenitor ignores `explode: false` and would
//! repeat an array's key; one component `select-{type}` per target type, whose `pattern`
//! admits its property names, those of every concrete subtype for a polymorphic target, and
//! `*`) and `$top` (`int32`, 0 to `i32::MAX`); gets carry `$select`. Create and update are
//! offered only where the types crate has a payload for them (a non-abstract entity target
//! with a writable property, as in [`crate::emit::rust`]).
//!
//! The document says what the emulator accepts, no more and no less (the emulator's
//! `tests/openapi_validation.rs` checks both directions): payloads are closed
//! (`additionalProperties: false`), list `@odata.type` as optional with its one value,
//! require what `spec/overlay.toml`'s `create_required` names (from the documentation's
//! create pages; never nullable), offer an evolvable enum's members before
//! `unknownFutureValue` only (clients never send the sentinel), and give phone numbers
//! their [`PHONE_NUMBER_PATTERN`]. [`Api::add_security`] adds the OAuth 2.0 scheme with each
//! operation's permissions from `spec/permissions.toml`.
//!
//! # operationIds
//!
//! `{root}_{navigation}_{verb}`, all snake case ([`naming::field_name`]): `root` is the
//! container root (`me`, `users`), `navigation` the navigation properties after it except
//! the path containers (`authentication` is dropped), `verb` one of `list`, `get`,
//! `create`, `update`, `delete`, or the bound operation's name (`enable_sms_sign_in`).
//! Examples: `me_phone_methods_list`, `users_phone_methods_get`,
//! `users_phone_methods_enable_sms_sign_in`. They only change when the slice does. Two
//! operations with one id are an [`Error::Emit`].
//!
//! # Schemas
//!
//! `components/schemas` holds, under Graph's names (`microsoft.graph.phoneAuthenticationMethod`):
//! every type an operation reaches (targets, property types, and every concrete subtype of
//! a polymorphic target), flattened (inherited properties listed on each type, so no
//! schema for `entity` is needed); the create and update payloads
//! (`microsoft.graph.phoneAuthenticationMethodCreate`, `...Update`: writable properties
//! only); one `microsoft.graph.xCollectionResponse` per listed type (`value`,
//! `@odata.context`, `@odata.nextLink`, `@odata.count`); and
//! `microsoft.graph.ODataErrors.ODataError`. A polymorphic base has its concrete subtypes
//! as `oneOf` beside the `@odata.type` discriminator (OpenAPI 3.0 allows a discriminator
//! only there), and each subtype's `@odata.type` admits its own name only. Every
//! one of them maps to a Rust type of `graph-phone-types` or of the client crate
//! ([`SchemaInfo::rust`]), so progenitor generates none of its own.
//!
//! # Availability
//!
//! Each operation carries `x-graph-phone-clouds`, the clouds whose metadata has it (the
//! path, its capability and, for actions, the bound action): see [`CloudModel`]. A cloud
//! the slice has no trimmed metadata for (no `[[cloud]]` serves it) is never listed there:
//! it is in `x-graph-phone-clouds-unknown` instead. A cloud whose metadata lacks part of a
//! path (an entity, a navigation, a base segment) simply lacks its operations.
//!
//! # Output
//!
//! Keys sorted at every level, two-space indentation, a final newline; nothing depends on
//! time or the machine. [`validate`] parses the text back with `openapiv3` and checks what
//! progenitor would otherwise panic on.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::Error;
use crate::emit::overlay::Overlay;
use crate::ir::{
    Doc, Model, NavPath, OperationDef, OperationKindDef, Primitive, PropertyDef, QName, TypeDef,
    TypeTarget, TypeUse,
};
use crate::naming::{self, Scope};

/// Where the document goes, relative to the workspace root.
pub const OPENAPI_PATH: &str = "spec/openapi.json";

/// The national clouds availability is recorded for, by the names the runtime's
/// `Cloud::name` uses.
pub const CLOUDS: &[&str] = &["global", "usGovL4", "usGovL5Dod", "china"];

/// The OData error schema, as Graph names it.
pub const ODATA_ERROR: &str = "microsoft.graph.ODataErrors.ODataError";

/// The extension holding an operation's clouds.
pub const CLOUDS_EXTENSION: &str = "x-graph-phone-clouds";

/// The extension holding the clouds whose availability of an operation is unknown (the
/// slice has no trimmed metadata for them); absent when there are none.
pub const UNKNOWN_CLOUDS_EXTENSION: &str = "x-graph-phone-clouds-unknown";

/// Properties of payloads that hold a phone number (`+{country code} {number}x{ext}`); the
/// generated client validates them before sending.
pub const PHONE_NUMBER_PROPERTIES: &[&str] = &["phoneNumber"];

/// The `pattern` of [`PHONE_NUMBER_PROPERTIES`] in payloads: Graph's documented format
/// `+{country code} {number}x{extension}` (extension optional), with the lengths the
/// emulator and the runtime's `PhoneNumber` accept (country code 1-3 digits, number 1-15,
/// extension 1-10).
pub const PHONE_NUMBER_PATTERN: &str = r"^\+[0-9]{1,3} [0-9]{1,15}(x[0-9]{1,10})?$";

/// The sentinel member of Graph's evolvable enums: members after it are sent only to
/// clients asking for them, and clients never send it.
pub const UNKNOWN_FUTURE_VALUE: &str = "unknownFutureValue";

/// What an operation's description says when the slice's permission file has no entry
/// for it (see [`crate::permissions::Permissions::validate`]).
pub const NOT_RECORDED: &str = "Permissions not recorded: the slice records none for this \
     operation (it has no permission file, or no entry in it); see the operation's Microsoft \
     Graph documentation page.";

/// The OAuth 2.0 security scheme of every operation (`components/securitySchemes`).
pub const SECURITY_SCHEME: &str = "azureaadv2";

/// A national cloud's lowered metadata (trimmed with the same slice), for availability.
///
/// An operation is available in a cloud when that cloud's model has the navigation path,
/// the capability the operation needs and, for a bound operation, the operation itself. A
/// national cloud of [`CLOUDS`] without a model here is *unknown*
/// ([`Operation::unknown_clouds`]), never assumed to have the operation; `global` is the
/// model being emitted unless given here.
#[derive(Debug, Clone, Copy)]
pub struct CloudModel<'a> {
    /// One of [`CLOUDS`].
    pub cloud: &'a str,
    /// The cloud's model, lowered with the same path requests.
    pub model: &'a Model,
}

/// Lowers a national cloud's metadata `doc` for availability: the `requests` whose path
/// exists in it (root, then each navigation property), and the list of those that do not
/// (their operations are then unavailable in that cloud). Works on a trimmed per-cloud spec
/// and on a full metadata document alike.
pub fn lower_cloud(
    doc: &crate::csdl::Document,
    requests: &[crate::ir::PathRequest],
) -> Result<(Model, Vec<crate::ir::PathRequest>), Error> {
    let bare = crate::ir::lower(doc, &[])?;
    let exists = |req: &crate::ir::PathRequest| -> bool {
        let Some(root) = bare.roots.get(&req.root) else {
            return false;
        };
        let mut ty = root.entity_type.clone();
        for seg in &req.segments {
            let Some(nav) = bare
                .types
                .get(&ty)
                .and_then(|t| t.navigation.iter().find(|n| &n.name == seg))
            else {
                return false;
            };
            ty = nav.target.clone();
        }
        true
    };
    let (present, missing): (Vec<_>, Vec<_>) = requests.iter().cloned().partition(|r| exists(r));
    Ok((crate::ir::lower(doc, &present)?, missing))
}

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OperationKind {
    /// `GET` a collection.
    List,
    /// `GET` one entity.
    Get,
    /// `POST` to a collection.
    Create,
    /// `PATCH` an entity.
    Update,
    /// `DELETE` an entity.
    Delete,
    /// `POST` a bound action.
    Action,
    /// `GET` a bound function.
    Function,
    /// `GET .../$value` (the content of a media entity, `HasStream="true"`) or
    /// `GET .../{property}` (an `Edm.Stream` property), as bytes; see [`Operation::content`].
    GetContent,
}

impl OperationKind {
    /// The HTTP method.
    pub fn method(self) -> &'static str {
        match self {
            OperationKind::List
            | OperationKind::Get
            | OperationKind::Function
            | OperationKind::GetContent => "GET",
            OperationKind::Create | OperationKind::Action => "POST",
            OperationKind::Update => "PATCH",
            OperationKind::Delete => "DELETE",
        }
    }

    /// True when sending it twice has the effect of sending it once (everything but a
    /// create). The SMS sign-in actions are idempotent: enabling twice leaves it enabled.
    pub fn idempotent(self) -> bool {
        self != OperationKind::Create
    }
}

/// A path parameter of an [`Operation`] other than its item key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathParameter {
    /// Its name in the template, for example `user-id`.
    pub name: String,
    /// True for the key of the root entity set (`users`, `groups`).
    pub root: bool,
    /// The entity type whose item it addresses.
    pub target: QName,
}

/// One HTTP operation of the slice, derived from a navigation path of the IR.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The operationId (see the module docs).
    pub id: String,
    /// What it does.
    pub kind: OperationKind,
    /// The OpenAPI path, for example
    /// `/users/{user-id}/authentication/phoneMethods/{phoneAuthenticationMethod-id}`.
    pub path: String,
    /// The navigation path it is on (a key of `model.paths`).
    pub nav: String,
    /// The container root (`me`, `users`).
    pub root: String,
    /// The navigation property names after the root (`["authentication",
    /// "phoneMethods"]`), as a slice's `[[path]]` names them.
    pub segments: Vec<String>,
    /// The path parameters before the item key, in template order: the root's key for an
    /// entity set (`user-id`), then the key of every collection the path goes through
    /// (`todoTaskList-id`). From [`crate::ir::NavPath::path_parameters`].
    pub path_parameters: Vec<PathParameter>,
    /// The navigation properties after the root that are not path containers
    /// (`["phoneMethods"]`): the ergonomic API's handle chain.
    pub handle: Vec<String>,
    /// Parallel to [`Operation::handle`]: the path parameter of the key segment that
    /// follows a step (a collection the path goes through: `todoTaskList-id` after
    /// `lists` in `me/todo/lists/{todoTaskList-id}/tasks`), `None` for the others and for
    /// the last step (its key is [`Operation::key`]).
    pub handle_keys: Vec<Option<String>>,
    /// The navigation path's target entity type.
    pub target: QName,
    /// True if the navigation path is a collection.
    pub collection: bool,
    /// The item key parameter (`phoneAuthenticationMethod-id`) if the operation addresses
    /// one item of a collection.
    pub key: Option<String>,
    /// The bound action or function, for [`OperationKind::Action`] and
    /// [`OperationKind::Function`].
    pub bound: Option<OperationDef>,
    /// The request body schema name, if any.
    pub request: Option<String>,
    /// The success response body schema name, if any.
    pub response: Option<String>,
    /// One-line summary.
    pub summary: String,
    /// Longer description (from the metadata), if any.
    pub description: Option<String>,
    /// Deprecation notice of the navigation property or bound operation, if any.
    pub deprecated: Option<String>,
    /// The clouds of [`CLOUDS`] whose trimmed metadata has it (see [`CloudModel`]).
    pub clouds: Vec<String>,
    /// The clouds of [`CLOUDS`] the slice has no trimmed metadata for: whether they have
    /// it is unknown (never assumed).
    pub unknown_clouds: Vec<String>,
    /// The key of its entry in the slice's permission file (`phoneMethods.get`; see
    /// [`crate::permissions::key_navigations`]), unique to its navigation path and verb.
    pub permission_key: String,
    /// The navigation properties a get may `$expand` (`device`): the target type's
    /// non-containment navigation properties the trimmed spec keeps (a slice entry's
    /// `expand`). Empty for every other operation.
    pub expand: Vec<String>,
    /// For an action the slice marks long-running: where its `Location` points.
    pub long_running: Option<LongRunning>,
    /// A bound function's parameters, in declaration order: path parameters of the
    /// function call `name(p='{p}',n={n})` (OData inline literal syntax; a string's quotes
    /// are in the template, its `'` doubled by the client).
    pub function_parameters: Vec<FunctionParameter>,
    /// For [`OperationKind::GetContent`], the last segment: `$value` (a media entity's
    /// content) or the `Edm.Stream` property's name.
    pub content: Option<String>,
}

/// A parameter of a bound function, passed inline in the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionParameter {
    /// The parameter's name (also its path parameter's).
    pub name: String,
    /// Its type: one the client can write as an OData literal.
    pub ty: Primitive,
}

/// The primitive types a function parameter may have: the quote around its literal in the
/// URL (`'` for a string) and its Edm name. In the document each is a string path parameter
/// holding the literal's text, which the client writes from a typed value.
fn function_literal(p: Primitive) -> Option<(&'static str, &'static str)> {
    match p {
        Primitive::String => Some(("'", "Edm.String")),
        Primitive::Boolean => Some(("", "Edm.Boolean")),
        Primitive::Int32 => Some(("", "Edm.Int32")),
        Primitive::Int64 => Some(("", "Edm.Int64")),
        Primitive::Double => Some(("", "Edm.Double")),
        Primitive::Guid => Some(("", "Edm.Guid")),
        _ => None,
    }
}

/// How a long-running action (`202 Accepted` with a `Location`) is polled: the slice's
/// `long_running` entry, resolved to the get operation of the operations collection under
/// the same root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongRunning {
    /// The navigation segments after the root of the operations collection
    /// (`["authentication", "operations"]`).
    pub poll: Vec<String>,
    /// The operationId of the get on one item of it (`users_operations_get`).
    pub poll_operation: String,
    /// The entity type the poll answers (`microsoft.graph.longRunningOperation`).
    pub poll_target: QName,
}

impl Operation {
    /// The operation part of its permission key: `list`, `get`, `create`, `update`,
    /// `delete`, or the bound action's or function's name.
    pub fn kind_key(&self) -> &str {
        match self.kind {
            OperationKind::List => "list",
            // Reading the content needs what reading the entity needs: Graph's pages
            // document both under one permission table (for example
            // https://learn.microsoft.com/graph/api/profilephoto-get).
            OperationKind::Get | OperationKind::GetContent => "get",
            OperationKind::Create => "create",
            OperationKind::Update => "update",
            OperationKind::Delete => "delete",
            OperationKind::Action | OperationKind::Function => self
                .bound
                .as_ref()
                .map(|b| b.name.as_str())
                .unwrap_or_default(),
        }
    }

    /// True when sending it twice has the effect of sending it once: as its kind says
    /// ([`OperationKind::idempotent`]), except a long-running action, each call of which
    /// starts an operation (resetPassword without `newPassword` generates a password each
    /// time).
    pub fn idempotent(&self) -> bool {
        self.kind.idempotent() && self.long_running.is_none()
    }

    /// The one success status of the OpenAPI document: 201 for a create, 200 for any
    /// other operation with a response body, 204 without one. The client's operation
    /// table carries it too, so the runtime can hand the generated client any other 2xx
    /// under this status.
    pub fn success_status(&self) -> u16 {
        if self.long_running.is_some() {
            return 202;
        }
        match (self.kind, &self.response) {
            (OperationKind::GetContent, _) => 200,
            (OperationKind::Create, Some(_)) => 201,
            (_, Some(_)) => 200,
            (_, None) => 204,
        }
    }
}

/// A schema of `components/schemas` and the Rust type progenitor must use for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaInfo {
    /// The schema name, for example `microsoft.graph.phoneAuthenticationMethod`.
    pub name: String,
    /// The Rust type path, for example `::graph_phone_types::PhoneAuthenticationMethod` or
    /// `crate::wire::CollectionResponse<::graph_phone_types::PhoneAuthenticationMethod>`.
    pub rust: String,
}

/// Everything the emitters of the client need, computed once from the IR.
#[derive(Debug, Clone)]
pub struct Api {
    /// The operations, sorted by id.
    pub operations: Vec<Operation>,
    /// The schemas by name, with their Rust types.
    pub schemas: BTreeMap<String, SchemaInfo>,
    /// The Rust name (in `graph-phone-types`) of each emitted type, by full name.
    pub type_names: BTreeMap<QName, String>,
    /// Payload Rust names by (full name, `Create` | `Update`).
    pub payload_names: BTreeMap<(QName, &'static str), String>,
    /// Wire names of phone-number properties per payload schema name.
    pub phone_number_fields: BTreeMap<String, Vec<String>>,
    document: Value,
}

impl Api {
    /// Derives the operations and schemas from `model`. `clouds` gives availability (see
    /// [`CloudModel`]).
    pub fn new(model: &Model, overlay: &Overlay, clouds: &[CloudModel<'_>]) -> Result<Api, Error> {
        // Actions with parameters get a request body type (see `emit::bodies`).
        let model = super::bodies::with_request_bodies(model)?;
        Builder::new(&model, overlay, clouds)?.build()
    }

    /// The OpenAPI document as a JSON value (keys sorted).
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// Declares the OAuth 2.0 security Graph uses, from `permissions`
    /// (`spec/permissions.toml`, validated against the model): the scheme
    /// [`SECURITY_SCHEME`] with the Microsoft identity platform's authorization code flow
    /// (delegated permissions as its scopes) and client credentials flow (application
    /// permissions), and on every operation one security requirement per accepted
    /// permission (any one of them suffices): delegated ones on `/me`, delegated and
    /// application ones on `/users/{user-id}`. An operation without an entry (a slice whose
    /// permission file is optional) requires a token of the scheme without naming a
    /// permission, and its description says the permissions are not recorded
    /// ([`NOT_RECORDED`]).
    pub fn add_security(
        &mut self,
        permissions: &crate::permissions::Permissions,
    ) -> Result<(), Error> {
        use crate::permissions::PrincipalKind;
        let mut delegated: BTreeSet<String> = BTreeSet::new();
        let mut application: BTreeSet<String> = BTreeSet::new();
        let mut requirements: BTreeMap<(String, &'static str), Vec<Value>> = BTreeMap::new();
        let mut unrecorded: BTreeMap<(String, &'static str), String> = BTreeMap::new();
        for op in &self.operations {
            let key = &op.permission_key;
            let Some(entry) = permissions.get(key) else {
                // Permissions not recorded (an optional permission file without this entry):
                // the operation still needs a token of the scheme; which permission suffices
                // is not said ([`NOT_RECORDED`] in its description).
                requirements.insert(
                    (op.path.clone(), op.kind.method()),
                    vec![json!({ SECURITY_SCHEME: [] })],
                );
                unrecorded.insert((op.path.clone(), op.kind.method()), key.clone());
                continue;
            };
            let kinds: &[PrincipalKind] = if op.root == "me" {
                &[PrincipalKind::DelegatedSelf]
            } else {
                &PrincipalKind::ALL
            };
            let mut accepted: Vec<String> = Vec::new();
            for kind in kinds {
                for name in entry.accepted(*kind) {
                    if *kind == PrincipalKind::Application {
                        application.insert(name.to_owned());
                    } else {
                        delegated.insert(name.to_owned());
                    }
                    if !accepted.iter().any(|a| a == name) {
                        accepted.push(name.to_owned());
                    }
                }
            }
            // An operation no principal may call (self-service marked "Not supported" on /me)
            // still needs a token: an empty requirement list would read as "no authentication".
            // A requirement without scopes says "a token of this scheme", and no permission
            // suffices: the service refuses it (403).
            let list: Vec<Value> = if accepted.is_empty() {
                vec![json!({ SECURITY_SCHEME: [] })]
            } else {
                accepted
                    .into_iter()
                    .map(|name| json!({ SECURITY_SCHEME: [name] }))
                    .collect()
            };
            requirements.insert((op.path.clone(), op.kind.method()), list);
        }
        let scopes = |names: &BTreeSet<String>, what: &str| -> Value {
            Value::Object(
                names
                    .iter()
                    .map(|n| (n.clone(), Value::String(format!("{what} permission {n}"))))
                    .collect(),
            )
        };
        let scheme = json!({
            "type": "oauth2",
            "description": "Microsoft identity platform (https://learn.microsoft.com/graph/auth/auth-concepts): a bearer token for Microsoft Graph. Delegated permissions are scopes of the authorization code flow; application permissions are app roles granted to the application, whose client credentials token is requested from the tenant's token endpoint (`organizations` replaced by the tenant id) with the scope `https://graph.microsoft.com/.default`. National clouds use their own sign-in endpoints (https://learn.microsoft.com/graph/deployments).",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                    "tokenUrl": "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                    "scopes": scopes(&delegated, "Delegated"),
                },
                "clientCredentials": {
                    "tokenUrl": "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
                    "scopes": scopes(&application, "Application"),
                },
            },
        });
        let doc = &mut self.document;
        if let Some(components) = doc["components"].as_object_mut() {
            components.insert("securitySchemes".into(), json!({ SECURITY_SCHEME: scheme }));
        }
        for ((path, method), list) in requirements {
            let at = format!(
                "/paths/{}/{}",
                path.replace('~', "~0").replace('/', "~1"),
                method.to_ascii_lowercase()
            );
            let Some(Value::Object(op)) = doc.pointer_mut(&at) else {
                return Err(Error::Emit {
                    element: format!("{method} {path}"),
                    message: "the operation is missing from the document".into(),
                });
            };
            op.insert("security".into(), Value::Array(list));
            if let Some(key) = unrecorded.get(&(path.clone(), method)) {
                let note = format!("{NOT_RECORDED} (Permission key `{key}`.)");
                let description = match op.get("description").and_then(Value::as_str) {
                    Some(d) if !d.is_empty() => format!("{d}\n\n{note}"),
                    _ => note,
                };
                op.insert("description".into(), Value::String(description));
            }
        }
        self.document = sorted(std::mem::take(&mut self.document));
        Ok(())
    }

    /// The document as text: sorted keys, pretty-printed, final newline.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.document).expect("JSON values serialise");
        text.push('\n');
        text
    }

    /// [`validate`] for `text`, the output of [`Api::to_text`], without parsing it again: the
    /// checks run on the document value the text was printed from. Should the value not
    /// deserialise as OpenAPI, the text is validated instead, so the error is the one
    /// [`validate`] reports.
    pub fn validate(&self, text: &str) -> Result<openapiv3::OpenAPI, Error> {
        use serde::Deserialize;
        match openapiv3::OpenAPI::deserialize(&self.document) {
            Ok(spec) => check(spec, &self.document),
            Err(_) => validate(text),
        }
    }
}

/// Emits the OpenAPI document of `model` (see the module docs), validated with [`validate`].
pub fn emit_openapi(
    model: &Model,
    overlay: &Overlay,
    clouds: &[CloudModel<'_>],
) -> Result<String, Error> {
    let api = Api::new(model, overlay, clouds)?;
    let text = api.to_text();
    api.validate(&text)?;
    Ok(text)
}

/// The operations of `model` (see the module docs), sorted by id, with availability from
/// `clouds`.
pub fn operations(
    model: &Model,
    overlay: &Overlay,
    clouds: &[CloudModel<'_>],
) -> Result<Vec<Operation>, Error> {
    Ok(Api::new(model, overlay, clouds)?.operations)
}

/// Parses `text` as OpenAPI 3.0 with `openapiv3` and checks what progenitor relies on:
/// version 3.0.x, an operationId on every operation (unique), exactly one success response
/// (one `2XX` code or range, no `default`), no path parameter missing from the template,
/// and every `$ref` resolving. Any failure is an [`Error::Emit`] naming the operation or
/// reference.
pub fn validate(text: &str) -> Result<openapiv3::OpenAPI, Error> {
    let err = |element: &str, message: String| Error::Emit {
        element: element.to_owned(),
        message,
    };
    let spec: openapiv3::OpenAPI = serde_json::from_str(text)
        .map_err(|e| err(OPENAPI_PATH, format!("not an OpenAPI 3 document: {e}")))?;
    let raw: Value =
        serde_json::from_str(text).map_err(|e| err(OPENAPI_PATH, format!("not JSON: {e}")))?;
    check(spec, &raw)
}

/// The checks of [`validate`] on `spec` and `raw`, the same document as a JSON value.
fn check(spec: openapiv3::OpenAPI, raw: &Value) -> Result<openapiv3::OpenAPI, Error> {
    let err = |element: &str, message: String| Error::Emit {
        element: element.to_owned(),
        message,
    };
    if !spec.openapi.starts_with("3.0.") {
        return Err(err(
            OPENAPI_PATH,
            format!(
                "version {} is not 3.0.x, which progenitor requires",
                spec.openapi
            ),
        ));
    }
    if let Some((at, reference)) = unresolved_ref(raw, raw, &mut Vec::new()) {
        return Err(err(&at, format!("$ref {reference} does not resolve")));
    }
    let mut ids = BTreeSet::new();
    for (path, item) in &spec.paths.paths {
        let openapiv3::ReferenceOr::Item(item) = item else {
            return Err(err(
                path,
                "a path item is a $ref, which progenitor rejects".into(),
            ));
        };
        let template: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        for (method, op) in item.iter() {
            let element = format!("{} {path}", method.to_uppercase());
            let Some(id) = &op.operation_id else {
                return Err(err(&element, "operation has no operationId".into()));
            };
            if !ids.insert(id.clone()) {
                return Err(err(&element, format!("operationId {id} is used twice")));
            }
            let success: Vec<String> = op
                .responses
                .responses
                .keys()
                .filter(|s| match s {
                    openapiv3::StatusCode::Code(c) => (200..300).contains(c),
                    openapiv3::StatusCode::Range(r) => *r == 2,
                })
                .map(|s| s.to_string())
                .collect();
            if success.len() != 1 || op.responses.default.is_some() {
                return Err(err(
                    &element,
                    format!(
                        "operation {id} must have exactly one success response and no default \
                         (progenitor 0.15 panics otherwise); it has {success:?}{}",
                        if op.responses.default.is_some() {
                            " and a default"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            let mut declared = BTreeSet::new();
            for p in op.parameters.iter().chain(&item.parameters) {
                let p = match p {
                    openapiv3::ReferenceOr::Item(p) => p.clone(),
                    openapiv3::ReferenceOr::Reference { reference } => {
                        let name = reference.rsplit('/').next().unwrap_or_default();
                        match spec
                            .components
                            .as_ref()
                            .and_then(|c| c.parameters.get(name))
                        {
                            Some(openapiv3::ReferenceOr::Item(p)) => p.clone(),
                            _ => {
                                return Err(err(
                                    &element,
                                    format!("parameter $ref {reference} does not resolve"),
                                ));
                            }
                        }
                    }
                };
                if let openapiv3::Parameter::Path { parameter_data, .. } = &p {
                    if !parameter_data.required {
                        return Err(err(
                            &element,
                            format!("path parameter {} must be required", parameter_data.name),
                        ));
                    }
                    declared.insert(parameter_data.name.clone());
                }
            }
            for name in &template {
                if !declared.contains(*name) {
                    return Err(err(
                        &element,
                        format!("path parameter {name} is not declared"),
                    ));
                }
            }
        }
    }
    Ok(spec)
}

/// One step of the JSON pointer to a value: an object key or an array index.
enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

/// The first `$ref` under `value` (depth first, keys in order) that does not resolve in
/// `root`, as (the JSON pointer of the object holding it, the reference). `at` is the path
/// from `root` to `value`; it is formatted only for the reference reported.
fn unresolved_ref<'v>(
    root: &Value,
    value: &'v Value,
    at: &mut Vec<Step<'v>>,
) -> Option<(String, String)> {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Some(r) = v.as_str()
                        && resolve_pointer(root, r).is_none()
                    {
                        return Some((pointer_text(at), r.to_owned()));
                    }
                } else {
                    at.push(Step::Key(k));
                    let found = unresolved_ref(root, v, at);
                    at.pop();
                    if found.is_some() {
                        return found;
                    }
                }
            }
            None
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(Step::Index(i));
                let found = unresolved_ref(root, v, at);
                at.pop();
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        _ => None,
    }
}

/// `#/a/0/b~1c`: the JSON pointer of `at`, `~` and `/` escaped in keys.
fn pointer_text(at: &[Step<'_>]) -> String {
    let mut out = String::from("#");
    for step in at {
        match step {
            Step::Key(k) => {
                out.push('/');
                out.push_str(&k.replace('~', "~0").replace('/', "~1"));
            }
            Step::Index(i) => out.push_str(&format!("/{i}")),
        }
    }
    out
}

/// Resolves a local `#/...` JSON pointer.
fn resolve_pointer<'v>(root: &'v Value, reference: &str) -> Option<&'v Value> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

/// Rebuilds every object with its keys inserted in sorted order, so the output is sorted
/// whether or not serde_json's `preserve_order` is enabled somewhere in the build.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn simple_name(q: &str) -> &str {
    q.rsplit('.').next().unwrap_or(q)
}

fn odata_type(q: &str) -> String {
    format!("#{q}")
}

/// Puts a description (and deprecation) on a schema or operation object.
fn describe(obj: &mut Map<String, Value>, doc: &Doc) {
    let mut text = doc.description.clone().unwrap_or_default();
    if let Some(long) = &doc.long_description {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(long);
    }
    if !text.is_empty() {
        obj.insert("description".into(), Value::String(text));
    }
    if doc.deprecation.is_some() {
        obj.insert("deprecated".into(), Value::Bool(true));
    }
}

fn deprecation_text(doc: &Doc) -> Option<String> {
    doc.deprecation.as_ref().map(|d| {
        let mut s = d.description.clone();
        if let Some(date) = &d.removal_date {
            s.push_str(&format!(" (removal date {date})"));
        }
        s
    })
}

fn primitive_schema(p: Primitive) -> Value {
    match p {
        Primitive::String => json!({ "type": "string" }),
        Primitive::Boolean => json!({ "type": "boolean" }),
        Primitive::Byte => json!({ "type": "integer", "format": "uint8" }),
        Primitive::SByte => json!({ "type": "integer", "format": "int8" }),
        Primitive::Int16 => json!({ "type": "integer", "format": "int16" }),
        Primitive::Int32 => json!({ "type": "integer", "format": "int32" }),
        Primitive::Int64 => json!({ "type": "integer", "format": "int64" }),
        Primitive::Single => json!({ "type": "number", "format": "float" }),
        Primitive::Double => json!({ "type": "number", "format": "double" }),
        Primitive::Decimal => json!({ "type": "number", "format": "decimal" }),
        Primitive::Guid => json!({
            "type": "string",
            "format": "uuid",
            "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        }),
        Primitive::DateTimeOffset => json!({ "type": "string", "format": "date-time" }),
        Primitive::Date => json!({ "type": "string", "format": "date" }),
        Primitive::TimeOfDay => json!({ "type": "string", "format": "time" }),
        Primitive::Duration => json!({ "type": "string", "format": "duration" }),
        Primitive::Binary => json!({ "type": "string", "format": "byte" }),
        Primitive::Stream => json!({ "type": "string", "format": "binary" }),
        Primitive::Untyped => json!({}),
    }
}

struct Builder<'a> {
    model: &'a Model,
    overlay: &'a Overlay,
    clouds: &'a [CloudModel<'a>],
    /// Polymorphic bases (abstract, with concrete subtypes) and their concrete subtypes.
    polymorphic: BTreeMap<QName, Vec<QName>>,
    /// The request body types of actions (`emit::bodies`): their schemas list the
    /// parameters declared `Nullable="false"` as `required`.
    bodies: BTreeSet<QName>,
}

impl<'a> Builder<'a> {
    fn new(
        model: &'a Model,
        overlay: &'a Overlay,
        clouds: &'a [CloudModel<'a>],
    ) -> Result<Builder<'a>, Error> {
        for c in clouds {
            if !CLOUDS.contains(&c.cloud) {
                return Err(Error::Emit {
                    element: c.cloud.to_owned(),
                    message: format!("unknown cloud; expected one of {CLOUDS:?}"),
                });
            }
        }
        let mut polymorphic = BTreeMap::new();
        for def in model.types.values() {
            if overlay.is_path_container(&def.name) || !def.is_abstract {
                continue;
            }
            let concrete = super::concrete_subtypes(model, overlay, def);
            if !concrete.is_empty() {
                polymorphic.insert(def.name.clone(), concrete);
            }
        }
        let bodies = model
            .paths
            .values()
            .flat_map(|p| &p.operations)
            .filter_map(|op| super::bodies::request_body_name(model, op))
            .collect();
        Ok(Builder {
            model,
            overlay,
            clouds,
            polymorphic,
            bodies,
        })
    }

    fn type_def(&self, name: &str, element: &str) -> Result<&'a TypeDef, Error> {
        self.model.types.get(name).ok_or_else(|| Error::Emit {
            element: element.to_owned(),
            message: format!("refers to {name}, which the model does not define"),
        })
    }

    /// True if the types crate has a payload type for `target` (see
    /// [`super::can_have_payloads`]; the paths' capabilities decide which).
    fn has_payload(&self, target: &TypeDef) -> bool {
        super::can_have_payloads(self.overlay, target)
    }

    fn is_tagged(&self, def: &TypeDef) -> bool {
        def.ancestors
            .iter()
            .any(|a| self.polymorphic.contains_key(a))
    }

    fn build(self) -> Result<Api, Error> {
        let mut operations = Vec::new();
        for path in self.model.paths.values() {
            if self.overlay.is_path_container(&path.target) {
                continue;
            }
            self.path_operations(path, &mut operations)?;
        }
        operations.sort_by(|a, b| a.id.cmp(&b.id));
        for pair in operations.windows(2) {
            if pair[0].id == pair[1].id {
                return Err(Error::Emit {
                    element: pair[1].path.clone(),
                    message: format!(
                        "operationId {} is also used by {} {}; rename a navigation property or \
                         action in the slice",
                        pair[1].id,
                        pair[0].kind.method(),
                        pair[0].path
                    ),
                });
            }
        }
        let navigations =
            crate::permissions::key_navigations(operations.iter().map(|op| op.segments.as_slice()));
        for op in &mut operations {
            op.clouds = self.clouds_of(op);
            op.unknown_clouds = self.unknown_clouds();
            op.permission_key = format!("{}.{}", navigations[&op.segments], op.kind_key());
        }
        // Long-running actions: the get of the operations collection under the same root.
        let polls: Vec<(usize, LongRunning)> = operations
            .iter()
            .enumerate()
            .filter_map(|(i, op)| op.long_running.as_ref().map(|lr| (i, op, lr)))
            .map(|(i, op, lr)| {
                let poll = operations
                    .iter()
                    .find(|p| {
                        p.kind == OperationKind::Get
                            && p.root == op.root
                            && p.segments == lr.poll
                            && p.key.is_some()
                    })
                    .ok_or_else(|| Error::Emit {
                        element: op.path.clone(),
                        message: format!(
                            "long-running: polls `{}`, but the slice offers no get of one item \
                             of it under /{}; list that path with `get`",
                            lr.poll.join("/"),
                            op.root
                        ),
                    })?;
                // The generated poll classifies each answer by Graph's
                // longRunningOperation `status` (an enum) and `statusDetail`.
                let def = self.type_def(&poll.target, &poll.path)?;
                let has = |name: &str, enumerated: bool| {
                    def.properties.iter().any(|p| {
                        p.name == name
                            && !p.ty.collection
                            && match &p.ty.target {
                                TypeTarget::Enum(_) => enumerated,
                                TypeTarget::Primitive(Primitive::String) => !enumerated,
                                _ => false,
                            }
                    })
                };
                if !has("status", true) || !has("statusDetail", false) {
                    return Err(Error::Emit {
                        element: op.path.clone(),
                        message: format!(
                            "long-running: the poll answers {}, which lacks the `status` enum \
                             and `statusDetail` string of a longRunningOperation",
                            poll.target
                        ),
                    });
                }
                Ok((
                    i,
                    LongRunning {
                        poll: lr.poll.clone(),
                        poll_operation: poll.id.clone(),
                        poll_target: poll.target.clone(),
                    },
                ))
            })
            .collect::<Result<_, Error>>()?;
        for (i, lr) in polls {
            operations[i].long_running = Some(lr);
        }

        // Schemas: the closure of what the operations reach.
        let mut reached: BTreeSet<QName> = BTreeSet::new();
        let mut todo: Vec<QName> = Vec::new();
        let mut payloads: BTreeSet<(QName, &'static str)> = BTreeSet::new();
        let mut collections: BTreeSet<QName> = BTreeSet::new();
        for op in &operations {
            match op.kind {
                OperationKind::List => {
                    collections.insert(op.target.clone());
                }
                OperationKind::Create => {
                    payloads.insert((op.target.clone(), "Create"));
                }
                OperationKind::Update => {
                    payloads.insert((op.target.clone(), "Update"));
                }
                _ => {}
            }
            todo.push(op.target.clone());
            if let (OperationKind::Action, Some(body)) = (op.kind, &op.request) {
                todo.push(body.clone());
            }
            if let Some(b) = &op.bound {
                for p in &b.parameters {
                    push_use(&p.ty, &mut todo);
                }
                if let Some(r) = &b.returns {
                    push_use(r, &mut todo);
                }
            }
        }
        while let Some(name) = todo.pop() {
            if !reached.insert(name.clone()) {
                continue;
            }
            if self.model.enums.contains_key(&name) {
                continue;
            }
            let def = self.type_def(&name, &name)?;
            if self.overlay.is_path_container(&name) {
                return Err(Error::Emit {
                    element: name.clone(),
                    message: "an operation or property reaches a path container of \
                              spec/overlay.toml, which has no Rust type"
                        .into(),
                });
            }
            for p in &def.properties {
                push_use(&p.ty, &mut todo);
            }
            if let Some(concrete) = self.polymorphic.get(&name) {
                todo.extend(concrete.iter().cloned());
            }
        }

        // Rust names, claimed as `emit::rust` claims them: types and enums in sorted order,
        // then flags member enums, then payloads.
        let home = naming::home_namespace(
            self.model
                .types
                .keys()
                .chain(self.model.enums.keys())
                .map(String::as_str),
        );
        let mut scope = Scope::for_types();
        let mut type_names = BTreeMap::new();
        for name in &reached {
            type_names.insert(
                name.clone(),
                scope.claim(&naming::type_name_in(name, &home)),
            );
        }
        for def in self.model.enums.values().filter(|e| e.is_flags) {
            if let Some(n) = type_names.get(&def.name) {
                scope.claim(&format!("{n}Flag"));
            }
        }
        let mut payload_names = BTreeMap::new();
        for (name, kind) in &payloads {
            let rust = scope.claim(&format!("{}{kind}", type_names[name]));
            payload_names.insert((name.clone(), *kind), rust);
        }

        let mut schemas_json = Map::new();
        let mut schemas = BTreeMap::new();
        let mut add = |name: String, rust: String, schema: Value| -> Result<(), Error> {
            if schemas_json.insert(name.clone(), schema).is_some() {
                return Err(Error::Emit {
                    element: name,
                    message: "two schemas get this name (a type of the metadata collides \
                              with a payload or collection schema)"
                        .into(),
                });
            }
            schemas.insert(name.clone(), SchemaInfo { name, rust });
            Ok(())
        };
        for name in &reached {
            let rust = format!("::graph_phone_types::{}", type_names[name]);
            let schema = match self.model.enums.get(name) {
                Some(def) => {
                    let members: Vec<Value> = def
                        .members
                        .iter()
                        .map(|m| Value::String(m.name.clone()))
                        .collect();
                    let mut obj = Map::new();
                    obj.insert("title".into(), Value::String(simple_name(name).into()));
                    obj.insert("type".into(), Value::String("string".into()));
                    obj.insert("enum".into(), Value::Array(members));
                    if def.is_flags {
                        obj.insert("x-ms-enum-flags".into(), json!({ "isFlags": true }));
                    }
                    describe(&mut obj, &def.doc);
                    Value::Object(obj)
                }
                None => self.type_schema(self.type_def(name, name)?)?,
            };
            add(name.clone(), rust, schema)?;
        }
        let mut phone_number_fields = BTreeMap::new();
        for ((name, kind), rust) in &payload_names {
            let def = self.type_def(name, name)?;
            let schema_name = format!("{name}{kind}");
            let (schema, phones) = self.payload_schema(def, kind)?;
            if !phones.is_empty() {
                phone_number_fields.insert(schema_name.clone(), phones);
            }
            add(schema_name, format!("::graph_phone_types::{rust}"), schema)?;
        }
        for name in &collections {
            let schema = json!({
                "title": format!("Collection of {}", simple_name(name)),
                "type": "object",
                "description": format!(
                    "One page of a collection of {}: the items in `value`, and \
                     `@odata.nextLink` while more pages follow.",
                    simple_name(name)
                ),
                "properties": {
                    "value": { "type": "array", "items": schema_ref(name) },
                    "@odata.context": {
                        "type": "string",
                        "description": "The context URL of the page (`{service root}/$metadata#users('{id}')/authentication/...`).",
                    },
                    "@odata.nextLink": {
                        "type": "string",
                        "nullable": true,
                        "description": "The URL of the next page, absent on the last page; follow it verbatim.",
                    },
                    "@odata.count": {
                        "type": "integer",
                        "format": "int64",
                        "nullable": true,
                        "description": "The total number of items (with `$count=true`, first page only).",
                    },
                },
            });
            add(
                format!("{name}CollectionResponse"),
                format!(
                    "crate::wire::CollectionResponse<::graph_phone_types::{}>",
                    type_names[name]
                ),
                schema,
            )?;
        }
        add(
            ODATA_ERROR.to_owned(),
            "crate::wire::ODataError".to_owned(),
            odata_error_schema(),
        )?;

        let mut parameters = Map::new();
        let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
        for op in &operations {
            let item = paths.entry(op.path.clone()).or_default();
            let method = op.kind.method().to_ascii_lowercase();
            if item.contains_key(&method) {
                return Err(Error::Emit {
                    element: op.path.clone(),
                    message: format!("two {} operations on one path", op.kind.method()),
                });
            }
            let select = match op.kind {
                OperationKind::List | OperationKind::Get => {
                    let name = format!("select-{}", simple_name(&op.target));
                    if !parameters.contains_key(&name) {
                        parameters.insert(name.clone(), self.select_parameter(&op.target)?);
                    }
                    Some(name)
                }
                _ => None,
            };
            item.insert(method, operation_json(op, select.as_deref()));
        }
        let mut document = json!({
            "openapi": "3.0.3",
            "info": {
                "title": "graph-phone: Microsoft Graph v1.0 user authentication methods",
                "version": "v1.0",
                "description": format!(
                    "Generated by `cargo xtask codegen` from the trimmed Microsoft Graph metadata \
                     (`{}`); do not edit by hand. The operations of the slice in spec/slice.toml, \
                     under `/me` and `/users/{{user-id}}`.",
                    file_name(&self.model.source)
                ),
            },
            "servers": [
                { "url": "https://graph.microsoft.com/v1.0", "description": "Global service" },
                { "url": "https://graph.microsoft.us/v1.0", "description": "US Government L4" },
                { "url": "https://dod-graph.microsoft.us/v1.0", "description": "US Government L5 (DOD)" },
                { "url": "https://microsoftgraph.chinacloudapi.cn/v1.0", "description": "China, operated by 21Vianet" },
            ],
            "paths": Value::Object(paths.into_iter().map(|(k, v)| (k, Value::Object(v))).collect()),
            "components": {
                "schemas": Value::Object(schemas_json),
                "responses": {
                    "error": {
                        "description": "error",
                        "content": {
                            "application/json": { "schema": schema_ref(ODATA_ERROR) },
                        },
                    },
                },
                "parameters": {
                    "top": {
                        "name": "$top",
                        "in": "query",
                        "description": "Show only the first n items (the page size)",
                        "style": "form",
                        "explode": false,
                        "schema": { "type": "integer", "format": "int32", "minimum": 0, "maximum": i32::MAX },
                    },
                },
            },
        });
        if let Some(all) = document["components"]["parameters"].as_object_mut() {
            all.extend(parameters);
        }
        Ok(Api {
            operations,
            schemas,
            type_names,
            payload_names,
            phone_number_fields,
            document: sorted(document),
        })
    }

    /// The `$select` parameter of the operations on `target`: a comma-separated list of its
    /// property names (of every concrete subtype, for a polymorphic target) or `*`, spaces
    /// around the commas allowed, as a `pattern`.
    fn select_parameter(&self, target: &str) -> Result<Value, Error> {
        let mut names: BTreeSet<String> = BTreeSet::new();
        let mut types = vec![target.to_owned()];
        if let Some(concrete) = self.polymorphic.get(target) {
            types.extend(concrete.iter().cloned());
        }
        for ty in &types {
            let def = self.type_def(ty, target)?;
            names.extend(def.properties.iter().map(|p| p.name.clone()));
        }
        if let Some(bad) = names
            .iter()
            .find(|n| n.is_empty() || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(Error::Emit {
                element: format!("{target}/{bad}"),
                message: "a property name that is not an identifier cannot go into the \
                          `$select` pattern"
                    .into(),
            });
        }
        let one = format!(
            "(\\*|{})",
            names.iter().cloned().collect::<Vec<_>>().join("|")
        );
        let list = names.iter().cloned().collect::<Vec<_>>().join(", ");
        Ok(json!({
            "name": "$select",
            "in": "query",
            "description": format!(
                "Select properties to be returned, separated by commas, sent once; `*` for all. \
                 Properties of {}: {list}",
                simple_name(target)
            ),
            "style": "form",
            "explode": false,
            "schema": { "type": "string", "pattern": format!("^ *{one}( *, *{one})* *$") },
        }))
    }

    fn path_operations(&self, path: &NavPath, out: &mut Vec<Operation>) -> Result<(), Error> {
        let target = self.type_def(&path.target, &path.template)?;
        // The handle chain: the navigation steps that are not path containers, with the key
        // segment that follows each one before the last.
        let last = path.steps.len().saturating_sub(1);
        let (handle, handle_keys): (Vec<String>, Vec<Option<String>>) = path
            .steps
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, s)| !self.overlay.is_path_container(&s.target))
            .map(|(i, s)| (s.name.clone(), s.key.clone().filter(|_| i < last)))
            .unzip();
        if let Some(step) = path.steps[1..last.max(1)]
            .iter()
            .find(|s| s.key.is_some() && self.overlay.is_path_container(&s.target))
        {
            return Err(Error::Emit {
                element: path.template.clone(),
                message: format!(
                    "goes through the collection {}, whose type the overlay lists as a path \
                     container; a collection needs a handle for its key",
                    step.name
                ),
            });
        }
        if path.template_from_steps() != path.template {
            return Err(Error::Emit {
                element: path.template.clone(),
                message: format!(
                    "template differs from the path rebuilt from its steps ({})",
                    path.template_from_steps()
                ),
            });
        }
        let base_id = {
            let mut parts = vec![naming::field_name(&path.root)];
            parts.extend(handle.iter().map(|s| naming::field_name(s)));
            parts
                .iter()
                .map(|p| p.trim_start_matches("r#").trim_end_matches('_').to_owned())
                .collect::<Vec<_>>()
                .join("_")
        };
        let collection_path = format!("/{}", path.template);
        let key = path.item_key().unwrap_or_default().to_owned();
        let item_path = if path.collection {
            format!("{collection_path}/{{{key}}}")
        } else {
            collection_path.clone()
        };
        let what = simple_name(&path.target);
        let nav_name = path
            .segments
            .last()
            .cloned()
            .unwrap_or_else(|| path.root.clone());
        let on = match path.steps.first() {
            Some(root) if root.name == "me" => "the signed-in user".to_owned(),
            Some(root) if root.collection => format!("a {}", simple_name(&root.target)),
            _ => format!("/{}", path.root),
        };
        let nav_description = path.doc.description.clone();
        let deprecated = deprecation_text(&path.doc);
        let caps = path.capabilities;
        let mk = |kind: OperationKind,
                  verb: &str,
                  op_path: &str,
                  keyed: bool,
                  summary: String,
                  description: Option<String>,
                  request: Option<String>,
                  response: Option<String>,
                  bound: Option<OperationDef>,
                  deprecated: Option<String>| Operation {
            id: format!("{base_id}_{verb}"),
            kind,
            path: op_path.to_owned(),
            nav: path.template.clone(),
            root: path.root.clone(),
            segments: path.segments.clone(),
            path_parameters: path
                .path_parameters()
                .iter()
                .map(|s| PathParameter {
                    name: s.key.clone().unwrap_or_default(),
                    root: s.root,
                    target: s.target.clone(),
                })
                .collect(),
            handle: handle.clone(),
            handle_keys: handle_keys.clone(),
            target: path.target.clone(),
            collection: path.collection,
            key: keyed.then(|| key.clone()),
            bound,
            request,
            response,
            summary,
            description,
            deprecated,
            clouds: Vec::new(),
            unknown_clouds: Vec::new(),
            permission_key: String::new(),
            expand: Vec::new(),
            long_running: None,
            function_parameters: Vec::new(),
            content: None,
        };
        let keyed_item = path.collection;
        if path.collection && caps.readable {
            out.push(mk(
                OperationKind::List,
                "list",
                &collection_path,
                false,
                format!("List the {nav_name} of {on}"),
                nav_description.clone(),
                None,
                Some(format!("{}CollectionResponse", path.target)),
                None,
                deprecated.clone(),
            ));
        }
        if path.collection && caps.insertable && self.has_payload(target) {
            out.push(mk(
                OperationKind::Create,
                "create",
                &collection_path,
                false,
                format!("Create a {what} in the {nav_name} of {on}"),
                nav_description.clone(),
                Some(format!("{}Create", path.target)),
                Some(path.target.clone()),
                None,
                deprecated.clone(),
            ));
        }
        if caps.readable {
            let mut get = mk(
                OperationKind::Get,
                "get",
                &item_path,
                keyed_item,
                format!("Get a {what} from the {nav_name} of {on}"),
                target.doc.description.clone(),
                None,
                Some(path.target.clone()),
                None,
                deprecated.clone(),
            );
            get.expand = target
                .navigation
                .iter()
                .filter(|n| !n.contains_target)
                .map(|n| n.name.clone())
                .collect();
            out.push(get);
            // A media entity's content, at its own URL (OData 4.01 Protocol, 11.2.4.1
            // "Requesting the Media Stream of a Media Entity using $value"), and each stream
            // property's, at the property's URL (11.2.4.2 "Requesting Stream Properties").
            let streams = target
                .properties
                .iter()
                .filter(|p| {
                    !p.ty.collection && p.ty.target == TypeTarget::Primitive(Primitive::Stream)
                })
                .map(|p| (p.name.clone(), p.doc.description.clone()));
            let media = target
                .has_stream
                .then(|| ("$value".to_owned(), target.doc.description.clone()));
            for (segment, description) in media.into_iter().chain(streams) {
                let (verb, summary) = if segment == "$value" {
                    (
                        "get_value".to_owned(),
                        format!("Get the content of a {what} from the {nav_name} of {on}"),
                    )
                } else {
                    (
                        format!(
                            "get_{}",
                            naming::field_name(&segment)
                                .trim_start_matches("r#")
                                .trim_end_matches('_')
                        ),
                        format!("Get the {segment} of a {what} from the {nav_name} of {on}"),
                    )
                };
                let mut op = mk(
                    OperationKind::GetContent,
                    &verb,
                    &format!("{item_path}/{segment}"),
                    keyed_item,
                    summary,
                    description,
                    None,
                    None,
                    None,
                    deprecated.clone(),
                );
                op.content = Some(segment);
                out.push(op);
            }
        }
        if caps.updatable && self.has_payload(target) {
            out.push(mk(
                OperationKind::Update,
                "update",
                &item_path,
                keyed_item,
                format!("Update a {what} in the {nav_name} of {on}"),
                target.doc.description.clone(),
                Some(format!("{}Update", path.target)),
                None,
                None,
                deprecated.clone(),
            ));
        }
        if caps.deletable {
            out.push(mk(
                OperationKind::Delete,
                "delete",
                &item_path,
                keyed_item,
                format!("Delete a {what} from the {nav_name} of {on}"),
                target.doc.description.clone(),
                None,
                None,
                None,
                deprecated.clone(),
            ));
        }
        for bound in &path.operations {
            let element = format!("{}/{}", path.template, bound.name);
            let mut function_parameters = Vec::new();
            if bound.kind == OperationKindDef::Function {
                for p in &bound.parameters {
                    let ty = match &p.ty.target {
                        TypeTarget::Primitive(t)
                            if !p.ty.collection && function_literal(*t).is_some() =>
                        {
                            *t
                        }
                        _ => {
                            return Err(Error::Emit {
                                element,
                                message: format!(
                                    "function parameter `{}`: only String, Boolean, Int32, \
                                     Int64, Double and Guid parameters are supported yet; \
                                     leave the function out of the slice",
                                    p.name
                                ),
                            });
                        }
                    };
                    function_parameters.push(FunctionParameter {
                        name: p.name.clone(),
                        ty,
                    });
                }
            }
            let long_running = self
                .model
                .long_running
                .get(&element)
                .map(|poll| LongRunning {
                    poll: poll.clone(),
                    poll_operation: String::new(),
                    poll_target: QName::new(),
                });
            if long_running.is_some() && bound.kind != OperationKindDef::Action {
                return Err(Error::Emit {
                    element,
                    message: "only an action can be long-running; remove it from the path's \
                              `long_running` in the slice"
                        .into(),
                });
            }
            let on_item = path.collection && !bound.binding_collection;
            let base_path = if on_item {
                &item_path
            } else {
                &collection_path
            };
            let response = match &bound.returns {
                None => None,
                Some(r) if r.collection => {
                    return Err(Error::Emit {
                        element,
                        message: "bound operations returning a collection are not supported yet"
                            .into(),
                    });
                }
                Some(TypeUse {
                    target: TypeTarget::Complex(q) | TypeTarget::Entity(q) | TypeTarget::Enum(q),
                    ..
                }) => Some(q.clone()),
                Some(_) => {
                    return Err(Error::Emit {
                        element,
                        message: "bound operations returning a primitive are not supported yet"
                            .into(),
                    });
                }
            };
            let (kind, op_path) = match bound.kind {
                OperationKindDef::Action => {
                    (OperationKind::Action, format!("{base_path}/{}", bound.name))
                }
                OperationKindDef::Function => {
                    if response.is_none() {
                        return Err(Error::Emit {
                            element,
                            message: "a function without a return type".into(),
                        });
                    }
                    let args: Vec<String> = function_parameters
                        .iter()
                        .map(|p| {
                            let quote = function_literal(p.ty).map_or("", |(q, _)| q);
                            format!("{0}={quote}{{{0}}}{quote}", p.name)
                        })
                        .collect();
                    (
                        OperationKind::Function,
                        format!("{base_path}/{}({})", bound.name, args.join(",")),
                    )
                }
            };
            let summary = match kind {
                OperationKind::Action => {
                    format!("Invoke action {} on a {what} of {on}", bound.name)
                }
                _ => format!("Invoke function {} on a {what} of {on}", bound.name),
            };
            let verb = naming::field_name(&bound.name)
                .trim_start_matches("r#")
                .trim_end_matches('_')
                .to_owned();
            let deprecated = deprecation_text(&bound.doc).or_else(|| deprecated.clone());
            let mut op = mk(
                kind,
                &verb,
                &op_path,
                on_item,
                summary,
                bound.doc.description.clone(),
                super::bodies::request_body_name(self.model, bound),
                response,
                Some(bound.clone()),
                deprecated,
            );
            op.long_running = long_running;
            op.function_parameters = function_parameters;
            out.push(op);
        }
        Ok(())
    }

    /// The clouds of [`CLOUDS`] whose model has `op` (`global`: the model being emitted,
    /// unless given); a cloud without a model is not among them ([`Builder::unknown_clouds`]).
    fn clouds_of(&self, op: &Operation) -> Vec<String> {
        CLOUDS
            .iter()
            .filter(|cloud| {
                let model = match self.clouds.iter().find(|c| c.cloud == **cloud) {
                    Some(c) => c.model,
                    None if **cloud == "global" => self.model,
                    None => return false,
                };
                exists_in(model, op)
            })
            .map(|c| (*c).to_owned())
            .collect()
    }

    /// The national clouds of [`CLOUDS`] without a model: the slice has no trimmed
    /// metadata for them, so whether they have an operation is unknown.
    fn unknown_clouds(&self) -> Vec<String> {
        CLOUDS
            .iter()
            .filter(|cloud| **cloud != "global" && !self.clouds.iter().any(|c| c.cloud == **cloud))
            .map(|c| (*c).to_owned())
            .collect()
    }

    fn type_schema(&self, def: &TypeDef) -> Result<Value, Error> {
        let mut obj = Map::new();
        obj.insert("title".into(), Value::String(simple_name(&def.name).into()));
        obj.insert("type".into(), Value::String("object".into()));
        describe(&mut obj, &def.doc);
        let mut props = Map::new();
        let polymorphic = self.polymorphic.get(&def.name);
        if polymorphic.is_some() || self.is_tagged(def) {
            let mut odata = json!({
                "type": "string",
                "description": "The type of the object (`#microsoft.graph.x`); absent in some collections",
            });
            if !def.is_abstract {
                // One value per concrete type, so that exactly one branch of the base's
                // `oneOf` matches a tagged object.
                odata["enum"] = json!([odata_type(&def.name)]);
            }
            props.insert("@odata.type".into(), odata);
        }
        for p in &def.properties {
            let read_only = p.read_only || self.overlay.is_read_only(def, &p.name);
            props.insert(p.name.clone(), self.property_schema(p, read_only)?);
        }
        obj.insert("properties".into(), Value::Object(props));
        if self.bodies.contains(&def.name) {
            // Closed, as Graph answers a parameter the action does not declare with 400
            // ("... is not a valid parameter for the operation").
            obj.insert("additionalProperties".into(), Value::Bool(false));
            let required: Vec<Value> = def
                .properties
                .iter()
                .filter(|p| !p.nullable)
                .map(|p| Value::String(p.name.clone()))
                .collect();
            if !required.is_empty() {
                obj.insert("required".into(), Value::Array(required));
            }
        }
        if let Some(concrete) = polymorphic {
            let mapping: Map<String, Value> = concrete
                .iter()
                .map(|c| {
                    (
                        odata_type(c),
                        Value::String(format!("#/components/schemas/{c}")),
                    )
                })
                .collect();
            obj.insert(
                "discriminator".into(),
                json!({ "propertyName": "@odata.type", "mapping": mapping }),
            );
            // OpenAPI 3.0 allows a discriminator only beside `oneOf`, `anyOf` or `allOf`.
            obj.insert(
                "oneOf".into(),
                Value::Array(concrete.iter().map(|c| schema_ref(c)).collect()),
            );
        }
        Ok(Value::Object(obj))
    }

    /// The payload schema and its phone-number properties.
    fn payload_schema(&self, def: &TypeDef, kind: &str) -> Result<(Value, Vec<String>), Error> {
        let mut obj = Map::new();
        let what = simple_name(&def.name);
        obj.insert("title".into(), Value::String(format!("{what}{kind}")));
        obj.insert("type".into(), Value::String("object".into()));
        let text = if kind == "Create" {
            format!("The body that creates a {what}: its writable properties.")
        } else {
            format!(
                "The body that updates a {what}: the writable properties to change (all optional)."
            )
        };
        obj.insert("description".into(), Value::String(text));
        // Exactly the properties listed: the emulator refuses any other (read-only ones,
        // unknown ones, annotations other than `@odata.type`) with 400.
        obj.insert("additionalProperties".into(), Value::Bool(false));
        let mut props = Map::new();
        let mut required = Vec::new();
        if self.is_tagged(def) {
            props.insert(
                "@odata.type".into(),
                json!({
                    "type": "string",
                    "enum": [odata_type(&def.name)],
                    "description": "The type of the object; optional (the documentation's request examples omit it).",
                }),
            );
        }
        let mut phones = Vec::new();
        for p in &def.properties {
            if p.read_only || self.overlay.is_read_only(def, &p.name) {
                continue;
            }
            let create_required = self.overlay.is_create_required(def, &p.name);
            if PHONE_NUMBER_PROPERTIES.contains(&p.name.as_str())
                && p.ty.target == TypeTarget::Primitive(Primitive::String)
                && !p.ty.collection
            {
                phones.push(p.name.clone());
            }
            let mut schema = self.payload_property_schema(p, create_required)?;
            if PHONE_NUMBER_PROPERTIES.contains(&p.name.as_str()) {
                // Documented, not enforced by pattern: progenitor never sees it (replaced),
                // and the client checks it with the runtime's PhoneNumber.
                if let Some(o) = schema.as_object_mut() {
                    let d = o
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned();
                    let sep = if d.is_empty() { "" } else { " " };
                    o.insert(
                        "description".into(),
                        Value::String(format!(
                            "{d}{sep}Format: `+{{country code}} {{number}}x{{extension}}`, extension optional."
                        )),
                    );
                    if o.get("type").and_then(Value::as_str) == Some("string") {
                        o.insert("pattern".into(), Value::String(PHONE_NUMBER_PATTERN.into()));
                        // The documentation's create example.
                        o.insert("example".into(), Value::String("+1 2065555555".into()));
                    }
                }
            }
            props.insert(p.name.clone(), schema);
            if kind == "Create" && (create_required || !p.nullable && !p.ty.collection) {
                required.push(Value::String(p.name.clone()));
            }
        }
        obj.insert("properties".into(), Value::Object(props));
        if !required.is_empty() {
            obj.insert("required".into(), Value::Array(required));
        }
        Ok((Value::Object(obj), phones))
    }

    /// A writable property in a create or update payload: as [`Self::property_schema`], but
    /// not nullable when a create must carry it, and an enum inline with the members a
    /// client may send (an evolvable enum's members before `unknownFutureValue`; Graph's
    /// documentation lists only those, and the emulator refuses the sentinel).
    fn payload_property_schema(
        &self,
        p: &PropertyDef,
        create_required: bool,
    ) -> Result<Value, Error> {
        let nullable = p.nullable && !create_required;
        let members = match &p.ty.target {
            TypeTarget::Enum(q) => self.model.enums.get(q).filter(|e| !e.is_flags),
            _ => None,
        };
        let Some(def) = members.filter(|_| !p.ty.collection) else {
            let mut p = p.clone();
            p.nullable = nullable;
            return self.property_schema(&p, false);
        };
        let mut allowed: Vec<Value> = def
            .members
            .iter()
            .map(|m| m.name.as_str())
            .take_while(|m| *m != UNKNOWN_FUTURE_VALUE)
            .map(|m| Value::String(m.to_owned()))
            .collect();
        let mut obj = Map::new();
        obj.insert("type".into(), Value::String("string".into()));
        if nullable {
            obj.insert("nullable".into(), Value::Bool(true));
            allowed.push(Value::Null);
        }
        obj.insert("enum".into(), Value::Array(allowed));
        describe(&mut obj, &p.doc);
        Ok(Value::Object(obj))
    }

    fn property_schema(&self, p: &PropertyDef, read_only: bool) -> Result<Value, Error> {
        let element = match &p.ty.target {
            TypeTarget::Primitive(prim) => primitive_schema(*prim),
            TypeTarget::Enum(q) | TypeTarget::Complex(q) | TypeTarget::Entity(q) => {
                if !self.model.types.contains_key(q) && !self.model.enums.contains_key(q) {
                    return Err(Error::Emit {
                        element: format!("{}/{}", p.declared_in, p.name),
                        message: format!("refers to {q}, which the model does not define"),
                    });
                }
                schema_ref(q)
            }
        };
        let is_ref = element.get("$ref").is_some();
        let mut obj: Map<String, Value> = if p.ty.collection {
            let mut m = Map::new();
            m.insert("type".into(), Value::String("array".into()));
            m.insert("items".into(), element);
            m
        } else if is_ref && p.nullable {
            let mut m = Map::new();
            m.insert(
                "anyOf".into(),
                json!([element, { "type": "object", "nullable": true }]),
            );
            m
        } else if is_ref {
            let mut m = Map::new();
            m.insert("allOf".into(), json!([element]));
            m
        } else {
            let mut m = element.as_object().cloned().unwrap_or_default();
            if p.nullable {
                m.insert("nullable".into(), Value::Bool(true));
            }
            m
        };
        describe(&mut obj, &p.doc);
        if read_only {
            obj.insert("readOnly".into(), Value::Bool(true));
        }
        Ok(Value::Object(obj))
    }
}

fn push_use(ty: &TypeUse, todo: &mut Vec<QName>) {
    match &ty.target {
        TypeTarget::Primitive(_) => {}
        TypeTarget::Enum(q) | TypeTarget::Complex(q) | TypeTarget::Entity(q) => {
            todo.push(q.clone())
        }
    }
}

fn file_name(source: &str) -> &str {
    source.rsplit(['/', '\\']).next().unwrap_or(source)
}

/// True if `model` (a cloud's) has the path, capability and bound operation `op` needs.
fn exists_in(model: &Model, op: &Operation) -> bool {
    let Some(path) = model.paths.get(&op.nav) else {
        return false;
    };
    let caps = path.capabilities;
    match op.kind {
        OperationKind::List | OperationKind::Get => caps.readable,
        OperationKind::GetContent => {
            let Some(t) = model.types.get(&path.target) else {
                return false;
            };
            caps.readable
                && match op.content.as_deref() {
                    Some("$value") => t.has_stream,
                    Some(name) => t.properties.iter().any(|p| {
                        p.name == name && p.ty.target == TypeTarget::Primitive(Primitive::Stream)
                    }),
                    None => false,
                }
        }
        OperationKind::Create => path.collection && caps.insertable,
        OperationKind::Update => caps.updatable,
        OperationKind::Delete => caps.deletable,
        OperationKind::Action | OperationKind::Function => {
            let Some(b) = &op.bound else { return false };
            path.operations.iter().any(|o| {
                o.qualified_name == b.qualified_name && o.binding_collection == b.binding_collection
            })
        }
    }
}

fn odata_error_schema() -> Value {
    json!({
        "title": "ODataError",
        "type": "object",
        "description": "The body of every Graph error response.",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": { "type": "string", "description": "The error code; code against it, never the message." },
                    "message": { "type": "string", "description": "A human-readable message, not localised; may change." },
                    "target": { "type": "string", "nullable": true },
                    "details": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "code": { "type": "string" },
                                "message": { "type": "string" },
                                "target": { "type": "string", "nullable": true },
                            },
                        },
                    },
                    "innerError": {
                        "type": "object",
                        "description": "request-id, client-request-id, date, and possibly nested `innerError`/`innererror` objects with more specific codes.",
                        "additionalProperties": true,
                    },
                },
            },
        },
    })
}

fn operation_json(op: &Operation, select: Option<&str>) -> Value {
    let mut obj = Map::new();
    obj.insert("operationId".into(), Value::String(op.id.clone()));
    obj.insert("summary".into(), Value::String(op.summary.clone()));
    if let Some(d) = &op.description {
        obj.insert("description".into(), Value::String(d.clone()));
    }
    if op.deprecated.is_some() {
        obj.insert("deprecated".into(), Value::Bool(true));
    }
    obj.insert(
        "tags".into(),
        json!([format!("{}.{}", op.root, op.handle.join("."))]),
    );
    let mut params = Vec::new();
    for p in &op.path_parameters {
        let description = if p.target == "microsoft.graph.user" {
            "The object id or userPrincipalName of the user, one path segment".to_owned()
        } else {
            format!("The id of the {}, one path segment", simple_name(&p.target))
        };
        params.push(json!({
            "name": p.name,
            "in": "path",
            "required": true,
            "description": description,
            "schema": { "type": "string" },
        }));
    }
    if let Some(key) = &op.key {
        params.push(json!({
            "name": key,
            "in": "path",
            "required": true,
            "description": format!("The id of the {}", key.trim_end_matches("-id")),
            "schema": { "type": "string" },
        }));
    }
    for p in &op.function_parameters {
        let edm = function_literal(p.ty).map_or("", |(_, e)| e);
        params.push(json!({
            "name": p.name,
            "in": "path",
            "required": true,
            "description": format!(
                "The `{}` parameter ({edm}) of the function, as an OData literal inline in the call (a string's `'` doubled)",
                p.name
            ),
            "schema": { "type": "string" },
        }));
    }
    if let Some(select) = select {
        params.push(json!({ "$ref": format!("#/components/parameters/{select}") }));
    }
    if op.kind == OperationKind::List {
        params.push(json!({ "$ref": "#/components/parameters/top" }));
    }
    if op.kind == OperationKind::Get && !op.expand.is_empty() {
        // As strict as `$select`: the names the operation offers, separated by commas,
        // spaces around them allowed.
        let names = op.expand.join("|");
        let one = format!("({names})");
        let listed = op
            .expand
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>();
        params.push(json!({
            "name": "$expand",
            "in": "query",
            "description": format!(
                "Expand related entities: {}, separated by commas, sent once",
                listed.join(", ")
            ),
            "style": "form",
            "explode": false,
            "schema": { "type": "string", "pattern": format!("^ *{one}( *, *{one})* *$") },
        }));
    }
    obj.insert("parameters".into(), Value::Array(params));
    if let Some(body) = &op.request {
        let description = if op.kind == OperationKind::Action {
            "The action's parameters"
        } else {
            "New property values"
        };
        obj.insert(
            "requestBody".into(),
            json!({
                "description": description,
                "required": true,
                "content": { "application/json": { "schema": schema_ref(body) } },
            }),
        );
    }
    let success = match &op.response {
        r if op.long_running.is_some() => {
            let mut accepted = json!({
                "description": "Accepted: a long-running operation; poll the `Location` header",
                "headers": {
                    "Location": {
                        "description": "The URL of the operation to poll",
                        "schema": { "type": "string" },
                    },
                    "Retry-After": {
                        "description": "Seconds to wait before the first poll",
                        "schema": { "type": "integer" },
                    },
                },
            });
            if let Some(r) = r {
                accepted["content"] = json!({ "application/json": { "schema": schema_ref(r) } });
            }
            accepted
        }
        Some(r) => {
            let description = if op.kind == OperationKind::Create {
                "Created"
            } else {
                "Success"
            };
            json!({ "description": description, "content": { "application/json": { "schema": schema_ref(r) } } })
        }
        None if op.kind == OperationKind::GetContent => json!({
            "description": "The content, as bytes (its media type in `Content-Type`)",
            "content": {
                "application/octet-stream": { "schema": { "type": "string", "format": "binary" } },
            },
        }),
        None => json!({ "description": "Success" }),
    };
    let mut responses = Map::new();
    responses.insert(op.success_status().to_string(), success);
    for range in ["4XX", "5XX"] {
        responses.insert(
            range.into(),
            json!({ "$ref": "#/components/responses/error" }),
        );
    }
    obj.insert("responses".into(), Value::Object(responses));
    if op.kind == OperationKind::List {
        obj.insert(
            "x-ms-pageable".into(),
            json!({ "nextLinkName": "@odata.nextLink", "operationName": "listMore" }),
        );
    }
    if let Some(lr) = &op.long_running {
        obj.insert(
            "x-ms-long-running-operation".into(),
            json!({ "poll": lr.poll_operation }),
        );
    }
    obj.insert(
        CLOUDS_EXTENSION.into(),
        Value::Array(op.clouds.iter().cloned().map(Value::String).collect()),
    );
    if !op.unknown_clouds.is_empty() {
        obj.insert(
            UNKNOWN_CLOUDS_EXTENSION.into(),
            Value::Array(
                op.unknown_clouds
                    .iter()
                    .cloned()
                    .map(Value::String)
                    .collect(),
            ),
        );
    }
    Value::Object(obj)
}

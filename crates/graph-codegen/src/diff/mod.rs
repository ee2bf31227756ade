//! The Graph-aware semantic spec diff: two lowered [`Model`]s of the slice in, a classified,
//! plain-data [`SpecDiff`] out, rendered as Markdown for reviewers ([`SpecDiff::to_markdown`])
//! or JSON for tools ([`SpecDiff::to_json`]).
//!
//! It works on the IR, not on text: a reordered or reformatted document gives no change, an
//! inherited property is reported once on the type that declares it, and a navigation property
//! names the request paths it serves. Each [`Change`] is classified for users of the generated
//! crates ([`Class`]), says why, and names the generated Rust items it touches (through
//! [`crate::naming`], as the emitter names them).
//!
//! # Classification
//!
//! - [`Class::Breaking`]: code using the generated crates may stop compiling or a call may
//!   stop working: a removed type, property, enum member, navigation property, path, operation
//!   or parameter; a changed type, base type, kind or abstractness; any nullability change (it
//!   turns `T` into `Option<T>` or back, even where the wire change is additive); a capability
//!   lost (an operation no longer allowed); a property becoming read-only where a payload has
//!   it; a new required (non-nullable) parameter or create-payload field.
//! - [`Class::Additive`]: something new that existing code can ignore: a type (including a new
//!   derived type), property, navigation property, path, operation, optional parameter,
//!   capability gained, or enum member (the generated enums are evolvable: a client that does
//!   not know the member reads it as `Unrecognized`, so the service sending it breaks nothing).
//! - [`Class::Documentation`]: descriptions, deprecations (the item gains or loses
//!   `#[deprecated]`: a warning, not an error), enum member values (names are on the wire,
//!   numbers are not), an operation moved to a base type (same paths), and changes the
//!   generated code does not show.
//!
//! A property or operation moved up to a base type is not a removal: properties are compared
//! on the flattened (inherited) lists of each type and reported once, under the declaring
//! type, with the fields of every type it touches; the types that gain it report it as added.
//!
//! # Every input: the whole-spec diff
//!
//! [`diff_specs`] and [`diff_generated`] compare two versions of every input of code
//! generation ([`crate::SpecInputs`]: the trimmed spec, the slice, the overlay, the
//! permissions, the national clouds' specs) on what [`crate::build`] makes of each: the
//! restricted models (with the comparison above), the client's operation tables (an
//! operation added or removed, with the input that caused it: `operation added (offered in
//! spec/slice.toml)`; the clouds that gain or lose one; `$expand`), the overlays'
//! flags ([`ChangeKind::OverlayChanged`]), the permissions and the slice's decisions. Each
//! change of what the client sends lists its request paths with the method (the item path
//! for get, update, delete and actions on an item) and the clouds it applies to
//! ([`Change::clouds`]). Rust items are looked up in the generated files of the side they
//! belong to ([`Items`]), so every item named exists. Overlay flags are classified:
//!
//! - read-only added: [`Class::Breaking`] (the field leaves the create and update payloads);
//!   removed: [`Class::Additive`] (the payloads gain an optional field, as for a new
//!   property);
//! - create-required changed: [`Class::Breaking`] (the create payload's constructor takes
//!   other arguments);
//! - sensitive added or removed: [`Class::Documentation`]: only what `Debug` prints changes
//!   (`<redacted>` or the value), and `Debug` output is no API or stability promise; the
//!   reason says when a value will be printed;
//! - a path container added: [`Class::Breaking`] (its structs go away); removed:
//!   [`Class::Additive`].
//!
//! A capability the metadata gains or loses is reported by the operation table when it
//! changes what the client offers; otherwise (the slice does not offer it) it is
//! documentation.
//!
//! # Availability and permissions (the CSDL-only mode)
//!
//! Changes computed from other inputs than the trimmed spec join the same report through
//! [`SpecDiff::extend`], on [`ElementKind::Endpoint`] (an operation the client offers, keyed
//! as in `spec/permissions.toml`: `phoneMethods.create`):
//!
//! - [`availability`]: the per-cloud trimmed specs (`spec/clouds/<name>.csdl`) of both
//!   versions, each lowered and narrowed like the global one ([`lower_offered`]). An
//!   operation lost in a national cloud is breaking (the generated client refuses it there
//!   before sending); one gained is additive. Reported under the cloud's spec path with the
//!   cloud as `aspect` and `available`/`not available` as values
//!   ([`ChangeKind::AvailabilityChanged`]).
//! - [`permissions`]: `spec/permissions.toml` of both versions. Per principal kind
//!   (`aspect` `delegated, self`, `delegated, others`, `application`, and the same with
//!   `, fine-grained`) the least privileged permission as values
//!   ([`ChangeKind::PermissionChanged`]): breaking when a permission accepted before is no
//!   longer accepted (the least privileged one asks for more, or the kind becomes not
//!   supported), additive when one more is accepted, documentation when only the order
//!   changed. Directory roles for acting on others and personal accounts follow the same
//!   rule. A cloud the documentation stops marking available is breaking, one it starts
//!   marking available additive ([`ChangeKind::DocumentedAvailabilityChanged`]). Sources and
//!   notes are documentation; an entry removed is breaking (the client no longer exposes the
//!   operation's permissions), an entry added additive.
//!
//! The renderers need no change for them: `aspect`, `old` and `new` are free-form text.
//!
//! # Release proposal
//!
//! [`release`] turns a diff into the release it asks for under the version policy
//! ([`SpecDiff::propose_release`]: breaking -> a new major, or minor while at 0.x; additive
//! -> minor; documentation -> patch) and a Keep a Changelog entry listing the changes and the
//! generated items they touch ([`SpecDiff::changelog_entry`]), for a human to review.

mod availability;
mod compare;
mod generated;
mod permissions;
pub mod release;
mod render;
mod rust;

pub use availability::{availability, lower_offered};
pub use generated::{GeneratedSide, Items, diff_generated, diff_specs};
pub use permissions::permissions;

use std::collections::BTreeSet;

use crate::csdl::Document;
use crate::emit::overlay::Overlay;
use crate::error::Error;
use crate::ir::{self, Model, PathRequest};

/// The version of the JSON report's shape; bumped when a field is renamed or removed.
pub const JSON_VERSION: u32 = 1;

/// How a change affects users of the generated crates. Ordered from most to least severe.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Existing code may stop compiling, or a call may stop working.
    Breaking,
    /// New things; existing code keeps compiling and working.
    Additive,
    /// Documentation only (descriptions, deprecation notices).
    Documentation,
}

impl Class {
    /// All classes, most severe first.
    pub const ALL: [Class; 3] = [Class::Breaking, Class::Additive, Class::Documentation];

    /// The class's name as written in reports (`breaking`, `additive`, `documentation`).
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Additive => "additive",
            Class::Documentation => "documentation",
        }
    }

    /// True if `self` is `threshold` or more severe.
    pub fn is_at_least(self, threshold: Class) -> bool {
        self <= threshold
    }
}

/// What kind of element of the slice a change is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ElementKind {
    /// An entity or complex type.
    Type,
    /// A structural property of a type.
    Property,
    /// A navigation property of a type (with the request paths through it).
    NavigationProperty,
    /// A request path not covered by a navigation property change (a root, or a path whose
    /// last navigation property is unchanged).
    Path,
    /// An enum type.
    EnumType,
    /// A member of an enum type.
    EnumMember,
    /// A bound action or function.
    Operation,
    /// A parameter of a bound action or function.
    Parameter,
    /// An operation the client offers, keyed as in `spec/permissions.toml`
    /// (`phoneMethods.create`, `phoneMethods.enableSmsSignIn`): for availability and
    /// permission changes.
    Endpoint,
    /// A recorded decision of `spec/slice.toml` (`[[decision]]`, by its `entry`).
    Decision,
}

impl ElementKind {
    /// The element kind's name as written in reports (`navigation property`).
    pub fn as_str(self) -> &'static str {
        match self {
            ElementKind::Type => "type",
            ElementKind::Property => "property",
            ElementKind::NavigationProperty => "navigation property",
            ElementKind::Path => "path",
            ElementKind::EnumType => "enum",
            ElementKind::EnumMember => "enum member",
            ElementKind::Operation => "operation",
            ElementKind::Parameter => "parameter",
            ElementKind::Endpoint => "endpoint",
            ElementKind::Decision => "decision",
        }
    }
}

/// What changed about the element.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// The element is new.
    Added,
    /// The element is gone.
    Removed,
    /// The type of a property or parameter (`old`/`new`: `Edm.String`,
    /// `Collection(microsoft.graph.x)`).
    TypeChanged,
    /// The target type of a navigation property or path, or its cardinality.
    TargetChanged,
    /// The return type of an operation (`None` for no return value).
    ReturnTypeChanged,
    /// Nullability (`old`/`new`: `nullable`, `non-nullable`).
    NullabilityChanged,
    /// Read-only-ness of a property (`Core.Computed`, `Core.Immutable` or key).
    ReadOnlyChanged,
    /// The direct base type of a type.
    BaseTypeChanged,
    /// `Abstract` of a type.
    AbstractChanged,
    /// Entity or complex.
    KindChanged,
    /// `OpenType` of a type.
    OpenTypeChanged,
    /// `ContainsTarget` of a navigation property.
    ContainmentChanged,
    /// Action or function.
    OperationKindChanged,
    /// The binding type of an operation (moved to a base type: same paths).
    BindingChanged,
    /// `IsFlags` of an enum type.
    FlagsChanged,
    /// The numeric value of an enum member.
    ValueChanged,
    /// A capability restriction (`aspect`: `readable`, `insertable`, `updatable`,
    /// `deletable`; `old`/`new`: `allowed`, `not allowed`).
    CapabilityChanged,
    /// A deprecation notice appeared (`new`: its text and dates).
    DeprecationAdded,
    /// A deprecation notice went away.
    DeprecationRemoved,
    /// A deprecation notice's text or dates changed.
    DeprecationChanged,
    /// `Core.Description` changed (`aspect` `long description`: `Core.LongDescription`);
    /// for an [`ElementKind::Endpoint`], its documentation `source` or `notes`.
    DescriptionChanged,
    /// Whether a national cloud's metadata has the operation (`aspect`: the cloud, `china`;
    /// `old`/`new`: `available`, `not available`).
    AvailabilityChanged,
    /// Whether the documentation marks the operation available in a cloud (`aspect`: the
    /// cloud as `spec/permissions.toml` names it, `usgov-l4`; `old`/`new`: `available`,
    /// `not available`, `no availability row`).
    DocumentedAvailabilityChanged,
    /// The permissions an operation accepts (`aspect`: the principal kind, `delegated, self`,
    /// or `roles for others`, `personal accounts`; `old`/`new`: the least privileged
    /// permission, or `not supported`).
    PermissionChanged,
    /// The navigation properties a read may `$expand` (`old`/`new`: the lists).
    ExpandChanged,
    /// A flag of `spec/overlay.toml` (`aspect`: `read-only`, `sensitive`,
    /// `create required`, `path container`; `old`/`new`: `yes`, `no`).
    OverlayChanged,
}

impl ChangeKind {
    /// The change's name as written in reports (`nullability changed`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::TypeChanged => "type changed",
            ChangeKind::TargetChanged => "target changed",
            ChangeKind::ReturnTypeChanged => "return type changed",
            ChangeKind::NullabilityChanged => "nullability changed",
            ChangeKind::ReadOnlyChanged => "read-only changed",
            ChangeKind::BaseTypeChanged => "base type changed",
            ChangeKind::AbstractChanged => "abstract changed",
            ChangeKind::KindChanged => "kind changed",
            ChangeKind::OpenTypeChanged => "open type changed",
            ChangeKind::ContainmentChanged => "containment changed",
            ChangeKind::OperationKindChanged => "operation kind changed",
            ChangeKind::BindingChanged => "binding changed",
            ChangeKind::FlagsChanged => "flags changed",
            ChangeKind::ValueChanged => "value changed",
            ChangeKind::CapabilityChanged => "capability changed",
            ChangeKind::DeprecationAdded => "deprecation added",
            ChangeKind::DeprecationRemoved => "deprecation removed",
            ChangeKind::DeprecationChanged => "deprecation changed",
            ChangeKind::DescriptionChanged => "description changed",
            ChangeKind::AvailabilityChanged => "availability changed",
            ChangeKind::DocumentedAvailabilityChanged => "documented availability changed",
            ChangeKind::PermissionChanged => "permission changed",
            ChangeKind::ExpandChanged => "$expand changed",
            ChangeKind::OverlayChanged => "overlay changed",
        }
    }
}

/// One classified change. Field order is the report's sort order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Change {
    /// How it affects users of the generated crates.
    pub class: Class,
    /// The clouds of the client it applies to (`global`, `usGovL4`, `usGovL5Dod`, `china`)
    /// for a change of what the client sends where ([`ElementKind::Endpoint`] changes of the
    /// whole-spec diff, [`diff_specs`]); empty for a change of the types, which are the same
    /// in every cloud. Left out of the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clouds: Vec<String>,
    /// The type (or enum) it is reported under: the declaring type of a property, navigation
    /// property or inherited member, the binding type of an operation, the holder of a path's
    /// last navigation property. A full name, `microsoft.graph.x`; for availability and
    /// permission changes, the file they come from (`spec/clouds/china.csdl`,
    /// `spec/permissions.toml`).
    pub group: String,
    /// What kind of element changed.
    pub element: ElementKind,
    /// The element within its group: a property or member name, `operation(parameter)`, a
    /// path template; the type's own full name for type-level changes.
    pub name: String,
    /// What changed.
    pub change: ChangeKind,
    /// Which part changed, where the kind has several (`insertable`, `long description`);
    /// for availability and permission changes, the cloud or the principal kind.
    pub aspect: Option<String>,
    /// The value before, as text (`None` where there was none or for added elements).
    pub old: Option<String>,
    /// The value after, as text.
    pub new: Option<String>,
    /// Why it is classified so, for a reviewer.
    pub reason: String,
    /// Generated Rust items it touches (`PhoneAuthenticationMethod::phone_number`,
    /// `AuthenticationMethod::Phone`, `PhoneAuthenticationMethodCreate`), sorted.
    pub rust_items: Vec<String>,
    /// Request paths it affects (templates, with operation names for operations), sorted.
    pub paths: Vec<String>,
}

/// Number of changes per class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counts {
    /// Breaking changes.
    pub breaking: usize,
    /// Additive changes.
    pub additive: usize,
    /// Documentation changes.
    pub documentation: usize,
}

impl Counts {
    /// The count for `class`.
    pub fn get(&self, class: Class) -> usize {
        match class {
            Class::Breaking => self.breaking,
            Class::Additive => self.additive,
            Class::Documentation => self.documentation,
        }
    }

    /// All changes.
    pub fn total(&self) -> usize {
        self.breaking + self.additive + self.documentation
    }
}

/// The report: every change between two versions of the slice, sorted (breaking first, then
/// by group, element kind, name and change).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SpecDiff {
    /// The version of this JSON shape, [`JSON_VERSION`].
    pub version: u32,
    /// Where the old model came from (its `source`).
    pub old: String,
    /// Where the new model came from.
    pub new: String,
    /// Changes per class.
    pub counts: Counts,
    /// The most severe class present ([`SpecDiff::worst`]), `null` in JSON when nothing
    /// changed: the overall verdict tools read.
    pub worst: Option<Class>,
    /// The changes, sorted, without duplicates.
    pub changes: Vec<Change>,
}

impl SpecDiff {
    /// A report from changes in any order.
    pub fn new(old: impl Into<String>, new: impl Into<String>, changes: Vec<Change>) -> SpecDiff {
        let mut diff = SpecDiff {
            version: JSON_VERSION,
            old: old.into(),
            new: new.into(),
            counts: Counts::default(),
            worst: None,
            changes: Vec::new(),
        };
        diff.extend(changes);
        diff
    }

    /// Adds changes computed elsewhere (for example availability or permissions), keeping the
    /// order and the counts right.
    pub fn extend(&mut self, changes: impl IntoIterator<Item = Change>) {
        let all: BTreeSet<Change> = self.changes.drain(..).chain(changes).collect();
        self.changes = all.into_iter().collect();
        let mut counts = Counts::default();
        for c in &self.changes {
            match c.class {
                Class::Breaking => counts.breaking += 1,
                Class::Additive => counts.additive += 1,
                Class::Documentation => counts.documentation += 1,
            }
        }
        self.counts = counts;
        self.worst = self.changes.iter().map(|c| c.class).min();
    }

    /// True if nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The most severe class present, if any change is.
    pub fn worst(&self) -> Option<Class> {
        self.worst
    }

    /// True if some change is `threshold` or more severe (for `--fail-on`).
    pub fn has_at_least(&self, threshold: Class) -> bool {
        self.worst().is_some_and(|w| w.is_at_least(threshold))
    }

    /// The Markdown report: a title, a summary table of counts per class, then the changes per
    /// class (breaking first) grouped by type. Stable: the same diff gives the same text.
    pub fn to_markdown(&self) -> String {
        render::markdown(self)
    }

    /// The release this diff asks for from version `current`, by the version policy
    /// ([`release`]): the level of the most severe change.
    pub fn propose_release(&self, current: release::Version) -> release::Proposal {
        release::propose(current, self.worst())
    }

    /// The proposed changelog entry ([`release::changelog_entry`]): Keep a Changelog sections
    /// for `## [Unreleased]`, empty when nothing changed.
    pub fn changelog_entry(&self) -> String {
        release::changelog_entry(self)
    }

    /// The JSON report (pretty-printed, with a trailing newline). Field names are stable; see
    /// [`JSON_VERSION`].
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a SpecDiff always serialises");
        s.push('\n');
        s
    }
}

/// Compares two lowered models of the slice, naming generated items from the IR alone (see
/// [`diff_with`] for exact names).
///
/// Both models should be lowered with the same path requests (see [`lower_available`]), so
/// that path changes reflect the documents, not the requests.
pub fn diff(old: &Model, new: &Model) -> SpecDiff {
    SpecDiff::new(&old.source, &new.source, compare::compare(old, new, None))
}

/// [`diff`] knowing the spec overlay (`spec/overlay.toml`), so that the generated items are
/// named exactly: no items for path containers, no payload fields for properties the overlay
/// makes read-only, and the client operations (progenitor's methods, by operationId) a change
/// touches. The classification only changes where the overlay decides what is generated (a
/// property read-only in the overlay is in no payload, so its read-only flag is documentation).
pub fn diff_with(old: &Model, new: &Model, overlay: &Overlay) -> SpecDiff {
    SpecDiff::new(
        &old.source,
        &new.source,
        compare::compare(old, new, Some(overlay)),
    )
}

/// Lowers `doc` with those of `requests` whose root and navigation properties exist in it.
///
/// An older document (or a national cloud) may lack navigation properties the slice names;
/// lowering with their requests would fail, while the spec diff should report them as added
/// (or removed). Returns the model and the requests left out, in the given order.
pub fn lower_available(
    doc: &Document,
    requests: &[PathRequest],
) -> Result<(Model, Vec<PathRequest>), Error> {
    let bare = ir::lower(doc, &[])?;
    let (kept, dropped): (Vec<PathRequest>, Vec<PathRequest>) = requests
        .iter()
        .cloned()
        .partition(|r| path_exists(&bare, r));
    let model = if kept.is_empty() {
        bare
    } else {
        ir::lower(doc, &kept)?
    };
    Ok((model, dropped))
}

fn path_exists(model: &Model, request: &PathRequest) -> bool {
    let Some(root) = model.roots.get(&request.root) else {
        return false;
    };
    let mut ty = root.entity_type.as_str();
    for seg in &request.segments {
        let Some(nav) = model
            .types
            .get(ty)
            .and_then(|t| t.navigation.iter().find(|n| &n.name == seg))
        else {
            return false;
        };
        ty = &nav.target;
    }
    true
}

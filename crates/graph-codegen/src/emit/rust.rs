//! The Rust model emitter: IR [`Model`] + [`Overlay`] in, the source of
//! `graph-phone-types/src/generated/mod.rs` out.
//!
//! # Edm mapping
//!
//! | Edm | Rust | notes |
//! |---|---|---|
//! | `Edm.String` | `String` | |
//! | `Edm.Boolean` | `bool` | |
//! | `Edm.Byte` / `Edm.SByte` | `u8` / `i8` | |
//! | `Edm.Int16` / `Int32` / `Int64` | `i16` / `i32` / `i64` | Graph sends JSON numbers (no `IEEE754Compatible`) |
//! | `Edm.Single` / `Edm.Double` | `f32` / `f64` | JSON numbers only: the strings `"NaN"`, `"INF"`, `"-INF"` Graph may send for special values are rejected (none occur in this slice) |
//! | `Edm.Decimal` | `f64` | precision beyond `f64` is lost (none occur in this slice) |
//! | `Edm.Guid` | `::uuid::Uuid` | hyphenated lower case on output |
//! | `Edm.DateTimeOffset` | `::jiff::Timestamp` | RFC 3339; keeps up to 9 fractional digits and prints exactly the digits needed, so Graph's 7-digit values round-trip byte for byte; offsets other than `Z` are printed back as UTC |
//! | `Edm.Date` | `::jiff::civil::Date` | `2024-05-01` |
//! | `Edm.TimeOfDay` | `::jiff::civil::Time` | `10:00:00.1234567` |
//! | `Edm.Duration` | `support::IsoDuration` | validated ISO 8601 text kept as read (`jiff::Span` would turn `P0D` into `PT0S`) |
//! | `Edm.Binary` | `support::Base64` | standard base64 text; schema `format: byte` |
//! | `Edm.Stream` | `Option<::serde_json::Value>` | always optional and never in create or update payloads, whatever its `Nullable`: Graph serves a stream's content at its own URL (`.../{property}`, or `.../$value` for a media entity), which the client reads as bytes (`emit::openapi::OperationKind::GetContent`), not in the JSON object |
//! | `Edm.Untyped`, geo types | `::serde_json::Value` | |
//! | enum type | generated evolvable enum (flags: `support::Flags<XFlag>`) | |
//! | complex / entity type | generated struct; abstract base with subtypes: generated enum | |
//! | `Collection(X)` | `Vec<X>` | missing or `null` reads as empty |
//!
//! A nullable property is `Option<T>` (absent when `None`; an explicit `null` reads as `None`
//! and is written as absent, which means the same in OData); a non-nullable one is a required
//! `T`. A struct-valued field that would make a type contain itself is boxed. Containment
//! navigation properties are not fields. The non-containment ones the trimmed spec keeps (a
//! slice entry's `expand`, such as the methods' `device`) are: `Option<Box<T>>` (or
//! `Option<Vec<T>>`) holding what `$expand` returns inline, `None` otherwise, never in
//! payloads.
//!
//! # Which types are emitted
//!
//! - Every enum type.
//! - Every entity and complex type, except the overlay's `path_containers` (pure navigation
//!   hops such as `user` and `authentication`, whose navigation properties are never
//!   payloads), and types that no property, navigation property (of a path container: only
//!   a containment one) or navigation path refers to
//!   and that are either abstract (such as `entity`: no instance can appear) or bases of
//!   path containers only (such as `directoryObject`, the base of `user`).
//! - An abstract type with non-abstract subtypes becomes a polymorphic enum (see below); an
//!   abstract type without any is a struct.
//! - For each non-abstract entity type that is the target of a navigation path in
//!   `model.paths`: `XCreate` if a collection path allows insert, `XUpdate` if a path allows
//!   update. They hold only writable properties: not `read_only` in the IR (key,
//!   `Core.Computed`, `Core.Immutable`) and not `read_only` in the overlay. A type without any
//!   writable property gets no payloads.
//!
//! # Shapes
//!
//! - Structs derive `Clone, PartialEq, Serialize, Deserialize, JsonSchema`, keep unknown
//!   properties in a flattened `additional_properties` map, and implement `Debug` by hand:
//!   sensitive fields (overlay) print their shape only (`Some(<redacted>)`), and
//!   `additional_properties` prints only its keys.
//! - Structs are `#[non_exhaustive]`: Graph adds properties, and a new field must not break
//!   a user's code (cargo-semver-checks' `constructible_struct_adds_field`). Outside the
//!   crate a struct is built from `Default::default()` (or a create payload's `new`) and
//!   its public fields are then set one by one; a struct literal, with or without
//!   `..Default::default()`, does not compile there.
//! - Enums are evolvable: unknown members read into `Unrecognized(String)` (named with a
//!   suffix if a member claims that name) and serialise back exactly as read.
//! - Polymorphic enums dispatch on `@odata.type` (`#microsoft.graph.x`, also `#graph.x` and
//!   without `#`) to the subtype's struct; an unknown subtype, or an object without
//!   `@odata.type`, reads into `Unknown(Map)`, which keeps the whole object. Structs deriving
//!   from a polymorphic base have `odata_type: Option<String>`: what was read (`None` when
//!   absent, as in `phoneMethods` lists), written back only if present; the enum's
//!   `Serialize` adds the variant's type when it is `None`, so the output reads back into
//!   the same variant. Their create payloads always write `@odata.type`
//!   (`support::TypeTag`).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::emit::overlay::Overlay;
use crate::ir::{EnumDef, Model, Primitive, PropertyDef, QName, TypeDef, TypeKind, TypeTarget};
use crate::naming::{self, Scope};
use crate::{Error, GeneratedFile};

/// Where the generated module goes, relative to the workspace root.
pub const TYPES_PATH: &str = "crates/graph-phone-types/src/generated/mod.rs";

/// The first line of every generated file.
pub const HEADER: &str =
    "// @generated by `cargo xtask codegen` from spec/graph-phone.csdl. Do not edit by hand.";

/// Emits the generated module of `graph-phone-types` (one file, [`TYPES_PATH`]).
///
/// Generated code refers to the hand-written support module as `crate::support`.
pub fn emit_types(model: &Model, overlay: &Overlay) -> Result<Vec<GeneratedFile>, Error> {
    let contents = emit_types_source(model, overlay)?;
    Ok(vec![GeneratedFile {
        path: TYPES_PATH.to_owned(),
        contents,
    }])
}

/// The source text of the generated module, header included.
pub fn emit_types_source(model: &Model, overlay: &Overlay) -> Result<String, Error> {
    // Actions with parameters get a request body type (see `emit::bodies`).
    let model = &*super::bodies::with_request_bodies(model)?;
    overlay.validate(model)?;
    let plan = Plan::new(model, overlay)?;
    let mut items = Vec::new();
    for name in &plan.order {
        if let Some(def) = model.enums.get(name) {
            items.push(plan.enum_items(def));
        } else if plan.polymorphic.contains_key(name) {
            items.push(plan.polymorphic_items(&model.types[name])?);
        } else {
            items.push(plan.struct_items(&model.types[name])?);
        }
    }
    for (name, kind) in plan
        .payloads
        .iter()
        .flat_map(|(n, ks)| ks.iter().map(move |k| (n, k)))
    {
        items.push(plan.payload_items(&model.types[name], *kind)?);
    }
    let source = model.source.as_str();
    let module_doc = format!(
        " Model types generated from `{source}`: one item per emitted CSDL type, see the crate docs."
    );
    let tokens = quote! {
        #![doc = #module_doc]
        #![allow(deprecated)]
        #![allow(clippy::large_enum_variant)]
        #(#items)*
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| Error::Emit {
        element: model.source.clone(),
        message: format!("emitted Rust does not parse (a generator bug): {e}"),
    })?;
    let body = prettyplease::unparse(&file);
    Ok(format!("{HEADER}\n{}", separate_items(&body)))
}

/// Puts a blank line between top-level items (prettyplease writes them back to back).
fn separate_items(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + body.len() / 16);
    let mut previous = "";
    for line in body.lines() {
        let after_inner_attrs = previous.starts_with("#![") && !line.starts_with("#![");
        if (after_inner_attrs
            || previous == "}"
            || previous.ends_with(';') && !previous.starts_with(' '))
            && !line.is_empty()
            && !line.starts_with([' ', '}'])
        {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = line;
    }
    out
}

/// Which payload a [`Plan`] emits for an entity type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Payload {
    Create,
    Update,
}

/// Everything decided before any tokens are written.
struct Plan<'a> {
    model: &'a Model,
    overlay: &'a Overlay,
    /// Rust names of emitted types and enums (and flags member enums), by full name.
    names: BTreeMap<QName, String>,
    /// Rust names of the member enum of each flags enum.
    flag_names: BTreeMap<QName, String>,
    /// Polymorphic bases: full name -> concrete subtypes.
    polymorphic: BTreeMap<QName, Vec<QName>>,
    /// Emitted types and enums in output order (sorted by full name).
    order: Vec<QName>,
    /// Payloads per entity type, with their Rust names and the path templates allowing them.
    payloads: BTreeMap<QName, BTreeSet<Payload>>,
    payload_names: BTreeMap<(QName, Payload), String>,
    payload_paths: BTreeMap<(QName, Payload), Vec<String>>,
}

impl<'a> Plan<'a> {
    fn new(model: &'a Model, overlay: &'a Overlay) -> Result<Plan<'a>, Error> {
        // References from properties of any non-container type, and navigation path targets.
        let mut referenced: BTreeSet<&str> = BTreeSet::new();
        for def in model.types.values() {
            if overlay.is_path_container(&def.name) {
                continue;
            }
            for prop in &def.properties {
                if let TypeTarget::Complex(q) | TypeTarget::Entity(q) = &prop.ty.target {
                    if overlay.is_path_container(q) {
                        return Err(Error::Emit {
                            element: format!("{}/{}", def.name, prop.name),
                            message: format!(
                                "property refers to `{q}`, listed in `path_containers` of \
                                 spec/overlay.toml; remove it from that list"
                            ),
                        });
                    }
                    referenced.insert(q);
                }
            }
        }
        for def in model.types.values() {
            let container = overlay.is_path_container(&def.name);
            for nav in def
                .navigation
                .iter()
                .filter(|n| n.contains_target || !container)
            {
                referenced.insert(&nav.target);
            }
        }
        for path in model.paths.values() {
            referenced.insert(&path.target);
        }

        let mut polymorphic = BTreeMap::new();
        let mut order = Vec::new();
        for def in model.types.values() {
            if overlay.is_path_container(&def.name) {
                continue;
            }
            let concrete = super::concrete_subtypes(model, overlay, def);
            let only_containers_derive =
                !def.derived.is_empty() && def.derived.iter().all(|d| overlay.is_path_container(d));
            if !referenced.contains(def.name.as_str())
                && (def.is_abstract || only_containers_derive)
            {
                continue;
            }
            if def.is_abstract && !concrete.is_empty() {
                polymorphic.insert(def.name.clone(), concrete);
            }
            order.push(def.name.clone());
        }
        order.extend(model.enums.keys().cloned());
        order.sort();

        let home = naming::home_namespace(
            model
                .types
                .keys()
                .chain(model.enums.keys())
                .map(String::as_str),
        );
        let mut scope = Scope::for_types();
        let mut names = BTreeMap::new();
        for name in &order {
            names.insert(
                name.clone(),
                scope.claim(&naming::type_name_in(name, &home)),
            );
        }
        let mut flag_names = BTreeMap::new();
        for def in model.enums.values().filter(|e| e.is_flags) {
            let flag = scope.claim(&format!("{}Flag", names[&def.name]));
            flag_names.insert(def.name.clone(), flag);
        }

        let mut payloads: BTreeMap<QName, BTreeSet<Payload>> = BTreeMap::new();
        let mut payload_paths: BTreeMap<(QName, Payload), Vec<String>> = BTreeMap::new();
        for path in model.paths.values() {
            let Some(def) = model.types.get(&path.target) else {
                continue;
            };
            if !super::can_have_payloads(overlay, def) {
                continue;
            }
            let mut allow = |kind| {
                payloads.entry(def.name.clone()).or_default().insert(kind);
                payload_paths
                    .entry((def.name.clone(), kind))
                    .or_default()
                    .push(path.template.clone());
            };
            if path.collection && path.capabilities.insertable {
                allow(Payload::Create);
            }
            if path.capabilities.updatable {
                allow(Payload::Update);
            }
        }
        let mut payload_names = BTreeMap::new();
        for (name, kinds) in &payloads {
            for kind in kinds {
                let suffix = match kind {
                    Payload::Create => "Create",
                    Payload::Update => "Update",
                };
                let rust = scope.claim(&format!("{}{suffix}", names[name]));
                payload_names.insert((name.clone(), *kind), rust);
            }
        }
        Ok(Plan {
            model,
            overlay,
            names,
            flag_names,
            polymorphic,
            order,
            payloads,
            payload_names,
            payload_paths,
        })
    }

    /// True if `def` derives from a polymorphic base, so it carries `@odata.type`.
    fn is_tagged(&self, def: &TypeDef) -> bool {
        def.ancestors
            .iter()
            .any(|a| self.polymorphic.contains_key(a))
    }

    fn type_ident(&self, name: &str) -> Ident {
        ident(&self.names[name])
    }

    /// The Rust type of one element of `target`.
    fn element_type(&self, target: &TypeTarget, element: &str) -> Result<TokenStream, Error> {
        Ok(match target {
            TypeTarget::Primitive(p) => primitive_type(*p),
            TypeTarget::Enum(q) => {
                let name = self.names.get(q).ok_or_else(|| unknown(element, q))?;
                // A flags enum's name is its `Flags<...>` alias.
                let name = ident(name);
                quote!(#name)
            }
            TypeTarget::Complex(q) | TypeTarget::Entity(q) => {
                let name = self.names.get(q).ok_or_else(|| unknown(element, q))?;
                let name = ident(name);
                quote!(#name)
            }
        })
    }

    /// True if a non-collection field of type `target` inside `owner` must be boxed: the
    /// target reaches `owner` through non-collection struct-valued properties.
    fn needs_box(&self, owner: &str, target: &TypeTarget) -> bool {
        let (TypeTarget::Complex(start) | TypeTarget::Entity(start)) = target else {
            return false;
        };
        let mut stack = vec![start.as_str()];
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if name == owner {
                return true;
            }
            if !seen.insert(name) {
                continue;
            }
            let mut candidates = vec![name];
            if let Some(subtypes) = self.polymorphic.get(name) {
                candidates.extend(subtypes.iter().map(String::as_str));
            }
            for candidate in candidates {
                let Some(def) = self.model.types.get(candidate) else {
                    continue;
                };
                for prop in def.properties.iter().filter(|p| !p.ty.collection) {
                    if let TypeTarget::Complex(q) | TypeTarget::Entity(q) = &prop.ty.target {
                        stack.push(q);
                    }
                }
            }
        }
        false
    }

    /// The declared Rust type of a property of `owner` (without `Option`/`Patch`).
    fn value_type(&self, owner: &TypeDef, prop: &PropertyDef) -> Result<TokenStream, Error> {
        let element = format!("{}/{}", owner.name, prop.name);
        let inner = self.element_type(&prop.ty.target, &element)?;
        Ok(if prop.ty.collection {
            quote!(Vec<#inner>)
        } else if self.needs_box(&owner.name, &prop.ty.target) {
            quote!(Box<#inner>)
        } else {
            inner
        })
    }

    fn struct_items(&self, def: &TypeDef) -> Result<TokenStream, Error> {
        let name = self.type_ident(&def.name);
        let doc = type_doc(def);
        let deprecated = deprecated_attr(def.doc.deprecation.as_ref());
        let mut scope = field_scope();
        let mut fields = Vec::new();
        let mut debug = Vec::new();
        let tagged = self.is_tagged(def);
        if tagged {
            let doc = doc_attrs(&format!(
                "The `@odata.type` as read (`{}` or a subtype's); `None` if the object had none. \
                 Written back only when present.",
                odata_type(&def.name)
            ));
            fields.push(quote! {
                #doc
                #[serde(rename = "@odata.type", default, skip_serializing_if = "Option::is_none")]
                pub odata_type: Option<String>,
            });
            debug.push(quote!(.field("odata_type", &self.odata_type)));
        }
        let mut all_default = true;
        for prop in &def.properties {
            let field = Field::new(self, def, prop, &mut scope)?;
            all_default &= field.defaultable;
            fields.push(field.read_tokens());
            debug.push(field.debug_tokens(false));
        }
        for nav in def.navigation.iter().filter(|n| !n.contains_target) {
            let (field, debug_field) = self.expanded_field(def, nav, &mut scope)?;
            fields.push(field);
            debug.push(debug_field);
        }
        fields.push(additional_properties_field());
        debug.push(additional_properties_debug());
        let derive_default = if all_default {
            quote!(Default,)
        } else {
            quote!()
        };
        let debug_impl = debug_impl(&name, &debug);
        let odata = odata_type(&def.name);
        Ok(quote! {
            #doc
            #deprecated
            #[derive(Clone, PartialEq, #derive_default ::serde::Serialize, ::serde::Deserialize)]
            #[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]
            #[non_exhaustive]
            pub struct #name {
                #(#fields)*
            }

            impl crate::support::ODataTyped for #name {
                const ODATA_TYPE: &'static str = #odata;
            }

            #debug_impl
        })
    }

    /// The field of a navigation property the trimmed spec keeps on a model type (a
    /// `[[path]]` entry's `expand`): the related entity as `$expand` returns it
    /// inline, `None` unless requested. Never in create or update payloads.
    fn expanded_field(
        &self,
        def: &TypeDef,
        nav: &crate::ir::NavigationDef,
        scope: &mut Scope,
    ) -> Result<(TokenStream, TokenStream), Error> {
        let element = format!("{}/{}", def.name, nav.name);
        let target = self
            .names
            .get(&nav.target)
            .ok_or_else(|| unknown(&element, &nav.target))?;
        let target = ident(target);
        let field_name = scope.claim(&naming::field_name(&nav.name));
        let field = ident(&field_name);
        let wire = &nav.name;
        let ty = if nav.collection {
            quote!(Option<Vec<#target>>)
        } else {
            quote!(Option<Box<#target>>)
        };
        let mut text = format!(
            "The related `{wire}` when the read asked for it with `$expand={wire}`; `None` \
             otherwise."
        );
        if let Some(description) = &nav.doc.description {
            text.push_str("\n\n");
            text.push_str(description);
        }
        let doc = doc_attrs(&text);
        let debug_name = field_name.trim_start_matches("r#").to_owned();
        Ok((
            quote! {
                #doc
                #[serde(rename = #wire, default, skip_serializing_if = "Option::is_none")]
                pub #field: #ty,
            },
            quote!(.field(#debug_name, &self.#field)),
        ))
    }

    fn payload_items(&self, def: &TypeDef, kind: Payload) -> Result<TokenStream, Error> {
        let base = self.type_ident(&def.name);
        let name = ident(&self.payload_names[&(def.name.clone(), kind)]);
        let paths = self.payload_paths[&(def.name.clone(), kind)]
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let base_name = &self.names[&def.name];
        let mut text = match kind {
            Payload::Create => format!(
                "The body that creates a [`{base_name}`] (`POST` to {paths}): its writable \
                 properties."
            ),
            Payload::Update => format!(
                "The body that updates a [`{base_name}`] (`PATCH` to an item of {paths}): its \
                 writable properties, each sent only if not [`Patch::Unchanged`](crate::support::Patch::Unchanged)."
            ),
        };
        let mut scope = field_scope();
        let mut fields = Vec::new();
        let mut debug = Vec::new();
        // The fields of a create payload's `new`: what the body must carry.
        let mut required = Vec::new();
        let mut unset = Vec::new();
        // `with_*`: the struct is `#[non_exhaustive]`, so users set fields by method or
        // by assignment, never by struct literal.
        let mut setters = Vec::new();
        let tagged = kind == Payload::Create && self.is_tagged(def);
        if tagged {
            let odata = odata_type(&def.name);
            let doc = doc_attrs(&format!("Always written as `{odata}`."));
            fields.push(quote! {
                #doc
                #[serde(rename = "@odata.type", default)]
                pub odata_type: crate::support::TypeTag<#base>,
            });
            debug.push(quote!(.field("odata_type", &self.odata_type)));
        }
        for prop in &def.properties {
            // A stream's content is written at its own URL (`PUT .../$value`), never in a
            // JSON body.
            if prop.read_only || self.overlay.is_read_only(def, &prop.name) || is_stream(prop) {
                continue;
            }
            let mut field = Field::new(self, def, prop, &mut scope)?;
            match kind {
                Payload::Create => {
                    // Required as in the OpenAPI create payload: listed in the overlay's
                    // `create_required` (from the create page), or not nullable in the
                    // metadata.
                    field.required = self.overlay.is_create_required(def, &prop.name)
                        || (!field.nullable && !field.collection);
                    fields.push(field.read_tokens());
                    debug.push(field.debug_tokens(false));
                    setters.extend(field.setter_tokens(kind));
                    if field.required {
                        required.push((field, prop));
                    } else {
                        unset.push(field.ident.clone());
                    }
                }
                Payload::Update => {
                    fields.push(field.patch_tokens());
                    debug.push(field.debug_tokens(true));
                    setters.extend(field.setter_tokens(kind));
                }
            }
        }
        fields.push(additional_properties_field());
        debug.push(additional_properties_debug());
        let (derive_default, constructor) = if required.is_empty() {
            (quote!(Default,), quote!())
        } else {
            let wire = join_and(required.iter().map(|(_, p)| format!("`{}`", p.name)));
            text.push_str(&format!(
                " A create must carry {wire}: build it with [`{name}::new`]."
            ));
            (
                quote!(),
                self.constructor(def, &name, tagged, &required, &unset),
            )
        };
        let doc = doc_attrs(&text);
        let debug_impl = debug_impl(&name, &debug);
        let setters = if setters.is_empty() {
            quote!()
        } else {
            quote! {
                impl #name {
                    #(#setters)*
                }
            }
        };
        Ok(quote! {
            #doc
            #[derive(Clone, PartialEq, #derive_default ::serde::Serialize, ::serde::Deserialize)]
            #[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]
            #[non_exhaustive]
            pub struct #name {
                #(#fields)*
            }

            #constructor

            #setters

            #debug_impl
        })
    }

    /// `new` of a create payload: the `required` fields as parameters in the type's
    /// property order (text as `impl Into<String>`), every other field unset, no unknown
    /// properties. Its documentation cites the create pages of the overlay entries.
    fn constructor(
        &self,
        def: &TypeDef,
        name: &Ident,
        tagged: bool,
        required: &[(Field, &PropertyDef)],
        unset: &[Ident],
    ) -> TokenStream {
        let mut params = Vec::new();
        let mut inits = Vec::new();
        for (field, prop) in required {
            let ident = &field.ident;
            let ty = &field.ty;
            if prop.ty.target == TypeTarget::Primitive(Primitive::String) && !prop.ty.collection {
                params.push(quote!(#ident: impl Into<String>));
                inits.push(quote!(#ident: #ident.into(),));
            } else {
                params.push(quote!(#ident: #ty));
                inits.push(quote!(#ident,));
            }
        }
        let wire = |overlay: bool| {
            join_and(
                required
                    .iter()
                    .filter(|(_, p)| self.overlay.is_create_required(def, &p.name) == overlay)
                    .map(|(_, p)| format!("`{}`", p.name)),
            )
        };
        let (from_overlay, from_metadata) = (wire(true), wire(false));
        let mut text = format!(
            "A create body with what a create must carry ({}); every other writable property \
             unset (`None`, empty), no unknown properties.",
            join_and(
                [from_overlay.clone(), from_metadata.clone()]
                    .into_iter()
                    .filter(|w| !w.is_empty())
            )
        );
        if !from_metadata.is_empty() {
            text.push_str(&format!(
                "\n\n{from_metadata}: not nullable in the metadata."
            ));
        }
        let mut doc = doc_attrs(&text);
        if !from_overlay.is_empty() {
            // The pages are checked links (`Overlay::validate`): written as they are, not
            // escaped as spec text is.
            let pages = self
                .overlay
                .create_pages(def)
                .iter()
                .map(|page| format!("<{page}>"))
                .collect::<Vec<_>>()
                .join(", ");
            let line =
                format!(" {from_overlay}: required by the documentation's create page, {pages}.");
            doc.extend(quote!(#[doc = ""] #[doc = #line]));
        }
        let odata = if tagged {
            quote!(odata_type: ::std::default::Default::default(),)
        } else {
            quote!()
        };
        quote! {
            impl #name {
                #doc
                pub fn new(#(#params),*) -> Self {
                    Self {
                        #odata
                        #(#inits)*
                        #(#unset: ::std::default::Default::default(),)*
                        additional_properties: ::std::default::Default::default(),
                    }
                }
            }
        }
    }

    fn polymorphic_items(&self, def: &TypeDef) -> Result<TokenStream, Error> {
        let name = self.type_ident(&def.name);
        let type_doc = type_doc(def);
        let doc = quote! {
            #type_doc
            #[doc = ""]
            #[doc = " One variant per non-abstract subtype, chosen by `@odata.type` when read."]
        };
        let deprecated = deprecated_attr(def.doc.deprecation.as_ref());
        let base_rust = &self.names[&def.name];
        let subtypes = &self.polymorphic[&def.name];
        let mut scope = Scope::new();
        let unknown_variant = ident(&scope.claim("Unknown"));
        let mut variants = Vec::new();
        let mut ser = Vec::new();
        let mut de = Vec::new();
        let mut dbg = Vec::new();
        let mut types = Vec::new();
        let mut froms = Vec::new();
        let mut schemas = Vec::new();
        for sub in subtypes {
            let sub_def = &self.model.types[sub];
            let sub_rust = &self.names[sub];
            let short = sub_rust
                .strip_suffix(base_rust.as_str())
                .filter(|s| !s.is_empty() && !s.starts_with(|c: char| c.is_ascii_digit()))
                .unwrap_or(sub_rust);
            let variant = ident(&scope.claim(short));
            let ty = ident(sub_rust);
            let odata = odata_type(sub);
            let vdoc = doc_attrs(&format!("A `{odata}`."));
            let vdeprecated = deprecated_attr(sub_def.doc.deprecation.as_ref());
            let variant_name = variant.to_string();
            variants.push(quote! { #vdoc #vdeprecated #variant(#ty), });
            ser.push(quote! {
                Self::#variant(v) => crate::support::serialize_tagged(
                    v,
                    v.odata_type.as_deref(),
                    <#ty as crate::support::ODataTyped>::ODATA_TYPE,
                    serializer,
                ),
            });
            let bare = sub.as_str();
            de.push(quote! {
                Some(#bare) => crate::support::from_object(object).map(Self::#variant),
            });
            dbg.push(quote! {
                Self::#variant(v) => f.debug_tuple(#variant_name).field(v).finish(),
            });
            types.push(quote! {
                Self::#variant(v) => Some(
                    v.odata_type
                        .as_deref()
                        .unwrap_or(<#ty as crate::support::ODataTyped>::ODATA_TYPE),
                ),
            });
            froms.push(quote! {
                impl From<#ty> for #name {
                    fn from(value: #ty) -> Self {
                        Self::#variant(value)
                    }
                }
            });
            schemas.push(quote!(generator.subschema_for::<#ty>()));
        }
        let unknown_doc = doc_attrs(
            "A subtype this crate does not know, or an object without `@odata.type`: the whole \
             JSON object as read, written back unchanged.",
        );
        let unknown_name = unknown_variant.to_string();
        let schema_name = base_rust.as_str();
        let description = format!(
            "`{}` or one of its subtypes, told apart by `@odata.type`.",
            def.name
        );
        Ok(quote! {
            #doc
            #deprecated
            #[derive(Clone, PartialEq)]
            #[non_exhaustive]
            pub enum #name {
                #(#variants)*
                #unknown_doc
                #unknown_variant(::serde_json::Map<String, ::serde_json::Value>),
            }

            impl #name {
                /// The `@odata.type` this value is written with, if it has one.
                pub fn odata_type(&self) -> Option<&str> {
                    match self {
                        #(#types)*
                        Self::#unknown_variant(object) => {
                            object.get("@odata.type").and_then(::serde_json::Value::as_str)
                        }
                    }
                }
            }

            #(#froms)*

            impl ::serde::Serialize for #name {
                fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    match self {
                        #(#ser)*
                        Self::#unknown_variant(object) => ::serde::Serialize::serialize(object, serializer),
                    }
                }
            }

            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let object = <::serde_json::Map<String, ::serde_json::Value> as ::serde::Deserialize>::deserialize(deserializer)?;
                    match crate::support::odata_type_name(&object).as_deref() {
                        #(#de)*
                        _ => Ok(Self::#unknown_variant(object)),
                    }
                }
            }

            #[cfg(feature = "schemars")]
            impl ::schemars::JsonSchema for #name {
                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    #schema_name.into()
                }

                fn json_schema(generator: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                    crate::support::polymorphic_schema(#description, vec![#(#schemas),*])
                }
            }

            impl ::std::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    match self {
                        #(#dbg)*
                        Self::#unknown_variant(object) => f
                            .debug_tuple(#unknown_name)
                            .field(&crate::support::KeysOnly(object))
                            .finish(),
                    }
                }
            }
        })
    }

    fn enum_items(&self, def: &EnumDef) -> TokenStream {
        let rust = &self.names[&def.name];
        let (name, flags_alias) = match self.flag_names.get(&def.name) {
            Some(flag) => {
                let alias = ident(rust);
                let flag_ident = ident(flag);
                let doc = enum_doc(def);
                let alias_tokens = quote! {
                    #doc
                    pub type #alias = crate::support::Flags<#flag_ident>;
                };
                (flag_ident, alias_tokens)
            }
            None => (ident(rust), quote!()),
        };
        let doc = match def.is_flags {
            true => doc_attrs(&format!(
                "One flag of [`{rust}`] (`{}`): a known member, or any other name as read.",
                def.name
            )),
            false => enum_doc(def),
        };
        let deprecated = deprecated_attr(def.doc.deprecation.as_ref());
        let mut scope = Scope::new();
        let mut variants = Vec::new();
        let mut to_str = Vec::new();
        let mut from_str = Vec::new();
        let mut known = Vec::new();
        for member in &def.members {
            let variant = ident(&scope.claim(&naming::variant_name(&member.name)));
            let wire = member.name.as_str();
            let text = member
                .doc
                .description
                .clone()
                .unwrap_or_else(|| format!("The `{wire}` member."));
            let doc = doc_attrs(&text);
            let deprecated = deprecated_attr(member.doc.deprecation.as_ref());
            variants.push(quote! { #doc #deprecated #variant, });
            to_str.push(quote!(Self::#variant => #wire,));
            from_str.push(quote!(#wire => Self::#variant,));
            known.push(wire);
        }
        let other = ident(&scope.claim("Unrecognized"));
        let other_doc = doc_attrs(
            "A member this crate does not know (Graph adds members after `unknownFutureValue`), \
             kept exactly as read.",
        );
        let schema_name = name.to_string();
        // An enum type without members (Graph has some) has nothing to match: every value
        // is `Unrecognized`, without a match that only has a catch-all.
        let (from_str_body, from_string_body) = if def.members.is_empty() {
            (
                quote!(Self::#other(value.to_owned())),
                quote!(Self::#other(value)),
            )
        } else {
            (
                quote! {
                    match value {
                        #(#from_str)*
                        _ => Self::#other(value.to_owned()),
                    }
                },
                quote! {
                    match Self::from(value.as_str()) {
                        Self::#other(_) => Self::#other(value),
                        known => known,
                    }
                },
            )
        };
        quote! {
            #flags_alias

            #doc
            #deprecated
            #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
            #[non_exhaustive]
            pub enum #name {
                #(#variants)*
                #other_doc
                #other(String),
            }

            impl #name {
                /// The wire names of the known members, in metadata order.
                pub const KNOWN: &'static [&'static str] = &[#(#known),*];

                /// The wire name.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(#to_str)*
                        Self::#other(value) => value.as_str(),
                    }
                }
            }

            impl AsRef<str> for #name {
                fn as_ref(&self) -> &str {
                    self.as_str()
                }
            }

            impl From<&str> for #name {
                fn from(value: &str) -> Self {
                    #from_str_body
                }
            }

            impl From<String> for #name {
                fn from(value: String) -> Self {
                    #from_string_body
                }
            }

            impl ::std::str::FromStr for #name {
                type Err = ::std::convert::Infallible;

                fn from_str(value: &str) -> Result<Self, Self::Err> {
                    Ok(Self::from(value))
                }
            }

            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl ::serde::Serialize for #name {
                fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }

            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    <String as ::serde::Deserialize>::deserialize(deserializer).map(Self::from)
                }
            }

            #[cfg(feature = "schemars")]
            impl ::schemars::JsonSchema for #name {
                fn schema_name() -> ::std::borrow::Cow<'static, str> {
                    #schema_name.into()
                }

                fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                    crate::support::evolvable_enum_schema(Self::KNOWN)
                }
            }
        }
    }
}

/// One property as a field.
struct Field {
    ident: Ident,
    wire: String,
    ty: TokenStream,
    collection: bool,
    nullable: bool,
    /// A create payload's field that the body must carry: a plain `T`, no serde default,
    /// a parameter of the payload's `new`.
    required: bool,
    sensitive: bool,
    defaultable: bool,
    doc: TokenStream,
    deprecated: TokenStream,
}

impl Field {
    fn new(
        plan: &Plan,
        owner: &TypeDef,
        prop: &PropertyDef,
        scope: &mut Scope,
    ) -> Result<Field, Error> {
        let ty = plan.value_type(owner, prop)?;
        let collection = prop.ty.collection;
        // Graph never puts a stream's content in the JSON object (it is read at its own
        // `$value` URL), so a stream is absent even where the metadata says it is not
        // nullable (`application.logo`): required, it would fail every read.
        let stream = is_stream(prop);
        let nullable = (prop.nullable || stream) && !collection;
        let defaultable = collection
            || nullable
            || matches!(
                prop.ty.target,
                TypeTarget::Primitive(
                    Primitive::String
                        | Primitive::Boolean
                        | Primitive::Byte
                        | Primitive::SByte
                        | Primitive::Int16
                        | Primitive::Int32
                        | Primitive::Int64
                        | Primitive::Single
                        | Primitive::Double
                        | Primitive::Decimal
                        | Primitive::Guid
                        | Primitive::Untyped
                        | Primitive::Stream
                )
            );
        let mut text = prop
            .doc
            .description
            .clone()
            .unwrap_or_else(|| format!("The `{}` property.", prop.name));
        if let Some(long) = &prop.doc.long_description {
            text.push_str("\n\n");
            text.push_str(long);
        }
        if stream {
            text.push_str(&format!(
                "\n\nA stream: Graph serves its content at its own URL (`{}/$value`), not in \
                 the JSON object, so this is `None` in what Graph returns.",
                prop.name
            ));
        }
        Ok(Field {
            ident: ident(&scope.claim(&naming::field_name(&prop.name))),
            wire: prop.name.clone(),
            ty,
            collection,
            nullable,
            required: false,
            sensitive: plan.overlay.is_sensitive(owner, &prop.name),
            defaultable,
            doc: doc_attrs(&text),
            deprecated: deprecated_attr(prop.doc.deprecation.as_ref()),
        })
    }

    /// The field of a read struct or create payload.
    fn read_tokens(&self) -> TokenStream {
        let Field {
            ident,
            wire,
            ty,
            doc,
            deprecated,
            ..
        } = self;
        if self.required {
            quote! {
                #doc
                #deprecated
                #[serde(rename = #wire)]
                pub #ident: #ty,
            }
        } else if self.collection {
            quote! {
                #doc
                #deprecated
                #[serde(rename = #wire, default, deserialize_with = "crate::support::nullable_vec")]
                pub #ident: #ty,
            }
        } else if self.nullable {
            quote! {
                #doc
                #deprecated
                #[serde(rename = #wire, default, skip_serializing_if = "Option::is_none")]
                pub #ident: Option<#ty>,
            }
        } else {
            quote! {
                #doc
                #deprecated
                #[serde(rename = #wire)]
                pub #ident: #ty,
            }
        }
    }

    /// `with_<field>` of a payload field, chainable: an update payload's takes anything
    /// that converts into its `Patch` (a value, `Patch::Null`), a create payload's optional
    /// field its value. None for a required create field (it is a parameter of `new`).
    fn setter_tokens(&self, kind: Payload) -> Option<TokenStream> {
        let Field {
            ident, wire, ty, ..
        } = self;
        let label = ident.to_string();
        let method = format_ident!("with_{}", label.strip_prefix("r#").unwrap_or(&label));
        let (param, value, what) = match kind {
            Payload::Update => (
                quote!(impl Into<crate::support::Patch<#ty>>),
                quote!(value.into()),
                "Sets `{}`: sent as given unless [`Patch::Unchanged`](crate::support::Patch::Unchanged); [`Patch::Null`](crate::support::Patch::Null) clears it.",
            ),
            Payload::Create if self.required => return None,
            Payload::Create if self.collection || !self.nullable => {
                (quote!(#ty), quote!(value), "Sets `{}`.")
            }
            Payload::Create => (quote!(#ty), quote!(Some(value)), "Sets `{}`."),
        };
        let doc = doc_attrs(&what.replace("{}", wire));
        Some(quote! {
            #doc
            pub fn #method(mut self, value: #param) -> Self {
                self.#ident = #value;
                self
            }
        })
    }

    /// The field of an update payload.
    fn patch_tokens(&self) -> TokenStream {
        let Field {
            ident,
            wire,
            ty,
            doc,
            deprecated,
            ..
        } = self;
        quote! {
            #doc
            #deprecated
            #[serde(rename = #wire, default, skip_serializing_if = "crate::support::Patch::is_unchanged")]
            pub #ident: crate::support::Patch<#ty>,
        }
    }

    /// One `.field(...)` call of the hand-written `Debug`.
    fn debug_tokens(&self, patch: bool) -> TokenStream {
        let ident = &self.ident;
        let label = ident.to_string();
        let label = label.strip_prefix("r#").unwrap_or(&label);
        if !self.sensitive {
            quote!(.field(#label, &self.#ident))
        } else if patch || self.collection || (self.nullable && !self.required) {
            quote!(.field(#label, &crate::support::Redact::redacted(&self.#ident)))
        } else {
            quote!(.field(#label, &crate::support::REDACTED))
        }
    }
}

fn field_scope() -> Scope {
    let mut scope = Scope::new();
    scope.claim("odata_type");
    scope.claim("additional_properties");
    scope
}

fn additional_properties_field() -> TokenStream {
    quote! {
        /// Properties this crate does not know, kept as read and written back.
        #[serde(flatten)]
        pub additional_properties: ::serde_json::Map<String, ::serde_json::Value>,
    }
}

fn additional_properties_debug() -> TokenStream {
    quote!(.field("additional_properties", &crate::support::KeysOnly(&self.additional_properties)))
}

fn debug_impl(name: &Ident, fields: &[TokenStream]) -> TokenStream {
    let label = name.to_string();
    quote! {
        impl ::std::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#label)
                    #(#fields)*
                    .finish()
            }
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

fn primitive_type(p: Primitive) -> TokenStream {
    match p {
        Primitive::String => quote!(String),
        Primitive::Boolean => quote!(bool),
        Primitive::Byte => quote!(u8),
        Primitive::SByte => quote!(i8),
        Primitive::Int16 => quote!(i16),
        Primitive::Int32 => quote!(i32),
        Primitive::Int64 => quote!(i64),
        Primitive::Single => quote!(f32),
        Primitive::Double | Primitive::Decimal => quote!(f64),
        Primitive::Guid => quote!(::uuid::Uuid),
        Primitive::DateTimeOffset => quote!(::jiff::Timestamp),
        Primitive::Date => quote!(::jiff::civil::Date),
        Primitive::TimeOfDay => quote!(::jiff::civil::Time),
        Primitive::Duration => quote!(crate::support::IsoDuration),
        Primitive::Binary => quote!(crate::support::Base64),
        Primitive::Stream | Primitive::Untyped => quote!(::serde_json::Value),
    }
}

/// True for a single `Edm.Stream` property (a media resource, never inline JSON).
fn is_stream(prop: &PropertyDef) -> bool {
    !prop.ty.collection && prop.ty.target == TypeTarget::Primitive(Primitive::Stream)
}

/// `#microsoft.graph.x` for `microsoft.graph.x`.
fn odata_type(name: &str) -> String {
    format!("#{name}")
}

fn type_doc(def: &TypeDef) -> TokenStream {
    let kind = match def.kind {
        TypeKind::Entity => "entity",
        TypeKind::Complex => "complex",
    };
    let simple = def.name.rsplit('.').next().unwrap_or(&def.name);
    let mut text = def
        .doc
        .description
        .clone()
        .unwrap_or_else(|| format!("The `{simple}` {kind} type."));
    if let Some(long) = &def.doc.long_description {
        text.push_str("\n\n");
        text.push_str(long);
    }
    let modifier = if def.is_abstract { "abstract " } else { "" };
    text.push_str(&format!("\n\nGraph {modifier}{kind} type `{}`.", def.name));
    doc_attrs(&text)
}

fn enum_doc(def: &EnumDef) -> TokenStream {
    let simple = def.name.rsplit('.').next().unwrap_or(&def.name);
    let mut text = def
        .doc
        .description
        .clone()
        .unwrap_or_else(|| format!("The `{simple}` enum type."));
    if let Some(long) = &def.doc.long_description {
        text.push_str("\n\n");
        text.push_str(long);
    }
    let shape = if def.is_flags {
        "flags enum type; the wire value is a comma-separated list of member names"
    } else {
        "enum type; unknown members are kept"
    };
    text.push_str(&format!("\n\nGraph {shape} (`{}`).", def.name));
    doc_attrs(&text)
}

/// `#[doc = " line"]` attributes, one per line (split on every line terminator,
/// [`crate::doc_text::doc_lines`]), with text escaped for rustdoc Markdown.
fn doc_attrs(text: &str) -> TokenStream {
    let lines = crate::doc_text::doc_lines(text.trim())
        .into_iter()
        .map(|line| {
            let line = line
                .trim_end()
                .replace('[', "\\[")
                .replace(']', "\\]")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            // Links the emitter writes itself survive escaping.
            let line = line.replace("\\[`", "[`").replace("`\\]", "`]");
            if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            }
        });
    quote!(#(#[doc = #lines])*)
}

fn deprecated_attr(deprecation: Option<&crate::ir::Deprecation>) -> TokenStream {
    let Some(d) = deprecation else {
        return quote!();
    };
    let mut note = d.description.trim().to_owned();
    if let Some(date) = &d.date {
        note.push_str(&format!(" (deprecated {date}"));
        if let Some(removal) = &d.removal_date {
            note.push_str(&format!(", removal planned {removal}"));
        }
        note.push(')');
    } else if let Some(removal) = &d.removal_date {
        note.push_str(&format!(" (removal planned {removal})"));
    }
    quote!(#[deprecated(note = #note)])
}

fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

fn unknown(element: &str, target: &str) -> Error {
    Error::Emit {
        element: element.to_owned(),
        message: format!(
            "refers to `{target}`, which is not emitted (a path container or missing type)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Capabilities, Doc, EnumMemberDef, NavPath, TypeUse};

    fn prop(name: &str, target: TypeTarget, nullable: bool, declared_in: &str) -> PropertyDef {
        PropertyDef {
            name: name.into(),
            ty: TypeUse {
                collection: false,
                target,
            },
            nullable,
            read_only: name == "id",
            declared_in: declared_in.into(),
            ..Default::default()
        }
    }

    /// `entity` (abstract) <- `authenticationMethod` (abstract) <- phone, email; `user` and
    /// `authentication` as path containers; one enum; paths to phone methods and methods.
    pub(crate) fn sample_model() -> Model {
        let mut model = Model {
            source: "sample.xml".into(),
            ..Default::default()
        };
        let id = prop(
            "id",
            TypeTarget::Primitive(Primitive::String),
            false,
            "g.entity",
        );
        let created = prop(
            "createdDateTime",
            TypeTarget::Primitive(Primitive::DateTimeOffset),
            true,
            "g.authenticationMethod",
        );
        let ty = |name: &str, is_abstract: bool, ancestors: &[&str], own: Vec<PropertyDef>| {
            let mut properties = Vec::new();
            if !ancestors.is_empty() || name == "g.entity" {
                properties.push(id.clone());
            }
            if ancestors.contains(&"g.authenticationMethod") {
                properties.push(created.clone());
            }
            if name == "g.authenticationMethod" {
                properties.push(created.clone());
            }
            properties.extend(own.clone());
            TypeDef {
                name: name.into(),
                kind: TypeKind::Entity,
                is_abstract,
                base: ancestors.first().map(|s| s.to_string()),
                ancestors: ancestors.iter().map(|s| s.to_string()).collect(),
                key: vec!["id".into()],
                own_properties: own,
                properties,
                ..Default::default()
            }
        };
        let phone = ty(
            "g.phoneAuthenticationMethod",
            false,
            &["g.authenticationMethod", "g.entity"],
            vec![
                prop(
                    "phoneNumber",
                    TypeTarget::Primitive(Primitive::String),
                    true,
                    "g.p",
                ),
                prop(
                    "phoneType",
                    TypeTarget::Enum("g.authenticationPhoneType".into()),
                    true,
                    "g.p",
                ),
            ],
        );
        let email = ty(
            "g.emailAuthenticationMethod",
            false,
            &["g.authenticationMethod", "g.entity"],
            vec![prop(
                "emailAddress",
                TypeTarget::Primitive(Primitive::String),
                true,
                "g.e",
            )],
        );
        let mut method = ty("g.authenticationMethod", true, &["g.entity"], vec![]);
        method.derived = vec![email.name.clone(), phone.name.clone()];
        method.doc = Doc {
            description: Some("An authentication method [of a user].".into()),
            ..Default::default()
        };
        let mut entity = ty("g.entity", true, &[], vec![]);
        entity.derived = vec![
            "g.authentication".into(),
            method.name.clone(),
            email.name.clone(),
            phone.name.clone(),
            "g.user".into(),
        ];
        let user = ty("g.user", false, &["g.entity"], vec![]);
        let authentication = ty("g.authentication", false, &["g.entity"], vec![]);
        for t in [phone, email, method, entity, user, authentication] {
            model.types.insert(t.name.clone(), t);
        }
        model.enums.insert(
            "g.authenticationPhoneType".into(),
            EnumDef {
                name: "g.authenticationPhoneType".into(),
                members: [
                    "mobile",
                    "alternateMobile",
                    "unknownFutureValue",
                    "unrecognized",
                ]
                .iter()
                .enumerate()
                .map(|(i, m)| EnumMemberDef {
                    name: m.to_string(),
                    value: i as i64,
                    ..Default::default()
                })
                .collect(),
                ..Default::default()
            },
        );
        for (leaf, target) in [
            ("phoneMethods", "g.phoneAuthenticationMethod"),
            ("methods", "g.authenticationMethod"),
        ] {
            let template = format!("me/authentication/{leaf}");
            model.paths.insert(
                template.clone(),
                NavPath {
                    template,
                    root: "me".into(),
                    segments: vec!["authentication".into(), leaf.into()],
                    target: target.into(),
                    collection: true,
                    capabilities: Capabilities::default(),
                    ..Default::default()
                },
            );
        }
        model
    }

    pub(crate) fn sample_overlay() -> Overlay {
        Overlay::parse(
            r#"
path_containers = ["g.user", "g.authentication"]
[read_only]
"g.authenticationMethod" = ["createdDateTime"]
[sensitive]
"g.phoneAuthenticationMethod" = ["phoneNumber"]
"g.emailAuthenticationMethod" = ["emailAddress"]
"#,
            "overlay.toml",
        )
        .unwrap()
    }

    #[test]
    fn sample_output_has_the_expected_shapes() {
        let out = emit_types_source(&sample_model(), &sample_overlay()).unwrap();
        if std::env::var_os("PRINT_SAMPLE").is_some() {
            println!("{out}");
        }
        assert!(out.starts_with(HEADER));
        assert_eq!(
            out.lines()
                .take(3)
                .filter(|l| l.contains("@generated"))
                .count(),
            1
        );
        for expected in [
            "pub struct PhoneAuthenticationMethod {",
            "pub created_date_time: Option<::jiff::Timestamp>,",
            "pub enum AuthenticationMethod {",
            "Phone(PhoneAuthenticationMethod),",
            "pub struct PhoneAuthenticationMethodCreate {",
            "pub struct PhoneAuthenticationMethodUpdate {",
            "pub phone_number: crate::support::Patch<String>,",
            // A member named `unrecognized` pushes the fallback to a suffixed name.
            "Unrecognized2(String),",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
        }
        // Containers and the unused abstract `entity` are not emitted.
        for absent in ["pub struct User ", "pub struct Authentication ", "Entity"] {
            assert!(!out.contains(absent), "unexpected {absent:?}");
        }
        // Read-only properties are not in the payloads.
        let create = &out[out
            .find("pub struct PhoneAuthenticationMethodCreate")
            .unwrap()..];
        let create = &create[..create.find("\n}\n").unwrap()];
        assert!(!create.contains("created_date_time") && !create.contains("pub id"));
    }

    /// The create payload's text (doc, derive, fields, constructor), up to its `Debug` impl.
    fn create_payload(out: &str) -> &str {
        let start = out[..out
            .find("pub struct PhoneAuthenticationMethodCreate")
            .unwrap()]
            .rfind("/// The body that creates")
            .unwrap();
        let end = out
            .find("impl ::std::fmt::Debug for PhoneAuthenticationMethodCreate")
            .unwrap();
        &out[start..end]
    }

    #[test]
    fn create_payloads_require_what_a_create_must_carry() {
        // Nothing required: optional fields, `Default`, no constructor.
        let out = emit_types_source(&sample_model(), &sample_overlay()).unwrap();
        let create = create_payload(&out);
        assert!(create.contains("Default,"), "{create}");
        assert!(
            create.contains("pub phone_number: Option<String>,"),
            "{create}"
        );
        assert!(!create.contains("pub fn new"), "{create}");

        // `phoneNumber` from the overlay's create page, `phoneType` not nullable in the
        // metadata: both required fields and, in property order, parameters of `new`.
        let mut model = sample_model();
        let phone = model.types.get_mut("g.phoneAuthenticationMethod").unwrap();
        for p in phone.properties.iter_mut().chain(&mut phone.own_properties) {
            if p.name == "phoneType" {
                p.nullable = false;
            }
        }
        let page = "https://learn.microsoft.com/graph/api/authentication-post-phonemethods";
        let mut overlay = sample_overlay();
        overlay.create_required.insert(
            "g.phoneAuthenticationMethod".into(),
            crate::emit::CreateRequired {
                properties: ["phoneNumber".to_owned()].into(),
                page: page.into(),
            },
        );
        let out = emit_types_source(&model, &overlay).unwrap();
        let create = create_payload(&out);
        assert!(!create.contains("Default,"), "{create}");
        for expected in [
            "#[serde(rename = \"phoneNumber\")]\n    pub phone_number: String,",
            "#[serde(rename = \"phoneType\")]\n    pub phone_type: AuthenticationPhoneType,",
            "pub fn new(\n        phone_number: impl Into<String>,\n        phone_type: AuthenticationPhoneType,\n    ) -> Self {",
            "phone_number: phone_number.into(),",
            "A create must carry `phoneNumber` and `phoneType`: build it with [`PhoneAuthenticationMethodCreate::new`].",
            "/// `phoneType`: not nullable in the metadata.",
            &format!("/// `phoneNumber`: required by the documentation's create page, <{page}>."),
        ] {
            assert!(
                create.contains(expected),
                "missing {expected:?} in:\n{create}"
            );
        }
        // Still redacted in `Debug`; the update payload keeps `Patch` fields and `Default`.
        assert!(out.contains(".field(\"phone_number\", &crate::support::REDACTED)"));
        let update = &out[out
            .find("pub struct PhoneAuthenticationMethodUpdate")
            .unwrap()..];
        assert!(update.contains("pub phone_number: crate::support::Patch<String>,"));
        let update_derive = &out[..out
            .find("pub struct PhoneAuthenticationMethodUpdate")
            .unwrap()];
        let update_derive = &update_derive[update_derive.rfind("#[derive(").unwrap()..];
        assert!(update_derive.contains("Default,"), "{update_derive}");
    }

    /// Graph's `application.logo` is an `Edm.Stream` with `Nullable="false"`, yet no
    /// application object Graph returns carries it: a required field would fail every read,
    /// and a create payload would demand it in `new`.
    #[test]
    fn streams_are_optional_and_not_in_payloads() {
        let mut model = Model::default();
        let id = prop(
            "id",
            TypeTarget::Primitive(Primitive::String),
            false,
            "g.app",
        );
        let name = prop(
            "displayName",
            TypeTarget::Primitive(Primitive::String),
            true,
            "g.app",
        );
        let logo = prop(
            "logo",
            TypeTarget::Primitive(Primitive::Stream),
            false,
            "g.app",
        );
        let app = TypeDef {
            name: "g.app".into(),
            kind: TypeKind::Entity,
            key: vec!["id".into()],
            own_properties: vec![id.clone(), name.clone(), logo.clone()],
            properties: vec![id, name, logo],
            ..Default::default()
        };
        model.types.insert(app.name.clone(), app);
        model.paths.insert(
            "apps".into(),
            NavPath {
                template: "apps".into(),
                root: "apps".into(),
                target: "g.app".into(),
                collection: true,
                ..Default::default()
            },
        );
        let out = emit_types_source(&model, &Overlay::default()).unwrap();
        assert!(
            out.contains(
                "#[serde(rename = \"logo\", default, skip_serializing_if = \"Option::is_none\")]\n    pub logo: Option<::serde_json::Value>,"
            ),
            "{out}"
        );
        assert!(out.contains("(`logo/$value`)"), "{out}");
        for payload in ["pub struct AppCreate {", "pub struct AppUpdate {"] {
            let body = &out[out.find(payload).unwrap_or_else(|| panic!("{payload}"))..];
            let body = &body[..body.find("\n}\n").unwrap()];
            assert!(body.contains("display_name"), "{body}");
            assert!(!body.contains("logo"), "{body}");
        }
        assert!(!out.contains("pub fn new("), "nothing is required: {out}");
    }

    #[test]
    fn self_containing_fields_are_boxed() {
        let mut model = Model::default();
        let node = TypeDef {
            name: "g.node".into(),
            kind: TypeKind::Complex,
            properties: vec![
                prop(
                    "parent",
                    TypeTarget::Complex("g.node".into()),
                    true,
                    "g.node",
                ),
                PropertyDef {
                    ty: TypeUse {
                        collection: true,
                        target: TypeTarget::Complex("g.node".into()),
                    },
                    ..prop(
                        "children",
                        TypeTarget::Complex("g.node".into()),
                        true,
                        "g.node",
                    )
                },
            ],
            ..Default::default()
        };
        model.types.insert(node.name.clone(), node);
        let out = emit_types_source(&model, &Overlay::default()).unwrap();
        assert!(out.contains("pub parent: Option<Box<Node>>,"), "{out}");
        assert!(out.contains("pub children: Vec<Node>,"), "{out}");
    }

    #[test]
    fn output_is_deterministic() {
        let a = emit_types(&sample_model(), &sample_overlay()).unwrap();
        let b = emit_types(&sample_model(), &sample_overlay()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0].path, TYPES_PATH);
    }

    #[test]
    fn a_property_of_a_path_container_type_is_an_error() {
        let mut model = sample_model();
        let bad = prop("owner", TypeTarget::Entity("g.user".into()), true, "g.e");
        model
            .types
            .get_mut("g.emailAuthenticationMethod")
            .unwrap()
            .properties
            .push(bad);
        let err = emit_types(&model, &sample_overlay()).unwrap_err();
        assert!(
            matches!(&err, Error::Emit { element, .. } if element == "g.emailAuthenticationMethod/owner"),
            "{err}"
        );
    }
}

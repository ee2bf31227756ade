//! The whole `cargo xtask codegen` job as one pure function: spec texts in, generated files out.

use crate::csdl;
use crate::emit::openapi::{CloudModel, lower_cloud};
use crate::emit::overlay::Overlay;
use crate::emit::rust::emit_types;
use crate::ir::{self, Model};
use crate::permissions::Permissions;
use crate::trim::Slice;
use crate::{Error, GeneratedFile};

/// The checked-in inputs of code generation, as texts, with the paths they were read from
/// (relative to the repository root; used in error messages).
#[derive(Debug, Clone, Default)]
pub struct SpecInputs {
    /// Path of the trimmed CSDL, `spec/graph-phone.csdl`.
    pub csdl_path: String,
    /// The trimmed CSDL.
    pub csdl: String,
    /// Path of the slice definition, `spec/slice.toml`.
    pub slice_path: String,
    /// The slice definition.
    pub slice: String,
    /// Path of the overlay, `spec/overlay.toml`.
    pub overlay_path: String,
    /// The overlay.
    pub overlay: String,
    /// Path of the permission data, `spec/permissions.toml`: the `file` of the slice's
    /// `permissions = { file = "..." }`, empty for a slice without one.
    pub permissions_path: String,
    /// The permission data (empty for a slice without a permission file).
    pub permissions: String,
    /// The trimmed specs of the national clouds (`spec/clouds/<name>.csdl`) as
    /// `(path, text)`, matched to the slice's `[[cloud]]` entries by file stem.
    pub clouds: Vec<(String, String)>,
}

/// Read the trimmed spec, lower it with the slice's paths and narrow it to the operations
/// the slice offers ([`Slice::restrict`]).
pub fn load_model(inputs: &SpecInputs) -> Result<(Slice, Model), Error> {
    let slice = Slice::parse(&inputs.slice_path, &inputs.slice)?;
    let doc = csdl::read(&inputs.csdl_path, &inputs.csdl)?;
    let mut model = ir::lower(&doc, &slice.path_requests())?;
    // `Core.Permissions` (Read) makes a property read-only, as `Core.Computed` does.
    let read = crate::emit::overlay::permissions_read_only(&doc);
    for def in model.types.values_mut() {
        for p in &mut def.properties {
            if read.contains(&(p.declared_in.clone(), p.name.clone())) {
                p.read_only = true;
            }
        }
    }
    slice.restrict(&mut model);
    Ok((slice, model))
}

/// What `cargo xtask codegen` prints for a slice without failing: the overlay's redundant
/// `read_only` entries and the undecided properties that look server-set
/// ([`Overlay::warnings`]).
pub fn warnings(inputs: &SpecInputs) -> Result<Vec<String>, Error> {
    let (_, model) = load_model(inputs)?;
    let overlay = Overlay::parse(&inputs.overlay, &inputs.overlay_path)?;
    Ok(overlay.warnings(&model, &inputs.overlay_path))
}

/// One [`CloudModel`] per cloud a national cloud's model serves.
fn cloud_views(cloud_models: &[(Vec<String>, Model)]) -> Vec<CloudModel<'_>> {
    cloud_models
        .iter()
        .flat_map(|(serves, model)| {
            serves.iter().map(move |cloud| CloudModel {
                cloud: cloud.as_str(),
                model,
            })
        })
        .collect()
}

/// Files as written, in a stable order: sorted by path, newlines normalised
/// ([`crate::written::normalize_newlines`]), every Rust file parsed as emitted and as written
/// with the same items ([`crate::written::check_rust_file`]).
fn finish(files: &mut [GeneratedFile]) -> Result<(), Error> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for file in files {
        let written = crate::written::normalize_newlines(&file.contents);
        if file.path.ends_with(".rs") {
            crate::written::check_rust_file(&file.path, &file.contents, &written)?;
        }
        file.contents = written;
    }
    Ok(())
}

/// Each national cloud's model with the clouds it serves: its trimmed spec lowered with the
/// slice's paths it has, narrowed like the global model. Every `[[cloud]]` of the slice must
/// have its spec, and every spec its `[[cloud]]`.
fn cloud_models(inputs: &SpecInputs, slice: &Slice) -> Result<Vec<(Vec<String>, Model)>, Error> {
    let mut out = Vec::new();
    for cloud in &slice.clouds {
        let wanted = slice.cloud_spec(&cloud.name);
        let Some((path, text)) = inputs.clouds.iter().find(|(p, _)| *p == wanted) else {
            return Err(Error::Slice {
                file: inputs.slice_path.clone(),
                message: format!(
                    "cloud `{}` has no trimmed spec {wanted}; run `cargo xtask trim`",
                    cloud.name
                ),
            });
        };
        let doc = csdl::read(path, text)?;
        let (mut model, _missing) = lower_cloud(&doc, &slice.path_requests())?;
        slice.restrict(&mut model);
        out.push((cloud.serves.clone(), model));
    }
    for (path, _) in &inputs.clouds {
        if !slice
            .clouds
            .iter()
            .any(|c| slice.cloud_spec(&c.name) == *path)
        {
            return Err(Error::Slice {
                file: inputs.slice_path.clone(),
                message: format!(
                    "{path} belongs to no [[cloud]] of the slice; delete it or add the cloud"
                ),
            });
        }
    }
    Ok(out)
}

/// The slice's permission data, checked against `model`: the file its `permissions = { file
/// = "...", required = ... }` names (every operation must have an entry when `required`;
/// otherwise a missing one is documented as "permissions not recorded"), or none for a
/// slice without a permission file. Inputs that carry a permission file the slice does not
/// declare (or another one than it declares) are an error, never silently ignored.
pub fn load_permissions(
    inputs: &SpecInputs,
    slice: &Slice,
    model: &Model,
) -> Result<Permissions, Error> {
    let Some(declared) = &slice.permissions else {
        if !inputs.permissions_path.is_empty() {
            return Err(Error::Slice {
                file: inputs.slice_path.clone(),
                message: format!(
                    "declares no permission file, but {} was given; add `permissions = {{ file \
                     = \"{}\" }}` to the slice (before its first table) or leave it out",
                    inputs.permissions_path, inputs.permissions_path
                ),
            });
        }
        return Ok(Permissions::none());
    };
    if declared.file != inputs.permissions_path {
        return Err(Error::Slice {
            file: inputs.slice_path.clone(),
            message: format!(
                "declares the permission file {}, but {} was read; read the declared file",
                declared.file,
                if inputs.permissions_path.is_empty() {
                    "none"
                } else {
                    inputs.permissions_path.as_str()
                }
            ),
        });
    }
    let permissions = Permissions::parse(&inputs.permissions_path, &inputs.permissions)?;
    permissions.validate_entries(model, declared.required)?;
    Ok(permissions)
}

/// Everything `cargo xtask codegen` writes, in a stable order (the types crate, the client
/// with `spec/openapi.json`, the emulator's permission table), exactly as written
/// ([`crate::written::normalize_newlines`]). Every Rust file is parsed as emitted and as
/// written, and must declare the same items ([`crate::written::check_rust_file`]): an error
/// names the file and the item otherwise.
pub fn generate(inputs: &SpecInputs) -> Result<Vec<GeneratedFile>, Error> {
    Ok(build(inputs)?.files)
}

/// What code generation makes of one set of inputs: the parsed inputs, the restricted model,
/// the client's operation table and the generated files. [`generate`] keeps the files; the
/// spec diff ([`crate::diff::diff_specs`]) compares two of these, so that it sees a change
/// of any input as the generator does.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The slice definition.
    pub slice: Slice,
    /// The trimmed spec, lowered with the slice's paths and narrowed by [`Slice::restrict`].
    pub model: Model,
    /// The spec overlay.
    pub overlay: Overlay,
    /// The permission data.
    pub permissions: Permissions,
    /// The client's HTTP operations with the clouds that have each (from the national
    /// clouds' models), sorted by operationId.
    pub operations: Vec<crate::emit::openapi::Operation>,
    /// The generated files, as [`generate`] returns them.
    pub files: Vec<GeneratedFile>,
}

/// Runs code generation on `inputs` and keeps what it made (see [`Generated`]).
pub fn build(inputs: &SpecInputs) -> Result<Generated, Error> {
    let (slice, model) = load_model(inputs)?;
    let overlay = Overlay::parse(&inputs.overlay, &inputs.overlay_path)?;
    let permissions = load_permissions(inputs, &slice, &model)?;
    // The model types and the client are independent: emit the types on a second thread
    // while this one builds the client. Errors are reported in the sequential order (types,
    // then clouds, then client), so the result is the same as one after the other.
    let (types, client) = std::thread::scope(|scope| {
        let types = scope.spawn(|| emit_types(&model, &overlay));
        let client = client_files(inputs, &slice, &model, &overlay, &permissions);
        let types = types
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (types, client)
    });
    let mut files = types?;
    let (client, operations) = client?;
    files.extend(client);
    files.extend(crate::emit::emit_emulator(&model, &permissions)?);
    finish(&mut files)?;
    Ok(Generated {
        slice,
        model,
        overlay,
        permissions,
        operations,
        files,
    })
}

/// `spec/openapi.json` and `crates/graph-phone-client/src/generated/*`, with availability from
/// the national clouds' models, and the operation table they are made from.
fn client_files(
    inputs: &SpecInputs,
    slice: &Slice,
    model: &Model,
    overlay: &Overlay,
    permissions: &Permissions,
) -> Result<(Vec<GeneratedFile>, Vec<crate::emit::openapi::Operation>), Error> {
    let cloud_models = cloud_models(inputs, slice)?;
    let clouds = cloud_views(&cloud_models);
    let files = crate::emit::client::emit_client(model, overlay, &clouds, permissions)?;
    let operations = crate::emit::openapi::operations(model, overlay, &clouds)?;
    Ok((files, operations))
}

/// Everything `cargo xtask codegen` writes for a slice with an `[output]` table (a slice
/// other than the project's own, such as `examples/slices/todo/slice.toml`): its OpenAPI
/// document (`<output_dir>/openapi.json`) and its whole types crate (`Cargo.toml`,
/// `src/lib.rs`, `src/generated/mod.rs`), which reuses the support module of
/// graph-phone-types; with `[output] client`, its whole client crate too
/// ([`crate::emit::client_crate`]), over the shared runtime graph-phone-runtime. No overlay
/// and no permission file are needed (a declared permission file is checked against the
/// slice's operations). Rust files are checked as [`generate`] checks them.
pub fn generate_slice(inputs: &SpecInputs) -> Result<Vec<GeneratedFile>, Error> {
    let (slice, model) = load_model(inputs)?;
    let Some(output) = &slice.output else {
        return Err(Error::Slice {
            file: inputs.slice_path.clone(),
            message: "has no [output] table naming its generated crates; the project's own \
                      slice is generated with `generate`"
                .into(),
        });
    };
    let overlay = Overlay::parse(&inputs.overlay, &inputs.overlay_path)?;
    // An entry naming no operation of the slice, or a missing one of a required file, is
    // an error as for the project.
    let permissions = load_permissions(inputs, &slice, &model)?;
    let cloud_models = cloud_models(inputs, &slice)?;
    let clouds = cloud_views(&cloud_models);
    // With the OAuth2 scheme and each operation's permissions, or "not recorded".
    let mut api = crate::emit::openapi::Api::new(&model, &overlay, &clouds)?;
    api.add_security(&permissions)?;
    let openapi = api.to_text();
    api.validate(&openapi)?;
    // The document's title and description name this slice, not the project's.
    let mut document: serde_json::Value =
        serde_json::from_str(&openapi).map_err(|e| Error::Emit {
            element: slice.openapi_path(),
            message: format!("the emitted document is not JSON (a generator bug): {e}"),
        })?;
    document["info"]["title"] =
        serde_json::Value::String(format!("{}: a slice of Microsoft Graph v1.0", slice.name));
    document["info"]["description"] = serde_json::Value::String(format!(
        "Generated by `cargo xtask codegen` from the trimmed Microsoft Graph metadata (`{}`); \
         do not edit by hand. The operations of the slice in {}.",
        inputs.csdl_path, inputs.slice_path
    ));
    let mut openapi = serde_json::to_string_pretty(&document).expect("JSON values serialise");
    openapi.push('\n');
    let header = format!(
        "// @generated by `cargo xtask codegen` from {}. Do not edit by hand.",
        inputs.csdl_path
    );
    let types = crate::emit::rust::emit_types_source(&model, &overlay)?;
    let types = match types.split_once('\n') {
        Some((first, rest)) if first == crate::emit::rust::HEADER => format!("{header}\n{rest}"),
        _ => types,
    };
    let dir = &output.types_dir;
    let up = "../".repeat(dir.split('/').count());
    let paths: Vec<String> = slice
        .paths
        .iter()
        .flat_map(|p| p.roots.iter().map(move |r| format!("`/{r}/{}`", p.path())))
        .collect();
    let manifest = format!(
        "# @generated by `cargo xtask codegen` from {slice_file}. Do not edit by hand.\n\
         [package]\n\
         name = \"{package}\"\n\
         version.workspace = true\n\
         description = \"Typed Microsoft Graph v1.0 models of the {name} slice, generated from Graph's metadata\"\n\
         edition.workspace = true\n\
         rust-version.workspace = true\n\
         license.workspace = true\n\
         publish = false\n\
         \n\
         [features]\n\
         default = [\"schemars\"]\n\
         ## `schemars::JsonSchema` on every model.\n\
         schemars = [\"dep:schemars\", \"graph-phone-types/schemars\"]\n\
         \n\
         [dependencies]\n\
         graph-phone-types = {{ path = \"{up}crates/graph-phone-types\", default-features = false }}\n\
         serde.workspace = true\n\
         serde_json = {{ workspace = true, features = [\"float_roundtrip\"] }}\n\
         schemars = {{ workspace = true, optional = true }}\n\
         jiff.workspace = true\n\
         uuid.workspace = true\n\
         base64.workspace = true\n",
        slice_file = inputs.slice_path,
        package = output.types_package,
        name = slice.name,
    );
    let lib = format!(
        "{header}\n\
         //! Typed Microsoft Graph v1.0 models of the `{name}` slice ({paths}), generated by\n\
         //! graph-codegen from Graph's metadata ({csdl}). The hand-written helpers the models\n\
         //! use are graph-phone-types' `support` module, re-exported here.\n\
         \n\
         #![deny(missing_docs)]\n\
         \n\
         #[rustfmt::skip]\n\
         mod generated;\n\
         \n\
         pub use generated::*;\n\
         pub use graph_phone_types::support;\n\
         pub use graph_phone_types::support::Patch;\n",
        name = slice.name,
        paths = paths.join(", "),
        csdl = inputs.csdl_path,
    );
    let mut files = Vec::new();
    if let Some(client) = &output.client {
        // Without a permission file every operation's docs say that none is recorded
        // (`load_permissions` above).
        let openapi_path = slice.openapi_path();
        files.extend(crate::emit::client_crate::client_crate_files(
            &slice,
            client,
            &output.types_dir,
            &output.types_package,
            crate::emit::client_crate::ClientCrateSources {
                slice_path: &inputs.slice_path,
                csdl_path: &inputs.csdl_path,
                openapi_path: &openapi_path,
            },
            &model,
            &overlay,
            &clouds,
            &permissions,
        )?);
    }
    files.extend([
        GeneratedFile {
            path: slice.openapi_path(),
            contents: openapi,
        },
        GeneratedFile {
            path: format!("{dir}/Cargo.toml"),
            contents: manifest,
        },
        GeneratedFile {
            path: format!("{dir}/src/lib.rs"),
            contents: lib,
        },
        GeneratedFile {
            path: format!("{dir}/src/generated/mod.rs"),
            contents: types,
        },
    ]);
    finish(&mut files)?;
    Ok(files)
}

//! Media entities and stream properties on the fixture `tests/fixtures/media.xml`: a media
//! entity's content at `.../$value` and an `Edm.Stream` property's at `.../{property}`, both
//! `GET` answering `application/octet-stream` bytes, which progenitor hands over as a byte
//! stream and the client collects with the runtime's `call_content`. The fixture's types
//! crate is compiled by `tests/emit_rust.rs`; a whole client with a `$value` get is compiled
//! and called over HTTP in `examples/slices/todo`.

use graph_codegen::emit::Overlay;
use graph_codegen::emit::client;
use graph_codegen::emit::openapi::{Api, CloudModel, OperationKind, emit_openapi};
use graph_codegen::ir::Model;
use graph_codegen::permissions::Permissions;
use graph_codegen::{Slice, csdl};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/media.xml");

const SLICE: &str = r#"
name = "media"
[source]
metadata = "media.xml"
[scope]
namespace = "microsoft.graph"
roots = ["users", "me"]
[[path]]
path = "photo"
operations = ["get"]
[[path]]
path = "attachments"
operations = ["list", "get"]
[[path]]
path = "notes"
operations = ["get"]
"#;

fn model() -> Model {
    let doc = csdl::read("media.xml", FIXTURE).unwrap();
    let slice = Slice::parse("media.toml", SLICE).unwrap();
    let mut model = graph_codegen::lower(&doc, &slice.path_requests()).unwrap();
    slice.restrict(&mut model);
    model
}

fn overlay() -> Overlay {
    Overlay::parse(
        "path_containers = [\"microsoft.graph.user\"]\n",
        "overlay.toml",
    )
    .unwrap()
}

#[test]
fn media_and_stream_content_are_binary_gets_in_the_document() {
    let model = model();
    // HasStream is inherited: the abstract attachmentBase declares it, its subtype has it.
    assert!(model.types["microsoft.graph.taskFileAttachment"].has_stream);
    assert!(!model.types["microsoft.graph.note"].has_stream);
    let out = emit_openapi(&model, &overlay(), &[]).unwrap();
    let doc: Value = serde_json::from_str(&out).unwrap();
    for path in [
        "/me/photo/$value",
        "/users/{user-id}/photo/$value",
        "/me/attachments/{attachmentBase-id}/$value",
        "/users/{user-id}/notes/{note-id}/content",
    ] {
        let get = &doc["paths"][path]["get"];
        assert_eq!(
            get["responses"]["200"]["content"]["application/octet-stream"]["schema"],
            serde_json::json!({ "type": "string", "format": "binary" }),
            "{path}: {get}"
        );
        // Nothing else is offered on the content's URL.
        assert_eq!(doc["paths"][path].as_object().unwrap().len(), 1, "{path}");
    }
    // A navigation whose type is no media entity has no `$value`.
    assert!(doc["paths"].get("/me/notes/{note-id}/$value").is_none());
    // progenitor takes the document and hands the bytes over as its byte stream.
    let spec = graph_codegen::emit::openapi::validate(&out).unwrap();
    let api = Api::new(&model, &overlay(), &[]).unwrap();
    let spec = client::without_parameter_constraints(&spec).unwrap();
    let progenitor = client::progenitor_source(&spec, &api).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        progenitor.contains("pub async fn me_photo_get_value")
            && progenitor.contains("ResponseValue<ByteStream>"),
        "{progenitor}"
    );
    insta::assert_snapshot!("openapi_media", out);
}

#[test]
fn content_operations_in_the_table_and_on_the_client() {
    let model = model();
    let api = Api::new(&model, &overlay(), &[]).unwrap();
    let value = api
        .operations
        .iter()
        .find(|o| o.id == "users_attachments_get_value")
        .unwrap();
    assert_eq!(value.kind, OperationKind::GetContent);
    assert_eq!(value.content.as_deref(), Some("$value"));
    assert_eq!(value.success_status(), 200);
    assert!(value.idempotent());
    // Reading the content takes the entity's read permission.
    assert_eq!(value.permission_key, "attachments.get");
    let content = api
        .operations
        .iter()
        .find(|o| o.id == "me_notes_get_content")
        .unwrap();
    assert_eq!(content.content.as_deref(), Some("content"));

    let permissions = Permissions::parse("permissions.toml", "[operations]\n").unwrap();
    let out = client::api_source(&api, &permissions).unwrap_or_else(|e| panic!("{e}"));
    for needle in [
        "pub async fn get_value(\n        &self,\n        id: impl crate::Key,\n    ) -> ::std::result::Result<::graph_phone_runtime::Content, crate::Error>",
        "::graph_phone_runtime::call_content(\n",
        "pub async fn get_content(",
    ] {
        assert!(out.contains(needle), "{needle}\n{out}");
    }
    // A JSON batch would carry the bytes base64-encoded: no batch item.
    assert!(!out.contains("pub fn get_value_item"), "{out}");
    insta::assert_snapshot!("api_media", out);
}

#[test]
fn content_is_unavailable_in_a_cloud_whose_metadata_lacks_the_stream() {
    let model = model();
    // A cloud whose profilePhoto is no media entity and whose note has no stream property:
    // the JSON gets stay available there, the content gets do not.
    let fixture = FIXTURE
        .replace(
            r#"<EntityType Name="profilePhoto" BaseType="graph.entity" HasStream="true">"#,
            r#"<EntityType Name="profilePhoto" BaseType="graph.entity">"#,
        )
        .replace(r#"<Property Name="content" Type="Edm.Stream" />"#, "");
    let doc = csdl::read("media-cloud.xml", &fixture).unwrap();
    let slice = Slice::parse("media.toml", SLICE).unwrap();
    let mut cloud = graph_codegen::lower(&doc, &slice.path_requests()).unwrap();
    slice.restrict(&mut cloud);
    let clouds = [CloudModel {
        cloud: "china",
        model: &cloud,
    }];
    let api = Api::new(&model, &overlay(), &clouds).unwrap();
    let clouds_of = |id: &str| -> Vec<String> {
        api.operations
            .iter()
            .find(|o| o.id == id)
            .unwrap_or_else(|| panic!("no {id}"))
            .clouds
            .clone()
    };
    assert!(clouds_of("me_photo_get").contains(&"china".to_owned()));
    assert!(!clouds_of("me_photo_get_value").contains(&"china".to_owned()));
    assert!(!clouds_of("me_notes_get_content").contains(&"china".to_owned()));
    // The attachments keep their stream there.
    assert!(clouds_of("me_attachments_get_value").contains(&"china".to_owned()));
}

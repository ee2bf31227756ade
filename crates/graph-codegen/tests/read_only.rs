//! Read-only properties from the metadata: `Core.Permissions` (`Read`), inline or in an
//! `Annotations` block, makes a property read-only like `Core.Computed`, so it never lands
//! in a create or update payload; a property that looks server-set but is writable in the
//! metadata and undecided in the overlay is a warning, and an overlay `read_only` entry the
//! metadata already derives is reported as redundant. A small fixture cut from
//! `tests/fixtures/roots_and_nesting.xml`.

use std::path::Path;

use graph_codegen::emit::Overlay;
use graph_codegen::emit::openapi::emit_openapi;
use graph_codegen::emit::overlay::looks_server_set;
use graph_codegen::{SpecInputs, load_model, warnings};
use serde_json::Value;

const SLICE: &str = r#"
name = "settings"
[source]
metadata = "settings.xml"
[scope]
namespace = "microsoft.graph"
[[path]]
roots = ["groups"]
path = "settings"
"#;

/// The fixture with more properties on `groupSetting`: `templateId` read-only inline,
/// `lastModifiedBy` read-only out of line (through the schema's alias), `displayName`
/// readable and writable, `createdDateTime` without any annotation.
fn csdl() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roots_and_nesting.xml");
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.replacen(
        r#"      <EntityType Name="groupSetting" BaseType="graph.entity">
        <Property Name="displayName" Type="Edm.String" />"#,
        r#"      <EntityType Name="groupSetting" BaseType="graph.entity">
        <Property Name="displayName" Type="Edm.String">
          <Annotation Term="Org.OData.Core.V1.Permissions">
            <EnumMember>Org.OData.Core.V1.Permission/Read Org.OData.Core.V1.Permission/Write</EnumMember>
          </Annotation>
        </Property>
        <Property Name="templateId" Type="Edm.String">
          <Annotation Term="Org.OData.Core.V1.Permissions">
            <EnumMember>Org.OData.Core.V1.Permission/Read</EnumMember>
          </Annotation>
        </Property>
        <Property Name="lastModifiedBy" Type="Edm.String" />
        <Property Name="createdDateTime" Type="Edm.DateTimeOffset" />"#,
        1,
    );
    let text = text.replacen(
        "      <EntityContainer",
        r#"      <Annotations Target="graph.groupSetting/lastModifiedBy">
        <Annotation Term="Org.OData.Core.V1.Permissions">
          <EnumMember>Org.OData.Core.V1.Permission/Read</EnumMember>
        </Annotation>
      </Annotations>
      <EntityContainer"#,
        1,
    );
    assert!(text.contains("templateId") && text.contains("Target=\"graph.groupSetting"));
    text
}

fn inputs(overlay: &str) -> SpecInputs {
    SpecInputs {
        csdl_path: "settings.xml".into(),
        csdl: csdl(),
        slice_path: "slice.toml".into(),
        slice: SLICE.into(),
        overlay_path: "overlay.toml".into(),
        overlay: overlay.into(),
        ..Default::default()
    }
}

#[test]
fn core_permissions_read_makes_a_property_read_only() {
    let (_, model) = load_model(&inputs("")).unwrap_or_else(|e| panic!("{e}"));
    let def = &model.types["microsoft.graph.groupSetting"];
    let read_only = |name: &str| {
        def.properties
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .read_only
    };
    assert!(read_only("templateId"));
    assert!(read_only("lastModifiedBy"));
    assert!(!read_only("displayName"));
    assert!(!read_only("createdDateTime"));

    // The payloads leave the read-only ones out.
    let overlay = Overlay::parse("", "overlay.toml").unwrap();
    let doc: Value = serde_json::from_str(&emit_openapi(&model, &overlay, &[]).unwrap()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let payloads: Vec<(&String, &Value)> = schemas
        .iter()
        .filter(|(name, _)| {
            name.contains("groupSetting") && (name.ends_with("Create") || name.ends_with("Update"))
        })
        .collect();
    assert_eq!(
        payloads.len(),
        2,
        "{:?}",
        schemas.keys().collect::<Vec<_>>()
    );
    for (name, schema) in payloads {
        let props = schema["properties"].as_object().unwrap();
        assert!(props.contains_key("displayName"), "{name}");
        assert!(!props.contains_key("templateId"), "{name}");
        assert!(!props.contains_key("lastModifiedBy"), "{name}");
    }
}

#[test]
fn server_set_looking_writable_properties_warn_and_redundant_entries_are_reported() {
    let undecided = warnings(&inputs("")).unwrap();
    assert_eq!(undecided.len(), 1, "{undecided:#?}");
    assert!(
        undecided[0].starts_with(
            "overlay.toml: microsoft.graph.groupSetting/createdDateTime looks server-set but is \
             writable in the metadata"
        ) && undecided[0].contains("`[read_only]` or `[writable]`"),
        "{undecided:#?}"
    );
    // Decided either way: no warning. An entry the metadata derives: redundant.
    let decided = warnings(&inputs(
        "[writable]\n\"microsoft.graph.groupSetting\" = [\"createdDateTime\"]\n\
         [read_only]\n\"microsoft.graph.groupSetting\" = [\"templateId\"]\n",
    ))
    .unwrap();
    assert_eq!(
        decided,
        [
            "overlay.toml: `read_only` entry microsoft.graph.groupSetting/templateId is redundant: \
          the metadata makes it read-only (Core.Computed, Core.Immutable or Core.Permissions \
          Read, or a key); remove it from the overlay"
        ]
    );
    let read_only = warnings(&inputs(
        "[read_only]\n\"microsoft.graph.groupSetting\" = [\"createdDateTime\"]\n",
    ))
    .unwrap();
    assert!(read_only.is_empty(), "{read_only:#?}");
    // `writable` must not name a read-only property.
    let both = graph_codegen::emit::rust::emit_types_source(
        &load_model(&inputs("")).unwrap().1,
        &Overlay::parse(
            "[writable]\n\"microsoft.graph.groupSetting\" = [\"templateId\"]\n",
            "overlay.toml",
        )
        .unwrap(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        both.contains("overlay entry in `writable` names a property that is read-only"),
        "{both}"
    );
}

#[test]
fn the_server_set_rule() {
    for name in [
        "id",
        "createdDateTime",
        "createdBy",
        "lastModifiedDateTime",
        "lastModifiedBy",
        "modifiedDateTime",
        "deletedDateTime",
        "eTag",
        "changeKey",
    ] {
        assert!(looks_server_set(name), "{name}");
    }
    for name in [
        "displayName",
        "creator",
        "createdness",
        "bodyLastModifiedDateTime",
        "phoneNumber",
        "lastModifiedness",
    ] {
        assert!(!looks_server_set(name), "{name}");
    }
}

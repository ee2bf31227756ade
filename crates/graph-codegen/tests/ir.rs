//! Lowering tests: one snapshot per fixture in `tests/fixtures/` (add a case by adding a
//! file), the real metadata files in `spec/upstream/`, and error messages with positions.

use std::path::{Path, PathBuf};

use graph_codegen::csdl;
use graph_codegen::ir::{Model, PathRequest, TypeTarget, lower};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read_upstream(name: &str) -> csdl::Document {
    let path = repo_root().join("spec/upstream").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    csdl::read(name, &text).unwrap_or_else(|e| panic!("{e}"))
}

fn lower_text(name: &str, text: &str, requests: &[PathRequest]) -> Result<Model, String> {
    let doc = csdl::read(name, text).map_err(|e| e.to_string())?;
    lower(&doc, requests).map_err(|e| e.to_string())
}

/// Every contained navigation path of depth one and two below each root of `doc`.
fn contained_paths(doc: &csdl::Document) -> Vec<PathRequest> {
    let model = lower(doc, &[]).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for root in model.roots.values() {
        out.push(PathRequest::new(&root.name, &[]));
        for n in &model.types[&root.entity_type].navigation {
            out.push(PathRequest::new(&root.name, &[&n.name]));
            if !n.contains_target {
                continue;
            }
            for m in model.types[&n.target]
                .navigation
                .iter()
                .filter(|m| m.contains_target)
            {
                out.push(PathRequest::new(&root.name, &[&n.name, &m.name]));
            }
        }
    }
    out
}

/// Lower one fixture (with every contained path up to depth two) and snapshot the model.
fn check(path: &Path) {
    let name = path.file_name().unwrap().to_str().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let doc = csdl::read(name, &text).unwrap_or_else(|e| panic!("{e}"));
    let model = lower(&doc, &contained_paths(&doc)).unwrap_or_else(|e| panic!("{e}"));
    insta::with_settings!({ snapshot_suffix => name.trim_end_matches(".xml"), prepend_module_to_snapshot => false }, {
        insta::assert_yaml_snapshot!("ir", model);
    });
}

#[test]
fn fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    for f in &files {
        check(f);
    }
}

fn slice_requests() -> Vec<PathRequest> {
    let mut out = Vec::new();
    for root in ["users", "me"] {
        for nav in [
            "phoneMethods",
            "passwordMethods",
            "fido2Methods",
            "methods",
            "emailMethods",
        ] {
            out.push(PathRequest::new(root, &["authentication", nav]));
        }
    }
    out
}

#[test]
fn lowers_all_four_real_files() {
    for name in [
        "v1.0-Prod.csdl",
        "v1.0-Fairfax.csdl",
        "v1.0-Mooncake.csdl",
        "v1.0-described-2023-05.xml",
    ] {
        let doc = read_upstream(name);
        // Mooncake lacks most method collections; phoneMethods is in every cloud.
        let requests = [PathRequest::parse("me/authentication/phoneMethods")];
        let model = lower(&doc, &requests).unwrap_or_else(|e| panic!("{e}"));
        assert!(model.types.len() > 1000, "{name}: {}", model.types.len());
        let phone = &model.types["microsoft.graph.phoneAuthenticationMethod"];
        let names: Vec<&str> = phone.properties.iter().map(|p| p.name.as_str()).collect();
        // authenticationMethod gained createdDateTime after 2023-05.
        let expected: &[&str] = if name.contains("2023") {
            &["id", "phoneNumber", "phoneType", "smsSignInState"]
        } else {
            &[
                "id",
                "createdDateTime",
                "phoneNumber",
                "phoneType",
                "smsSignInState",
            ]
        };
        assert_eq!(names, expected, "{name}");
        assert!(
            model.paths.contains_key("me/authentication/phoneMethods"),
            "{name}"
        );
    }
}

#[test]
fn prod_phone_method() {
    let model = lower(&read_upstream("v1.0-Prod.csdl"), &slice_requests()).unwrap();
    let phone = &model.types["microsoft.graph.phoneAuthenticationMethod"];
    assert_eq!(
        phone.ancestors,
        [
            "microsoft.graph.authenticationMethod",
            "microsoft.graph.entity"
        ]
    );
    assert_eq!(phone.key, ["id"]);
    let prop = |n: &str| phone.properties.iter().find(|p| p.name == n).unwrap();
    assert!(prop("id").read_only);
    assert!(!prop("phoneNumber").read_only);
    assert_eq!(
        prop("phoneType").ty.target,
        TypeTarget::Enum("microsoft.graph.authenticationPhoneType".into())
    );
    assert_eq!(prop("id").declared_in, "microsoft.graph.entity");

    let path = &model.paths["users/{user-id}/authentication/phoneMethods"];
    assert!(path.collection);
    assert_eq!(path.target, "microsoft.graph.phoneAuthenticationMethod");
    let ops: Vec<&str> = path.operations.iter().map(|o| o.name.as_str()).collect();
    assert!(ops.contains(&"enableSmsSignIn"), "{ops:?}");
    assert!(ops.contains(&"disableSmsSignIn"), "{ops:?}");
    // Inherited binding: resetPassword is bound to authenticationMethod.
    assert!(ops.contains(&"resetPassword"), "{ops:?}");
    assert!(model.paths.contains_key("users/{user-id}/authentication"));
    assert!(!model.paths["users/{user-id}/authentication"].collection);
}

#[test]
fn prod_derived_types_of_authentication_method() {
    let model = lower(&read_upstream("v1.0-Prod.csdl"), &[]).unwrap();
    let derived: Vec<&str> = model.types["microsoft.graph.authenticationMethod"]
        .derived
        .iter()
        .map(|d| d.trim_start_matches("microsoft.graph."))
        .collect();
    assert_eq!(
        derived,
        [
            "emailAuthenticationMethod",
            "externalAuthenticationMethod",
            "fido2AuthenticationMethod",
            "microsoftAuthenticatorAuthenticationMethod",
            "passwordAuthenticationMethod",
            "phoneAuthenticationMethod",
            "platformCredentialAuthenticationMethod",
            "qrCodePinAuthenticationMethod",
            "softwareOathAuthenticationMethod",
            "temporaryAccessPassAuthenticationMethod",
            "windowsHelloForBusinessAuthenticationMethod",
        ]
    );
}

#[test]
fn prod_capabilities() {
    let model = lower(&read_upstream("v1.0-Prod.csdl"), &slice_requests()).unwrap();
    let caps = |p: &str| model.paths[&format!("users/{{user-id}}/authentication/{p}")].capabilities;
    let pw = caps("passwordMethods");
    assert!(!pw.updatable && !pw.deletable && pw.insertable && pw.readable);
    let fido = caps("fido2Methods");
    assert!(!fido.insertable && !fido.updatable && fido.deletable);
    let phone = caps("phoneMethods");
    assert!(phone.insertable && phone.updatable && phone.deletable);
    // The same restrictions are on the navigation property itself.
    let auth = &model.types["microsoft.graph.authentication"];
    let nav = auth
        .navigation
        .iter()
        .find(|n| n.name == "passwordMethods")
        .unwrap();
    assert_eq!(nav.capabilities, pw);
}

const HEAD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="entity" Abstract="true">
        <Key>
          <PropertyRef Name="id" />
        </Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
"#;
const TAIL: &str = r#"    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#;

fn doc_with(body: &str) -> String {
    format!("{HEAD}{body}{TAIL}")
}

#[test]
fn alias_targets_and_annotations() {
    let text = doc_with(
        r#"      <EnumType Name="authenticationPhoneType">
        <Member Name="mobile" Value="0" />
      </EnumType>
      <EntityType Name="phoneAuthenticationMethod" BaseType="graph.entity">
        <Property Name="phoneNumber" Type="Edm.String" />
        <Property Name="smsSignInState" Type="Edm.String">
          <Annotation Term="Org.OData.Core.V1.Computed" Bool="true" />
        </Property>
        <Property Name="phoneType" Type="graph.authenticationPhoneType" />
      </EntityType>
      <Annotations Target="graph.phoneAuthenticationMethod/phoneNumber">
        <Annotation Term="Org.OData.Core.V1.Description" String="The phone number." />
        <Annotation Term="Org.OData.Core.V1.Revisions">
          <Collection>
            <Record>
              <PropertyValue Property="Date" Date="2024-04-10" />
              <PropertyValue Property="Description" String="Use something else." />
              <PropertyValue Property="Kind">
                <EnumMember>Org.OData.Core.V1.RevisionKind/Deprecated</EnumMember>
              </PropertyValue>
              <PropertyValue Property="RemovalDate" Date="2026-04-10" />
            </Record>
          </Collection>
        </Annotation>
      </Annotations>
      <Action Name="enableSmsSignIn" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.phoneAuthenticationMethod" />
      </Action>
      <Annotations Target="graph.enableSmsSignIn(graph.phoneAuthenticationMethod)">
        <Annotation Term="Org.OData.Core.V1.Description" String="Enable SMS sign-in." />
      </Annotations>
      <Annotations Target="microsoft.graph.phoneAuthenticationMethod/phoneType">
        <Annotation Term="Org.OData.Core.V1.Immutable" Bool="true" />
        <Annotation Term="Org.OData.Core.V1.LongDescription" String="Long." />
      </Annotations>
"#,
    );
    let m = lower_text("a.xml", &text, &[]).unwrap();
    let t = &m.types["microsoft.graph.phoneAuthenticationMethod"];
    let p = |n: &str| t.properties.iter().find(|p| p.name == n).unwrap();
    assert_eq!(
        p("phoneNumber").doc.description.as_deref(),
        Some("The phone number.")
    );
    let dep = p("phoneNumber").doc.deprecation.clone().unwrap();
    assert_eq!(dep.description, "Use something else.");
    assert_eq!(dep.removal_date.as_deref(), Some("2026-04-10"));
    assert!(!p("phoneNumber").read_only);
    assert!(p("smsSignInState").read_only);
    assert!(p("phoneType").read_only);
    assert_eq!(
        p("phoneType").doc.long_description.as_deref(),
        Some("Long.")
    );
}

#[test]
fn error_unknown_type() {
    let text = doc_with(
        r#"      <EntityType Name="phoneAuthenticationMethod" BaseType="graph.entity">
        <Property Name="phoneType" Type="graph.authPhoneType" />
      </EntityType>
"#,
    );
    assert_eq!(
        lower_text("bad.xml", &text, &[]).unwrap_err(),
        "bad.xml:12:9: property phoneType of microsoft.graph.phoneAuthenticationMethod refers to unknown type graph.authPhoneType"
    );
}

#[test]
fn error_inheritance_cycle() {
    let text = doc_with(
        r#"      <EntityType Name="a" BaseType="graph.b" />
      <EntityType Name="b" BaseType="graph.a" />
"#,
    );
    assert_eq!(
        lower_text("cycle.xml", &text, &[]).unwrap_err(),
        "cycle.xml:11:7: inheritance cycle: microsoft.graph.a -> microsoft.graph.b -> microsoft.graph.a"
    );
}

#[test]
fn error_base_of_wrong_kind() {
    let text = doc_with(
        r#"      <ComplexType Name="c" BaseType="graph.entity" />
"#,
    );
    assert_eq!(
        lower_text("kind.xml", &text, &[]).unwrap_err(),
        "kind.xml:11:7: complex type microsoft.graph.c has base type microsoft.graph.entity, which is an entity type; expected a complex type"
    );
}

#[test]
fn error_duplicate_across_schemas() {
    let text = format!(
        "{HEAD}    </Schema>\n    <Schema Namespace=\"microsoft.graph\" xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">\n      <ComplexType Name=\"entity\" />\n{TAIL}"
    );
    assert_eq!(
        lower_text("dup.xml", &text, &[]).unwrap_err(),
        "dup.xml:13:7: duplicate name microsoft.graph.entity (first declared at 5:7)"
    );
}

#[test]
fn error_bad_capability_value() {
    let text = doc_with(
        r#"      <EntityType Name="authentication" BaseType="graph.entity">
        <NavigationProperty Name="phoneMethods" Type="Collection(graph.entity)" ContainsTarget="true" />
      </EntityType>
      <Annotations Target="graph.authentication/phoneMethods">
        <Annotation Term="Org.OData.Capabilities.V1.InsertRestrictions">
          <Record>
            <PropertyValue Property="Insertable" String="no" />
          </Record>
        </Annotation>
      </Annotations>
"#,
    );
    assert_eq!(
        lower_text("caps.xml", &text, &[]).unwrap_err(),
        "caps.xml:15:9: annotation Org.OData.Capabilities.V1.InsertRestrictions on microsoft.graph.authentication/phoneMethods: Insertable must be a Bool"
    );
}

#[test]
fn error_missing_path_lists_close_matches() {
    let doc = read_upstream("v1.0-Prod.csdl");
    let err = lower(
        &doc,
        &[PathRequest::parse("users/authentication/phoneMethodz")],
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "v1.0-Prod.csdl:13015:7: requested path users/authentication/phoneMethodz does not exist: microsoft.graph.authentication has no navigation property phoneMethodz; close matches: phoneMethods"
    );
}

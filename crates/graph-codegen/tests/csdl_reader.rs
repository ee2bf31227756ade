//! Tests of the CSDL reader and the canonical writer: one snapshot per fixture in
//! `tests/fixtures/` (add a case by adding a file), the four real Graph documents in
//! `spec/upstream/`, every error kind with its exact message, and robustness on corrupt input.

use std::path::{Path, PathBuf};

use graph_codegen::csdl::{self, Annotation, Document, Value};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> Vec<PathBuf> {
    let dir = manifest_dir().join("tests/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    files
}

fn without_positions(doc: &Document) -> Document {
    let mut doc = doc.clone();
    doc.clear_positions();
    doc
}

/// `read(write(doc)) == doc` (positions aside) and writing is idempotent.
fn assert_round_trip(doc: &Document) {
    let written = csdl::write(doc);
    let reread = csdl::read("written", &written)
        .unwrap_or_else(|e| panic!("the written text of {} does not read: {e}", doc.source));
    assert!(
        without_positions(&reread) == without_positions(doc),
        "{}: read(write(doc)) differs from doc",
        doc.source
    );
    assert!(
        csdl::write(&reread) == written,
        "{}: write(read(write(doc))) differs from write(doc)",
        doc.source
    );
}

/// Reads one fixture, snapshots its document and its canonical text, checks the round trip.
fn check(path: &Path) {
    let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
    let text = std::fs::read_to_string(path).unwrap();
    let doc = csdl::read(&format!("{stem}.xml"), &text)
        .unwrap_or_else(|e| panic!("fixture {stem} does not read: {e}"));
    insta::assert_debug_snapshot!(stem.clone(), doc);
    insta::assert_snapshot!(format!("{stem}_written"), csdl::write(&doc));
    assert_round_trip(&doc);
}

#[test]
fn fixtures_read_and_round_trip() {
    let files = fixtures();
    assert!(files.len() >= 9, "fixtures missing: {files:?}");
    for path in files {
        check(&path);
    }
}

/// Every element and attribute the model knows, in canonical form: writing what is read gives
/// the same text byte for byte.
const CANONICAL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml">
    <edmx:Include Namespace="Org.OData.Core.V1" Alias="Core" />
  </edmx:Reference>
  <edmx:Reference Uri="urn:empty" />
  <edmx:DataServices>
    <Schema Namespace="microsoft.graph" Alias="graph" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="color" UnderlyingType="Edm.Int64" IsFlags="true">
        <Member Name="red" Value="1">
          <Annotation Term="Core.Description" String="Red." />
        </Member>
        <Member Name="green" Value="-2" />
        <Member Name="blue" />
        <Annotation Term="Core.Description" String="Colours." />
      </EnumType>
      <TypeDefinition Name="phoneNumber" UnderlyingType="Edm.String">
        <Annotation Term="Core.Description" String="E.164." />
      </TypeDefinition>
      <TypeDefinition Name="tag" UnderlyingType="Edm.String" />
      <ComplexType Name="base" Abstract="true" OpenType="true" />
      <ComplexType Name="derived" BaseType="graph.base">
        <Property Name="amount" Type="Edm.Decimal" Nullable="false" Precision="10" Scale="Variable" DefaultValue="0" />
        <Property Name="code" Type="Edm.String" MaxLength="max" Unicode="false" />
        <Property Name="tags" Type="Collection(graph.tag)">
          <Annotation Term="Core.Computed" Bool="true" />
        </Property>
        <NavigationProperty Name="owner" Type="graph.user" />
      </ComplexType>
      <EntityType Name="entity" Abstract="true">
        <Key>
          <PropertyRef Name="id" />
        </Key>
        <Property Name="id" Type="Edm.String" Nullable="false" />
      </EntityType>
      <EntityType Name="user" BaseType="graph.entity" OpenType="true" HasStream="true">
        <NavigationProperty Name="manager" Type="graph.user" Nullable="false" Partner="reports" />
        <NavigationProperty Name="reports" Type="Collection(graph.user)" ContainsTarget="true">
          <Annotation Term="Core.Description" Qualifier="short" String="Reports." />
        </NavigationProperty>
        <Annotation Term="Core.AlternateKeys">
          <Collection>
            <Record Type="Core.AlternateKey">
              <PropertyValue Property="Key">
                <Collection>
                  <Record Type="Core.PropertyRef">
                    <PropertyValue Property="Name" PropertyPath="userPrincipalName" />
                    <PropertyValue Property="Alias" String="userPrincipalName" />
                  </Record>
                </Collection>
              </PropertyValue>
            </Record>
          </Collection>
        </Annotation>
      </EntityType>
      <Action Name="assign" IsBound="true">
        <Parameter Name="bindingParameter" Type="graph.user" />
        <Parameter Name="note" Type="Edm.String" Nullable="false" Unicode="false">
          <Annotation Term="Core.Description" String="A note." />
        </Parameter>
      </Action>
      <Action Name="reset" />
      <Function Name="delta" EntitySetPath="bindingParameter" IsBound="true" IsComposable="true">
        <Parameter Name="bindingParameter" Type="Collection(graph.user)" />
        <ReturnType Type="Collection(graph.user)" Nullable="false" Unicode="false">
          <Annotation Term="Core.IsDelta" Bool="true" />
        </ReturnType>
        <Annotation Term="Core.Description" String="Changes." />
      </Function>
      <Term Name="sourceUrl" Type="Edm.String" BaseTerm="Core.Description" Nullable="false" DefaultValue="none" AppliesTo="microsoft.graph.driveItem">
        <Annotation Term="Core.LongDescription" String="Where from." />
      </Term>
      <EntityContainer Name="GraphService">
        <EntitySet Name="users" EntityType="microsoft.graph.user">
          <NavigationPropertyBinding Path="manager" Target="users" />
          <Annotation Term="Core.Description" String="All users." />
        </EntitySet>
        <Singleton Name="me" Type="microsoft.graph.user" />
        <ActionImport Name="resetAll" Action="microsoft.graph.reset" />
        <FunctionImport Name="deltaUsers" Function="microsoft.graph.delta" EntitySet="users" />
        <Annotation Term="Core.Description" String="The service." />
      </EntityContainer>
      <Annotations Target="microsoft.graph.user/reports" Qualifier="phone">
        <Annotation Term="Org.OData.Capabilities.V1.InsertRestrictions">
          <Record>
            <PropertyValue Property="Insertable" Bool="false" />
            <PropertyValue Property="Description">
              <String>Multi-line
text &amp; &lt;markup&gt;</String>
            </PropertyValue>
            <PropertyValue Property="Empty">
              <String />
            </PropertyValue>
            <PropertyValue Property="Absent" />
            <PropertyValue Property="Count" Int="-3" />
            <PropertyValue Property="Kinds">
              <Collection>
                <EnumMember>Org.OData.Core.V1.RevisionKind/Deprecated</EnumMember>
                <NavigationPropertyPath>manager</NavigationPropertyPath>
                <Int>7</Int>
                <Bool>false</Bool>
                <Collection />
                <Record />
              </Collection>
            </PropertyValue>
            <Annotation Term="Core.Description" String="On the record." />
          </Record>
        </Annotation>
        <Annotation Term="Core.Computed" />
      </Annotations>
      <Annotations Target="microsoft.graph.user" />
      <Annotation Term="Core.Description" String="The schema." />
    </Schema>
    <Schema Namespace="microsoft.graph.empty" xmlns="http://docs.oasis-open.org/odata/ns/edm" />
  </edmx:DataServices>
</edmx:Edmx>
"#;

#[test]
fn canonical_form_is_a_fixed_point() {
    let doc = csdl::read("canonical.xml", CANONICAL).unwrap_or_else(|e| panic!("{e}"));
    pretty_assertions::assert_eq!(csdl::write(&doc), CANONICAL);
    assert_round_trip(&doc);
}

#[test]
fn written_documents_are_canonical() {
    // Written in another form: attributes in another order, explicit defaults, single quotes,
    // no indentation, CRLF line endings, comments. Writing it gives the canonical form.
    let text = "<?xml version='1.0'?>\r\n<!-- comment -->\r\n<edmx:Edmx xmlns:edmx='http://docs.oasis-open.org/odata/ns/edmx' Version='4.0'><edmx:DataServices>\r\n<Schema xmlns='http://docs.oasis-open.org/odata/ns/edm' Alias='graph' Namespace='microsoft.graph'><EntityType OpenType='false' Abstract='false' Name='a'><Property Type='Edm.String' Name='p' Nullable='true'></Property></EntityType><!-- c --></Schema></edmx:DataServices></edmx:Edmx>";
    let doc = csdl::read("t.xml", text).unwrap();
    pretty_assertions::assert_eq!(
        csdl::write(&doc),
        doc_with(
            "      <EntityType Name=\"a\">\n        <Property Name=\"p\" Type=\"Edm.String\" Nullable=\"true\" />\n      </EntityType>"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// The real Graph documents.

fn upstream(name: &str) -> String {
    let path = manifest_dir().join("../../spec/upstream").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Counts of elements in a document, as the model sees them.
#[derive(Debug, Default, PartialEq)]
struct Counts {
    entity_types: usize,
    complex_types: usize,
    enum_types: usize,
    actions: usize,
    functions: usize,
    annotations_blocks: usize,
    annotations: usize,
    navigation_properties: usize,
    properties: usize,
    members: usize,
    records: usize,
}

fn count_value(v: &Value, c: &mut Counts) {
    match v {
        Value::Absent | Value::Scalar { .. } => {}
        Value::Record(r) => {
            c.records += 1;
            for p in &r.properties {
                count_value(&p.value, c);
            }
            count_annotations(&r.annotations, c);
        }
        Value::Collection(items) => items.iter().for_each(|v| count_value(v, c)),
    }
}

fn count_annotations(list: &[Annotation], c: &mut Counts) {
    for a in list {
        c.annotations += 1;
        count_value(&a.value, c);
    }
}

fn model_counts(doc: &Document) -> Counts {
    let mut c = Counts::default();
    for s in &doc.schemas {
        c.entity_types += s.entity_types.len();
        c.complex_types += s.complex_types.len();
        c.enum_types += s.enum_types.len();
        c.actions += s.actions.len();
        c.functions += s.functions.len();
        c.annotations_blocks += s.annotations.len();
        count_annotations(&s.inline_annotations, &mut c);
        for t in &s.enum_types {
            c.members += t.members.len();
            count_annotations(&t.annotations, &mut c);
            for m in &t.members {
                count_annotations(&m.annotations, &mut c);
            }
        }
        for t in &s.type_definitions {
            count_annotations(&t.annotations, &mut c);
        }
        for t in s.entity_types.iter().chain(&s.complex_types) {
            c.properties += t.properties.len();
            c.navigation_properties += t.navigation_properties.len();
            count_annotations(&t.annotations, &mut c);
            for p in &t.properties {
                count_annotations(&p.annotations, &mut c);
            }
            for p in &t.navigation_properties {
                count_annotations(&p.annotations, &mut c);
            }
        }
        for op in s.actions.iter().chain(&s.functions) {
            count_annotations(&op.annotations, &mut c);
            for p in &op.parameters {
                count_annotations(&p.annotations, &mut c);
            }
            if let Some(r) = &op.return_type {
                count_annotations(&r.annotations, &mut c);
            }
        }
        for t in &s.terms {
            count_annotations(&t.annotations, &mut c);
        }
        if let Some(ec) = &s.entity_container {
            count_annotations(&ec.annotations, &mut c);
            for e in &ec.entity_sets {
                count_annotations(&e.annotations, &mut c);
            }
            for e in &ec.singletons {
                count_annotations(&e.annotations, &mut c);
            }
        }
        for b in &s.annotations {
            count_annotations(&b.annotations, &mut c);
        }
    }
    c
}

/// The same counts by a plain substring scan of the text: independent of the reader. The
/// real documents have no comments, and `<` inside attribute values is escaped, so every
/// match is an element.
fn scanned_counts(text: &str) -> Counts {
    let n = |tag: &str| {
        text.matches(&format!("<{tag} ")).count()
            + text.matches(&format!("<{tag}>")).count()
            + text.matches(&format!("<{tag}/>")).count()
    };
    Counts {
        entity_types: n("EntityType"),
        complex_types: n("ComplexType"),
        enum_types: n("EnumType"),
        actions: n("Action"),
        functions: n("Function"),
        annotations_blocks: n("Annotations"),
        annotations: n("Annotation"),
        navigation_properties: n("NavigationProperty"),
        properties: n("Property"),
        members: n("Member"),
        records: n("Record"),
    }
}

fn check_real(name: &str) {
    let text = upstream(name);
    let doc = csdl::read(name, &text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.source, name);
    assert_eq!(doc.version, "4.0");
    let counts = model_counts(&doc);
    assert_eq!(
        counts,
        scanned_counts(&text),
        "{name}: model counts vs text scan"
    );
    assert!(counts.entity_types > 500, "{name}: {counts:?}");
    assert!(counts.annotations > 1000, "{name}: {counts:?}");
    assert_round_trip(&doc);
    if name.ends_with(".csdl") {
        // The current upstream documents are already in canonical form, but for the final
        // newline: trimming them changes nothing but what it cuts.
        let written = csdl::write(&doc);
        let first_difference = written.lines().zip(text.lines()).position(|(a, b)| a != b);
        assert_eq!(
            first_difference, None,
            "{name}: first differing line (0-based)"
        );
        assert!(
            written == format!("{text}\n"),
            "{name}: written text differs"
        );
    }
}

#[test]
fn real_prod() {
    check_real("v1.0-Prod.csdl");
}

#[test]
fn real_fairfax() {
    check_real("v1.0-Fairfax.csdl");
}

#[test]
fn real_mooncake() {
    check_real("v1.0-Mooncake.csdl");
}

#[test]
fn real_described() {
    check_real("v1.0-described-2023-05.xml");
}

#[test]
fn real_prod_facts() {
    let doc = csdl::read("v1.0-Prod.csdl", &upstream("v1.0-Prod.csdl")).unwrap();
    let graph = &doc.schemas[0];
    assert_eq!(graph.namespace, "microsoft.graph");
    assert_eq!(graph.alias.as_deref(), Some("graph"));
    let phone = graph
        .entity_types
        .iter()
        .find(|t| t.name == "phoneAuthenticationMethod")
        .unwrap();
    assert_eq!(
        phone.base_type.as_deref(),
        Some("graph.authenticationMethod")
    );
    assert_eq!(
        (phone.pos.line, phone.pos.column),
        (17392, 7),
        "position of `<EntityType Name=\"phoneAuthenticationMethod\"`"
    );
    let names: Vec<&str> = phone.properties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["phoneNumber", "phoneType", "smsSignInState"]);
    let enable = graph
        .actions
        .iter()
        .find(|a| a.name == "enableSmsSignIn")
        .unwrap();
    assert!(enable.is_bound);
    assert_eq!(
        enable.parameters[0].type_ref.name,
        "graph.phoneAuthenticationMethod"
    );
    let block = doc
        .schemas
        .iter()
        .flat_map(|s| &s.annotations)
        .find(|b| b.target == "microsoft.graph.authentication/passwordMethods")
        .unwrap();
    let update = block
        .annotations
        .iter()
        .find(|a| a.term == "Org.OData.Capabilities.V1.UpdateRestrictions")
        .unwrap();
    assert_eq!(
        update
            .value
            .as_record()
            .unwrap()
            .get("Updatable")
            .unwrap()
            .as_bool(),
        Some(false)
    );
}

// ---------------------------------------------------------------------------------------------
// Errors: each kind with its exact `file:line:column` and message.

/// A document whose schema holds `body`; the body starts on line 5.
fn doc_with(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n  \
         <edmx:DataServices>\n    \
         <Schema Namespace=\"microsoft.graph\" Alias=\"graph\" xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">\n\
         {body}\n    \
         </Schema>\n  \
         </edmx:DataServices>\n\
         </edmx:Edmx>\n"
    )
}

fn read_err(text: &str) -> String {
    match csdl::read("t.xml", text) {
        Ok(doc) => panic!("expected an error, read {doc:#?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn error_malformed_xml() {
    let text = "<?xml version=\"1.0\"?>\n<edmx:Edmx Version=\"4.0\">\n  <edmx:DataServices";
    assert_eq!(
        read_err(text),
        "t.xml:3:3: malformed XML: syntax error: tag not closed: `>` not found before end of input"
    );
    let text = doc_with("      <EntityType Name=\"a\" Abstract=\"true>\n      </EntityType>");
    assert_eq!(
        read_err(text.as_str()),
        "t.xml:5:7: malformed XML: syntax error: attribute value not closed: `\"` not found \
         before end of input"
    );
}

#[test]
fn error_unclosed_tag() {
    let text = "<edmx:Edmx Version=\"4.0\">\n  <edmx:DataServices>\n    <Schema Namespace=\"n\">\n";
    assert_eq!(
        read_err(text),
        "t.xml:4:1: unexpected end of document: `<Schema>` opened at 3:5 is not closed; \
         expected `</Schema>`"
    );
}

#[test]
fn error_mismatched_end_tag() {
    let text = doc_with("      <EntityType Name=\"a\">\n      </ComplexType>");
    assert_eq!(
        read_err(&text),
        "t.xml:6:7: mismatched end tag: expected `</EntityType>` to close the element opened \
         at 5:7, found `</ComplexType>`"
    );
}

#[test]
fn error_unexpected_element() {
    let text = doc_with(
        "      <EntityType Name=\"a\">\n        <Member Name=\"x\" />\n      </EntityType>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:6:9: unexpected element `<Member>` in `<EntityType>`; expected one of: Key, \
         Property, NavigationProperty, Annotation"
    );
    let text = doc_with("      <Frobnicate />");
    assert_eq!(
        read_err(&text),
        "t.xml:5:7: unexpected element `<Frobnicate>` in `<Schema>`; expected one of: EnumType, \
         TypeDefinition, ComplexType, EntityType, Action, Function, Term, EntityContainer, \
         Annotations, Annotation"
    );
    let text = "<Schema Namespace=\"n\" />";
    assert_eq!(
        read_err(text),
        "t.xml:1:1: unexpected root element `<Schema>`; expected `<edmx:Edmx>`"
    );
}

#[test]
fn error_unexpected_text() {
    let text = doc_with("      <EntityType Name=\"a\">oops</EntityType>");
    assert_eq!(
        read_err(&text),
        "t.xml:5:28: unexpected text `oops` in `<EntityType>`; expected elements only"
    );
}

#[test]
fn error_missing_attribute() {
    let text = doc_with("      <EntityType>\n      </EntityType>");
    assert_eq!(
        read_err(&text),
        "t.xml:5:7: `<EntityType>` is missing the required attribute `Name`"
    );
    let text = doc_with(
        "      <ComplexType Name=\"a\">\n        <Property Name=\"p\" />\n      </ComplexType>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:6:9: `<Property>` is missing the required attribute `Type`"
    );
}

#[test]
fn error_bad_attribute_values() {
    let text = doc_with(
        "      <ComplexType Name=\"a\">\n        <Property Name=\"p\" Type=\"Edm.String\" Nullable=\"yes\" />\n      </ComplexType>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:6:9: attribute `Nullable` on `<Property>`: expected `true` or `false`, found `yes`"
    );
    let text = doc_with(
        "      <EnumType Name=\"e\">\n        <Member Name=\"m\" Value=\"abc\" />\n      </EnumType>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:6:9: attribute `Value` on `<Member>`: expected an integer, found `abc`"
    );
    let text = doc_with(
        "      <Annotations Target=\"graph.x\">\n        <Annotation Term=\"Core.Computed\" Bool=\"maybe\" />\n      </Annotations>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:6:9: attribute `Bool` on `<Annotation>`: expected `true` or `false`, found `maybe`"
    );
    let text = doc_with(
        "      <Annotations Target=\"graph.x\">\n        <Annotation Term=\"Core.Computed\">\n          <Bool>maybe</Bool>\n        </Annotation>\n      </Annotations>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:7:11: text of `<Bool>`: expected `true` or `false`, found `maybe`"
    );
    let text = doc_with("      <EntityType Name=\"a\" BaseType=\"graph.b\" Abstract=\"TRUE\" />");
    assert_eq!(
        read_err(&text),
        "t.xml:5:7: attribute `Abstract` on `<EntityType>`: expected `true` or `false`, found `TRUE`"
    );
    let text = doc_with(
        "      <ComplexType Name=\"a\">\n        <Property Name=\"p\" Type=\"\" />\n      </ComplexType>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:6:9: attribute `Type` on `<Property>`: expected a type name or \
         `Collection(type name)`, found ``"
    );
    let text = doc_with(
        "      <Annotations Target=\"graph.x\">\n        <Annotation Term=\"Core.Description\" String=\"a\" Bool=\"true\" />\n      </Annotations>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:6:9: `<Annotation>` has two values, `String` and `Bool`; expected at most one"
    );
}

#[test]
fn error_unknown_attribute() {
    let text = doc_with("      <EntityType Name=\"a\" Colour=\"blue\" />");
    assert_eq!(
        read_err(&text),
        "t.xml:5:7: unknown attribute `Colour` on `<EntityType>`; expected one of: Name, \
         BaseType, Abstract, OpenType, HasStream"
    );
    // Namespace declarations are not CSDL attributes and are ignored anywhere.
    let text = doc_with("      <EntityType Name=\"a\" xmlns:x=\"urn:x\" xmlns=\"urn:y\" />");
    let doc = csdl::read("t.xml", &text).unwrap();
    assert_eq!(doc.schemas[0].entity_types[0].name, "a");
}

#[test]
fn error_elements_the_model_cannot_hold() {
    // Annotations on annotations are valid CSDL, but the model has no place for them: the
    // reader refuses rather than drop them.
    let text = doc_with(
        "      <Annotations Target=\"graph.x\">\n        <Annotation Term=\"Core.Description\" String=\"a\">\n          <Annotation Term=\"Core.Description\" String=\"b\" />\n        </Annotation>\n      </Annotations>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:7:11: unexpected element `<Annotation>` in `<Annotation>`; expected one of: \
         String, Bool, Int, Float, Decimal, Date, DateTimeOffset, TimeOfDay, Duration, Guid, \
         Binary, EnumMember, Path, PropertyPath, NavigationPropertyPath, AnnotationPath, Record, \
         Collection"
    );
    let text = doc_with(
        "      <Annotations Target=\"graph.x\">\n        <Annotation Term=\"Core.Description\" String=\"a\">\n          <String>b</String>\n        </Annotation>\n      </Annotations>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:7:11: second value `<String>` in `<Annotation>`; expected at most one value"
    );
    let text =
        doc_with("      <EntityContainer Name=\"a\" />\n      <EntityContainer Name=\"b\" />");
    assert_eq!(
        read_err(&text),
        "t.xml:6:7: second `<EntityContainer>` in schema `microsoft.graph`; expected at most one \
         (the first is at 5:7)"
    );
    let text = doc_with("      <EntityType Name=\"a\" Name=\"b\" />");
    assert_eq!(
        read_err(&text),
        "t.xml:5:7: duplicate attribute `Name` on `<EntityType>`"
    );
    let text = doc_with(
        "      <Annotations Target=\"graph.x\">\n        <Annotation Term=\"Core.Description\">\n          <String>a &nbsp; b</String>\n        </Annotation>\n      </Annotations>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:7:21: unknown entity or bad character reference `&nbsp;` in `<String>`"
    );
}

#[test]
fn error_duplicate_names() {
    let text = doc_with(
        "      <EntityType Name=\"user\" />\n      <ComplexType Name=\"other\" />\n      <ComplexType Name=\"user\" />",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:7:7: duplicate name `user` in schema `microsoft.graph`: `<ComplexType>` here and \
         `<EntityType>` at 5:7"
    );
    let text = doc_with(
        "      <EntityType Name=\"user\">\n        <Property Name=\"id\" Type=\"Edm.String\" />\n        <NavigationProperty Name=\"id\" Type=\"graph.user\" />\n      </EntityType>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:7:9: duplicate name `id` in entity type `user`: `<NavigationProperty>` here and \
         `<Property>` at 6:9"
    );
    let text = doc_with(
        "      <EnumType Name=\"e\">\n        <Member Name=\"a\" Value=\"0\" />\n        <Member Name=\"b\" Value=\"1\" />\n        <Member Name=\"a\" Value=\"2\" />\n      </EnumType>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:8:9: duplicate name `a` in enum type `e`: `<Member>` here and `<Member>` at 6:9"
    );
}

#[test]
fn error_positions_count_characters_not_bytes() {
    // Two-byte and three-byte characters before the error each count as one column.
    let text = doc_with(
        "      <EntityType Name=\"a\" BaseType=\"é€\"><Property Name=\"p\" Type=\"Edm.String\" Nullable=\"1\" /></EntityType>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:5:42: attribute `Nullable` on `<Property>`: expected `true` or `false`, found `1`"
    );
}

#[test]
fn escapes_and_non_ascii_round_trip() {
    let text = doc_with(
        "      <Annotations Target=\"graph.x\">\n        \
         <Annotation Term=\"Core.Description\" String=\"a &amp; b &lt;c&gt; &quot;d&quot; 'e' é€ &#x9;tab&#xA;line\" />\n        \
         <Annotation Term=\"Core.LongDescription\">\n          \
         <String>x &amp; y &lt; z &gt; \"q\" ü&#xD;\nend</String>\n        \
         </Annotation>\n      \
         </Annotations>",
    );
    let doc = csdl::read("t.xml", &text).unwrap();
    let block = &doc.schemas[0].annotations[0];
    assert_eq!(
        block.annotations[0].value.as_str(),
        Some("a & b <c> \"d\" 'e' é€ \ttab\nline")
    );
    assert_eq!(
        block.annotations[1].value.as_str(),
        Some("x & y < z > \"q\" ü\r\nend")
    );
    let written = csdl::write(&doc);
    assert!(
        written.contains("String=\"a &amp; b &lt;c&gt; &quot;d&quot; 'e' é€ &#x9;tab&#xA;line\"")
    );
    assert!(written.contains("<String>x &amp; y &lt; z &gt; \"q\" ü&#xD;\nend</String>"));
    assert_round_trip(&doc);
}

// ---------------------------------------------------------------------------------------------
// Robustness: no input makes the reader panic.

/// A small deterministic pseudo-random generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Reads `text`, failing the test if the reader panics; returns whether it read.
fn reads_without_panic(text: &str) -> bool {
    match std::panic::catch_unwind(|| csdl::read("fuzz.xml", text)) {
        Ok(Ok(_)) => true,
        Ok(Err(e)) => {
            assert!(e.to_string().starts_with("fuzz.xml:"), "{e}");
            false
        }
        Err(_) => panic!("the reader panicked on:\n{text}"),
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[test]
fn corrupt_input_never_panics() {
    let mut inputs: Vec<String> = fixtures()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let prod = upstream("v1.0-Prod.csdl");
    // A prefix of the real file (cut inside the enum types), and a slice of its annotations.
    inputs.push(prod[..floor_char_boundary(&prod, 200_000)].to_owned());
    let ann = prod.find("<Annotations ").unwrap();
    inputs.push(doc_with(
        &prod[ann..floor_char_boundary(&prod, ann + 12_000)],
    ));

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let replacements = [
        "<", ">", "/", "\"", "=", "&", "&#", ";", " ", "\n", "x", "é", "]]>", "<!--",
    ];
    let mut cases = 0;
    for input in &inputs {
        let complete = input.trim_end().len();
        // Truncation at many offsets: a cut document never reads.
        for k in 0..60 {
            let cut = floor_char_boundary(input, complete * k / 60);
            assert!(
                !reads_without_panic(&input[..cut]),
                "truncated at {cut} read"
            );
            cases += 1;
        }
        // Fewer on the large prefix, to keep the test fast in debug builds.
        let mutations = if input.len() > 50_000 { 30 } else { 200 };
        for _ in 0..mutations {
            let at = floor_char_boundary(input, rng.below(input.len()));
            let mut s = input.clone();
            match rng.below(4) {
                // Replace one character by a markup character.
                0 => {
                    let len = input[at..].chars().next().map_or(0, char::len_utf8);
                    s.replace_range(at..at + len, replacements[rng.below(replacements.len())]);
                }
                // Delete a `>`.
                1 => {
                    if let Some(i) = input[at..].find('>') {
                        s.remove(at + i);
                    }
                }
                // Duplicate a tag.
                2 => {
                    if let Some(i) = input[at..].find('<') {
                        let start = at + i;
                        let end = input[start..]
                            .find('>')
                            .map_or(input.len(), |j| start + j + 1);
                        s.insert_str(start, &input[start..end]);
                    }
                }
                // Insert random markup.
                _ => s.insert_str(at, replacements[rng.below(replacements.len())]),
            }
            reads_without_panic(&s);
            cases += 1;
        }
    }
    assert!(cases > 2000, "{cases}");
}

#[test]
fn odd_inputs_are_errors() {
    let cases = [
        ("", "t.xml:1:1: empty document; expected `<edmx:Edmx>`"),
        (
            "\u{feff}",
            "t.xml:1:1: empty document; expected `<edmx:Edmx>`",
        ),
        (
            "hello",
            "t.xml:1:1: unexpected text before the root element; expected `<edmx:Edmx>`",
        ),
        (
            "<edmx:Edmx Version=\"4.0\" />",
            "t.xml:1:1: `<edmx:Edmx>` has no `<edmx:DataServices>`; expected exactly one",
        ),
        (
            "<edmx:Edmx Version=\"4.0\"><edmx:DataServices /></edmx:Edmx><x/>",
            "t.xml:1:59: unexpected element `<x>` after the root element; expected the end of the \
             document",
        ),
        (
            "<edmx:Edmx Version=\"4.0\"><edmx:DataServices /></edmx:Edmx></y>",
            "t.xml:1:59: unexpected end tag `</y>`: no element is open",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(read_err(text), expected, "input {text:?}");
    }
    // The smallest document reads.
    let doc = csdl::read(
        "t.xml",
        "<edmx:Edmx Version=\"4.0\"><edmx:DataServices/></edmx:Edmx>",
    );
    assert_eq!(doc.unwrap().schemas.len(), 0);
}

#[test]
fn deeply_nested_expressions_are_an_error_not_a_crash() {
    let depth = 10_000;
    let body = format!(
        "      <Annotations Target=\"graph.x\">\n<Annotation Term=\"Core.Example\">{}{}</Annotation></Annotations>",
        "<Collection>".repeat(depth),
        "</Collection>".repeat(depth)
    );
    let message = read_err(&doc_with(&body));
    assert_eq!(
        message,
        format!(
            "t.xml:6:{}: `<Collection>` is nested too deeply: expected at most 64 levels of \
             `Record` and `Collection`",
            33 + 64 * 12
        )
    );
    // 64 levels are fine.
    let body = format!(
        "      <Annotations Target=\"graph.x\">\n<Annotation Term=\"Core.Example\">{}{}</Annotation></Annotations>",
        "<Collection>".repeat(64),
        "</Collection>".repeat(64)
    );
    let doc = csdl::read("t.xml", &doc_with(&body)).unwrap();
    assert_round_trip(&doc);
}

/// Names become Rust identifiers; one that is not an OData SimpleIdentifier is an error at
/// its element, never rewritten (`phone-number` became `phone_number` before).
#[test]
fn error_names_that_are_not_simple_identifiers() {
    let text = doc_with(
        "      <ComplexType Name=\"a\">\n        <Property Name=\"phone-number\" Type=\"Edm.String\" />\n      </ComplexType>",
    );
    assert_eq!(
        read_err(&text),
        "t.xml:6:9: `Name` of `<Property>` is `phone-number`, not an OData SimpleIdentifier \
         (it contains `-`, not a letter, digit or `_`); names become Rust identifiers and are \
         never rewritten, so fix the document"
    );
    let long = "a".repeat(129);
    for (name, problem) in [
        ("9lives", "it starts with `9`, not a letter or `_`"),
        ("", "it is empty"),
        ("a&#13;b", "it contains `\\r`, not a letter, digit or `_`"),
        ("caf\u{e9}", "it contains the non-ASCII character `\u{e9}`"),
        (
            long.as_str(),
            "it has 129 characters, at most 128 are allowed",
        ),
    ] {
        let text = doc_with(&format!("      <EnumType Name=\"{name}\" />"));
        let err = read_err(&text);
        assert!(
            err.starts_with("t.xml:5:7: `Name` of `<EnumType>`"),
            "{err}"
        );
        assert!(err.contains(problem), "{name}: {err}");
    }
    let ok = doc_with(&format!(
        "      <EnumType Name=\"_a9{}\" />",
        "b".repeat(125)
    ));
    csdl::read("t.xml", &ok).unwrap();
}

//! The generated group-settings client (rooted at `/groups/{group-id}`) over HTTP against a
//! loopback server: method, URL, body, paging and a Graph error body becoming the typed
//! error.
//!
//! Payloads are the Microsoft Graph v1.0 documentation's examples (named above each),
//! copied from microsoftgraph/microsoft-graph-docs-contrib.

#[path = "../../../todo/client/tests/loopback/mod.rs"]
mod loopback;

use futures::TryStreamExt;
use graph_example_group_settings_client::{
    Cloud, Error, GraphClient, GroupSettingCreate, GroupSettingUpdate, StaticToken,
};
use loopback::{Reply, Server};

/// https://learn.microsoft.com/graph/api/group-list-settings?view=graph-rest-1.0, example 2
/// (`GET /groups/{id}/settings`), the response's setting.
const GROUP_SETTING: &str = r##"{
    "id": "a06fa228-3042-4662-bd09-33e298da1afe",
    "displayName": "Group.Unified.Guest",
    "templateId": "08d542b9-071f-4e16-94b0-74abb372e3d9",
    "values": [
        {
            "name": "AllowToAddGuests",
            "value": "false"
        }
    ]
}"##;

/// https://learn.microsoft.com/graph/api/group-post-settings?view=graph-rest-1.0, the
/// request of "create a setting to block guests for a specific group".
const CREATE_REQUEST: &str = r##"{
  "templateId": "08d542b9-071f-4e16-94b0-74abb372e3d9",
  "values": [
    {
      "name": "AllowToAddGuests",
      "value": "false"
    }
  ]
}"##;

/// An authorization failure, in the shape of https://learn.microsoft.com/graph/errors.
const DENIED: &str = r##"{
  "error": {
    "code": "Authorization_RequestDenied",
    "message": "Insufficient privileges to complete the operation.",
    "innerError": {
      "date": "2024-01-10T08:00:00",
      "request-id": "0b7d8d4e-6e1a-4c6a-9d1b-2f1f3f1f3f1f"
    }
  }
}"##;

const GROUP: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";

fn client(server: &Server) -> GraphClient {
    GraphClient::builder(Cloud::Custom {
        base_url: server.base_url.clone(),
    })
    .token_provider(StaticToken::new("test-token"))
    .build()
    .expect("client")
}

#[tokio::test]
async fn a_groups_settings_are_listed_across_pages() {
    let server = Server::start(vec![
        Reply::json(
            200,
            format!(
                r#"{{"value": [{GROUP_SETTING}], "@odata.nextLink": "{{base}}/groups/{GROUP}/settings?$skiptoken=X1"}}"#
            ),
        ),
        Reply::json(200, r#"{"value": []}"#),
    ])
    .await;
    let settings: Vec<_> = client(&server)
        .group(GROUP)
        .settings()
        .list()
        .try_collect()
        .await
        .expect("settings");
    assert_eq!(settings.len(), 1);
    assert_eq!(
        settings[0].display_name.as_deref(),
        Some("Group.Unified.Guest")
    );
    let targets: Vec<(String, String)> = server
        .received()
        .into_iter()
        .map(|r| (r.method, r.target))
        .collect();
    assert_eq!(
        targets,
        [
            ("GET".into(), format!("/v1.0/groups/{GROUP}/settings")),
            (
                "GET".into(),
                format!("/v1.0/groups/{GROUP}/settings?$skiptoken=X1")
            ),
        ]
    );
}

#[tokio::test]
async fn a_setting_is_created_with_the_documented_body() {
    let server = Server::start(vec![Reply::json(201, GROUP_SETTING)]).await;
    let body: GroupSettingCreate = serde_json::from_str(CREATE_REQUEST).expect("the request");
    let created = client(&server)
        .group(GROUP)
        .settings()
        .create(&body)
        .await
        .expect("created");
    assert_eq!(created.id, "a06fa228-3042-4662-bd09-33e298da1afe");
    let [request] = server.received().try_into().expect("one request");
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, format!("/v1.0/groups/{GROUP}/settings"));
    let documented: serde_json::Value = serde_json::from_str(CREATE_REQUEST).unwrap();
    assert_eq!(request.body, documented);
}

#[tokio::test]
async fn one_setting_is_read_updated_and_deleted_by_its_id() {
    let id = "a06fa228-3042-4662-bd09-33e298da1afe";
    let server = Server::start(vec![
        Reply::json(200, GROUP_SETTING),
        Reply::no_content(),
        Reply::no_content(),
    ])
    .await;
    let settings = client(&server).group(GROUP).settings();
    let setting = settings.get(id).await.expect("read");
    assert_eq!(setting.values.len(), 1);
    settings
        .update(
            id,
            &GroupSettingUpdate::default().with_display_name("Group.Unified.Guest"),
        )
        .await
        .expect("updated");
    settings.delete(id).await.expect("deleted");
    let received = server.received();
    let url = format!("/v1.0/groups/{GROUP}/settings/{id}");
    let seen: Vec<(&str, &str)> = received
        .iter()
        .map(|r| (r.method.as_str(), r.target.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", url.as_str()),
            ("PATCH", url.as_str()),
            ("DELETE", url.as_str())
        ]
    );
    assert_eq!(
        received[1].body,
        serde_json::json!({ "displayName": "Group.Unified.Guest" })
    );
}

#[tokio::test]
async fn a_graph_error_body_becomes_the_typed_error() {
    let server = Server::start(vec![Reply::json(403, DENIED)]).await;
    let err = client(&server)
        .group(GROUP)
        .settings()
        .get("a06fa228-3042-4662-bd09-33e298da1afe")
        .await
        .expect_err("403");
    let Error::Graph(graph) = &err else {
        panic!("not a Graph error: {err:?}");
    };
    assert_eq!(graph.status, 403);
    assert_eq!(graph.code, "Authorization_RequestDenied");
    assert_eq!(
        graph.request_id.as_deref(),
        Some("0b7d8d4e-6e1a-4c6a-9d1b-2f1f3f1f3f1f")
    );
}

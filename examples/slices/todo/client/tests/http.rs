//! The generated todo client over HTTP against a loopback server: method, URL (the keys of
//! the nested collections in order, each percent-encoded as one segment), body, paging
//! through `@odata.nextLink`, and a Graph error body becoming the typed error.
//!
//! Payloads are the Microsoft Graph v1.0 documentation's examples (named above each),
//! copied from microsoftgraph/microsoft-graph-docs-contrib.

mod loopback;

use futures::TryStreamExt;
use graph_example_todo_client::{
    Cloud, Content, Error, GraphClient, StaticToken, TodoTaskListCreate, TodoTaskUpdate,
    WellknownListName,
};
use loopback::{Reply, Server};

/// https://learn.microsoft.com/graph/api/todotasklist-get?view=graph-rest-1.0 (response).
const TODO_TASK_LIST: &str = r##"{
  "@odata.type": "#microsoft.graph.todoTaskList",
  "id": "5daae1ed-e1ed-5daa-ede1-aa5dede1aa5d",
  "displayName": "Monthly tasks",
  "isOwner": true,
  "isShared": false,
  "wellknownListName": "defaultList"
}"##;

/// https://learn.microsoft.com/graph/api/todotask-get?view=graph-rest-1.0 (response), with
/// `id` as the argument and the `bodyLastModifiedDateTime` the page's truncated example
/// lacks (the metadata declares it not nullable).
fn todo_task(id: &str) -> String {
    format!(
        r##"{{
    "@odata.etag": "W/\"s8/ERWT3WEeFpBGD0bDgAA+TWq9g==\"",
    "importance": "low",
    "isReminderOn": false,
    "status": "notStarted",
    "title": "Shop for dinner",
    "createdDateTime": "2020-07-22T10:39:03.7937971Z",
    "lastModifiedDateTime": "2020-07-22T12:02:10.8835421Z",
    "bodyLastModifiedDateTime": "2020-07-22T12:02:10.8835421Z",
    "categories": ["Important", "Urgent"],
    "id": "{id}",
    "body": {{ "content": "", "contentType": "text" }},
    "dueDateTime": {{ "dateTime": "2020-08-25T04:00:00.0000000", "timeZone": "UTC" }}
}}"##
    )
}

/// The error body of a To Do item that does not exist, in the shape of
/// https://learn.microsoft.com/graph/errors (JSON representation).
const NOT_FOUND: &str = r##"{
  "error": {
    "code": "ErrorItemNotFound",
    "message": "The specified object was not found in the store.",
    "innerError": {
      "date": "2020-07-22T12:02:10",
      "request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2",
      "client-request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2"
    }
  }
}"##;

fn client(server: &Server) -> GraphClient {
    GraphClient::builder(Cloud::Custom {
        base_url: server.base_url.clone(),
    })
    .token_provider(StaticToken::new("test-token"))
    .build()
    .expect("client")
}

fn requests(server: &Server) -> Vec<(String, String)> {
    server
        .received()
        .into_iter()
        .map(|r| (r.method, r.target))
        .collect()
}

#[tokio::test]
async fn tasks_of_a_list_follow_next_link_under_the_nested_keys() {
    let server = Server::start(vec![
        Reply::json(
            200,
            format!(
                r#"{{"value": [{}], "@odata.nextLink": "{{base}}/me/todo/lists/list%201%2Fa/tasks?$skiptoken=2"}}"#,
                todo_task("task-1")
            ),
        ),
        Reply::json(200, format!(r#"{{"value": [{}]}}"#, todo_task("task-2"))),
    ])
    .await;
    let tasks: Vec<_> = client(&server)
        .me()
        .todo()
        .lists()
        .item("list 1/a")
        .tasks()
        .list()
        .try_collect()
        .await
        .expect("two pages");
    let ids: Vec<&str> = tasks.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["task-1", "task-2"]);
    assert_eq!(tasks[0].title.as_deref(), Some("Shop for dinner"));
    assert_eq!(
        requests(&server),
        [
            (
                "GET".into(),
                "/v1.0/me/todo/lists/list%201%2Fa/tasks".into()
            ),
            (
                "GET".into(),
                "/v1.0/me/todo/lists/list%201%2Fa/tasks?$skiptoken=2".into()
            ),
        ]
    );
}

#[tokio::test]
async fn a_task_of_a_users_list_is_read_with_both_keys_in_order() {
    let server = Server::start(vec![Reply::json(200, todo_task("task-9"))]).await;
    let task = client(&server)
        .user("kim@contoso.com")
        .todo()
        .lists()
        .item("list-1")
        .tasks()
        .get("task-9")
        .await
        .expect("the task");
    assert_eq!(task.id, "task-9");
    assert_eq!(
        requests(&server),
        [(
            "GET".into(),
            "/v1.0/users/kim@contoso.com/todo/lists/list-1/tasks/task-9".into()
        )]
    );
}

#[tokio::test]
async fn a_list_is_created_with_the_serialised_body() {
    let server = Server::start(vec![Reply::json(201, TODO_TASK_LIST)]).await;
    // https://learn.microsoft.com/graph/api/todo-post-lists?view=graph-rest-1.0 sends
    // `{"displayName": "Travel items"}`; without an overlay the metadata makes the
    // server-set `isOwner`, `isShared` and `wellknownListName` part of the payload too.
    let body = TodoTaskListCreate::new(true, false, WellknownListName::None)
        .with_display_name("Travel items".into());
    let created = client(&server)
        .me()
        .todo()
        .lists()
        .create(&body)
        .await
        .expect("created");
    assert_eq!(created.display_name.as_deref(), Some("Monthly tasks"));
    let [request] = server.received().try_into().expect("one request");
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("POST", "/v1.0/me/todo/lists")
    );
    assert_eq!(
        request.body,
        serde_json::json!({
            "displayName": "Travel items",
            "isOwner": true,
            "isShared": false,
            "wellknownListName": "none"
        })
    );
}

#[tokio::test]
async fn an_update_sends_only_what_is_set_and_a_delete_has_no_body() {
    let server = Server::start(vec![
        Reply::json(200, todo_task("task-3")),
        Reply::no_content(),
    ])
    .await;
    let tasks = client(&server)
        .user("0cbb8f5e-05d4-4a0c-9b36-ed0a3c4e1c6b")
        .todo()
        .lists()
        .item("list-2")
        .tasks();
    // https://learn.microsoft.com/graph/api/todotask-update?view=graph-rest-1.0 sends a
    // `dueDateTime`; a title is the same shape of change.
    tasks
        .update("task-3", &TodoTaskUpdate::default().with_title("Buy milk"))
        .await
        .expect("updated");
    tasks.delete("task-3").await.expect("deleted");
    let received = server.received();
    let prefix = "/v1.0/users/0cbb8f5e-05d4-4a0c-9b36-ed0a3c4e1c6b/todo/lists/list-2/tasks";
    assert_eq!(received[0].method, "PATCH");
    assert_eq!(received[0].target, format!("{prefix}/task-3"));
    assert_eq!(received[0].body, serde_json::json!({ "title": "Buy milk" }));
    assert_eq!(received[1].method, "DELETE");
    assert_eq!(received[1].target, format!("{prefix}/task-3"));
    assert_eq!(received[1].body, serde_json::Value::Null);
}

#[tokio::test]
async fn a_graph_error_body_becomes_the_typed_error() {
    let server = Server::start(vec![Reply::json(404, NOT_FOUND)]).await;
    let err = client(&server)
        .me()
        .todo()
        .lists()
        .get("gone")
        .await
        .expect_err("404");
    let Error::Graph(graph) = &err else {
        panic!("not a Graph error: {err:?}");
    };
    assert_eq!(graph.status, 404);
    assert_eq!(graph.code, "ErrorItemNotFound");
    assert_eq!(
        graph.request_id.as_deref(),
        Some("94fb3b52-452a-4535-a601-69e0a90e3aa2")
    );
}

#[tokio::test]
async fn a_key_that_would_address_another_resource_is_refused_before_sending() {
    let server = Server::start(Vec::new()).await;
    let err = client(&server)
        .me()
        .todo()
        .lists()
        .item("..")
        .tasks()
        .get("task-1")
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(server.received().is_empty());
}

/// The raw content of a task's file attachment, as
/// https://learn.microsoft.com/graph/api/taskfileattachment-get?view=graph-rest-1.0 describes
/// it: `GET .../attachments/{id}/$value`, "the content type is based on the original content
/// type of the file".
#[tokio::test]
async fn an_attachments_content_is_read_as_bytes_with_its_media_type() {
    let content = "Shopping list:\nmilk\neggs\n";
    let server = Server::start(vec![Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "text/plain".into())],
        body: content.into(),
    }])
    .await;
    let got: Content = client(&server)
        .user("kim@contoso.com")
        .todo()
        .lists()
        .item("list-1")
        .tasks()
        .item("task-9")
        .attachments()
        .get_value("att 1")
        .await
        .expect("the content");
    assert_eq!(&got.bytes[..], content.as_bytes());
    assert_eq!(got.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        requests(&server),
        [(
            "GET".into(),
            "/v1.0/users/kim@contoso.com/todo/lists/list-1/tasks/task-9/attachments/att%201/$value"
                .into()
        )]
    );
}

#[tokio::test]
async fn content_over_the_body_cap_is_a_typed_error_and_a_missing_one_is_graphs() {
    let server = Server::start(vec![
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "application/pdf".into())],
            body: "%PDF-1.7 more than sixteen bytes".into(),
        },
        Reply::json(404, NOT_FOUND),
    ])
    .await;
    let client = GraphClient::builder(Cloud::Custom {
        base_url: server.base_url.clone(),
    })
    .token_provider(StaticToken::new("test-token"))
    .max_body_bytes(16)
    .build()
    .expect("client");
    let attachments = client
        .me()
        .todo()
        .lists()
        .item("list-1")
        .tasks()
        .item("task-9")
        .attachments();
    let err = attachments.get_value("big").await.expect_err("too large");
    assert!(
        matches!(&err, Error::ResponseTooLarge { operation, limit: 16, .. }
            if operation == "me_todo_lists_tasks_attachments_get_value"),
        "{err:?}"
    );
    let err = attachments.get_value("gone").await.expect_err("404");
    let Error::Graph(graph) = &err else {
        panic!("not a Graph error: {err:?}");
    };
    assert_eq!(
        (graph.status, graph.code.as_str()),
        (404, "ErrorItemNotFound")
    );
}

/// An empty file is empty content, not a missing result: the runtime keeps a 2xx without a
/// body an error only for JSON results.
#[tokio::test]
async fn an_empty_attachment_is_empty_content() {
    let server = Server::start(vec![Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "text/plain".into())],
        body: String::new(),
    }])
    .await;
    let got = client(&server)
        .me()
        .todo()
        .lists()
        .item("list-1")
        .tasks()
        .item("task-9")
        .attachments()
        .get_value("empty")
        .await
        .expect("empty content");
    assert!(got.bytes.is_empty());
    assert_eq!(got.content_type.as_deref(), Some("text/plain"));
}

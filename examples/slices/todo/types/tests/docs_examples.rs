//! The generated types of the todo slice against the response examples of the Microsoft
//! Graph v1.0 documentation (copied verbatim from microsoftgraph/microsoft-graph-docs-contrib,
//! page named above each payload).

use graph_example_todo_types::{Importance, TaskStatus, TodoTask, TodoTaskList, WellknownListName};

/// https://learn.microsoft.com/graph/api/todotasklist-get?view=graph-rest-1.0 (response).
const TODO_TASK_LIST_GET: &str = r##"{
  "@odata.type": "#microsoft.graph.todoTaskList",
  "id": "5daae1ed-e1ed-5daa-ede1-aa5dede1aa5d",
  "displayName": "Monthly tasks",
  "isOwner": true,
  "isShared": false,
  "wellknownListName": "defaultList"
}"##;

/// https://learn.microsoft.com/graph/api/todotask-get?view=graph-rest-1.0 (response).
const TODO_TASK_GET: &str = r##"{
    "@odata.context": "https://graph.microsoft.com/beta/$metadata#tasks/$entity",
    "@odata.etag": "W/\"s8/ERWT3WEeFpBGD0bDgAA+TWq9g==\"",
    "importance": "low",
    "isReminderOn": false,
    "status": "notStarted",
    "title": "Shop for dinner",
    "createdDateTime": "2020-07-22T10:39:03.7937971Z",
    "lastModifiedDateTime": "2020-07-22T12:02:10.8835421Z",
    "categories": [
       "Important",
       "Urgent"
            ],
    "id": "721a35e2-35e2-721a-e235-1a72e2351a72",
    "body": {
        "content": "",
        "contentType": "text"
    },
    "dueDateTime": {
        "dateTime": "2020-08-25T04:00:00.0000000",
        "timeZone": "UTC"
    }
}"##;

#[test]
fn a_task_list_parses() {
    let list: TodoTaskList = serde_json::from_str(TODO_TASK_LIST_GET).unwrap();
    assert_eq!(list.id, "5daae1ed-e1ed-5daa-ede1-aa5dede1aa5d");
    assert_eq!(list.display_name.as_deref(), Some("Monthly tasks"));
    assert_eq!(list.wellknown_list_name, WellknownListName::DefaultList);
}

/// The page marks its response `"truncated": true`: it lacks `bodyLastModifiedDateTime`,
/// which the metadata declares `Nullable="false"`, so the generated type refuses it and
/// names the field. With that one property added (the only edit), the example parses.
#[test]
fn a_task_parses() {
    let err = serde_json::from_str::<TodoTask>(TODO_TASK_GET).unwrap_err();
    assert!(
        err.to_string()
            .contains("missing field `bodyLastModifiedDateTime`"),
        "{err}"
    );
    let completed = TODO_TASK_GET.replacen(
        "\"importance\"",
        "\"bodyLastModifiedDateTime\": \"2020-07-22T12:02:10.8835421Z\",\n    \"importance\"",
        1,
    );
    let task: TodoTask = serde_json::from_str(&completed).unwrap();
    assert_eq!(task.title.as_deref(), Some("Shop for dinner"));
    assert_eq!(task.importance, Importance::Low);
    assert_eq!(task.status, TaskStatus::NotStarted);
    assert_eq!(task.categories, ["Important", "Urgent"]);
    let due = task.due_date_time.expect("dueDateTime");
    assert_eq!(due.time_zone.as_deref(), Some("UTC"));
}

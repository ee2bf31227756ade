//! JSON batching (`POST /v1.0/$batch`) over real HTTP: items answer as the same single
//! requests do, Graph's limits and `dependsOn`, per-item faults, permissions and log entries.

mod support;

use graph_phone_emulator::{Emulator, FaultKind, FaultRule, RetryAfter, RunningEmulator, Tenant};
use serde_json::{Value, json};

const ALICE: &str = "11111111-1111-1111-1111-111111111111";
const BOB: &str = "22222222-2222-2222-2222-222222222222";
const CAROL: &str = "33333333-3333-3333-3333-333333333333";
const ALTERNATE: &str = "b6332ec1-7057-4abe-9331-3d72feddfe41";
const OFFICE: &str = "e37fc753-ff3b-4958-9484-eaa9425c82bc";
const MOBILE: &str = "3179e48a-750b-4051-897c-87b9720928f7";

async fn start() -> RunningEmulator {
    Emulator::builder()
        .tenant(Tenant::example())
        .start()
        .await
        .expect("emulator starts")
}

fn phones(user: &str) -> String {
    format!("/users/{user}/authentication/phoneMethods")
}

/// An item of a batch.
fn item(id: &str, method: &str, url: &str, body: Option<Value>) -> Value {
    let mut item = json!({"id": id, "method": method, "url": url});
    if let Some(body) = body {
        item["body"] = body;
        item["headers"] = json!({"Content-Type": "application/json"});
    }
    item
}

/// Posts `body` to `$batch` with `token` (if any) and `client-request-id` (if any).
async fn batch(
    emu: &RunningEmulator,
    token: Option<&str>,
    crid: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut req = support::http_client()
        .post(format!("{}/$batch", emu.base_url()))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(c) = crid {
        req = req.header("client-request-id", c);
    }
    let resp = req.send().await.expect("response");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The batch's response for item `id`.
fn response<'a>(answer: &'a Value, id: &str) -> &'a Value {
    answer["responses"]
        .as_array()
        .expect("responses")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no response for item {id}: {answer}"))
}

/// What an answer says, without what differs between two emulators or two requests: the
/// base URL (the port), the error's `innerError` (ids and date) and the id headers.
fn comparable(status: u16, headers: &Value, body: &Value, base: &str) -> Value {
    let mut body = body.clone();
    if let Some(e) = body.get_mut("error").and_then(Value::as_object_mut) {
        e.remove("innerError");
    }
    let keep = [
        "content-type",
        "location",
        "allow",
        "retry-after",
        "preference-applied",
    ];
    let headers: serde_json::Map<String, Value> = headers
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| keep.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    let text = json!({"status": status, "headers": headers, "body": body}).to_string();
    without_times(serde_json::from_str(&text.replace(base, "BASE")).unwrap())
}

/// `v` with every creation time replaced by `"TIME"` (after checking it is one): the two
/// emulators stamp their writes with the clock, which may cross a second between them.
fn without_times(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, x) in map.iter_mut() {
                    if k == "createdDateTime" || k == "created_date_time" {
                        if let Value::String(t) = x {
                            assert!(t.parse::<jiff::Timestamp>().is_ok(), "{k}: {t}");
                            *x = Value::from("TIME");
                        }
                    } else {
                        walk(x);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

#[tokio::test]
async fn items_answer_as_the_same_requests_sent_singly() {
    let batched = start().await;
    let single = start().await;
    let items = vec![
        item("list", "GET", &phones(ALICE), None),
        item(
            "create",
            "POST",
            &phones(CAROL),
            Some(json!({"phoneNumber": "+1 2065550111", "phoneType": "mobile"})),
        ),
        item(
            "update",
            "PATCH",
            &format!("{}/{OFFICE}", phones(BOB)),
            Some(json!({"phoneNumber": "+1 4255550122", "phoneType": "office"})),
        ),
        item(
            "delete",
            "DELETE",
            &format!("{}/{ALTERNATE}", phones(ALICE)),
            None,
        ),
        item(
            "again",
            "POST",
            &phones(CAROL),
            Some(json!({"phoneNumber": "+1 2065550112", "phoneType": "mobile"})),
        ),
        item("missing", "GET", &phones("nobody@contoso.com"), None),
        item("put", "PUT", &phones(ALICE), Some(json!({}))),
        item(
            "select",
            "GET",
            &format!("{}?$select=phoneType", phones(ALICE)),
            None,
        ),
        item(
            "methods",
            "GET",
            &format!("/users/{ALICE}/authentication/methods"),
            None,
        ),
        item(
            "bad-query",
            "GET",
            &format!("{}?$top=x", phones(ALICE)),
            None,
        ),
        // No leading slash, as in Graph's documentation.
        item("no-slash", "GET", &phones(BOB)[1..], None),
    ];
    let (status, answer) = batch(&batched, Some("app-rw"), None, &json!({"requests": items})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["responses"].as_array().unwrap().len(), items.len());

    let http = support::http_client();
    for it in &items {
        let url = format!(
            "{}/{}",
            single.base_url(),
            it["url"].as_str().unwrap().trim_start_matches('/')
        );
        let mut req = http
            .request(it["method"].as_str().unwrap().parse().unwrap(), url)
            .bearer_auth("app-rw");
        if let Some(body) = it.get("body") {
            req = req.json(body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers: serde_json::Map<String, Value> = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(v.to_str().unwrap())))
            .collect();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        let got = response(&answer, it["id"].as_str().unwrap());
        assert_eq!(
            comparable(
                got["status"].as_u64().unwrap() as u16,
                &got["headers"],
                got.get("body").unwrap_or(&Value::Null),
                &batched.base_url(),
            ),
            comparable(status, &Value::Object(headers), &body, &single.base_url()),
            "item {}",
            it["id"]
        );
    }
    // The statuses are what the operations give, not all the same.
    let statuses: Vec<u64> = items
        .iter()
        .map(|it| {
            response(&answer, it["id"].as_str().unwrap())["status"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        statuses,
        [200, 201, 204, 204, 409, 404, 405, 200, 200, 400, 200]
    );
    let tenant =
        |emu: &RunningEmulator| without_times(serde_json::to_value(emu.handle().tenant()).unwrap());
    assert_eq!(tenant(&batched), tenant(&single));
}

#[tokio::test]
async fn at_most_twenty_requests() {
    let emu = start().await;
    let items = |n: usize| -> Value {
        let items: Vec<Value> = (0..n)
            .map(|i| item(&i.to_string(), "GET", &phones(ALICE), None))
            .collect();
        json!({"requests": items})
    };
    let (status, answer) = batch(&emu, Some("app-read"), None, &items(21)).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["code"], "BadRequest");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most 20")
    );
    // Nothing ran: only the batch is in the log.
    let log = emu.handle().requests();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].route.as_deref(), Some("$batch"));

    let (status, answer) = batch(&emu, Some("app-read"), None, &items(20)).await;
    assert_eq!(status, 200);
    let responses = answer["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 20);
    assert!(responses.iter().all(|r| r["status"] == 200));
}

#[tokio::test]
async fn duplicate_ids_are_400_and_nothing_is_applied() {
    let emu = start().await;
    let body = json!({"requests": [
        item("x", "DELETE", &format!("{}/{ALTERNATE}", phones(ALICE)), None),
        item("X", "GET", &phones(ALICE), None),
    ]});
    let (status, answer) = batch(&emu, Some("app-rw"), None, &body).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["code"], "BadRequest");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("requests[1]")
    );
    assert!(
        emu.handle()
            .user(ALICE)
            .unwrap()
            .phone(graph_phone_emulator::PhoneType::AlternateMobile)
            .is_some()
    );
}

#[tokio::test]
async fn depends_on_orders_the_items_and_a_failed_dependency_is_424() {
    let emu = start().await;
    let body = json!({"requests": [
        item("1", "POST", &phones(CAROL), Some(json!({"phoneNumber": "+1 2065550111", "phoneType": "mobile"}))),
        // Graph wants a mobile before an alternateMobile: this works only after item 1.
        {"id": "2", "dependsOn": ["1"], "method": "POST", "url": phones(CAROL),
         "headers": {"Content-Type": "application/json"},
         "body": {"phoneNumber": "+1 2065550112", "phoneType": "alternateMobile"}},
        // A second alternateMobile fails...
        {"id": "3", "dependsOn": ["2"], "method": "POST", "url": phones(CAROL),
         "headers": {"Content-Type": "application/json"},
         "body": {"phoneNumber": "+1 2065550113", "phoneType": "alternateMobile"}},
        // ...so this delete does not run, nor what depends on it.
        {"id": "4", "dependsOn": ["3"], "method": "DELETE", "url": format!("{}/{MOBILE}", phones(CAROL))},
        {"id": "5", "dependsOn": ["4", "1"], "method": "GET", "url": phones(CAROL)},
        {"id": "6", "dependsOn": ["1"], "method": "GET", "url": phones(CAROL)},
    ]});
    let (status, answer) = batch(&emu, Some("app-rw"), Some("deps"), &body).await;
    assert_eq!(status, 200, "{answer}");
    let status_of = |id: &str| response(&answer, id)["status"].as_u64().unwrap();
    assert_eq!(
        ["1", "2", "3", "4", "5", "6"].map(status_of),
        [201, 201, 409, 424, 424, 200]
    );
    let failed = &response(&answer, "4")["body"]["error"];
    assert_eq!(failed["code"], "FailedDependency");
    assert_eq!(failed["innerError"]["client-request-id"], "deps");
    assert_eq!(
        response(&answer, "4")["headers"]["client-request-id"],
        "deps"
    );
    assert_eq!(
        response(&answer, "4")["headers"]["request-id"],
        failed["innerError"]["request-id"]
    );
    // The items not run are logged too, as 424s that applied nothing.
    let log = emu.handle().requests();
    let skipped: Vec<_> = log
        .iter()
        .filter(|r| r.status == Some(424))
        .map(|r| {
            (
                r.batch_item.as_deref(),
                r.applied,
                r.client_request_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        [
            (Some("4"), false, Some("deps")),
            (Some("5"), false, Some("deps"))
        ]
    );
    let carol = emu.handle().user(CAROL).unwrap();
    assert!(
        carol
            .phone(graph_phone_emulator::PhoneType::Mobile)
            .is_some()
    );
    assert_eq!(
        response(&answer, "6")["body"]["value"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A dependency on a later (or unknown) id is a malformed batch.
    let forward = json!({"requests": [
        {"id": "a", "dependsOn": ["b"], "method": "GET", "url": phones(CAROL)},
        item("b", "GET", &phones(CAROL), None),
    ]});
    let (status, answer) = batch(&emu, Some("app-rw"), None, &forward).await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("earlier")
    );
}

#[tokio::test]
async fn a_fault_rule_applies_per_item_and_the_batch_has_its_own_route() {
    let emu = start().await;
    emu.handle().add_fault(
        FaultRule::new(
            "POST",
            "phoneMethods",
            FaultKind::TooManyRequests {
                retry_after: Some(RetryAfter::Seconds(7.0)),
            },
        )
        .times(1),
    );
    let create = |id: &str, number: &str, kind: &str| {
        item(
            id,
            "POST",
            &phones(CAROL),
            Some(json!({"phoneNumber": number, "phoneType": kind})),
        )
    };
    let body = json!({"requests": [
        create("a", "+1 2065550111", "mobile"),
        item("b", "GET", &phones(ALICE), None),
        create("c", "+1 2065550112", "office"),
    ]});
    let (status, answer) = batch(&emu, Some("app-rw"), None, &body).await;
    assert_eq!(status, 200, "{answer}");
    let a = response(&answer, "a");
    assert_eq!(a["status"], 429);
    assert_eq!(a["headers"]["retry-after"], "7");
    assert_eq!(a["body"]["error"]["code"], "TooManyRequests");
    assert_eq!(response(&answer, "b")["status"], 200);
    assert_eq!(response(&answer, "c")["status"], 201);
    let carol = emu.handle().user(CAROL).unwrap();
    assert!(
        carol
            .phone(graph_phone_emulator::PhoneType::Mobile)
            .is_none()
    );
    assert!(
        carol
            .phone(graph_phone_emulator::PhoneType::Office)
            .is_some()
    );

    // `*` rules reach the items, not the batch; a `$batch` rule reaches the batch itself.
    emu.handle().clear_faults();
    emu.handle().add_fault(
        FaultRule::new(
            "*",
            "*",
            FaultKind::ServiceUnavailable { retry_after: None },
        )
        .times(1),
    );
    let gets = json!({"requests": [item("1", "GET", &phones(ALICE), None), item("2", "GET", &phones(ALICE), None)]});
    let (status, answer) = batch(&emu, Some("app-rw"), None, &gets).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(response(&answer, "1")["status"], 503);
    assert_eq!(response(&answer, "2")["status"], 200);
    emu.handle().clear_requests();
    emu.handle().add_fault(
        FaultRule::new(
            "POST",
            "$batch",
            FaultKind::TooManyRequests {
                retry_after: Some(RetryAfter::Seconds(3.0)),
            },
        )
        .times(1),
    );
    let resp = support::http_client()
        .post(format!("{}/$batch", emu.base_url()))
        .bearer_auth("app-rw")
        .header("content-type", "application/json")
        .body(gets.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "3");
    let log = emu.handle().requests();
    assert_eq!(log.len(), 1, "no item ran: {log:?}");
    assert_eq!(log[0].fault.as_deref(), Some("429"));
}

#[tokio::test]
async fn each_item_is_authorized_with_the_batchs_token() {
    let emu = start().await;
    let body = json!({"requests": [
        item("read", "GET", &phones(ALICE), None),
        {"id": "write", "method": "DELETE", "url": format!("{}/{ALTERNATE}", phones(ALICE)),
         // An item's own Authorization header does not replace the batch's token.
         "headers": {"Authorization": "Bearer app-rw"}},
    ]});
    let (status, answer) = batch(&emu, Some("app-read"), None, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(response(&answer, "read")["status"], 200);
    assert_eq!(response(&answer, "write")["status"], 403);
    assert!(
        emu.handle()
            .user(ALICE)
            .unwrap()
            .phone(graph_phone_emulator::PhoneType::AlternateMobile)
            .is_some()
    );

    let (status, answer) = batch(&emu, None, None, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(response(&answer, "read")["status"], 401);
    assert_eq!(response(&answer, "write")["status"], 401);
}

#[tokio::test]
async fn each_item_has_its_own_log_entry_with_the_batchs_client_request_id() {
    let emu = start().await;
    let body = json!({"requests": [
        item("first", "GET", &phones(ALICE), None),
        item("second", "DELETE", &format!("{}/{ALTERNATE}", phones(ALICE)), None),
        {"id": "third", "dependsOn": ["first"], "method": "GET", "url": format!("/users/{BOB}/authentication/methods")},
    ]});
    let (status, _) = batch(&emu, Some("app-rw"), Some("campaign-42"), &body).await;
    assert_eq!(status, 200);
    let log = emu.handle().requests();
    let seen: Vec<_> = log
        .iter()
        .map(|r| {
            (
                r.batch_item.as_deref(),
                r.method.as_str(),
                r.path_template.as_deref(),
                r.status,
                r.applied,
                r.client_request_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                Some("first"),
                "GET",
                Some("/users/{id}/authentication/phoneMethods"),
                Some(200),
                false,
                Some("campaign-42")
            ),
            (
                Some("second"),
                "DELETE",
                Some("/users/{id}/authentication/phoneMethods/{id}"),
                Some(204),
                true,
                Some("campaign-42")
            ),
            (
                Some("third"),
                "GET",
                Some("/users/{id}/authentication/methods"),
                Some(200),
                false,
                Some("campaign-42")
            ),
            (
                None,
                "POST",
                Some("/$batch"),
                Some(200),
                false,
                Some("campaign-42")
            ),
        ]
    );
    assert_eq!(log[1].user_id.as_deref(), Some(ALICE));
    // Every entry has its own request-id.
    let mut ids: Vec<&str> = log.iter().map(|r| r.request_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4);
}

#[tokio::test]
async fn malformed_batches_are_400_and_run_nothing() {
    let emu = start().await;
    let cases: Vec<(&str, String)> = vec![
        ("not JSON", "{\"requests\": [".to_string()),
        ("'requests' is missing", json!({"value": []}).to_string()),
        ("must be an array", json!({"requests": {}}).to_string()),
        (
            "absolute",
            json!({"requests": [item("1", "GET", &format!("https://graph.microsoft.com/v1.0{}", phones(ALICE)), None)]}).to_string(),
        ),
        (
            "not allowed in a batch",
            json!({"requests": [item("1", "OPTIONS", &phones(ALICE), None)]}).to_string(),
        ),
        (
            "Content-Type",
            json!({"requests": [{"id": "1", "method": "POST", "url": phones(CAROL), "body": {"phoneType": "mobile"}}]}).to_string(),
        ),
        (
            "'id' is missing",
            json!({"requests": [{"method": "GET", "url": phones(ALICE)}]}).to_string(),
        ),
    ];
    for (says, body) in cases {
        let resp = support::http_client()
            .post(format!("{}/$batch", emu.base_url()))
            .bearer_auth("app-rw")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{says}");
        let answer: Value = resp.json().await.unwrap();
        assert_eq!(answer["error"]["code"], "BadRequest", "{says}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{says}: {message}");
    }
    assert!(
        emu.handle()
            .requests()
            .iter()
            .all(|r| r.batch_item.is_none())
    );
    // The batch is POST only.
    let resp = support::http_client()
        .get(format!("{}/$batch", emu.base_url()))
        .bearer_auth("app-rw")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "POST");
}

/// A fault that closes the connection closes the batch's: the batch is not answered, the
/// items before it stay applied, and the log says so.
#[tokio::test]
async fn an_item_dropping_the_connection_drops_the_batch() {
    let emu = start().await;
    emu.handle().add_fault(
        FaultRule::new("DELETE", "phoneMethods/{id}", FaultKind::DropAfterApply).times(1),
    );
    let body = json!({"requests": [
        item("get", "GET", &phones(ALICE), None),
        item("delete", "DELETE", &format!("{}/{ALTERNATE}", phones(ALICE)), None),
        item("never", "GET", &phones(BOB), None),
    ]});
    let sent = support::http_client()
        .post(format!("{}/$batch", emu.base_url()))
        .bearer_auth("app-rw")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await;
    assert!(sent.is_err(), "the connection is closed without an answer");
    let log = emu.handle().requests();
    let seen: Vec<_> = log
        .iter()
        .map(|r| {
            (
                r.batch_item.as_deref(),
                r.status,
                r.applied,
                r.fault.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (Some("get"), Some(200), false, None),
            (Some("delete"), None, true, Some("drop-after")),
            (None, None, false, None),
        ]
    );
    assert!(
        emu.handle()
            .user(ALICE)
            .unwrap()
            .phone(graph_phone_emulator::PhoneType::AlternateMobile)
            .is_none()
    );
}

/// The `malformed` fault on an item: its body is the cut JSON, as a string.
#[tokio::test]
async fn a_malformed_item_body_is_a_string_in_a_valid_batch() {
    let emu = start().await;
    emu.handle()
        .add_fault(FaultRule::new("GET", "phoneMethods", FaultKind::MalformedJson).times(1));
    let body = json!({"requests": [item("1", "GET", &phones(ALICE), None)]});
    let (status, answer) = batch(&emu, Some("app-rw"), None, &body).await;
    assert_eq!(status, 200);
    let cut = response(&answer, "1")["body"]
        .as_str()
        .expect("a string body");
    assert!(
        cut.starts_with('{') && serde_json::from_str::<Value>(cut).is_err(),
        "{cut}"
    );
}

/// In a national cloud the batch is served under the same `/v1.0`, and an item addressing
/// what the cloud's metadata lacks gets the single request's answer.
#[tokio::test]
async fn a_national_cloud_serves_the_batch_with_its_own_routes() {
    let emu = Emulator::builder()
        .tenant(Tenant::example())
        .cloud(graph_phone_emulator::Cloud::China)
        .start()
        .await
        .unwrap();
    let body = json!({"requests": [
        item("phones", "GET", &phones(ALICE), None),
        item("methods", "GET", &format!("/users/{ALICE}/authentication/methods"), None),
    ]});
    let (status, answer) = batch(&emu, Some("app-rw"), None, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(response(&answer, "phones")["status"], 200);
    let methods = response(&answer, "methods");
    assert_eq!(methods["status"], 400);
    assert_eq!(
        methods["body"]["error"]["message"],
        "Resource not found for the segment 'methods'."
    );
}

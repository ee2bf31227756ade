//! `$select`, `$top`, `$count`, `$skiptoken` paging and the other query options.

use graph_phone_emulator::{Emulator, Tenant};
use serde_json::Value;

use crate::common::*;

async fn paged(page_size: usize) -> Ctx {
    Ctx::with(
        Emulator::builder()
            .tenant(Tenant::example())
            .page_size(page_size),
    )
    .await
}

/// Follows `@odata.nextLink` as-is; returns the pages.
async fn follow(ctx: &Ctx, first: &str, token: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut url = ctx.url(first);
    loop {
        let r = read(ctx.http.get(&url).bearer_auth(token).send().await.unwrap()).await;
        r.ok(200);
        let next = r.json["@odata.nextLink"].as_str().map(str::to_string);
        pages.push(r.json);
        match next {
            Some(n) => url = n,
            None => return pages,
        }
        assert!(pages.len() < 100, "paging does not end");
    }
}

fn ids(pages: &[Value]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p["value"].as_array().unwrap().iter())
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn select_projects_lists_and_items() {
    let ctx = Ctx::new().await;
    let r = ctx
        .get(
            "/me/authentication/phoneMethods?$select=phoneType",
            "alice-read",
        )
        .await;
    r.ok(200);
    let item = r.json["value"][0].as_object().unwrap();
    let mut keys: Vec<&String> = item.keys().collect();
    keys.sort();
    assert_eq!(keys, ["id", "phoneType"]);
    assert!(
        r.json["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/phoneMethods(phoneType)")
    );
    let r = ctx
        .get(
            &format!(
                "/me/authentication/phoneMethods/{MOBILE}?%24select=phoneNumber,%20smsSignInState"
            ),
            "alice-read",
        )
        .await;
    r.ok(200);
    assert_eq!(r.json["smsSignInState"], "ready");
    assert!(r.json.get("phoneType").is_none());
    assert!(
        r.json["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("(phoneNumber,smsSignInState)/$entity")
    );
    let r = ctx
        .get(
            "/me/authentication/methods?$select=displayName",
            "alice-read",
        )
        .await;
    let fido = r.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["@odata.type"] == "#microsoft.graph.fido2AuthenticationMethod")
        .unwrap();
    assert_eq!(fido["displayName"], "Red key");
    assert!(fido.get("model").is_none());
    let r = ctx
        .get("/me/authentication/phoneMethods?$select=*", "alice-read")
        .await;
    assert_eq!(r.json["value"][0]["phoneNumber"], "+1 2065550100");
}

#[tokio::test]
async fn bad_select_is_400() {
    let ctx = Ctx::new().await;
    for q in [
        "$select=phoneType&$select=phoneNumber",
        "$select=phoneType&$SELECT=phoneNumber",
        "$select=",
        "$select=phoneType,,id",
        "$select=emailAddress",
    ] {
        let r = ctx
            .get(
                &format!("/me/authentication/phoneMethods?{q}"),
                "alice-read",
            )
            .await;
        r.expect(400, "BadRequest");
    }
    let r = ctx
        .get(
            "/me/authentication/phoneMethods?$select=a&$select=b",
            "alice-read",
        )
        .await;
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than once")
    );
}

#[tokio::test]
async fn server_page_size_forces_many_pages_and_next_links_keep_the_query() {
    let ctx = paged(1).await;
    let pages = follow(
        &ctx,
        "/me/authentication/methods?$select=id&custom=kept",
        "alice-read",
    )
    .await;
    assert_eq!(pages.len(), 11);
    let all = ctx.get("/me/authentication/methods", "alice-read").await;
    let expected: Vec<String> = all.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        expected.len(),
        1,
        "the server page size applies without $top too"
    );
    let unpaged = Ctx::new()
        .await
        .get("/me/authentication/methods", "alice-read")
        .await;
    let every: Vec<String> = unpaged.json["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids(&pages), every);
    for page in &pages[..10] {
        let next = page["@odata.nextLink"].as_str().unwrap();
        assert!(
            next.starts_with(&format!(
                "{}/me/authentication/methods?",
                ctx.emu.base_url()
            )),
            "{next}"
        );
        assert!(next.contains("$select=id"));
        assert!(next.contains("custom=kept"));
        assert_eq!(next.matches("$skiptoken=").count(), 1);
    }
    assert!(pages[10].get("@odata.nextLink").is_none());
    // Phones page too.
    let phones = follow(&ctx, "/me/authentication/phoneMethods", "alice-read").await;
    assert_eq!(ids(&phones), [MOBILE, ALTERNATE]);
}

#[tokio::test]
async fn top_sets_the_page_size_and_count_comes_first_page_only() {
    let ctx = Ctx::new().await;
    let pages = follow(
        &ctx,
        "/me/authentication/methods?$top=4&$count=true",
        "alice-read",
    )
    .await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p["value"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [4, 4, 3]);
    assert_eq!(pages[0]["@odata.count"], 11);
    assert!(pages[1].get("@odata.count").is_none());
    assert!(pages[1]["@odata.context"].is_string());
    // $top below the server page size wins; above it, the server page size wins.
    let ctx = paged(3).await;
    let r = ctx
        .get("/me/authentication/methods?$top=2", "alice-read")
        .await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 2);
    let r = ctx
        .get("/me/authentication/methods?$top=50", "alice-read")
        .await;
    assert_eq!(r.json["value"].as_array().unwrap().len(), 3);
    let r = ctx
        .get("/me/authentication/methods?$top=0", "alice-read")
        .await;
    assert_eq!(r.json["value"], serde_json::json!([]));
    assert!(r.json.get("@odata.nextLink").is_none());
    let empty = ctx.get(&user_path(BOB, "emailMethods"), "app-read").await;
    assert_eq!(empty.json["value"], serde_json::json!([]));
    assert!(empty.json.get("@odata.nextLink").is_none());
}

#[tokio::test]
async fn bad_paging_options_are_400() {
    let ctx = paged(2).await;
    let first = ctx.get("/me/authentication/methods", "alice-read").await;
    let next = first.json["@odata.nextLink"].as_str().unwrap().to_string();
    let token = next.split("$skiptoken=").nth(1).unwrap().to_string();
    for q in [
        "$top=abc".to_string(),
        "$top=-1".to_string(),
        "$count=yes".to_string(),
        "$skiptoken=garbage".to_string(),
        // A token from one collection is not valid for another.
        format!("$skiptoken={token}"),
    ] {
        ctx.get(
            &format!("/me/authentication/phoneMethods?{q}"),
            "alice-read",
        )
        .await
        .expect(400, "BadRequest");
    }
    // Nor for another user's collection.
    ctx.get(
        &format!("{}?$skiptoken={token}", user_path(BOB, "methods")),
        "app-read",
    )
    .await
    .expect(400, "BadRequest");
    ctx.get(
        &format!("/me/authentication/methods?$skiptoken={token}"),
        "alice-read",
    )
    .await
    .ok(200);
    // Collection-only options on an item.
    ctx.get(
        &format!("/me/authentication/phoneMethods/{MOBILE}?$top=1"),
        "alice-read",
    )
    .await
    .expect(400, "BadRequest");
}

#[tokio::test]
async fn other_options() {
    let ctx = Ctx::new().await;
    for q in [
        "$filter=phoneType eq 'mobile'",
        "$orderby=id",
        "$expand=x",
        "$skip=1",
        "$bogus=1",
    ] {
        ctx.get(
            &format!("/me/authentication/phoneMethods?{q}"),
            "alice-read",
        )
        .await
        .expect(400, "BadRequest");
    }
    // Parameters without `$` are ignored.
    ctx.get(
        "/me/authentication/phoneMethods?select=nothing&top=x",
        "alice-read",
    )
    .await
    .ok(200);
    // Query options on writes are refused.
    let r = ctx
        .post(
            &user_path(ALICE, "phoneMethods?$select=id"),
            "app-rw",
            serde_json::json!({"phoneNumber": "+1 4255550100", "phoneType": "office"}),
        )
        .await;
    r.expect(400, "BadRequest");
    ctx.call(
        "POST",
        &format!("/me/authentication/phoneMethods/{MOBILE}/disableSmsSignIn?$top=1"),
        Some("alice-rw"),
        None,
    )
    .await
    .expect(400, "BadRequest");
    assert!(ctx.emu.handle().requests().iter().all(|r| !r.applied));
}

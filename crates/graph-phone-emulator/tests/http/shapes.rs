//! Response shapes: Graph's rule for evolvable enum members after `unknownFutureValue`
//! (`Prefer: include-unknown-enum-members`), and query values as HTTP clients send them.

use graph_phone_emulator::{Emulator, MethodKind, Tenant};
use serde_json::{Value, json};

use crate::common::*;

const PREFER: &str = "include-unknown-enum-members";

/// The example tenant where Alice's FIDO2 key, platform credential, Windows Hello key and
/// operation hold members Graph added after the metadata (so after `unknownFutureValue`).
fn future_tenant() -> Tenant {
    let mut tenant = Tenant::example();
    let alice = &mut tenant.users[0];
    let set = |items: &mut Vec<graph_phone_emulator::JsonObject>, key: &str, value: &str| {
        items[0].insert(key.into(), json!(value));
    };
    let fido2 = alice.methods.get_mut(&MethodKind::Fido2Methods).unwrap();
    set(fido2, "attestationLevel", "someFutureLevel");
    set(fido2, "passkeyType", "synced");
    let platform = alice
        .methods
        .get_mut(&MethodKind::PlatformCredentialMethods)
        .unwrap();
    set(platform, "platform", "someFuturePlatform");
    // keyStrength has no unknownFutureValue: not evolvable, served as stored.
    set(platform, "keyStrength", "someFutureStrength");
    set(&mut alice.operations, "status", "someFutureStatus");
    tenant
}

async fn get_with(ctx: &Ctx, path: &str, prefer: Option<&str>) -> Resp {
    let mut req = ctx.http.get(ctx.url(path)).bearer_auth("alice-read");
    if let Some(p) = prefer {
        req = req.header("prefer", p);
    }
    read(req.send().await.unwrap()).await
}

/// The first item of a list, or the entity of a get.
fn first(r: &Resp) -> &Value {
    r.json.get("value").map_or(&r.json, |v| &v[0])
}

#[tokio::test]
async fn members_after_unknown_future_value_need_the_prefer_header() {
    let ctx = Ctx::with(Emulator::builder().tenant(future_tenant())).await;
    let fido2 = Tenant::example().users[0].methods[&MethodKind::Fido2Methods][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cases = [
        (
            "fido2Methods".to_string(),
            "attestationLevel",
            "someFutureLevel",
        ),
        (
            format!("fido2Methods/{fido2}"),
            "attestationLevel",
            "someFutureLevel",
        ),
        (
            "platformCredentialMethods".to_string(),
            "platform",
            "someFuturePlatform",
        ),
        ("operations".to_string(), "status", "someFutureStatus"),
    ];
    for (rest, property, member) in &cases {
        let path = format!("/me/authentication/{rest}");
        let plain = get_with(&ctx, &path, None).await;
        plain.ok(200);
        assert_eq!(first(&plain)[*property], "unknownFutureValue", "{path}");
        assert_eq!(plain.header("preference-applied"), None, "{path}");
        let opted = get_with(&ctx, &path, Some(PREFER)).await;
        opted.ok(200);
        assert_eq!(first(&opted)[*property], *member, "{path}");
        assert_eq!(opted.header("preference-applied"), Some(PREFER), "{path}");
    }
    // Members up to the sentinel are served either way; an enum without the sentinel is not
    // evolvable and is served as stored.
    let plain = get_with(&ctx, "/me/authentication/fido2Methods", None).await;
    assert_eq!(first(&plain)["passkeyType"], "synced");
    let plain = get_with(&ctx, "/me/authentication/platformCredentialMethods", None).await;
    assert_eq!(first(&plain)["keyStrength"], "someFutureStrength");

    // The polymorphic collection applies the rule per item type.
    let methods = get_with(&ctx, "/me/authentication/methods", None).await;
    let item = |r: &Resp, ty: &str| -> Value {
        r.json["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["@odata.type"] == format!("#microsoft.graph.{ty}"))
            .cloned()
            .unwrap()
    };
    assert_eq!(
        item(&methods, "fido2AuthenticationMethod")["attestationLevel"],
        "unknownFutureValue"
    );
    assert_eq!(
        item(&methods, "platformCredentialAuthenticationMethod")["platform"],
        "unknownFutureValue"
    );
    // The preference among others, in any case, and in a second Prefer header.
    for prefer in [
        "odata.maxpagesize=5, Include-Unknown-Enum-Members",
        "return=minimal;x=1,include-unknown-enum-members",
    ] {
        let opted = get_with(&ctx, "/me/authentication/methods", Some(prefer)).await;
        assert_eq!(
            item(&opted, "fido2AuthenticationMethod")["attestationLevel"],
            "someFutureLevel",
            "{prefer}"
        );
    }
    let two = ctx
        .http
        .get(ctx.url("/me/authentication/operations"))
        .bearer_auth("alice-read")
        .header("prefer", "odata.maxpagesize=5")
        .header("prefer", PREFER)
        .send()
        .await
        .unwrap();
    let two = read(two).await;
    assert_eq!(first(&two)["status"], "someFutureStatus");
    // A preference that only starts like it is not it.
    let other = get_with(
        &ctx,
        "/me/authentication/operations",
        Some("include-unknown-enum-members-x"),
    )
    .await;
    assert_eq!(first(&other)["status"], "unknownFutureValue");
}

#[tokio::test]
async fn top_is_an_int32_of_digits() {
    let ctx = Ctx::new().await;
    for ok in ["0", "2147483647"] {
        ctx.get(
            &format!("/me/authentication/methods?$top={ok}"),
            "alice-read",
        )
        .await
        .ok(200);
    }
    for bad in [
        "2147483648",
        "99999999999999999999",
        "%2B1",
        "-0",
        "1e3",
        "%201",
    ] {
        ctx.get(
            &format!("/me/authentication/methods?$top={bad}"),
            "alice-read",
        )
        .await
        .expect(400, "BadRequest");
    }
}

#[tokio::test]
async fn select_takes_plus_as_a_space() {
    let ctx = Ctx::new().await;
    let r = ctx
        .get(
            "/me/authentication/phoneMethods?$select=id,+phoneType",
            "alice-read",
        )
        .await;
    r.ok(200);
    assert_eq!(r.json["value"][0]["phoneType"], "mobile");
    assert!(r.json["value"][0].get("phoneNumber").is_none());
    // Only spaces are trimmed around the names, as spec/openapi.json's pattern allows.
    ctx.get(
        "/me/authentication/phoneMethods?$select=id,%09phoneType",
        "alice-read",
    )
    .await
    .expect(400, "BadRequest");
    // FIDO2's publicKeyCredential is a property of the type, so it may be selected.
    ctx.get(
        "/me/authentication/fido2Methods?$select=publicKeyCredential",
        "alice-read",
    )
    .await
    .ok(200);
}

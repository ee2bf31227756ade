//! Concurrent requests are serialised on the tenant.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn simultaneous_creates_of_one_type_give_one_201() {
    let ctx = Ctx::new().await;
    for round in 0..5 {
        let path = user_path(GINA, "phoneMethods");
        let body = json!({"phoneNumber": format!("+1 42555501{round:02}"), "phoneType": "mobile"});
        let (a, b) = tokio::join!(
            ctx.post(&path, "app-rw", body.clone()),
            ctx.post(&path, "app-rw", body.clone())
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "{} / {}", a.text, b.text);
        ctx.delete(
            &user_path(GINA, &format!("phoneMethods/{MOBILE}")),
            "app-rw",
        )
        .await
        .ok(204);
    }
    // A wider burst over separate connections.
    let path = user_path(GINA, "phoneMethods");
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let http = client();
            let url = ctx.url(&path);
            tokio::spawn(async move {
                http.post(url)
                    .bearer_auth("app-rw")
                    .json(&json!({"phoneNumber": format!("+1 42555502{i:02}"), "phoneType": "office"}))
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            201 => created += 1,
            409 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 1);
    let applied = ctx
        .emu
        .handle()
        .requests()
        .iter()
        .filter(|r| r.applied && r.method == "POST")
        .count();
    assert_eq!(applied, 6);
}

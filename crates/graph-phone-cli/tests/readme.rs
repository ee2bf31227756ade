//! The campaign of the workspace README ("A campaign, from CSV to report"): its
//! `desired.csv`, its commands run as written (in a fresh directory, against the emulator's
//! example tenant, with the environment the README sets), and the outputs it shows.

mod common;

use common::{command, emulator, output, temp_dir};
use graph_phone_emulator::{PhoneType, SmsSignInState};

/// The fenced block after `<!-- cli-test: NAME -->`.
fn block(readme: &str, name: &str) -> String {
    let marker = format!("<!-- cli-test: {name} -->");
    let start = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README.md has no {marker}"));
    let rest = &readme[start + marker.len()..];
    let open = rest.find("```").expect("a fenced block after the marker");
    let body_start = open + rest[open..].find('\n').unwrap() + 1;
    let end = body_start + rest[body_start..].find("```").expect("the block ends");
    rest[body_start..end].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_campaign_runs_as_written() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("the workspace README");
    let emu = emulator().await;
    let dir = temp_dir("readme");
    std::fs::write(dir.join("desired.csv"), block(&readme, "desired.csv")).unwrap();

    let commands = block(&readme, "commands");
    let mut outputs = Vec::new();
    for line in commands.lines().filter(|l| !l.trim().is_empty()) {
        let mut words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words.remove(0), "graph-phone", "{line}");
        // `> FILE` redirects stdout.
        let redirect = match words.iter().position(|w| *w == ">") {
            Some(i) => {
                let file = words[i + 1];
                words.truncate(i);
                Some(file)
            }
            None => None,
        };
        let mut cmd = command();
        cmd.current_dir(&dir)
            .env("GRAPH_PHONE_BASE_URL", emu.base_url())
            .env("GRAPH_PHONE_TOKEN", "app-rw")
            .args(&words);
        let out = output(cmd).await;
        assert_eq!(out.code, 0, "{line}: {out:?}");
        if let Some(file) = redirect {
            std::fs::write(dir.join(file), &out.stdout).unwrap();
        }
        outputs.push((line.to_owned(), out));
    }
    assert_eq!(outputs.len(), 4, "{commands}");
    assert!(outputs[1].0.contains(" plan "));
    assert_eq!(outputs[1].1.stdout, block(&readme, "plan"));
    assert!(outputs[2].0.contains(" apply "));
    assert_eq!(outputs[2].1.stdout, block(&readme, "apply"));
    // stderr is not a terminal here: no progress bar, nothing else on it.
    assert_eq!(outputs[1].1.stderr, "");
    assert_eq!(outputs[2].1.stderr, "");

    // The files it says it writes.
    let before = std::fs::read_to_string(dir.join("before.csv")).unwrap();
    assert!(before.starts_with("user,mobile,alternateMobile,office,smsSignIn\nalice@contoso.com,+1 2065550100,+1 2065550101,,enabled\n"), "{before}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["runs"].as_array().unwrap().len(), 2);
    for user in report["users"].as_array().unwrap() {
        assert_eq!(user["outcome"]["outcome"], "applied", "{user}");
    }

    // And the tenant is as the file says.
    let h = emu.handle();
    let carol = h.user("carol@contoso.com").unwrap();
    assert_eq!(
        carol.phone(PhoneType::Mobile).unwrap().state(),
        SmsSignInState::Ready
    );
    assert_eq!(
        carol
            .phone(PhoneType::AlternateMobile)
            .unwrap()
            .phone_number,
        "+1 2065550124"
    );
    assert!(
        h.user("alice@contoso.com")
            .unwrap()
            .phone(PhoneType::AlternateMobile)
            .is_none()
    );
    let bob = h.user("bob@contoso.com").unwrap();
    assert_eq!(
        bob.phone(PhoneType::Mobile).unwrap().phone_number,
        "+44 7700900123"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    emu.shutdown().await;
}

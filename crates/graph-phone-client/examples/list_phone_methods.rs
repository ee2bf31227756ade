//! Lists a user's phone methods.
//!
//! Against a local emulator it starts itself (the default; user `alice@contoso.com`):
//!
//! ```sh
//! cargo run -p graph-phone-client --example list_phone_methods
//! ```
//!
//! Against real Microsoft Graph, with an access token that has
//! `UserAuthenticationMethod.Read.All` (application) or `.Read` (delegated, for yourself):
//!
//! ```sh
//! cargo run -p graph-phone-client --example list_phone_methods -- \
//!     --token "$TOKEN" --user kim@contoso.com [--cloud global|usgov-l4|usgov-l5|china]
//! ```
//!
//! Numbers are printed masked (last two digits only).

use futures::StreamExt;
use graph_phone_client::{Cloud, Error, GraphClient, StaticToken};

fn usage() -> ! {
    eprintln!(
        "usage: list_phone_methods [--token TOKEN --user ID_OR_UPN [--cloud global|usgov-l4|usgov-l5|china]]"
    );
    std::process::exit(2)
}

fn mask(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(2)..].iter().collect();
    format!("******{tail}")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut token = None;
    let mut user = None;
    let mut cloud = Cloud::Global;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--token" => token = Some(value()),
            "--user" => user = Some(value()),
            "--cloud" => {
                cloud = match value().as_str() {
                    "global" => Cloud::Global,
                    "usgov-l4" => Cloud::UsGovL4,
                    "usgov-l5" => Cloud::UsGovL5Dod,
                    "china" => Cloud::China,
                    _ => usage(),
                }
            }
            _ => usage(),
        }
    }

    // Keeps the emulator running while we use it.
    let mut _emulator = None;
    let (builder, user) = match (token, user) {
        (Some(token), Some(user)) => (
            GraphClient::builder(cloud).token_provider(StaticToken::new(token)),
            user,
        ),
        (None, None) => {
            let emu = graph_phone_emulator::Emulator::builder()
                .tenant(graph_phone_emulator::Tenant::example())
                .start()
                .await?;
            eprintln!("started a local emulator at {}", emu.base_url());
            let builder = GraphClient::builder(Cloud::Custom {
                base_url: emu.base_url(),
            })
            .token_provider(StaticToken::new("app-read"));
            _emulator = Some(emu);
            (builder, "alice@contoso.com".to_owned())
        }
        _ => usage(),
    };
    let client = builder.build()?;
    let mut phones = Vec::new();
    let mut listing = std::pin::pin!(client.user(user).phone_methods().list());
    while let Some(next) = listing.next().await {
        match next {
            Ok(phone) => phones.push(phone),
            // One method that does not decode (say, a value newer than this client): name it
            // and list the others.
            Err(Error::Item { error, .. }) => eprintln!("skipped: {error}"),
            Err(e) => return Err(e.into()),
        }
    }
    for phone in &phones {
        println!(
            "{:<40} {:<16} {:<12} sms sign-in: {}",
            phone.id,
            phone
                .phone_type
                .as_ref()
                .map(|t| t.to_string())
                .unwrap_or_default(),
            phone.phone_number.as_deref().map(mask).unwrap_or_default(),
            phone
                .sms_sign_in_state
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default(),
        );
    }
    println!("{} phone method(s)", phones.len());
    Ok(())
}

//! Resets a user's password and waits for the long-running operation to end.
//!
//! Against a local emulator it starts itself, as the Authentication Administrator of its
//! example tenant (token `carol-admin`):
//!
//! ```sh
//! cargo run -p graph-phone-client --example reset_password
//! ```
//!
//! resetPassword (<https://learn.microsoft.com/graph/api/authenticationmethod-resetpassword>)
//! is called on the password method's fixed id, by an administrator for another user (not on
//! one's own account), with delegated `UserAuthenticationMethod.ReadWrite.All`. Without
//! `newPassword` the service generates one and returns it in the `202 Accepted`; the client
//! then polls the `Location` (`/users/{id}/authentication/operations/{id}`) until the
//! operation `succeeded` or `failed`.

use graph_phone_client::{Cloud, GraphClient, ResetPasswordRequest, StaticToken};
use graph_phone_emulator::{Emulator, Tenant};

/// The id of every user's password authentication method.
const PASSWORD_METHOD: &str = "28c10230-6103-485e-b985-444c60001490";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder()
        .tenant(Tenant::example())
        .start()
        .await?;
    let client = GraphClient::builder(Cloud::Custom {
        base_url: emulator.base_url(),
    })
    .token_provider(StaticToken::new("carol-admin"))
    .build()?;

    let methods = client.user("alice@contoso.com").methods();
    // Without newPassword: the service generates one. To choose it, set
    // `body.new_password = Some(...)` (redacted in Debug, never logged).
    let body = ResetPasswordRequest::default();
    let finished = methods.reset_password(PASSWORD_METHOD, &body).await?;
    let status = finished.result.status.as_ref().map(ToString::to_string);
    println!("reset {}", status.unwrap_or_default());
    if let Some(generated) = finished.accepted.and_then(|b| b.new_password) {
        // Hand it to the user through a secure channel; never print it in a real program.
        println!("a password of {} characters was generated", generated.len());
    }
    Ok(())
}

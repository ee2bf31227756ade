//! The generated sharepoint-settings client (rooted at the `admin` singleton, through the
//! `sharepoint` hop) over HTTP against a loopback server: method, URL (no key at all),
//! body, and a Graph error body becoming the typed error.
//!
//! Payloads are the Microsoft Graph v1.0 documentation's examples (named above each),
//! copied from microsoftgraph/microsoft-graph-docs-contrib.

#[path = "../../../todo/client/tests/loopback/mod.rs"]
mod loopback;

use graph_example_sharepoint_settings_client::{
    Cloud, Error, GraphClient, SharepointSettingsUpdate, SharingCapabilities, StaticToken,
};
use loopback::{Reply, Server};

/// https://learn.microsoft.com/graph/api/sharepointsettings-update?view=graph-rest-1.0, the
/// request.
const UPDATE_REQUEST: &str = r##"{
    "deletedUserPersonalSiteRetentionPeriodInDays": 365,
    "excludedFileExtensionsForSyncApp": [".mp3"],
    "imageTaggingOption": "enhanced",
    "isLegacyAuthProtocolsEnabled": true,
    "isSitesStorageLimitAutomatic": false,
    "isSyncButtonHiddenOnPersonalSite": false,
    "isUnmanagedSyncAppForTenantRestricted": false,
    "personalSiteDefaultStorageLimitInMB": 120000
}"##;

/// https://learn.microsoft.com/graph/api/sharepointsettings-get?view=graph-rest-1.0, the
/// response's object (the page wraps it in `value` and marks it truncated), with the `id`
/// the metadata requires of every entity and one `allowedDomainGuidsForSyncApp` entry: the
/// page's second one (`ad31vb6b-5zd0-...`) is not a GUID.
const SETTINGS: &str = r##"{
    "@odata.type": "#microsoft.graph.sharepointSettings",
    "id": "settings",
    "allowedDomainGuidsForSyncApp": [
        "bdd1ab9b-3fd0-4def-a761-ec8d7471732c"
    ],
    "availableManagedPathsForSiteCreation": [
        "/sites/",
        "/teams/"
    ],
    "deletedUserPersonalSiteRetentionPeriodInDays": 344,
    "excludedFileExtensionsForSyncApp": [
        ".md",
        ".git"
    ],
    "idleSessionSignOut": {
        "isEnabled": true,
        "warnAfterInSeconds": 120,
        "signOutAfterInSeconds": 300
    },
    "imageTaggingOption": "basic",
    "isCommentingOnSitePagesEnabled": true,
    "isFileActivityNotificationEnabled": true,
    "isLegacyAuthProtocolsEnabled": false,
    "isLoopEnabled": true,
    "isMacSyncAppEnabled": false,
    "isRequireAcceptingUserToMatchInvitedUserEnabled": true,
    "isResharingByExternalUsersEnabled": true,
    "isSharePointMobileNotificationEnabled": true,
    "isSharePointNewsfeedEnabled": true,
    "isSiteCreationEnabled": true,
    "isSiteCreationUIEnabled": true,
    "isSitePagesCreationEnabled": true,
    "isSitesStorageLimitAutomatic": true,
    "isSyncButtonHiddenOnPersonalSite": true,
    "isUnmanagedSyncAppForTenantRestricted": true,
    "personalSiteDefaultStorageLimitInMB": 113664,
    "sharingAllowedDomainList" : [
        "contoso.com",
        "fabrikam.com"
    ],
    "sharingBlockedDomainList" : [
        "contoso.com",
        "fabrikam.com"
    ],
    "sharingCapability": "externalUserAndGuestSharing",
    "sharingDomainRestrictionMode": "allowList",
    "siteCreationDefaultManagedPath": "/sites/",
    "siteCreationDefaultStorageLimitInMB": 808034,
    "tenantDefaultTimezone": "(UTC-05:00) Eastern Time (US and Canada)"
}"##;

/// An authorization failure, in the shape of https://learn.microsoft.com/graph/errors.
const DENIED: &str = r##"{
  "error": {
    "code": "accessDenied",
    "message": "Access denied",
    "innerError": {
      "request-id": "7d4e2d8a-4b5d-4a37-9f0c-6c2f0f9b1a11",
      "date": "2024-01-10T08:00:00"
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

#[tokio::test]
async fn the_singletons_settings_are_read_and_updated_without_a_key() {
    let server = Server::start(vec![Reply::json(200, SETTINGS), Reply::no_content()]).await;
    let settings = client(&server).admin().sharepoint().settings();
    let read = settings.get().await.expect("read");
    assert_eq!(
        read.sharing_capability,
        Some(SharingCapabilities::ExternalUserAndGuestSharing)
    );
    let update: SharepointSettingsUpdate =
        serde_json::from_str(UPDATE_REQUEST).expect("the documented request");
    settings.update(&update).await.expect("updated");
    let received = server.received();
    let seen: Vec<(&str, &str)> = received
        .iter()
        .map(|r| (r.method.as_str(), r.target.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", "/v1.0/admin/sharepoint/settings"),
            ("PATCH", "/v1.0/admin/sharepoint/settings"),
        ]
    );
    let documented: serde_json::Value = serde_json::from_str(UPDATE_REQUEST).unwrap();
    assert_eq!(received[1].body, documented);
}

#[tokio::test]
async fn a_graph_error_body_becomes_the_typed_error() {
    let server = Server::start(vec![Reply::json(403, DENIED)]).await;
    let err = client(&server)
        .admin()
        .sharepoint()
        .settings()
        .get()
        .await
        .expect_err("403");
    let Error::Graph(graph) = &err else {
        panic!("not a Graph error: {err:?}");
    };
    assert_eq!((graph.status, graph.code.as_str()), (403, "accessDenied"));
}
